"""Life after launch, worked by hand on the fixture prices (tests/fixtures/prices).

Fixture: MLOps $120/h, ML engineer $100/h, domain expert $60/h, annotator $30/h, privacy reviewer $80/h;
judge acme/chat $1 in, $4 out per million tokens. Assumptions: MLOps 2 h a month behind an API, 5 h on own
GPUs; upkeep 1 h, +3 h with retrieval; online evaluation of 0.1 of requests at 1,000 + 100 judge tokens;
20 flagged outputs at 3 minutes; privacy review 10 h; redaction 0.6 min an example; model registry 7 h;
a base-model change redoes 0.2 of the examples.
"""

from __future__ import annotations

import dataclasses
import datetime
import math

import pytest
from conftest import SELF_HOSTED_FIXTURE, line, worked

from planner import ScenarioError, estimate
from planner.costs.retirements import add_months

approx = pytest.approx
DEFAULTS = {"operations": {}}  # the worked scenario turns operations off; these tests take the defaults


def _ops(result):
    return {li.item: li for li in result.lines if li.category == "operations"}


def test_every_approach_runs_with_people_and_online_evaluation(book):
    result = estimate(worked(**DEFAULTS), book)
    prompt = _ops(result.approaches["prompt"])
    assert prompt["MLOps: on-call, monitoring and incidents"].amount == approx(240.00)  # 2 h x $120
    assert prompt["Upkeep of prompts, pipelines and evaluation set"].amount == approx(100.00)  # 1 h x $100
    # 10,000 requests x 0.1 = 1,000 judged x 1,000 tokens = 1 M x $1; x 100 tokens = 0.1 M x $4
    assert prompt["Online evaluation: LLM judge input tokens"].amount == approx(1.00)
    assert prompt["Online evaluation: LLM judge output tokens"].amount == approx(0.40)
    assert prompt["Online evaluation: expert review of flagged outputs"].amount == approx(60.00)  # 20 x 3 / 60 x $60
    assert sum(li.amount for li in prompt.values()) == approx(401.40)
    # every month of the 3-month horizon
    assert sum(li.horizon_amount for li in prompt.values()) == approx(3 * 401.40)
    # RAG keeps a retrieval pipeline current too: (1 + 3) h x $100
    rag = _ops(result.approaches["rag"])
    assert rag["Upkeep of prompts, pipelines and evaluation set"].amount == approx(400.00)
    for name in ("fine_tune", "hybrid"):
        assert set(_ops(result.approaches[name])) == set(prompt)


def test_own_gpus_take_more_mlops_hours(book):
    scenario = worked(**DEFAULTS, **{"approaches.fine_tune": SELF_HOSTED_FIXTURE})
    ops = _ops(estimate(scenario, book).approaches["fine_tune"])
    assert ops["MLOps: on-call, monitoring and incidents"].amount == approx(600.00)  # 5 h x $120


def test_scenario_overrides_take_precedence(book):
    scenario = worked(**{"operations": {"mlops_hours_per_month": 10, "engineer_hours_per_month": 0.5,
                                        "online_eval_share": 0.5, "flagged_reviews_per_month": 40}})
    ops = _ops(estimate(scenario, book).approaches["rag"])
    assert ops["MLOps: on-call, monitoring and incidents"].amount == approx(1_200.00)  # 10 h x $120
    assert ops["Upkeep of prompts, pipelines and evaluation set"].amount == approx(50.00)  # 0.5 h, no retrieval extra
    assert ops["Online evaluation: LLM judge input tokens"].amount == approx(5.00)  # 5,000 x 1,000 = 5 M x $1
    assert ops["Online evaluation: expert review of flagged outputs"].amount == approx(120.00)  # 40 x 3 / 60 x $60


def test_services_bill_their_fee_and_usage_beyond_the_plan(book):
    scenario = worked(**{"operations.services": ["acme/trace", "acme/guard"]})
    ops = _ops(estimate(scenario, book).approaches["prompt"])
    assert ops["Service acme/trace: monthly fee"].amount == approx(10.00)
    # 10,000 requests x 2 units = 20,000 - 5,000 included = 15 thousand units x $2
    assert ops["Service acme/trace: usage beyond the plan"].amount == approx(30.00)
    assert ops["Service acme/guard: free"].amount == 0.0  # counted, and shown as free


def test_an_unknown_service_is_a_problem_at_its_place(book):
    with pytest.raises(ScenarioError, match=r"operations.services.0: 'acme/nothing' is not a service"):
        estimate(worked(**{"operations.services": ["acme/nothing"]}), book)


def test_personal_data_adds_a_privacy_review_and_a_redaction_check(book):
    result = estimate(worked(**{"operations.personal_data": True}), book)
    for name, approach in result.approaches.items():
        review = line(approach, "Privacy review (DPIA) and data-processing agreements")
        assert (review.category, review.amount) == ("compliance", approx(800.00)), name  # 10 h x $80
    # 500 examples x 0.6 min / 60 = 5 h x $30
    assert line(result.approaches["fine_tune"], "Redaction check of personal data in the examples").amount == approx(
        150.00)
    assert not [li for li in result.approaches["prompt"].lines if li.item.startswith("Redaction")]
    without = estimate(worked(), book)
    assert not [li for li in without.approaches["rag"].lines if li.category == "compliance"]


def test_fine_tuned_approaches_set_up_a_model_registry(book):
    result = estimate(worked(), book)
    assert line(result.approaches["fine_tune"], "Model registry and retraining pipeline").amount == approx(840.00)
    assert not [li for li in result.approaches["rag"].lines if li.item == "Model registry and retraining pipeline"]


# A base-model change redoes: a run (0.4 M x $10 = $4), its engineer hours (2 h x $100 = $200), an evaluation
# round (100 samples x 3 min = 5 h x $60 = $300; 0.2 M x $1 + 0.02 M x $4 = $0.28) and 0.2 of the examples
# (100 written: 10 h x $60 = $600 writing, 5 h x $30 = $150 formatting): $1,254.28 in its month.
CHANGE = 4 + 200 + 300 + 0.28 + 600 + 150


def _changes(approach):
    return [li for li in approach.lines if li.item.startswith("Base-model change:")]


def test_a_set_cadence_of_base_model_changes_bills_each_in_its_month(book):
    result = estimate(worked(**{"operations.base_model_change_every_months": 2}), book).approaches["fine_tune"]
    changes = _changes(result)
    # a 3-month horizon: one change, in month 2
    assert [sum(li.monthly_amounts[m] for li in changes) for m in range(3)] == [0, approx(CHANGE), 0]
    assert all("month 2: operations.base_model_change_every_months (2)" in li.quantity_basis for li in changes)


def test_a_tuned_model_retiring_inside_the_plan_is_tuned_again_in_that_month(book):
    today = datetime.date(2026, 1, 1)
    weeks = estimate(worked(), book, today).approaches["fine_tune"].weeks_to_production
    launch = today + datetime.timedelta(days=math.ceil(weeks * 7))
    retires = add_months(launch, 1) + datetime.timedelta(days=5)  # in the second month after launch
    table = book.tables["acme"]
    chat = table.models["chat"]
    tuned = chat.fine_tuning.model_copy(update={"deprecation_date": retires})
    dated = dataclasses.replace(book, tables={**book.tables, "acme": table.model_copy(update={"models": {
        **table.models, "chat": chat.model_copy(update={"fine_tuning": tuned})}})})
    result = estimate(worked(), dated, today)
    changes = _changes(result.approaches["fine_tune"])
    assert [sum(li.monthly_amounts[m] for li in changes) for m in range(3)] == [0, approx(CHANGE), 0]
    assert f"base model retires on {retires.isoformat()} (in month 2)" in changes[0].quantity_basis
    # retiring after the horizon: nothing to redo within it
    late = dataclasses.replace(dated, tables={**dated.tables, "acme": table.model_copy(update={"models": {
        **table.models, "chat": chat.model_copy(update={"fine_tuning": tuned.model_copy(
            update={"deprecation_date": add_months(launch, 4)})})}})})
    assert _changes(estimate(worked(), late, today).approaches["fine_tune"]) == []
    # no change for the approaches that are not fine-tuned
    assert _changes(result.approaches["prompt"]) == []
