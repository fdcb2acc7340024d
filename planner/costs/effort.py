"""People effort: engineering hours by role, priced at the team's rates (training data: ``training_data``)."""

from __future__ import annotations

from planner.core.draws import nonzero
from planner.costs.costing import Costing
from planner.costs.lines import PERSON_HOURS, Approach, LineItem
from planner.inputs.scenario import RETRIEVES, TRAINS, ApproachKind

MINUTES_PER_HOUR = 60

# Engineering work to build each capability: (item, assumption holding its hours, role).
RETRIEVAL_BUILD = ("RAG pipeline", "rag_pipeline_hours", "ml_engineer")
TRAINING_BUILD = ("Training pipeline", "training_pipeline_hours", "ml_engineer")
PROMPT_BUILD = ("Prompt design", "prompt_design_hours", "ml_engineer")  # an approach that neither retrieves nor trains


def build_work(kind: ApproachKind) -> list[tuple[str, str, str]]:
    """The engineering work items an approach of ``kind`` needs, by what it does: retrieval, training, or
    else a designed prompt.

    >>> [item for item, _, _ in build_work("hybrid")]
    ['RAG pipeline', 'Training pipeline']
    """
    work = [*([RETRIEVAL_BUILD] if kind in RETRIEVES else []), *([TRAINING_BUILD] if kind in TRAINS else [])]
    return work or [PROMPT_BUILD]


def build_hours(c: Costing, kind: ApproachKind) -> float:
    """Engineering hours to build an approach before iterating (person-hours)."""
    return sum(c.value(name) for _, name, _ in build_work(kind))


def engineering_lines(
    c: Costing, approach: Approach, kind: ApproachKind, self_hosted: bool, training_runs: int
) -> list[LineItem]:
    """Build, training-run and deployment hours of option ``approach`` (of ``kind``), each at its role's rate.

    ``training_runs`` is 0 for approaches that do not train.
    """
    lines = [
        c.one_time(approach, "engineering", item, c.value(name), PERSON_HOURS, c.rate(role),
                   f"assumptions.{name}")
        for item, name, role in build_work(kind)
    ]
    if nonzero(training_runs):
        per_run = c.value("engineer_hours_per_training_run")
        lines.append(
            c.one_time(approach, "engineering", "Training runs: launch and analysis",
                       per_run * training_runs, PERSON_HOURS, c.rate("ml_engineer"),
                       f"assumptions.engineer_hours_per_training_run ({per_run:g}) x {training_runs} runs")
        )
    deployment = "deployment_hours_self_hosted" if self_hosted else "deployment_hours_api"
    lines.append(
        c.one_time(approach, "engineering", "Deployment and monitoring", c.value(deployment),
                   PERSON_HOURS, c.rate("mlops_engineer"), f"assumptions.{deployment}")
    )
    return lines


def person_hours(lines: list[LineItem]) -> float:
    """People hours in one-time lines (engineering, data preparation, evaluation)."""
    return sum(line.quantity for line in lines if line.unit == PERSON_HOURS and line.timing == "one_time")
