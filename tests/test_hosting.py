"""Hosting a fine-tuned model as teams buy it, worked by hand on the fixture prices.

acme serves test-1b (1e9 parameters) per token at $0.40 in / $0.80 out (acme/open-small) and tunes it
with LoRA at $2 per million training tokens, at least $5 a job. acme/gpu1 (one g100): $2.00 an hour
on demand, $1.50 reserved for a year, $0.80 spot. Assumptions: 700 hours a month, 200 business hours,
a 30-second cold start, target utilisation 0.5, peak 2x the average.
"""

from __future__ import annotations

import pytest
from conftest import SELF_HOSTED_FIXTURE, line, worked

from planner import ScenarioError, estimate

approx = pytest.approx
HOSTED = {"route": "provider_hosted", "host": "acme", "model": "test-1b", "method": "lora",
          "system_prompt_tokens": 100, "examples": 500, "tokens_per_example": 400, "epochs": 2}


def test_a_serverless_lora_bills_training_by_band_and_tokens_at_the_hosts_price(book):
    result = estimate(worked(**{"approaches.fine_tune": HOSTED}), book).approaches["fine_tune"]
    # training: 500 x 400 x 2 = 0.4 M tokens x $2 = $0.80, below the $5 minimum: $5 a run x 3 runs
    runs = line(result, "Training runs (3)")
    assert runs.amount == approx(15.00)
    assert "the minimum of 5.00 USD a job bills at least 2.5 million tokens" in runs.quantity_basis
    # serving: 10,000 x (100 system + 100 input) = 2 M x $0.40 = $0.80; 10,000 x 50 = 0.5 M x $0.80 = $0.40
    assert line(result, "Input tokens").amount == approx(0.80)
    assert line(result, "Output tokens").amount == approx(0.40)
    assert not [li for li in result.lines if li.category == "hosting"]  # no GPUs of one's own
    assert result.serves_with == "test-1b (LoRA) hosted by acme, per token"


def test_a_large_job_pays_its_tokens_not_the_minimum(book):
    scenario = worked(**{"approaches.fine_tune": {**HOSTED, "examples": 5000}})
    # 5,000 x 400 x 2 = 4 M tokens x $2 = $8 a run, above the $5 minimum, x 3 runs
    assert line(estimate(scenario, book).approaches["fine_tune"], "Training runs (3)").amount == approx(24.00)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"method": "full"}, "approaches.fine_tune.method", "acme has no full fine-tuning band"),
    ({"method": "qlora"}, "approaches.fine_tune.method", "tunes LoRA adapters or the full model, not QLoRA"),
    ({"model": "test-1b-big"}, "approaches.fine_tune.model", "no open model"),
    ({"host": "nohost"}, "approaches.fine_tune.host", "unknown provider 'nohost'"),
])
def test_what_a_host_cannot_do_is_said_at_its_field(book, changes, field, message):
    with pytest.raises(ScenarioError, match=f"{field}: .*{message}"):
        estimate(worked(**{"approaches.fine_tune": {**HOSTED, **changes}}), book)


def test_provider_hosted_needs_a_host(book):
    hosted = {k: v for k, v in HOSTED.items() if k != "host"}
    with pytest.raises(ScenarioError, match=r"fine_tune\.host: required field is missing on route provider_hosted"):
        worked(**{"approaches.fine_tune": hosted})


def _serving(book, **changes):
    scenario = worked(**{"approaches.fine_tune": {**SELF_HOSTED_FIXTURE, **changes}})
    result = estimate(scenario, book).approaches["fine_tune"]
    return next(li for li in result.lines if li.category == "hosting"), result


def test_a_business_hours_schedule_bills_those_hours_and_packs_the_traffic_into_them(book):
    hosting, result = _serving(book, serving_schedule="business_hours")
    # one instance x 200 business hours x $2 (against 700 x $2 = $1,400 always on)
    assert hosting.amount == approx(400.00)
    # 10,000 requests in 200 hours: 0.01389 a second on average, 2x at the peak
    assert result.sizing.serving.peak_requests_per_second[0] == approx(10_000 / (200 * 3600) * 2)


def test_a_reservation_bills_every_hour_at_its_price(book):
    hosting, _ = _serving(book, purchase="reserved")
    assert hosting.item == "Serving instances (reserved 1 year)"
    assert hosting.amount == approx(1_050.00)  # 700 h x $1.50
    # even on a business-hours schedule: a reservation is paid whether used or not
    assert _serving(book, purchase="reserved", serving_schedule="business_hours")[0].amount == approx(1_050.00)


def test_spot_bills_the_spot_price_and_warns(book):
    hosting, _ = _serving(book, purchase="spot")
    assert hosting.amount == approx(560.00)  # 700 h x $0.80
    assert "can be interrupted" in hosting.quantity_basis


def test_a_purchase_option_without_a_price_is_refused(book):
    with pytest.raises(ScenarioError, match=r"approaches.fine_tune.purchase: acme.gpu_instances.gpu8 has no "
                                            r"reserved_per_hour"):
        estimate(worked(**{"approaches.fine_tune": {**SELF_HOSTED_FIXTURE, "serving_gpu": "acme/gpu8",
                                                     "purchase": "reserved"}}), book)


def test_scale_to_zero_bills_only_busy_replica_hours_and_notes_the_cold_start(book):
    hosting, result = _serving(book, serving_schedule="scale_to_zero")
    replica = result.sizing.serving.replica
    # a replica serves 4 requests every 133.8 ms = 29.9 a second (test_cost_model); at the 0.5 target:
    # 29.9 x 3,600 x 0.5 = 53,812 requests a busy hour; 10,000 requests = 0.1858 h x $2
    busy_hours = 10_000 / (4 / 0.1338 * 3600 * 0.5)
    assert replica.requests_per_second == approx(4 / 0.1338)
    assert hosting.quantity == approx(busy_hours)
    assert hosting.amount == approx(busy_hours * 2.00)
    assert "30 s" in hosting.quantity_basis and "cold start" in hosting.quantity_basis


def test_the_replica_batch_says_why_it_is_what_it_is(book):
    _, result = _serving(book)
    replica = result.sizing.serving.replica
    # the fixture's cap of 4 binds before the g100's memory and the 1,000 ms latency target
    assert replica.batch == 4
    assert replica.batch_reason.startswith("batch 4 set by the engine's cap")
