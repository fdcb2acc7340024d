"""Models a plan rests on that their provider has retired, or retires before the plan ends.

A model's ``deprecation_date`` (in the price tables, from LiteLLM's map) is the day its provider
stops serving it. An approach's plan runs from the planning day through its weeks to production
and then the horizon; a model that retires inside that window has to be replaced while the plan
runs (for a fine-tuned model: a new fine-tuning run on a successor), and one already retired cannot
be used at all.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.costs.lines import Approach, LineItem
from planner.inputs.pricebook import describe_key, offering_key


@dataclass(frozen=True)
class Retirement:
    """A model an approach uses, and when its provider stops serving it."""

    approach: Approach
    key: str  # the offering: "anthropic.models.claude-sonnet-4.5", "openai.models.gpt-4.1-nano.fine_tuning"
    label: str  # the offering in words
    retires_on: datetime.date
    retired: bool  # on or before the planning day
    launches: datetime.date  # the approach's launch: the start of work plus its weeks to production
    plan_ends: datetime.date  # launch plus the horizon

    @property
    def fine_tuned(self) -> bool:
        """Whether the retiring model is a fine-tuned one (replacing it means training again)."""
        return self.key.endswith(".fine_tuning")

    def __str__(self) -> str:
        if self.retired:
            return (f"{self.label} was retired on {self.retires_on.isoformat()}: its provider no longer serves it; "
                    "choose a current model")
        then = " and a new fine-tuning run" if self.fine_tuned else ""
        if self.retires_on <= self.launches:
            return (f"{self.label} retires on {self.retires_on.isoformat()}, before this approach would launch "
                    f"(about {self.launches.isoformat()}): plan on a current model")
        return (f"{self.label} retires on {self.retires_on.isoformat()}, before this plan ends on "
                f"{self.plan_ends.isoformat()}: budget a move to its successor{then}")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months later (the month's last day where it is shorter).

    >>> add_months(datetime.date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def launch_day(today: datetime.date, weeks_to_production: Any) -> datetime.date | None:
    """``weeks_to_production`` after ``today`` (the latest of a range's values); None past the year 9999."""
    try:
        return today + datetime.timedelta(days=math.ceil(float(np.max(weeks_to_production)) * 7))
    except (OverflowError, ValueError):  # beyond the year 9999 (or not a number of weeks)
        return None


def _launch_and_end(today: datetime.date, weeks_to_production: Any, horizon_months: int) -> tuple[
        datetime.date, datetime.date]:
    """Launch and the plan's end (launch plus the horizon); a plan running past the last representable
    day ends on it."""
    launch = launch_day(today, weeks_to_production)
    if launch is None:
        return datetime.date.max, datetime.date.max
    try:
        return launch, add_months(launch, horizon_months)
    except ValueError:  # year out of range
        return launch, datetime.date.max


def retiring_models(approach: Approach, lines: Iterable[LineItem], weeks_to_production: Any, horizon_months: int,
                    today: datetime.date, starts_on: datetime.date | None = None) -> list[Retirement]:
    """The models ``lines`` price that are retired by ``today`` or retire before the plan ends (its launch and end
    counted from ``starts_on``, default ``today``), each once."""
    launch, ends = _launch_and_end(starts_on or today, weeks_to_production, horizon_months)
    found: dict[str, Retirement] = {}
    for line in lines:
        if line.retires is None or line.retires > ends:
            continue
        key = offering_key(line.price_key)
        if key not in found:
            found[key] = Retirement(approach, key, describe_key(key, with_field=False), line.retires,
                                    line.retires <= today, launch, ends)
    return list(found.values())
