"""The project timeline: phases with start and end weeks, and weeks to production.

Task definition comes first. Building (engineering) and data curation then run side by side, each
lasting its person-hours over the people assigned (curation at least ``data_curation_min_weeks``);
iteration starts when both are done and lasts iterations x weeks per iteration; evaluation and
deployment follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from planner.core.draws import is_many, nonzero, shown, vmax, where
from planner.costs.costing import Costing, Work
from planner.costs.lines import PERSON_HOURS, lower_first

# The phases' names: the calendar (which phase pays for which work) and the availability checks (when training
# runs) find phases by them.
TASK_DEFINITION, BUILD, DATA_CURATION = "Task definition", "Build", "Data curation"
TRAINING_ITERATION, PROMPT_ITERATION = "Training and iteration", "Prompt and retrieval iteration"
EVALUATION, DEPLOYMENT = "Evaluation", "Deployment"


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
    c: Costing, build_hours: float, curation: Sequence[Work], iterations: int, trains: bool
) -> list[Phase]:
    """Phases of one approach.

    ``build_hours``: engineering person-hours before iterating; ``curation``: the work of curating the
    first dataset (its person-hours set the data curation phase; empty when no training data is
    prepared); ``trains``: whether the iterations are training runs (else prompt or retrieval tuning).
    """
    project = c.scenario.project
    per_week = c.value("productive_hours_per_person_week")
    task = c.value("task_definition_weeks")
    phases = [Phase(TASK_DEFINITION, 0.0, task, "assumptions.task_definition_weeks")]

    build_weeks = build_hours / (project.engineers * per_week)
    phases.append(
        Phase(BUILD, task, task + build_weeks,
              f"{build_hours:g} engineering hours / ({project.engineers} engineers x "
              f"assumptions.productive_hours_per_person_week {per_week:g})")
    )
    ready = task + build_weeks
    hours = [w for w in curation if w.unit == PERSON_HOURS]
    if nonzero(sum(w.quantity for w in hours)):
        curation_weeks, basis = curation_span(c, hours)
        phases.append(Phase(DATA_CURATION, task, task + curation_weeks, basis))
        ready = vmax(ready, task + curation_weeks)

    per_iteration = "training_iteration_weeks" if trains else "prompt_iteration_weeks"
    name = TRAINING_ITERATION if trains else PROMPT_ITERATION
    iterate_end = ready + iterations * c.value(per_iteration)
    phases.append(Phase(name, ready, iterate_end, f"{iterations} iterations x assumptions.{per_iteration}"))
    evaluation_end = iterate_end + c.value("evaluation_weeks")
    phases.append(Phase(EVALUATION, iterate_end, evaluation_end, "assumptions.evaluation_weeks"))
    phases.append(
        Phase(DEPLOYMENT, evaluation_end, evaluation_end + c.value("deployment_weeks"),
              "assumptions.deployment_weeks")
    )
    return phases


def curation_span(c: Costing, hours: Sequence[Work]) -> tuple[Any, str]:
    """Weeks the data curation phase lasts, and its basis: the first dataset's person-hours over the
    people preparing data, at least ``assumptions.data_curation_min_weeks``.

    The hours are pooled over ``project.data_preparers``: the scenario counts one team, and the published
    figures give hours by role (40-60 expert hours for 500 examples; 20-40 h of selecting, cleaning and
    formatting) but not how a team splits them, so this is the shortest the work takes with that many
    people. The minimum is the review loop's calendar time, which more people do not shorten (the
    assumption's source gives the published 2-6 weeks it comes from).

    With 30 productive hours a person-week, 116.7 hours by one person take 3.9 weeks, above a 2-week
    minimum; 49 hours by 3 people take 0.54 weeks, so the 2-week minimum sets the phase.
    """
    people = c.scenario.project.data_preparers
    per_week = c.value("productive_hours_per_person_week")
    least = c.value("data_curation_min_weeks")
    total = sum(w.quantity for w in hours)
    work_weeks = total / (people * per_week)
    parts = " + ".join(f"{lower_first(w.item)} {shown(w.quantity):.4g}" for w in hours)
    # For a range, a value without work keeps no phase (as a single estimate without work has none).
    return where(total > 0, vmax(work_weeks, least), 0.0), (
        f"first dataset's data-preparation hours ({parts} = {shown(total):.4g}) / ({shown(people)} "
        f"{'person' if not is_many(people) and people == 1 else 'people'} preparing data, sharing all of it, x "
        f"assumptions.productive_hours_per_person_week {per_week:g}) = "
        f"{shown(work_weeks):.3g} weeks; at least assumptions.data_curation_min_weeks ({least:g}), the review "
        f"loop's calendar time, which more people do not shorten")
