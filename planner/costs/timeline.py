"""The project timeline: phases with start and end weeks, and weeks to production.

Task definition comes first. Building (engineering) and data curation then run side by side, each
lasting its person-hours over the people assigned; iteration starts when both are done and lasts
iterations x weeks per iteration; evaluation and deployment follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.draws import nonzero, vmax
from planner.costs.costing import Costing


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of the project, in weeks from the start."""

    name: str
    start_week: float
    end_week: float
    basis: str

    @property
    def weeks(self) -> float:
        """Duration in weeks."""
        return self.end_week - self.start_week


def plan_phases(
    c: Costing, build_hours: float, curation_hours: float, iterations: int, trains: bool
) -> list[Phase]:
    """Phases of one approach.

    ``build_hours``: engineering person-hours before iterating; ``curation_hours``: data
    preparation person-hours (0 when no training data is prepared); ``trains``: whether the
    iterations are training runs (else prompt or retrieval tuning).
    With 30 productive hours a person-week, 116.7 curation hours by one person take 3.9 weeks.
    """
    project = c.scenario.project
    per_week = c.value("productive_hours_per_person_week")
    task = c.value("task_definition_weeks")
    phases = [Phase("Task definition", 0.0, task, "assumptions.task_definition_weeks")]

    build_weeks = build_hours / (project.engineers * per_week)
    phases.append(
        Phase("Build", task, task + build_weeks,
              f"{build_hours:g} engineering hours / ({project.engineers} engineers x "
              f"assumptions.productive_hours_per_person_week {per_week:g})")
    )
    ready = task + build_weeks
    if nonzero(curation_hours):
        curation_weeks = curation_hours / (project.data_preparers * per_week)
        phases.append(
            Phase("Data curation", task, task + curation_weeks,
                  f"{curation_hours:.4g} data-preparation hours / ({project.data_preparers} people x "
                  f"assumptions.productive_hours_per_person_week {per_week:g})")
        )
        ready = vmax(ready, task + curation_weeks)

    per_iteration = "training_iteration_weeks" if trains else "prompt_iteration_weeks"
    name = "Training and iteration" if trains else "Prompt and retrieval iteration"
    iterate_end = ready + iterations * c.value(per_iteration)
    phases.append(Phase(name, ready, iterate_end, f"{iterations} iterations x assumptions.{per_iteration}"))
    evaluation_end = iterate_end + c.value("evaluation_weeks")
    phases.append(Phase("Evaluation", iterate_end, evaluation_end, "assumptions.evaluation_weeks"))
    phases.append(
        Phase("Deployment", evaluation_end, evaluation_end + c.value("deployment_weeks"),
              "assumptions.deployment_weeks")
    )
    return phases
