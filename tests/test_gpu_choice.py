"""Own GPUs chosen automatically: the cheapest that fits, the runner-up, the bound, and cautions, worked by hand.

Fixture prices: acme/gpu1 is one g100 (80 GiB, 100 TFLOPS bf16) at $2.00 an hour ($1.50 reserved, $0.80 spot);
acme/gpu8 is eight g100s at $16.00 an hour; bravo/endpoint is one g100 at $3.00 in eu-west-2 (London), a host's
dedicated endpoint (``endpoint_only``). Assumptions: 700 hours a month, HFU 0.5, 4 + 2 FLOPs per parameter-token
for LoRA with checkpointing, 1 hour of overhead a run. The worked scenario: 3 months, 10,000 requests a month.
"""

from __future__ import annotations

import datetime

import pytest
from conftest import REPO, SELF_HOSTED_FIXTURE, line, worked

from planner import ScenarioError, estimate

approx = pytest.approx
AUTO = {**SELF_HOSTED_FIXTURE, "training_gpu": "automatic", "serving_gpu": "automatic"}
# test-1b LoRA: 500 examples x 400 tokens x 2 epochs = 400,000 tokens x 6 FLOPs x 1e9 parameters = 2.4e15 FLOPs;
# one g100 at 100 TFLOPS x 0.5 does them in 48 s = 0.01333 h.
RUN_HOURS = 2.4e15 / (100e12 * 0.5) / 3600


def _fine_tune(book, **changes):
    return estimate(worked(**{"approaches.fine_tune": {**AUTO, **changes}}), book).approaches["fine_tune"]


def test_the_cheapest_run_trains_and_the_cheapest_instance_serves(book):
    result = _fine_tune(book)
    training, serving = result.sizing.training_choice, result.sizing.serving_choice
    # one run on gpu1: (0.01333 h + 1 h overhead) x $2 = $2.03; on gpu8: (0.01333 / 8 + 1) x $16 = $16.03
    assert (training.chosen.ref, training.chosen.cost) == ("acme/gpu1", approx((RUN_HOURS + 1) * 2))
    assert (training.runner_up.ref, training.runner_up.cost) == ("acme/gpu8", approx((RUN_HOURS / 8 + 1) * 16))
    # the endpoint is never a training candidate
    assert training.considered == 2
    # serving, always on, 3 months on demand (a horizon under a year: no reservation): 700 h x 3 x $2 = $4,200;
    # the runner-up is the $3 endpoint (one replica needs one GPU): $6,300; gpu8 bills $16 an hour
    assert (serving.chosen.ref, serving.chosen.purchase, serving.chosen.cost) == ("acme/gpu1", "on_demand",
                                                                                  approx(4_200.00))
    assert (serving.runner_up.ref, serving.runner_up.cost) == ("bravo/endpoint", approx(6_300.00))
    assert serving.bound.startswith("price")
    assert line(result, "Serving instances (on demand)").amount == approx(1_400.00)
    assert result.serves_with == "test-1b (lora) on acme/gpu1"


def test_a_horizon_of_a_year_reserves_where_that_costs_less(book):
    scenario = worked(**{"approaches.fine_tune": AUTO, "horizon_months": 12})
    result = estimate(scenario, book).approaches["fine_tune"]
    # 700 h x $1.50 reserved = $1,050 a month, against $1,400 on demand
    assert result.sizing.serving_choice.chosen.purchase == "reserved"
    assert line(result, "Serving instances (reserved 1 year)").amount == approx(1_050.00)


def test_an_oversized_choice_gets_a_caution_naming_the_cheapest(book):
    result = _fine_tune(book, training_gpu="acme/gpu8", serving_gpu="acme/gpu8")
    cautions = " | ".join(result.sizing.cautions)
    # serving: 700 h x 3 x $16 = $33,600, 8.0x the $4,200 of gpu1; training: $16.03 a run, 7.9x $2.03
    assert "serving on acme/gpu8 (8 x Test GPU) costs 33,600.00 USD over the horizon, 8.0x the cheapest" in cautions
    assert "choose automatic serving GPUs, or acme/gpu1" in cautions
    assert "training on acme/gpu8 (8 x Test GPU) costs 16.03 USD a run, 7.9x" in cautions
    # and the option's notes carry them, named
    assert any(note.startswith("Fine-tuning: serving on acme/gpu8") for note in result.notes)


def test_a_choice_within_twice_the_cheapest_gets_no_caution(book):
    # the endpoint serves for $6,300, 1.5x the cheapest: no caution about its size
    result = _fine_tune(book, serving_gpu="bravo/endpoint")
    assert not [c for c in result.sizing.cautions if "the cheapest that fits" in c]


def test_an_idle_fleet_gets_a_caution_with_the_cheaper_schedule(book):
    result = _fine_tune(book)
    used = result.sizing.serving_utilisation()
    assert used < 0.01
    scaled = _fine_tune(book, serving_schedule="scale_to_zero")
    hosting = sum(li.horizon_amount for li in scaled.lines if li.category == "hosting")
    (caution,) = [c for c in result.sizing.cautions if "busy" in c]
    assert caution.startswith("the serving replicas are under 1% busy in month 1")
    assert f"would bill {hosting:,.2f} USD over the horizon instead of 4,200.00" in caution


def test_same_as_training_serves_on_the_training_instance(book):
    result = _fine_tune(book, training_gpu="acme/gpu8", serving_gpu="same_as_training")
    assert result.sizing.serving_choice.chosen.ref == "acme/gpu8"
    assert line(result, "Serving instances (on demand)").amount == approx(700 * 16.00)


def test_a_model_one_gpu_cannot_hold_is_served_where_a_replica_fits_within_one_instance(book):
    # a layer: (2 x 8192^2 + 2 x 8192 x 1024) attention (8 KV heads of 128) + 3 x 8192 x 22016 gated MLP
    # = 0.692e9; x 70 layers + 2 x 32000 x 8192 embeddings = 48.97e9 parameters, 98 GB of bf16 weights, more
    # than one g100's 79 GiB (80 less 1 of overhead) holds, so a replica splits over 2 GPUs, which only gpu8
    # has within one instance
    big = {"layers": 70, "hidden": 8192, "heads": 64, "kv_heads": 8, "intermediate": 22016, "vocab": 32000}
    result = _fine_tune(book, model="big", architecture=big)
    serving = result.sizing.serving_choice
    assert serving.chosen.ref == "acme/gpu8"
    assert result.sizing.serving.replica.tensor_parallel == 2
    assert serving.bound == "memory (2 cheaper by the hour cannot hold it within one instance)"
    assert serving.runner_up is None


def test_residency_limits_the_search_and_says_so(book):
    # in the UK only the London endpoint is left, and it runs no training job
    scenario = worked(**{"approaches.fine_tune": AUTO, "project.data_residency": "uk"})
    with pytest.raises(ScenarioError, match=r"approaches\.fine_tune\.training_gpu: no GPU instance in the price "
                                            r"tables within United Kingdom holds lora training of test-1b"):
        estimate(scenario, book)


def test_an_endpoint_cannot_be_chosen_to_train(book):
    with pytest.raises(ScenarioError, match=r"training_gpu: bravo/endpoint is a host's dedicated endpoint"):
        _fine_tune(book, training_gpu="bravo/endpoint")


def test_the_switch_to_own_gpus_gives_one_right_sized_gpu(bundled):
    """Issue 25's walk: a scenario on the API switched to self-hosted in the sidebar. It was planned on an 8 x H100
    instance at twenty times the cost; now one GPU, and within twice the hourly price of the cheapest 24 GB GPU
    (Llama 3.1 8B's bf16 weights are 2 x 8.03e9 = 16.1 GB, which any 24 GB GPU holds)."""
    from planner import scenario_from_dict
    from ui.inputs import PREFIX, scenario_data, state_from_scenario

    data = scenario_from_dict({}).model_dump(mode="json")
    state = state_from_scenario(data, bundled, {})
    state[PREFIX + "approaches.fine_tune.route"] = "self_hosted"
    scenario = scenario_from_dict(scenario_data(data, state))
    result = estimate(scenario, bundled, datetime.date(2026, 12, 2)).approaches["fine_tune"]
    served = bundled.gpu_instance(result.sizing.serving_choice.chosen.ref).offering
    trained = bundled.gpu_instance(result.sizing.training_choice.chosen.ref).offering
    assert served.gpu_count == 1 and trained.gpu_count == 1
    small = [i.per_hour for t in bundled.tables.values() for i in t.gpu_instances.values()
             if bundled.hardware.gpus[i.gpu].memory_gib >= 24 and not i.endpoint_only]
    assert served.per_hour <= 2 * min(small)
    assert result.sizing.model == "llama-3.1-8b"


def test_the_gpu_catalogue_holds_every_instance_the_search_can_choose(bundled):
    """Every GPU instance names a GPU the hardware table has (a table that does not is left out with a problem,
    test_price_tables.py: so no problem, and every bundled table with instances loaded), and every cloud's
    instance states where it runs (a residency search needs it); only hosts' endpoints leave it unstated."""
    assert not bundled.problems
    from planner.core.errors import PricingError
    from planner.inputs.files import read_yaml
    from planner.inputs.price_tables import PriceTable

    with_instances = {path.stem for path in (REPO / "pricing").glob("*.yaml")
                      if "gpu_instances" in read_yaml(path, PricingError).data}
    assert with_instances and with_instances <= set(bundled.tables)
    for provider, table in bundled.tables.items():
        assert isinstance(table, PriceTable)
        for instance_id, instance in table.gpu_instances.items():
            assert instance.gpu in bundled.hardware.gpus, f"{provider}/{instance_id}"
            assert instance.region or instance.endpoint_only, f"{provider}/{instance_id} states no region"


BIG = {"layers": 70, "hidden": 8192, "heads": 64, "kv_heads": 8, "intermediate": 22016, "vocab": 32000}


def test_an_instance_the_search_rules_out_is_costed_as_set_with_a_caution_and_no_cost_invented(book):
    """The scenario names acme/gpu1 (one GPU) for a model whose replica needs two: the plan splits a replica over
    two instances as asked, and the caution says the search would not (with the one that fits)."""
    import json

    from planner.outputs.export import to_json

    scenario = worked(**{"approaches.fine_tune": {**AUTO, "model": "big", "architecture": BIG,
                                                  "serving_gpu": "acme/gpu1"}})
    result = estimate(scenario, book).approaches["fine_tune"]
    serving = result.sizing.serving_choice
    assert not serving.chosen.priced and serving.cheapest.ref == "acme/gpu8"
    assert serving.lines()[0] == ("serving instance set in the scenario: acme/gpu1 (it cannot hold a replica within "
                                  "the instance); the cheapest that fits is acme/gpu8 (8 x Test GPU): 33,600.00 USD "
                                  "over the horizon")
    assert ("serving on acme/gpu1: cannot hold a replica within the instance, yet it is costed as set: the cheapest "
            "that fits is acme/gpu8") in " | ".join(result.sizing.cautions)
    # two one-GPU instances a replica, always on: 2 x 700 h x $2 = $2,800 a month
    assert line(result, "Serving instances (on demand)").amount == approx(2_800.00)
    exported = to_json(estimate(scenario, book))
    assert "NaN" not in exported
    choice = json.loads(exported)["approaches"]["fine_tune"]["sizing"]["choices"][1]
    assert choice["chosen"]["cost"] is None and "cannot hold" in choice["chosen"]["unpriced_because"]


def test_a_purchase_no_instance_has_a_price_for_is_blamed_on_the_purchase(bundled):
    from planner import load_scenario

    data = load_scenario(REPO / "examples" / "brand_voice_self_hosted.yaml").model_dump(mode="json")
    data["approaches"]["fine_tune"]["purchase"] = "reserved"  # no bundled instance lists a 1-year price
    from planner import scenario_from_dict

    with pytest.raises(ScenarioError, match=r"approaches\.fine_tune\.purchase: no GPU instance in the price tables "
                                            r"that serves llama-3\.1-8b has a reserved price: buy on demand"):
        estimate(scenario_from_dict(data), bundled, datetime.date(2026, 12, 2))


def test_a_ranged_cold_start_shows_its_span_in_the_idle_caution(book):
    from planner.analysis.ranges import with_values
    from planner.core.draws import Draws

    scenario, ranged = with_values(worked(**{"approaches.fine_tune": AUTO}), book,
                                   {"assumptions.cold_start_seconds": Draws([30.0, 90.0])})
    result = estimate(scenario, ranged).approaches["fine_tune"]
    (caution,) = [c for c in result.sizing.cautions if "busy" in c]
    assert "a cold start of about 30 to 90 s after a quiet spell" in caution


def test_a_host_that_serves_the_model_per_token_is_named_in_the_idle_caution(book):
    # acme lists test-1b for serverless LoRA (acme/open-small); the worked fleet is under 1% busy
    (caution,) = [c for c in _fine_tune(book).sizing.cautions if "busy" in c]
    assert caution.endswith("; acme serve it per token, billing only the tokens")


@pytest.mark.parametrize("example", ["brand_voice_self_hosted", "uk_wealth_manager_london"])
def test_the_self_hosted_examples_plan_one_right_sized_gpu_and_say_why(bundled, example):
    """Issue 25's done-when: the bundled self-hosted example and the guides' UK case, left to choose, train and
    serve on one GPU each, and each choice names what bound it and the runner-up."""
    from planner import load_scenario

    result = estimate(load_scenario(REPO / "examples" / f"{example}.yaml"), bundled, datetime.date(2026, 12, 2))
    automatic = [r for r in result.approaches.values() if r.sizing and r.sizing.serving_choice.automatic]
    assert automatic
    for option in automatic:
        for choice in (option.sizing.training_choice, option.sizing.serving_choice):
            assert bundled.gpu_instance(choice.chosen.ref).offering.gpu_count == 1, option.label
            lines = choice.lines()
            assert "bound by" in lines[0] and lines[1].startswith(f"{choice.kind} runner-up: "), lines
        assert option.sizing.serving.replicas[0] == 1
