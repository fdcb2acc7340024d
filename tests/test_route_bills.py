"""Each way a provider bills a fine-tune, worked by hand: an hourly fee per deployed model (Azure OpenAI), a
minimum a job and storage a month (Mistral, Amazon Bedrock), provisioned model units billed every hour
(Bedrock), the volume at which provisioned capacity becomes the cheaper, and a host's dedicated endpoint.

The fixture table ``bravo`` has round prices; its assumptions give 700 hours a month, a peak of twice the
average request rate and 3 iterations. The worked scenario sends 10,000 requests a month of 100 system +
100 input = 200 prompt tokens and 50 output tokens, and trains on 500 examples x 400 tokens x 2 epochs =
0.4 million tokens a run, over 3 months.
"""

from __future__ import annotations

import re

import pytest
from conftest import line, worked

from planner import ScenarioError, estimate, scenario_from_dict
from planner.analysis.routes import route_dict, route_options

approx = pytest.approx


def fine_tune(book, **block):
    scenario = worked(**{"approaches.fine_tune": {**worked().approaches.fine_tune.written(), **block}})
    return estimate(scenario, book).approaches["fine_tune"]


def test_an_hourly_fee_for_each_deployed_tuned_model_is_billed_every_hour(book):
    result = fine_tune(book, model="bravo/deployed")
    hosting = line(result, "Tuned-model deployment (billed every hour deployed)")
    # 1 deployment x 700 h x $2.00 = $1,400.00 a month, used or not; 3 months: $4,200.00.
    assert (hosting.quantity, hosting.unit, hosting.amount) == (approx(700), "deployment-hours", approx(1_400.00))
    assert hosting.horizon_amount == approx(4_200.00)
    # The tokens are billed on top: 10,000 x 200 = 2 M input x $1 + 10,000 x 50 = 0.5 M output x $2.
    assert line(result, "Input tokens").amount == approx(2.00)
    assert line(result, "Output tokens").amount == approx(1.00)
    # 0.4 M training tokens x $10 = $4.00 a run, 3 runs.
    assert line(result, "Training runs (3)").amount == approx(12.00)


def test_a_job_below_the_minimum_is_billed_the_minimum_and_storage_every_month(book):
    result = fine_tune(book, model="bravo/stored")
    runs = line(result, "Training runs (3)")
    # 0.4 M tokens x $4.00 = $1.60, below the $4.00 minimum: billed as 1 M tokens, $4.00 a run.
    assert runs.quantity == approx(3 * 1.0) and runs.amount == approx(12.00)
    assert "the minimum of 4.00 USD a job bills at least 1 million tokens" in runs.quantity_basis
    storage = line(result, "Tuned-model storage")
    assert (storage.amount, storage.horizon_amount) == (approx(2.00), approx(6.00))


@pytest.mark.parametrize(("term", "per_hour"), [("none", 20.00), ("1_month", 15.00), ("6_month", 10.00)])
def test_provisioned_capacity_bills_model_units_every_hour_at_its_term(book, term, per_hour):
    result = fine_tune(book, model="bravo/units", provisioned_term=term)
    units = line(result, {"none": "Provisioned throughput (no commitment)",
                          "1_month": "Provisioned throughput (1-month commitment)",
                          "6_month": "Provisioned throughput (6-month commitment)"}[term])
    # Peak: 10,000 / (700 h x 60) x 2 = 0.476 requests a minute: 95 input tokens a minute (of 1,000 a unit)
    # and 24 output tokens (of 100): one unit, 700 unit-hours a month.
    assert (units.quantity, units.unit) == (approx(700), "model-unit hours")
    assert units.amount == approx(700 * per_hour)
    assert not [li for li in result.lines if li.item in ("Input tokens", "Output tokens")]  # not sold per token


def test_model_units_grow_with_the_peak_output_rate(book):
    scenario = worked(**{"approaches.fine_tune.model": "bravo/units", "workload.requests_per_month": 1_000_000})
    units = line(estimate(scenario, book).approaches["fine_tune"], "Provisioned throughput (no commitment)")
    # 1,000,000 / 42,000 x 2 = 47.6 requests a minute x 50 output tokens = 2,381 a minute / 100 a unit = 23.8:
    # 24 units (the input, 9,524 a minute / 1,000, needs only 10), x 700 h x $20.
    assert units.quantity == approx(24 * 700) and units.amount == approx(24 * 700 * 20.00)


def test_where_both_are_sold_the_cheaper_is_planned_and_the_break_even_volume_is_given(book):
    # Per token: 200 x $1 + 50 x $2 per million = $0.0003 a request. One unit: 700 h x $1 = $700 a month, and it
    # serves min(100,000 / 200, 10,000 / 50) = 200 requests a minute at the peak, 200 x 60 x 700 / 2 = 4,200,000
    # a month. Break-even: 700 / 0.0003 = 2,333,333 requests a month, within one unit's capacity.
    low = fine_tune(book, model="bravo/both")
    assert {li.item for li in low.lines if li.category == "inference"} == {"Input tokens", "Output tokens"}
    basis = line(low, "Input tokens").quantity_basis
    assert "per token: the cheaper over the horizon" in basis
    assert ("provisioned capacity becomes the cheaper above about 2,333,333 requests a month (one model unit, "
            "700.00 USD a month, serves up to about 4,200,000)") in basis
    high = estimate(worked(**{"approaches.fine_tune.model": "bravo/both", "workload.requests_per_month": 3_000_000}),
                    book).approaches["fine_tune"]
    # At 3,000,000 requests: $900 a month per token against one unit's $700.
    assert line(high, "Provisioned throughput (no commitment)").amount == approx(700.00)
    told = fine_tune(book, model="bravo/both", capacity="provisioned")
    assert "provisioned: as the scenario's capacity says" in line(
        told, "Provisioned throughput (no commitment)").quantity_basis


def test_a_capacity_the_provider_does_not_sell_is_refused_at_the_field(book):
    with pytest.raises(ScenarioError, match=re.escape("approaches.fine_tune.capacity: bravo/deployed fine-tuning "
                                                      "sells no provisioned capacity: set capacity to per_token")):
        estimate(worked(**{"approaches.fine_tune.model": "bravo/deployed", "approaches.fine_tune.capacity":
                           "provisioned"}), book)
    with pytest.raises(ScenarioError, match="bravo/units fine-tuning is not served per token: set capacity to "
                                            "provisioned"):
        estimate(worked(**{"approaches.fine_tune.model": "bravo/units", "approaches.fine_tune.capacity":
                           "per_token"}), book)
    with pytest.raises(ScenarioError, match=re.escape("approaches.fine_tune.provisioned_term: bravo/both fine-tuning "
                                                      "sells no provisioned capacity with a 6-month commitment")):
        estimate(worked(**{"approaches.fine_tune.model": "bravo/both", "approaches.fine_tune.capacity": "provisioned",
                           "approaches.fine_tune.provisioned_term": "6_month"}), book)


def test_a_model_the_host_does_not_serve_serverless_goes_on_a_dedicated_endpoint_by_the_hour(book):
    result = fine_tune(book, route="provider_hosted", host="bravo", model="test-1b", method="lora")
    endpoint = line(result, "Dedicated endpoint (on demand)")
    # One replica of a 1B model on one 80 GB GPU serves the month: 1 instance x 700 h x $3.00 = $2,100.00.
    assert (endpoint.quantity, endpoint.unit, endpoint.amount) == (approx(700), "instance-hours", approx(2_100.00))
    assert result.serves_with == "test-1b (LoRA) on bravo/endpoint"
    # Training at the host's band: 0.4 M tokens x $1.00 = $0.40 a run.
    assert line(result, "Training runs (3)").amount == approx(1.20)
    # On the same schedules as own GPUs: business hours, 200 h.
    office = fine_tune(book, route="provider_hosted", host="bravo", model="test-1b", serving_schedule="business_hours")
    assert line(office, "Dedicated endpoint (on demand)").amount == approx(200 * 3.00)


def test_a_full_fine_tune_by_a_host_is_trained_at_its_full_band_and_served_on_a_dedicated_endpoint(book):
    result = fine_tune(book, route="provider_hosted", host="bravo", model="test-1b", method="full")
    # 0.4 M tokens x $2.00 (the full band) = $0.80 a run, 3 runs; served as the LoRA is, 700 h x $3.00.
    assert line(result, "Training runs (3)").amount == approx(2.40)
    assert line(result, "Dedicated endpoint (on demand)").amount == approx(2_100.00)
    assert result.serves_with == "test-1b (full) on bravo/endpoint"


def test_a_host_listing_the_base_for_serverless_lora_bills_it_per_token(book):
    result = fine_tune(book, route="provider_hosted", host="acme", model="test-1b")
    assert line(result, "Input tokens").unit_price == approx(0.40)  # acme/open-small's price
    assert not [li for li in result.lines if li.category == "hosting"]


def test_the_routes_list_gives_each_routes_bill_as_data(book):
    scenario = worked(**{"approaches.fine_tune.model": "bravo/deployed"})
    options = route_options(scenario, book)
    labels = [option.label for option in options]
    assert labels[0] == "As in the scenario"
    assert {"Bravo (test): stored fine-tuned", "Bravo (test): units fine-tuned", "test-1b LoRA by Bravo (test), "
            "dedicated endpoint", "test-1b LoRA by Acme (test), per token"} <= set(labels)
    data = route_dict(options[0], 10_000)
    hosting = next(li for li in data["lines"] if li["unit"] == "deployment-hours")
    assert (hosting["quantity"], hosting["unit_price"], hosting["amount"]) == (approx(700), 2.00, approx(1_400.00))
    assert data["buyable"] is True and data["not_buyable"] == []
    assert hosting["region"] == "uksouth" and hosting["source"] == "test fixture"
    assert {li["category"] for li in data["lines"]} <= {"training", "inference", "hosting", "retraining"}
    units = route_dict(next(o for o in options if o.label == "Bravo (test): units fine-tuned"), 10_000)
    assert [li["unit"] for li in units["lines"] if li["category"] == "inference"] == ["model-unit hours"]


# On the bundled tables, against the vendors' published figures.

def on_bundled(model):
    """The worked scenario on the bundled tables, fine-tuning ``model`` by its provider."""
    current = "openai/gpt-5.4-mini"
    return worked(**{"approaches.fine_tune.model": model, "project.judge_model": current,
                     "approaches.prompt.model": current, "approaches.rag.model": current,
                     "approaches.rag.embedding_model": "openai/text-embedding-3-small",
                     "approaches.rag.vector_db": "pinecone/standard"})


def test_azure_bills_1_70_an_hour_for_each_deployed_tuned_model(bundled):
    scenario = on_bundled("azure/gpt-4.1-mini")
    result = estimate(scenario, bundled).approaches["fine_tune"]
    # learn.microsoft.com, fine-tuning cost management: $1.70 an hour per deployment; 730 hours a month.
    assert line(result, "Tuned-model deployment (billed every hour deployed)").amount == approx(1.70 * 730)
    # Global training at $5.00 per million tokens: 0.4 M x 4 iterations (the bundled assumption) = $8.00.
    assert line(result, "Training runs (4)").amount == approx(4 * 0.4 * 5.00)
    # Tokens at the base model's prices: 2 M input x $0.40 and 0.5 M output x $1.60.
    assert line(result, "Input tokens").amount == approx(2.0 * 0.40)
    assert line(result, "Output tokens").amount == approx(0.5 * 1.60)


def test_together_serves_a_llama_lora_on_its_cheapest_dedicated_endpoint(bundled):
    scenario = on_bundled("aws/nova-micro")
    data = scenario.model_dump(mode="json")
    data["approaches"]["fine_tune"] = {**data["approaches"]["fine_tune"], "route": "provider_hosted",
                                       "host": "together", "model": "llama-3.1-8b", "method": "lora"}
    result = estimate(scenario_from_dict(data), bundled).approaches["fine_tune"]
    # docs.together.ai dedicated endpoints: 1x H100 at $3.99 an hour (its cheapest listed), 730 hours a month,
    # one replica for 10,000 requests.
    endpoint = line(result, "Dedicated endpoint (on demand)")
    assert (endpoint.quantity, endpoint.unit_price, endpoint.amount) == (approx(730), 3.99, approx(2_912.70))
    # Training at Together's LoRA band up to 16B: $0.48 per million tokens x 0.4 M x 4 runs.
    assert line(result, "Training runs (4)").amount == approx(4 * 0.4 * 0.48)


def test_bedrock_bills_nova_micro_per_token_with_storage(bundled):
    scenario = on_bundled("aws/nova-micro")
    result = estimate(scenario, bundled).approaches["fine_tune"]
    # AWS blog (2026-04-16): training $0.001 per 1,000 tokens; storage $1.95 a model a month; Nova Micro's
    # $0.000035 / $0.00014 per 1,000 input / output tokens. The bundled assumptions plan 4 iterations.
    assert line(result, "Training runs (4)").amount == approx(4 * 0.4 * 1.00)
    assert line(result, "Tuned-model storage").amount == approx(1.95)
    assert line(result, "Input tokens").amount == approx(2.0 * 0.035)
    assert line(result, "Output tokens").amount == approx(0.5 * 0.14)
