"""People effort: engineering hours by role, priced at the team's rates (training data: ``training_data``)."""

from __future__ import annotations

from planner.core.draws import nonzero
from planner.costs.costing import Costing
from planner.costs.lines import PERSON_HOURS, Approach, LineItem

MINUTES_PER_HOUR = 60

# Engineering work items each approach needs: (item, assumption holding its hours, role).
BUILD_WORK: dict[Approach, list[tuple[str, str, str]]] = {
    "prompt": [("Prompt design", "prompt_design_hours", "ml_engineer")],
    "rag": [("RAG pipeline", "rag_pipeline_hours", "ml_engineer")],
    "fine_tune": [("Training pipeline", "training_pipeline_hours", "ml_engineer")],
    "hybrid": [
        ("RAG pipeline", "rag_pipeline_hours", "ml_engineer"),
        ("Training pipeline", "training_pipeline_hours", "ml_engineer"),
    ],
}


def build_hours(c: Costing, approach: Approach) -> float:
    """Engineering hours to build an approach before iterating (person-hours)."""
    return sum(c.value(name) for _, name, _ in BUILD_WORK[approach])


def engineering_lines(
    c: Costing, approach: Approach, self_hosted: bool, training_runs: int
) -> list[LineItem]:
    """Build, training-run and deployment hours, each at its role's rate.

    ``training_runs`` is 0 for approaches that do not train.
    """
    lines = [
        c.one_time(approach, "engineering", item, c.value(name), PERSON_HOURS, c.rate(role),
                   f"assumptions.{name}")
        for item, name, role in BUILD_WORK[approach]
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
