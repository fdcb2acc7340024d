"""Offerings a team can buy on the planning day, for the whole plan; and where each runs.

A seller's two days (closed to new customers since, no new training jobs after) are checked against the
day each line is bought: a training run in the training phase, a retraining run or base-model change in
the month after launch it falls in. Dates below are worked by hand from the phases given.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from conftest import worked

from planner import ScenarioError, estimate, scenario_from_dict
from planner.analysis.recommend import DecisionAnswers, recommend
from planner.costs.availability import why_not_buyable
from planner.costs.lines import LineItem
from planner.costs.timeline import Phase
from planner.inputs.pricebook import Sale
from planner.inputs.regions import within

UNTIL = datetime.date(2026, 6, 30)
CLOSED = datetime.date(2026, 3, 1)
SALE = Sale("bravo.models.closing.fine_tuning", None, CLOSED, UNTIL, "test fixture announcement")
# Task definition weeks 0-2, training and iteration weeks 2-5, deployment weeks 5-10: launch in week 10.
PHASES = (Phase("Task definition", 0.0, 2.0, ""), Phase("Training and iteration", 2.0, 5.0, ""),
          Phase("Deployment", 5.0, 10.0, ""))


def line(timing, amounts=(), sale=SALE):
    return LineItem("fine_tune", "training", "Training runs (3)", timing, 1.0, "million training tokens", 1.0, 1.0,
                    1.0, "USD", "bravo.models.closing.fine_tuning.training_per_million_tokens", "test", None, "",
                    monthly_amounts=tuple(amounts), sale=sale)


def test_a_training_run_after_the_last_training_day_cannot_be_planned():
    # Planned on 2026-06-01: weeks 2-5 are 2026-06-15 to 2026-07-06, past the last training day, 2026-06-30.
    why = why_not_buyable(line("one_time"), PHASES, datetime.date(2026, 6, 1), ["bravo"])
    assert why == ("bravo/closing fine-tuning takes no new training jobs after 2026-06-30 (announced: test fixture "
                   "announcement) — this line trains in weeks 2-5 (about 2026-06-15 to 2026-07-06)")
    # Planned a month earlier, the runs end on 2026-06-08: they can be.
    assert why_not_buyable(line("one_time"), PHASES, datetime.date(2026, 5, 4), ["bravo"]) == ""


def test_a_retraining_month_after_the_last_training_day_cannot_be_planned():
    # Planned on 2026-05-04: launch 10 weeks later, 2026-07-13; the run in month 2 falls on 2026-08-13.
    why = why_not_buyable(line("monthly", (0.0, 5.0, 0.0)), PHASES, datetime.date(2026, 5, 4), ["bravo"])
    assert why.endswith("this line trains from month 2 after launch (about 2026-08-13) to month 2 (about 2026-08-13)")
    assert why_not_buyable(line("monthly", (0.0, 0.0, 0.0)), PHASES, datetime.date(2026, 5, 4), ["bravo"]) == ""


def test_a_new_customer_cannot_buy_what_closed_before_it_would_start():
    # Planned on 2026-02-01: the training runs start on 2026-02-15, before the closure on 2026-03-01.
    assert why_not_buyable(line("one_time"), PHASES, datetime.date(2026, 2, 1), []) == ""
    # Planned on 2026-02-20: the runs start on 2026-03-06, after it closed to new customers on 2026-03-01.
    why = why_not_buyable(line("one_time"), PHASES, datetime.date(2026, 2, 20), [])
    assert why == ("bravo/closing fine-tuning is closed to new customers since 2026-03-01 (announced: test fixture "
                   "announcement). A team that already fine-tunes with bravo is not new to it: name bravo among the "
                   "providers it already fine-tunes with, in the scenario file's team section — this line is bought in "
                   "weeks 2-5 (about 2026-03-06 to 2026-03-27)")
    # A team that already fine-tunes with bravo is not a new customer.
    assert why_not_buyable(line("one_time"), PHASES, datetime.date(2026, 2, 20), ["bravo"]) == ""


def test_a_line_with_no_selling_days_is_always_buyable():
    assert why_not_buyable(line("one_time", sale=None), PHASES, datetime.date(2030, 1, 1), []) == ""
    plain = Sale("acme.models.chat", "us-east-1")
    assert why_not_buyable(line("one_time", sale=plain), PHASES, datetime.date(2030, 1, 1), []) == ""


def test_the_estimate_marks_the_line_and_the_option(book):
    scenario = worked(**{"approaches.fine_tune.model": "bravo/closing", "team.fine_tunes_with": ["bravo"]})
    result = estimate(scenario, book, datetime.date(2026, 6, 1)).approaches["fine_tune"]
    runs = next(li for li in result.lines if li.item == "Training runs (3)")
    assert runs.not_buyable.startswith("bravo/closing fine-tuning takes no new training jobs after 2026-06-30")
    assert result.blockers == ("bravo/closing fine-tuning takes no new training jobs after 2026-06-30 (announced: test "
                               "fixture announcement)",)
    assert not result.buyable
    # Prompt engineering buys nothing with selling days.
    assert estimate(scenario, book, datetime.date(2026, 6, 1)).approaches["prompt"].buyable


# The issue's own case: OpenAI takes no new training jobs after 2027-01-06 (developers.openai.com/api/docs/
# deprecations), and closed fine-tuning to organisations that never used it on 2026-05-07.

def openai_scenario(**changes):
    data = {"approaches": {"fine_tune": {"route": "api", "model": "openai/gpt-4.1-mini", "examples": 1000},
                           "prompt": {"model": "openai/gpt-5.4-mini"}, "rag": {"model": "openai/gpt-5.4-mini"}},
            "project": {"judge_model": "openai/gpt-5.4-mini"}}
    data.update(changes)
    return scenario_from_dict(data)


BEHAVIOUR = DecisionAnswers(goal="behaviour", prompting_exhausted=True, good_examples=1000)


@pytest.mark.parametrize("today", [datetime.date(2026, 12, 2), datetime.date(2027, 2, 1)])
def test_an_openai_fine_tune_planned_past_2027_01_06_is_not_buyable_and_never_recommended(bundled, today):
    # Even for a team that already fine-tunes on OpenAI: its training runs fall after 2027-01-06.
    scenario = openai_scenario(team={"fine_tunes_with": ["openai"]})
    result = estimate(scenario, bundled, today)
    tuned = result.approaches["fine_tune"]
    assert not tuned.buyable
    assert any(why.startswith("openai/gpt-4.1-mini fine-tuning takes no new training jobs after 2027-01-06")
               for why in tuned.blockers), tuned.blockers
    assert not result.approaches["hybrid"].buyable
    advice = recommend(BEHAVIOUR, result)
    # Behaviour, prompting pushed as far as it goes: the fine-tune would rank first, but it cannot be bought.
    assert advice.approach == "prompt"
    assert "fine_tune" not in advice.ranked and "hybrid" not in advice.ranked
    assert advice.ruled_out["fine_tune"].startswith("it cannot be bought for its whole plan: openai/gpt-4.1-mini")
    assert ("Fine-tuning would fit better, but cannot be bought for its whole plan; Prompt engineering is the best "
            "option that can") in advice.reasons


def test_a_new_customer_cannot_plan_on_openai_fine_tuning_at_all(bundled):
    result = estimate(openai_scenario(), bundled, datetime.date(2026, 12, 2))
    assert result.approaches["fine_tune"].blockers[0].startswith(
        "openai/gpt-4.1-mini fine-tuning is closed to new customers since 2026-05-07")


def test_a_buyable_fine_tune_is_recommended_as_before(bundled):
    scenario = openai_scenario(approaches={"fine_tune": {"route": "api", "model": "aws/nova-micro", "examples": 1000},
                                           "prompt": {"model": "openai/gpt-5.4-mini"},
                                           "rag": {"model": "openai/gpt-5.4-mini"}})
    result = estimate(scenario, bundled, datetime.date(2026, 12, 2))
    assert result.approaches["fine_tune"].buyable
    advice = recommend(BEHAVIOUR, result)
    assert advice.approach == "fine_tune"
    assert not any("cannot be bought" in reason for reason in advice.reasons)


# Where data must stay.

@pytest.mark.parametrize(("region", "residency", "inside"), [
    ("eu-west-2", "uk", True), ("uksouth", "uk", True), ("europe-west2", "uk", True), ("eu-central-1", "uk", False),
    ("us-gov-west-1", "us_gov", True), ("us-gov-west-1", "us", True), ("us-east-1", "us_gov", False),
    ("canadaeast", "canada", True), ("ca-central-1", "canada", True), ("northamerica-northeast1", "canada", True),
    ("us-east-1", "canada", False), ("global", "uk", False), (None, "eu", False), ("mars-1", "us", False),
    (None, "anywhere", True), ("global", "anywhere", True),
])
def test_a_region_lies_in_a_jurisdiction(region, residency, inside):
    assert within(region, residency) is inside


def options_only(fine_tune, residency):
    data = worked().model_dump(mode="json")
    data["approaches"]["fine_tune"] = fine_tune
    data["options"] = [{"name": "Tuned", "approach": "fine_tune"}]
    data["project"]["data_residency"] = residency
    return scenario_from_dict(data)


def test_an_offering_outside_the_residency_is_our_error_naming_it_and_its_region(book):
    with pytest.raises(ScenarioError) as caught:
        estimate(options_only({"route": "api", "model": "acme/chat"}, "uk"), book)
    assert str(caught.value).endswith(
        "project.data_residency: Tuned: data must stay in United Kingdom, and acme/chat fine-tuning runs in a "
        "region its seller does not state: choose an offering that runs there, leave this option out, or change "
        "where data must stay")
    with pytest.raises(ScenarioError, match="bravo/deployed fine-tuning runs in Azure UK South"):
        estimate(options_only({"route": "api", "model": "bravo/deployed"}, "canada"), book)


def test_offerings_inside_the_residency_are_accepted_and_picked(book):
    # bravo/deployed runs in Azure UK South; bravo trains LoRA and runs its dedicated endpoint in AWS London.
    assert estimate(options_only({"route": "api", "model": "bravo/deployed"}, "uk"), book).approaches["tuned"].buyable
    hosted = {"route": "provider_hosted", "host": "bravo", "model": "test-1b"}
    result = estimate(options_only(hosted, "uk"), book).approaches["tuned"]
    assert result.serves_with == "test-1b (LoRA) on bravo/endpoint"
    # Outside the UK the host has no endpoint to pick.
    with pytest.raises(ScenarioError, match="bravo has no dedicated endpoint"):
        estimate(options_only(hosted, "canada"), book)


def test_the_judge_and_the_services_are_not_held_to_the_residency(book):
    # acme/chat judges (no region): the option trains and serves in the UK, so it is accepted.
    scenario = options_only({"route": "api", "model": "bravo/deployed"}, "uk")
    assert scenario.project.judge_model == "acme/chat"
    assert estimate(scenario, book).approaches["tuned"]


def test_a_team_that_bought_before_the_closure_stays_a_customer(book):
    # Planned on 2026-01-05 (no fine_tunes_with): the training runs start in January, before the closure on
    # 2026-03-01, so serving the tuned model after launch is bought by a customer, not a new one. Retraining after
    # 2026-06-30 still cannot be planned.
    scenario = worked(**{"approaches.fine_tune.model": "bravo/closing", "approaches.fine_tune.retrain_every_months": 0})
    result = estimate(scenario, book, datetime.date(2026, 1, 5)).approaches["fine_tune"]
    assert result.buyable, result.blockers
    serving = next(li for li in result.lines if li.item == "Input tokens")
    assert serving.not_buyable == ""


def test_ranges_and_volume_sweeps_check_selling_days_and_capacity_value_by_value(book):
    from planner.analysis.ranges import breakeven_volumes, simulate, with_values
    from planner.core.draws import Draws
    from planner.inputs.scenario import Range

    dated = worked(**{"approaches.fine_tune.model": "bravo/closing", "team.fine_tunes_with": ["bravo"]})
    ranged = estimate(*with_values(dated, book, {"approaches.fine_tune.examples": Draws([100, 500, 5_000]),
                                                 "workload.requests_per_month": Draws([1e3, 1e4, 1e6])}),
                      datetime.date(2026, 6, 1)).approaches["fine_tune"]
    assert ranged.blockers and not ranged.buyable  # the training phase, at its latest, ends after 2026-06-30
    both = worked(**{"approaches.fine_tune.model": "bravo/both"})
    many = estimate(*with_values(both, book, {"workload.output_tokens": Draws([10, 50, 500]),
                                              "workload.requests_per_month": Draws([1e3, 1e4, 3e6]),
                                              "assumptions.hours_per_month": Draws([600, 700, 744]),
                                              "assumptions.peak_to_average_requests": Draws([1, 2, 5])}))
    assert np.all(np.isfinite(np.asarray(many.approaches["fine_tune"].horizon_cost, dtype=float)))
    summary = simulate(both.model_copy(update={"ranges": {"workload.output_tokens": Range(low=10, high=500)}}), book,
                       draws=200)
    assert summary["fine_tune"]["horizon_cost"].p10 <= summary["fine_tune"]["horizon_cost"].p90
    assert breakeven_volumes(both, book, max_volume=1e7) is not None


def test_buying_a_sellers_chat_model_does_not_make_a_team_a_customer_of_its_fine_tuning(book):
    # The judge, bravo/deployed, is bought from the planning day (2026-02-20), before bravo/closing's fine-tuning
    # closed on 2026-03-01; the fine-tune's own first purchase, its training runs, falls after it.
    scenario = worked(**{"approaches.fine_tune.model": "bravo/closing", "project.judge_model": "bravo/deployed"})
    result = estimate(scenario, book, datetime.date(2026, 2, 20)).approaches["fine_tune"]
    assert result.blockers[0].startswith("bravo/closing fine-tuning is closed to new customers since 2026-03-01")


def test_an_option_that_cannot_be_bought_is_never_the_cheapest(book):
    from planner.analysis.comparison import cheapest

    # At 10 million requests a month the fine-tune's 200-token prompt beats prompt engineering's 1,100 tokens and
    # RAG's 1,100 on acme's prices; but the fine-tune (and the hybrid on it) cannot be bought for the plan.
    scenario = worked(**{"approaches.fine_tune.model": "bravo/closing", "team.fine_tunes_with": ["bravo"],
                         "workload.requests_per_month": 10_000_000})
    result = estimate(scenario, book, datetime.date(2026, 6, 1))
    costs = {name: r.horizon_cost for name, r in result.approaches.items()}
    assert min(costs, key=costs.__getitem__) == "fine_tune"  # the cheapest of all, were it for sale
    assert not result.approaches["fine_tune"].buyable and not result.approaches["hybrid"].buyable
    assert cheapest(result) == ["rag"]  # the cheapest that can be bought (prompt engineering costs 74% more)
