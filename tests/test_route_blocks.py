"""Fine-tuning routes as tagged blocks: each route's block holds only its own keys, is found by ``route``,
and is served by the route class registered under the same name."""

from __future__ import annotations

import datetime
import typing

import pytest
from conftest import REPO

from planner import estimate, load_price_book
from planner.core.errors import ScenarioError
from planner.costs.fine_tune_routes import ROUTES
from planner.inputs.scenario import (
    FINE_TUNE_ROUTES,
    ApiFineTune,
    ProviderHostedFineTune,
    SelfHostedFineTune,
    fine_tune_block,
    parse_scenario,
    scenario_from_dict,
    scenario_input,
)
from planner.outputs.share import decode_scenario, encode_scenario

BOOK = load_price_book(REPO / "pricing")
SELF_HOSTED = {"route": "self_hosted", "model": "llama-3.1-8b", "training_gpu": "runpod/h100-sxm-secure"}


def test_every_route_has_a_block_and_a_class_that_serves_that_block():
    assert list(FINE_TUNE_ROUTES) == list(ROUTES) == ["api", "provider_hosted", "self_hosted"]
    for name, route in ROUTES.items():
        assert typing.get_type_hints(type(route).serve)["block"] is FINE_TUNE_ROUTES[name]


@pytest.mark.parametrize(("data", "block"), [
    ({}, ApiFineTune),  # no route: the api route, as before routes were tagged
    ({"route": "api"}, ApiFineTune),
    ({"route": "provider_hosted", "host": "together", "model": "llama-3.1-8b"}, ProviderHostedFineTune),
    (SELF_HOSTED, SelfHostedFineTune),
])
def test_a_block_is_its_routes_own_class(data, block):
    assert type(fine_tune_block(data)) is block


def test_each_route_holds_only_its_own_keys():
    api, hosted, own = (set(model.model_fields) for model in FINE_TUNE_ROUTES.values())
    assert {"training_gpu", "serving_schedule", "lora_rank", "method", "host"}.isdisjoint(api)
    assert {"training_gpu", "lora_rank"}.isdisjoint(hosted) and {"host", "endpoint"} <= hosted
    assert {"capacity", "provisioned_term"} <= api and not {"capacity", "provisioned_term"} & (hosted | own)
    assert {"host", "cached_prompt_share"}.isdisjoint(own)  # own GPUs have no provider's prompt cache


def test_another_routes_keys_are_set_aside_so_older_files_and_links_still_open():
    # Written for self-hosting, then switched to the API: the GPU keys stay in the file, and mean nothing.
    text = ("approaches:\n  fine_tune:\n    route: api\n    model: openai/gpt-4.1-mini\n"
            "    training_gpu: runpod/h100-sxm-secure\n    method: qlora\n    lora_rank: 64\n")
    kept = parse_scenario(text)
    plain = parse_scenario("approaches:\n  fine_tune:\n    route: api\n    model: openai/gpt-4.1-mini\n")
    assert kept == plain
    assert "training_gpu" not in kept.approaches.fine_tune.model_dump()
    assert estimate(kept, BOOK).approaches["fine_tune"].lines == estimate(plain, BOOK).approaches["fine_tune"].lines
    assert decode_scenario(encode_scenario(kept)) == plain


def test_a_typo_is_still_an_unknown_key():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("approaches:\n  fine_tune:\n    route: self_hosted\n    training_gpu: runpod/h100-sxm-secure\n"
                       "    lora_rnak: 8\n")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (5, "approaches.fine_tune.lora_rnak")
    assert problem.message.startswith("unknown key; did you mean lora_rank? Expected one of:")


def test_an_error_inside_a_route_is_located_at_the_files_key_without_the_tag():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("approaches:\n  fine_tune:\n    route: self_hosted\n    training_gpu: runpod/h100-sxm-secure\n"
                       "    lora_rank: 0\n")
    assert str(caught.value) == ("scenario.yaml:5: approaches.fine_tune.lora_rank: input should be greater than or "
                                 "equal to 1, got 0")


def test_an_unknown_route_names_the_routes():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("approaches:\n  fine_tune:\n    route: azure\n")
    assert str(caught.value) == ("scenario.yaml:3: approaches.fine_tune.route: route should be 'api', "
                                 "'provider_hosted' or 'self_hosted', got 'azure'")


def test_an_option_may_move_to_another_route_than_its_block():
    scenario = scenario_from_dict({
        "approaches": {"fine_tune": SELF_HOSTED},
        "options": [{"name": "Own GPUs", "approach": "fine_tune"},
                    {"name": "By API", "approach": "fine_tune",
                     "settings": {"route": "api", "model": "openai/gpt-4.1-mini"}}],
    })
    own, api = (scenario.block(plan) for plan in scenario.option_plans())
    assert type(own) is SelfHostedFineTune and type(api) is ApiFineTune
    assert api.model == "openai/gpt-4.1-mini" and not hasattr(api, "training_gpu")
    results = estimate(scenario, BOOK).approaches
    assert results["own_gpus"].self_hosted and not results["by_api"].self_hosted


def test_a_range_on_another_routes_key_says_so():
    scenario = scenario_from_dict({})
    with pytest.raises(LookupError, match="not an input on the api route"):
        scenario_input(scenario, "approaches.fine_tune.lora_rank")
    assert scenario_input(scenario_from_dict({"approaches": {"fine_tune": SELF_HOSTED}}),
                          "approaches.fine_tune.lora_rank") == 16


def test_the_inputs_offered_for_a_range_are_those_of_the_scenarios_routes():
    from planner.analysis.ranges import rangeable_inputs

    on_api = rangeable_inputs(scenario_from_dict({}))
    own = rangeable_inputs(scenario_from_dict({"approaches": {"fine_tune": SELF_HOSTED}}))
    assert "approaches.fine_tune.cached_prompt_share" in on_api and "approaches.fine_tune.lora_rank" not in on_api
    assert "approaches.fine_tune.lora_rank" in own and "approaches.fine_tune.cached_prompt_share" not in own
    assert set(rangeable_inputs()) >= set(on_api) | set(own)  # without a scenario: every route's


def test_an_option_moving_to_a_route_inherits_what_its_block_kept_for_that_route():
    """A block on the API that still holds own-GPU keys (older files and links have such blocks): an option
    moving to own GPUs inherits them, as it did when a block held every route's keys, and holds them itself
    from then on (in its dump and its link). Its figures are those of a block written that way."""
    kept = {"method": "qlora", "training_gpu": "runpod/h100-sxm-secure", "serving_schedule": "business_hours"}
    scenario = scenario_from_dict({
        "approaches": {"fine_tune": {"route": "api", "model": "openai/gpt-4.1-mini", **kept}},
        "options": [{"name": "Own GPUs", "approach": "fine_tune",
                     "settings": {"route": "self_hosted", "model": "llama-3.1-8b"}}],
    })
    (plan,) = scenario.option_plans()
    block = scenario.block(plan)
    assert isinstance(block, SelfHostedFineTune)
    assert (block.method, block.training_gpu, block.serving_schedule) == ("qlora", "runpod/h100-sxm-secure",
                                                                          "business_hours")
    assert {key: scenario.options[0].settings[key] for key in kept} == kept
    assert decode_scenario(encode_scenario(scenario)) == scenario
    same = scenario_from_dict({"approaches": {"fine_tune": {"route": "self_hosted", "model": "llama-3.1-8b", **kept}}})
    ours, theirs = estimate(scenario, BOOK).approaches["own_gpus"], estimate(same, BOOK).approaches["fine_tune"]
    assert [(li.item, li.amount) for li in ours.lines] == [(li.item, li.amount) for li in theirs.lines]


def test_a_hybrid_option_is_checked_and_costed_over_the_hybrid_blocks_route():
    """The hybrid block runs on own GPUs over an API fine-tuning block: an option of kind hybrid setting two
    own-GPU keys keeps them, and costs as a hybrid block with those keys would."""
    hybrid = {"route": "self_hosted", "model": "llama-3.1-8b", "training_gpu": "runpod/h100-sxm-secure"}
    scenario = scenario_from_dict({
        "approaches": {"hybrid": hybrid},
        "options": [{"name": "H1", "approach": "hybrid"},
                    {"name": "H2", "approach": "hybrid", "settings": {"serving_schedule": "business_hours",
                                                                     "micro_batch": 1}}],
    })
    assert scenario.options[1].settings == {"serving_schedule": "business_hours", "micro_batch": 1}
    alone = scenario_from_dict({"approaches": {"hybrid": {**hybrid, "serving_schedule": "business_hours",
                                                          "micro_batch": 1}}})
    h2, expected = estimate(scenario, BOOK).approaches["h2"], estimate(alone, BOOK).approaches["hybrid"]
    assert h2.horizon_cost == pytest.approx(expected.horizon_cost)
    assert h2.horizon_cost != pytest.approx(estimate(scenario, BOOK).approaches["h1"].horizon_cost)


def test_switching_back_to_a_route_keeps_what_was_chosen_for_it():
    from planner.inputs.option_edits import route_settings

    block = fine_tune_block(SELF_HOSTED)
    assert route_settings(BOOK, "self_hosted", {**block.written(), "route": "api"},
                          datetime.date(2026, 12, 2)) == {"route": "self_hosted"}


@pytest.mark.parametrize(("block", "field", "words"), [
    ({"route": "selfhosted"}, "approaches.fine_tune.route",
     "route should be 'api', 'provider_hosted' or 'self_hosted', got 'selfhosted'"),
    (5, "approaches.fine_tune", "expected a mapping of keys, got 5"),
    ({"route": "self_hosted", "training_gpu": "runpod/h100-sxm-secure", "architecture": {"hidden": 4096}},
     "approaches.fine_tune.architecture.layers", "required field is missing"),  # not "on route ..."
])
def test_a_route_error_says_what_was_given_where(block, field, words):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"approaches": {"fine_tune": block}})
    problems = {p.field: p.message for p in caught.value.problems}
    assert problems[field] == words


def test_the_sidebar_starts_another_routes_method_at_the_fields_default():
    from ui.inputs import PREFIX, state_from_scenario

    state = state_from_scenario(scenario_from_dict({}).model_dump(mode="json"), BOOK, {})
    assert state[PREFIX + "approaches.fine_tune.method"] == "lora"  # not the first choice, full


def test_the_sidebars_other_routes_start_where_an_options_route_switch_would():
    """The sidebar's own-GPU and hosted inputs, on a scenario on the API, start at route_settings' choices (an
    open model, GPUs chosen automatically, a host), not at the first entries of their lists."""
    from planner.inputs.option_edits import route_settings
    from ui.inputs import PREFIX, state_from_scenario

    data = scenario_from_dict({}).model_dump(mode="json")
    state = state_from_scenario(data, BOOK, {})
    today = datetime.date.today()
    own = route_settings(BOOK, "self_hosted", data["approaches"]["fine_tune"], today)
    hosted = route_settings(BOOK, "provider_hosted", data["approaches"]["fine_tune"], today)
    assert state[PREFIX + "approaches.fine_tune.model@self_hosted"] == own["model"]
    # No instance is chosen for the visitor: the estimate takes the cheapest that fits (issue 25: the first in the
    # list was an 8 x H100 instance, twenty times what an 8B model needs)
    assert "training_gpu" not in own
    assert state[PREFIX + "approaches.fine_tune.training_gpu"] == "automatic"
    assert state[PREFIX + "approaches.fine_tune.serving_gpu"] == "automatic"
    assert state[PREFIX + "approaches.fine_tune.host"] == hosted["host"]
