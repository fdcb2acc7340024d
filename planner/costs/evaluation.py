"""Evaluation in every iteration: a domain expert's review of samples, and an LLM judge's tokens."""

from __future__ import annotations

from planner.costs.costing import TOKENS_PER_MILLION, Costing, Work
from planner.costs.effort import MINUTES_PER_HOUR
from planner.costs.lines import PERSON_HOURS, Approach, LineItem
from planner.inputs.pricebook import Resolved


def evaluation_work(c: Costing, judge: Resolved, rounds: float, rounds_basis: str) -> list[Work]:
    """Human review hours and judge tokens of ``rounds`` evaluation rounds.

    150 samples x 2 minutes / 60 x 4 rounds = 20 expert hours.
    500 samples x 1,500 judge input tokens x 4 rounds = 3 million tokens.
    """
    samples = c.value("human_eval_samples_per_iteration")
    minutes = c.value("expert_minutes_per_eval_sample")
    work = [
        Work("Human review of outputs", samples * minutes / MINUTES_PER_HOUR * rounds, PERSON_HOURS,
             c.rate("domain_expert"),
             f"assumptions.human_eval_samples_per_iteration ({samples:g}) x "
             f"assumptions.expert_minutes_per_eval_sample ({minutes:g}) / 60 x {rounds_basis}")
    ]
    judged = c.value("judge_samples_per_iteration")
    for item, tokens_name, field in (
        ("LLM judge: input tokens", "judge_input_tokens_per_sample", "input_per_million_tokens"),
        ("LLM judge: output tokens", "judge_output_tokens_per_sample", "output_per_million_tokens"),
    ):
        tokens = c.value(tokens_name)
        work.append(Work(item, judged * tokens * rounds / TOKENS_PER_MILLION, "million tokens",
                         judge.price(field, "million tokens"),
                         f"assumptions.judge_samples_per_iteration ({judged:g}) x assumptions.{tokens_name} "
                         f"({tokens:g}) x {rounds_basis}"))
    return work


def evaluation_lines(c: Costing, approach: Approach, iterations: int, judge: Resolved) -> list[LineItem]:
    """An evaluation round in every iteration."""
    return [c.one_time(approach, "evaluation", w.item, w.quantity, w.unit, w.price, w.basis)
            for w in evaluation_work(c, judge, iterations, f"{iterations} iterations")]
