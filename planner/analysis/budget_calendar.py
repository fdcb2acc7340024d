"""A plan on the calendar: each option's costs in the calendar months they are paid, with quarters and
financial years, from the day work starts.

- **Build** (one-time lines) is paid while the work is done: each line is spread over the days of the phase
  its work belongs to (``BUILD_PHASES``: data preparation over data curation, the fixes after each iteration over
  the iterations, training over the iterations,
  evaluation over the iterations and the evaluation; the rest over the whole build, from the start to
  go-live), in proportion to the days of each calendar month the phase covers.
- **Run** (monthly lines): month 1 after launch starts on the go-live day, month 2 a calendar month later,
  and so on; each is booked in the calendar month it starts in. A go-live on 17 February 2027 books month 1
  (17 February - 16 March) in February 2027 and month 12 in January 2028. An event (a retraining run, an
  annual fee) is already in the month it is paid (``planner.costs.training``), so it stays a step.
- **Go-live**: the start plus the option's weeks to production (``launch_day``).
- **Financial years** start in ``project.fiscal_year_start_month``; quarters are its three-month parts.

Nothing is added or lost: an option's months sum to its horizon cost (a test keeps it so).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner.core.errors import Problem, ScenarioError
from planner.costs.estimator import ITERATION_FIXES, ApproachEstimate, Estimate
from planner.costs.lines import MONTHS_PER_YEAR, Approach, Category, LineItem
from planner.costs.retirements import add_months, launch_day
from planner.costs.timeline import DATA_CURATION, EVALUATION, PROMPT_ITERATION, TRAINING_ITERATION, Phase

DAYS_PER_WEEK = 7
# The last year a plan's calendar goes live in: its horizon (up to 120 months) still ends before the year 9999.
LAST_PLANNED_YEAR = 9_000
MONTHS_PER_QUARTER = 3
WHOLE_BUILD = "whole build"
# The phases whose days a one-time line's work is paid over, by its category; one not named here (engineering,
# privacy review, contingency, tax) is spread from the start to go-live. A phase the option lacks (no data
# curation for a prompt) falls back to the whole build.
BUILD_PHASES: dict[Category, tuple[str, ...]] = {
    "data_preparation": (DATA_CURATION,),
    "training": (TRAINING_ITERATION,),
    "evaluation": (TRAINING_ITERATION, PROMPT_ITERATION, EVALUATION),
}
# The examples fixed or added after each iteration are data work done during the iterations, not before them.
ITERATION_WORK = (TRAINING_ITERATION,)


@dataclass(frozen=True)
class Period:
    """A quarter or a financial year: its label and the months of the plan (indices) it holds."""

    label: str
    months: tuple[int, ...]


@dataclass(frozen=True)
class DatedLine:
    """A line and its amount in each calendar month of the plan (``BudgetCalendar.months``)."""

    line: LineItem
    amounts: tuple[float, ...]

    @property
    def stage(self) -> str:
        """"build" (one-time, before go-live) or "run" (monthly, after it)."""
        return stage(self.line)


@dataclass(frozen=True)
class DatedOption:
    """One option on the calendar."""

    option: Approach
    label: str
    go_live: datetime.date
    live_month: int  # the plan's month (index into ``BudgetCalendar.months``) that holds go-live: run month 1
    lines: tuple[DatedLine, ...]

    def totals(self, which: str | None = None) -> tuple[float, ...]:
        """The option's cost in each month: every line, or only ``which`` stage ("build", "run")."""
        kept = [d.amounts for d in self.lines if which is None or d.stage == which]
        return tuple(sum(month) for month in zip(*kept, strict=True)) if kept else ()


@dataclass(frozen=True)
class BudgetCalendar:
    """Every option's lines by calendar month, from the month work starts to the last month any option runs."""

    starts_on: datetime.date
    fiscal_year_start_month: int
    months: tuple[datetime.date, ...]  # the first day of each calendar month of the plan
    options: dict[Approach, DatedOption]

    @property
    def quarters(self) -> list[Period]:
        """The plan's months by financial quarter: "Q1 Apr-Jun 2027"; one the plan covers only in part says which
        months it holds: "Q2 Jul-Sep 2027 (Jul-Aug only)"."""
        return _periods(self.months, lambda day: quarter_label(day, self.fiscal_year_start_month), MONTHS_PER_QUARTER)

    @property
    def fiscal_years(self) -> list[Period]:
        """The plan's months by financial year: "FY 2027" (from January), "FY Apr 2027-Mar 2028"; one the plan
        covers only in part says which months it holds: "FY Apr 2028-Mar 2029 (Apr 2028 only)"."""
        return _periods(self.months, lambda day: fiscal_year_label(day, self.fiscal_year_start_month), MONTHS_PER_YEAR)


def stage(line: LineItem) -> str:
    """A line's stage: "build" (one-time, paid before go-live) or "run" (monthly, after it)."""
    return "build" if line.timing == "one_time" else "run"


STAGE_LABELS = {"build": "Build (one-time)", "run": "Run (monthly)"}


def month_label(day: datetime.date) -> str:
    """A calendar month for people: "Feb 2027".

    >>> month_label(datetime.date(2027, 2, 17))
    'Feb 2027'
    """
    return day.strftime("%b %Y")


def _fiscal_start(day: datetime.date, start_month: int) -> datetime.date:
    """The first day of the financial year ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return datetime.date(year, start_month, 1)


def fiscal_year_label(day: datetime.date, start_month: int) -> str:
    """The financial year ``day`` falls in: named by its year when it is the calendar year, else by its months.

    >>> fiscal_year_label(datetime.date(2027, 2, 1), 1), fiscal_year_label(datetime.date(2027, 2, 1), 4)
    ('FY 2027', 'FY Apr 2026-Mar 2027')
    """
    first = _fiscal_start(day, start_month)
    if start_month == 1:
        return f"FY {first.year}"
    return f"FY {month_label(first)}-{month_label(add_months(first, MONTHS_PER_YEAR - 1))}"


def quarter_label(day: datetime.date, start_month: int) -> str:
    """The financial quarter ``day`` falls in, numbered within its year and named by its months.

    >>> quarter_label(datetime.date(2027, 5, 9), 4), quarter_label(datetime.date(2027, 1, 9), 11)
    ('Q1 Apr-Jun 2027', 'Q1 Nov 2026-Jan 2027')
    """
    offset = (day.month - start_month) % MONTHS_PER_YEAR
    number = offset // MONTHS_PER_QUARTER + 1
    first = add_months(_fiscal_start(day, start_month), (number - 1) * MONTHS_PER_QUARTER)
    last = add_months(first, MONTHS_PER_QUARTER - 1)
    span = (f"{first:%b}-{month_label(last)}" if first.year == last.year
            else f"{month_label(first)}-{month_label(last)}")
    return f"Q{number} {span}"


def _periods(months: Sequence[datetime.date], label_of: Callable[[datetime.date], str], length: int) -> list[Period]:
    """The plan's months grouped by period, a period the plan does not cover whole labelled with the months it
    holds (so that a part-year total is not read as a year's)."""
    found: dict[str, list[int]] = {}
    for index, day in enumerate(months):
        found.setdefault(label_of(day), []).append(index)
    periods = []
    for label, indices in found.items():
        if len(indices) < length:
            first, last = months[indices[0]], months[indices[-1]]
            held = month_label(first) if first == last else (
                f"{first:%b}-{month_label(last)}" if first.year == last.year else
                f"{month_label(first)}-{month_label(last)}")
            label = f"{label} ({held} only)"
        periods.append(Period(label, tuple(indices)))
    return periods


def _month_index(first: datetime.date, day: datetime.date) -> int:
    """Calendar months from ``first``'s month to ``day``'s."""
    return (day.year - first.year) * MONTHS_PER_YEAR + day.month - first.month


def go_live(starts_on: datetime.date, result: ApproachEstimate) -> datetime.date | None:
    """The option's go-live day: the start plus its weeks to production, to the next whole day; None after the
    year 9999 (a calendar cannot hold it)."""
    return launch_day(starts_on, result.weeks_to_production)


def _span(phases: Sequence[Phase], names: tuple[str, ...]) -> tuple[float, float]:
    """The days from the start that the named phases cover (first start to last end); the whole build when the
    option has none of them."""
    found = [p for p in phases if p.name in names]
    if not found:
        return 0.0, float(phases[-1].end_week) * DAYS_PER_WEEK
    return (min(float(p.start_week) for p in found) * DAYS_PER_WEEK,
            max(float(p.end_week) for p in found) * DAYS_PER_WEEK)


def _spread(amount: float, start_day: float, end_day: float, starts_on: datetime.date,
            months: Sequence[datetime.date]) -> list[float]:
    """``amount`` over the calendar ``months`` in proportion to the days of [start_day, end_day) (days from
    ``starts_on``) each holds; all of it in the month of ``start_day`` when the span is empty."""
    out = [0.0] * len(months)
    edges = [(month - starts_on).days for month in months] + [
        (add_months(months[-1], 1) - starts_on).days]
    if end_day <= start_day:
        index = max(i for i in range(len(months)) if edges[i] <= start_day)
        out[index] = amount
        return out
    for index in range(len(months)):
        overlap = min(end_day, edges[index + 1]) - max(start_day, edges[index])
        if overlap > 0:
            out[index] = amount * overlap / (end_day - start_day)
    return out


def budget_calendar(estimate: Estimate) -> BudgetCalendar:
    """Every option of ``estimate`` on the calendar (a point estimate: not a range's draws).

    Raises ``ScenarioError`` for an option that would go live too far ahead for a calendar (thousands of years of
    work: a scenario gone wrong)."""
    starts_on = estimate.starts_on
    first = starts_on.replace(day=1)
    live: dict[Approach, datetime.date] = {}
    for name, result in estimate.approaches.items():
        day = go_live(starts_on, result)
        if day is None or day.year > LAST_PLANNED_YEAR:
            raise ScenarioError(Problem("scenario", None, "", (
                f"{result.label} would go live after {LAST_PLANNED_YEAR} ({result.weeks_to_production:,.0f} weeks to "
                "production): its months cannot be laid out on a calendar; check the people and hours it needs")))
        live[name] = day
    count = max((_month_index(first, day) + estimate.horizon_months for day in live.values()), default=1)
    months = tuple(add_months(first, index) for index in range(count))
    options = {}
    for name, result in estimate.approaches.items():
        offset = _month_index(first, live[name])
        dated = []
        for line in result.lines:
            if line.timing == "one_time":
                phases = (ITERATION_WORK if line.item.startswith(ITERATION_FIXES)
                          else BUILD_PHASES.get(line.category, ()))
                start_day, end_day = _span(result.phases, phases)
                amounts = _spread(float(line.amount), start_day, end_day, starts_on, months)
            else:
                amounts = [0.0] * count
                for month, amount in enumerate(line.monthly_amounts):
                    amounts[offset + month] = float(amount)
            dated.append(DatedLine(line, tuple(amounts)))
        options[name] = DatedOption(name, result.label, live[name], offset, tuple(dated))
    return BudgetCalendar(starts_on, estimate.scenario.project.fiscal_year_start_month, months, options)
