"""Which approach fits: the field's decision questions, answered, turned into a recommendation with reasons.

The rules follow practitioners' fine-tuning guidance: fine-tuning changes behaviour (format,
tone, terminology) and RAG supplies knowledge; knowledge that changes often belongs in an index,
not in weights; a fine-tune needs a few hundred good examples and 3-5 iterations; prompting should
be pushed as far as it goes first; retrieval adds latency; data that must stay in-house needs a
self-hosted model. The recommendation never replaces the numbers: it cites them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from planner.costs.estimator import Estimate
from planner.costs.lines import Approach
from planner.inputs.scenario import APPROACH_KINDS, ApproachKind, Scenario
from planner.inputs.validation import STRICT

# Fewer examples than this make a fine-tune unlikely to help (OpenAI: improvements from 50-100;
# the practitioners' guide: 500-1,000 for a minimum viable dataset).
MIN_EXAMPLES_TO_FINE_TUNE = 100
EXAMPLES_FOR_A_SOLID_FINE_TUNE = 500


class DecisionAnswers(BaseModel):
    """The team's answers to the field's decision questions."""

    model_config = STRICT
    goal: Literal["knowledge", "behaviour", "both"] = Field(
        "knowledge", description="what the model lacks: facts it must look up, or a way of answering"
    )
    knowledge_changes: Literal["rarely", "monthly", "weekly"] = Field(
        "monthly", description="how often the facts it needs change"
    )
    good_examples: Annotated[int, Field(ge=0)] = Field(0, description="good input/output examples available")
    prompting_exhausted: bool = Field(False, description="prompting has been pushed as far as it goes")
    budget_for_iterations: bool = Field(True, description="there is budget for 3-5 train-evaluate cycles")
    data_must_stay_in_house: bool = Field(False, description="data may not leave own infrastructure")
    latency_budget_ms: Annotated[int, Field(ge=0)] = Field(
        2000, description="latency a request may add before the model writes its answer (retrieval, reasoning), "
                          "in ms"
    )


def default_answers(scenario: Scenario) -> DecisionAnswers:
    """The answers a scenario already gives: the examples its fine-tune budgets for."""
    return DecisionAnswers(good_examples=scenario.approaches.fine_tune.examples)


@dataclass(frozen=True)
class Recommendation:
    """The option that fits best (None when every option breaks a hard constraint), why, what rules the
    others out or weighs against them, and every option that meets the constraints, best first."""

    approach: Approach | None
    reasons: list[str]
    ruled_out: dict[Approach, str] = field(default_factory=dict)
    cautions: list[str] = field(default_factory=list)
    ranked: list[Approach] = field(default_factory=list)


def recommend(answers: DecisionAnswers, estimate: Estimate) -> Recommendation:
    """Apply the decision rules to ``answers``, citing costs and latency from ``estimate``.

    The hard constraints (the latency budget, the examples available, the budget for iterations,
    data that must stay in-house, an offering that cannot be bought for the whole plan) rule options out,
    by what they do (retrieve, train, run on own GPUs) or what they buy; the recommendation is never one of
    them, and when the option that would have fitted best cannot be bought, the reasons say so and name the
    best that can. The others are ranked by how well their kind of approach fits the goal, then by cost over
    the horizon.
    """
    ruled_out: dict[Approach, str] = {}
    cautions: list[str] = []
    results = estimate.approaches
    cur = estimate.currency

    def cost(name: Approach) -> str:
        r = results[name]
        return (f"{r.label}: {r.one_time_cost:,.0f} {cur} one-time, {r.monthly_cost:,.0f} {cur} "
                f"in month 1, {r.weeks_to_production:.1f} weeks")

    for name, result in results.items():
        if result.added_latency_ms > answers.latency_budget_ms:
            adds = " and ".join(what for what, on in (("retrieval", result.retrieves),
                                                       ("reasoning", result.reasoning_tokens_per_request)) if on)
            ruled_out[name] = (f"{adds or 'it'} adds {result.added_latency_ms:,.0f} ms, over the "
                               f"{answers.latency_budget_ms:,} ms latency budget")
    for name in (name for name, result in results.items() if result.trains):
        if answers.good_examples < MIN_EXAMPLES_TO_FINE_TUNE:
            ruled_out.setdefault(name, f"only {answers.good_examples:,} good examples; a fine-tune needs at "
                                       f"least {MIN_EXAMPLES_TO_FINE_TUNE}, and does best with "
                                       f"{EXAMPLES_FOR_A_SOLID_FINE_TUNE}+")
        elif not answers.budget_for_iterations:
            ruled_out.setdefault(name, "no budget for the 3-5 train-evaluate cycles a fine-tune needs")
    if answers.data_must_stay_in_house:
        for name, result in results.items():
            if not result.self_hosted:  # served by a hosted API
                ruled_out.setdefault(name, f"it is costed on a hosted API ({result.serves_with}), and data must "
                                           "stay on your own infrastructure; cost it on a self-hosted model "
                                           "(fine-tuning route: self-hosted)")
    # Last, so that an option broken by another rule as well is not said to fit but for its sale.
    unbuyable = [name for name, result in results.items() if result.blockers and name not in ruled_out]
    for name in unbuyable:
        ruled_out[name] = f"it cannot be bought for its whole plan: {results[name].blockers[0]}"

    wanted: list[ApproachKind]
    reasons: list[str]
    if answers.goal == "knowledge":
        wanted = ["rag", "prompt"]
        reasons = ["the model lacks knowledge, which retrieval supplies and fine-tuning does not"]
    elif answers.goal == "behaviour":
        wanted = ["fine_tune", "prompt"] if answers.prompting_exhausted else ["prompt", "fine_tune"]
        reasons = ["the model lacks a way of answering (format, tone, terminology), which fine-tuning changes"]
        if not answers.prompting_exhausted:
            reasons.append("prompting has not been pushed as far as it goes; try it first, it is the cheapest to "
                           "change")
    else:
        wanted = ["hybrid", "rag", "fine_tune", "prompt"]
        reasons = ["the model lacks both knowledge (retrieval) and a way of answering (fine-tuning)"]
    if answers.knowledge_changes == "weekly" and answers.goal != "behaviour":
        reasons.append("the knowledge changes weekly: an index updates in minutes, a retrain takes days")
    if answers.good_examples < EXAMPLES_FOR_A_SOLID_FINE_TUNE and answers.good_examples >= MIN_EXAMPLES_TO_FINE_TUNE:
        cautions.append(f"{answers.good_examples:,} examples is below the {EXAMPLES_FOR_A_SOLID_FINE_TUNE:,}-1,000 "
                        "of a minimum viable dataset; budget for writing more")

    def rank(name: Approach) -> tuple[int, float]:
        kind = results[name].kind
        fit = wanted.index(kind) if kind in wanted else len(wanted) + APPROACH_KINDS.index(kind)
        return fit, results[name].horizon_cost

    ranked = sorted((name for name in results if name not in ruled_out), key=rank)
    # The option that would have won on fit and cost had every offering been for sale, when it is not.
    unsold_best = min([*ranked, *unbuyable], key=rank, default=None)
    if unsold_best in unbuyable and ranked:
        reasons.append(f"{results[unsold_best].label} would fit better, but cannot be bought for its whole plan; "
                       f"{results[ranked[0]].label} is the best option that can")
    if not ranked:
        return Recommendation(None, ["every approach costed here breaks a hard constraint (below); change "
                                     "the scenario or the constraint"], ruled_out, cautions)
    choice = ranked[0]
    if results[choice].kind not in wanted:
        reasons.append("the preferred approaches are ruled out (below); this is the best of the rest")
    reasons.append(f"its figures: {cost(choice)}")
    return Recommendation(choice, reasons, ruled_out, cautions, ranked)
