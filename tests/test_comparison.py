"""Cumulative cost and crossovers, and the recommendation, worked by hand on the fixture prices."""

from __future__ import annotations

import datetime

import pytest
from conftest import worked
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import estimate
from planner.analysis.comparison import Crossover, cheapest, crossovers, cumulative_costs, fastest
from planner.analysis.recommend import DecisionAnswers, recommend


def test_cumulative_cost_starts_with_the_one_time_cost(book):
    prompt = estimate(worked(), book).approaches["prompt"]
    # 2,500.84 one-time, then 13.00 a month for 3 months (see test_cost_model)
    assert cumulative_costs(prompt) == pytest.approx([2_500.84, 2_513.84, 2_526.84, 2_539.84])


def test_fine_tuning_overtakes_a_long_prompt_at_volume(book):
    # 10 million requests a month. Prompt: 10e6 x (1,100 x $1 + 50 x $4) / 1e6 = $13,000 a month after
    # $2,500.84. Fine-tune: 10e6 x (200 x $2 + 50 x $8) / 1e6 = $8,000 a month after $11,352.84 (its first
    # retraining, every 4 months, falls after this 3-month horizon: test_cost_model).
    # Month 1: 15,500.84 vs 19,352.84; month 2: 28,500.84 vs 27,352.84 -> overtaken.
    result = estimate(worked(**{"workload.requests_per_month": 10_000_000}), book)
    found = crossovers(result)
    assert Crossover(2, "fine_tune", "prompt", pytest.approx(27_352.84)) in found
    assert all(c.month >= 1 for c in found)
    # RAG on the cheaper acme/plain model is cheaper still: 11,000 M input tokens x $0.50 + 500 M output x $2
    # + queries and reads = about $6,800 a month after $3,500.94.
    assert cheapest(result) == ["rag"]


def test_no_crossover_at_low_volume(book):
    result = estimate(worked(), book)
    assert [c for c in crossovers(result) if {c.cheaper, c.dearer} == {"prompt", "fine_tune"}] == []
    assert cheapest(result) == ["prompt"]
    assert fastest(result) == ["prompt"]  # 6.0 weeks (see test_timeline); RAG 6.5 is 8% slower, not a tie


@pytest.mark.parametrize(
    ("answers", "expected", "ruled_out"),
    [
        ({"goal": "knowledge"}, "rag", {"fine_tune", "hybrid"}),  # no examples: no fine-tune
        ({"goal": "behaviour", "good_examples": 1000, "prompting_exhausted": True}, "fine_tune", set()),
        ({"goal": "behaviour", "good_examples": 1000, "prompting_exhausted": False}, "prompt", set()),
        ({"goal": "both", "good_examples": 800}, "hybrid", set()),
        # too few examples: the fine-tuned approaches are out, retrieval supplies the knowledge
        ({"goal": "both", "good_examples": 40}, "rag", {"fine_tune", "hybrid"}),
        # a 200 ms latency budget rules out retrieval (300 ms in the fixture assumptions)
        ({"goal": "both", "good_examples": 800, "latency_budget_ms": 200}, "fine_tune", {"rag", "hybrid"}),
        ({"goal": "behaviour", "good_examples": 800, "prompting_exhausted": True, "budget_for_iterations": False},
         "prompt", {"fine_tune", "hybrid"}),
    ],
)
def test_recommendation(book, answers, expected, ruled_out):
    advice = recommend(DecisionAnswers(**answers), estimate(worked(), book))
    assert advice.approach == expected
    assert set(advice.ruled_out) == ruled_out
    assert any("one-time" in reason for reason in advice.reasons)  # the numbers are cited, not hidden


def test_in_house_data_rules_out_every_hosted_api_and_then_nothing_is_recommended(book):
    advice = recommend(DecisionAnswers(goal="knowledge", data_must_stay_in_house=True), estimate(worked(), book))
    assert set(advice.ruled_out) == {"prompt", "rag", "fine_tune", "hybrid"}  # all four fixture approaches: hosted
    assert "own infrastructure" in advice.ruled_out["prompt"] and "own infrastructure" in advice.ruled_out["rag"]
    assert advice.approach is None and "breaks a hard constraint" in advice.reasons[0]


def test_in_house_data_with_a_self_hosted_fine_tune_recommends_it(bundled):
    from conftest import REPO

    from planner import load_scenario

    result = estimate(load_scenario(REPO / "examples" / "brand_voice_self_hosted.yaml"), bundled)
    advice = recommend(DecisionAnswers(goal="behaviour", good_examples=1000, prompting_exhausted=True,
                                       data_must_stay_in_house=True), result)
    assert advice.approach == "fine_tune"  # self-hosted; prompt and RAG run on hosted APIs
    assert {"prompt", "rag"} <= set(advice.ruled_out)


@given(goal=st.sampled_from(["knowledge", "behaviour", "both"]),
       changes=st.sampled_from(["rarely", "monthly", "weekly"]), examples=st.integers(0, 5000),
       exhausted=st.booleans(), budget=st.booleans(), in_house=st.booleans(), latency=st.integers(0, 3000))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_recommendation_never_breaks_a_constraint_it_asked_about(book, goal, changes, examples, exhausted, budget,
                                                                     in_house, latency):
    answers = DecisionAnswers(goal=goal, knowledge_changes=changes, good_examples=examples,
                              prompting_exhausted=exhausted, budget_for_iterations=budget,
                              data_must_stay_in_house=in_house, latency_budget_ms=latency)
    result = estimate(worked(), book)
    advice = recommend(answers, result)
    if advice.approach is None:
        assert set(advice.ruled_out) == set(result.approaches)
        return
    assert advice.approach not in advice.ruled_out
    chosen = result.approaches[advice.approach]
    assert chosen.added_latency_ms <= latency
    assert not (in_house and chosen.sizing is None)
    assert not (advice.approach in ("fine_tune", "hybrid") and (examples < 100 or not budget))


def test_the_answers_start_from_the_scenario(book):
    from planner.analysis.recommend import default_answers

    assert default_answers(worked(**{"approaches.fine_tune.examples": 1200})).good_examples == 1200


def test_totals_within_the_tie_share_are_a_tie(book):
    from planner.analysis.comparison import describe_leaders, leaders

    result = estimate(worked(), book)  # horizon costs: prompt 2,539.84, rag 3,580.77 (see test_cost_model)
    prompt = result.approaches["prompt"].horizon_cost
    # A made-up figure: prompt 100, rag 104 (within 5%), fine-tune 106 (not), hybrid 200.
    figure = {"prompt": 100.0, "rag": 104.0, "fine_tune": 106.0, "hybrid": 200.0}
    assert leaders(result, lambda r: figure[r.approach]) == ["prompt", "rag"]
    assert describe_leaders(result, ["prompt", "rag"]) == (
        "Prompt engineering and RAG (a tie: within 5% of each other)")
    assert cheapest(result) == ["prompt"] and prompt == pytest.approx(2_500.84 + 3 * 13.00)


def test_an_offering_closed_to_new_customers_is_marked_in_the_comparison(bundled):
    from planner.outputs.export import summary_rows

    scenario = worked(**{"approaches.fine_tune": {"route": "api", "model": "openai/gpt-4o-mini"},
                         "approaches.prompt": {"model": "openai/gpt-4o-mini"},
                         "approaches.rag": {"model": "openai/gpt-4o-mini"},
                         "project.judge_model": "openai/gpt-4o-mini"})
    # Planned after OpenAI closed fine-tuning to new customers (2026-05-07): the fine-tune cannot be bought.
    result = estimate(scenario, bundled, datetime.date(2026, 6, 1))
    assert result.approaches["prompt"].blockers == ()
    assert result.approaches["fine_tune"].blockers == (
        "openai/gpt-4o-mini fine-tuning is closed to new customers since 2026-05-07 (announced: developers.openai.com/"
        "api/docs/deprecations: fine-tuning wind-down (organisations that never fine-tuned blocked from 2026-05-07; no "
        "new training jobs for anyone after 2027-01-06)). A team that already fine-tunes with openai is not new to it: "
        "name openai among the providers it already fine-tunes with, in the scenario file's team section",)
    runs_on = dict(summary_rows(result))["Runs on"]
    assert runs_on[2].endswith("(not buyable for its plan)") and "not buyable" not in runs_on[0]
