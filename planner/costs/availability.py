"""Whether an option can be bought for its whole plan, and where its offerings run.

A seller winding an offering down announces two days (``planner.inputs.price_tables.Sold``): from
``closed_to_new_customers_since`` a team that has not bought it before cannot start, and after
``no_new_training_after`` nobody can start a training job on it. Each line priced by such an offering is
checked on the days it is bought: a one-time training line through the training phase; a monthly line
(serving, a retraining run, a base-model change) in each month after launch in which it has an amount; any
other one-time line from the planning day. A team is a new customer of an offering until its first purchase
of it in the option's plan (a tuned model's training run, for its serving); a provider whose fine-tuning it
already uses (``team.fine_tunes_with``) is not closed to it for fine-tuning. The line says why it cannot be
bought; the option carries the reasons.

Every offering a line prices also carries its region; a scenario that says where data must stay
(``project.data_residency``) accepts only offerings whose region lies there (``planner.inputs.regions``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from planner.core.draws import nonzero
from planner.costs.lines import LineItem
from planner.costs.retirements import add_months, launch_day
from planner.costs.timeline import TRAINING_ITERATION, Phase
from planner.inputs.pricebook import Sale, describe_key
from planner.inputs.regions import Residency, region_words, within

TRAINING_PHASE = TRAINING_ITERATION
# Between why a line cannot be bought and when it would be: an option's reasons keep the first part, once.
WHEN = " — this line "


def _weeks(value: Any) -> float:
    """A phase boundary in weeks: a range's latest value (a plan is bought for its latest case)."""
    return float(np.max(value))


def _months_bought(line: LineItem, launch: datetime.date) -> list[tuple[int, datetime.date]]:
    """(month index, the month's first day) for each month after ``launch`` in which ``line`` has an amount."""
    bought = []
    for month, amount in enumerate(line.monthly_amounts):
        if not nonzero(amount):
            continue
        try:
            bought.append((month, add_months(launch, month)))
        except ValueError:  # past the year 9999
            bought.append((month, datetime.date.max))
    return bought


def _when(line: LineItem, phases: Sequence[Phase], starts_on: datetime.date,
          launch: datetime.date) -> tuple[datetime.date, datetime.date, str] | None:
    """The first and last day ``line`` is bought, and when in words; None when it is never bought."""
    if line.timing == "monthly":
        bought = _months_bought(line, launch)
        if not bought:
            return None
        (month, first), (last_month, last) = bought[0], bought[-1]
        return first, last, (f"from month {month + 1} after launch (about {first}) to month {last_month + 1} "
                             f"(about {last})")
    if line.category in ("training", "retraining"):
        phase = next((p for p in phases if p.name == TRAINING_PHASE), phases[0])
        start, end = _weeks(phase.start_week), _weeks(phase.end_week)
        first = launch_day(starts_on, start) or datetime.date.max
        last = launch_day(starts_on, end) or datetime.date.max
        return first, last, f"in weeks {start:.3g}-{end:.3g} (about {first} to {last})"
    return starts_on, starts_on, f"from the start of work ({starts_on})"


def _fine_tuning(sale: Sale) -> bool:
    """Whether the offering is a provider's fine-tuning (a model's block, or a host's training band)."""
    return sale.offering.endswith(".fine_tuning") or ".fine_tuning_bands." in sale.offering


def why_not_buyable(line: LineItem, phases: Sequence[Phase], starts_on: datetime.date,
                    fine_tunes_with: Iterable[str], first_purchase: datetime.date | None = None) -> str:
    """Why ``line`` cannot be bought for the plan, in words; "" when it can.

    ``first_purchase`` is the team's first purchase of the line's offering in the option's plan (default: the
    line's own first day): from then on the team is its customer. Worked cases:
    ``tests/test_availability.py``.
    """
    sale = line.sale
    if sale is None or (sale.closed_since is None and sale.training_until is None):
        return ""
    launch = launch_day(starts_on, phases[-1].end_week) or datetime.date.max
    found = _when(line, phases, starts_on, launch)
    if found is None:
        return ""
    first, last, when = found
    name = describe_key(sale.offering, with_field=False)
    provider = sale.offering.split(".", 1)[0]
    cite = f" (announced: {sale.dates_source})" if sale.dates_source else ""
    starts = min(first, first_purchase) if first_purchase is not None else first
    existing = _fine_tuning(sale) and provider in set(fine_tunes_with)
    # The last training day first: it binds every team, so a hint about being a customer already would not help.
    if sale.training_until is not None and last > sale.training_until:
        return f"{name} takes no new training jobs after {sale.training_until}{cite}{WHEN}trains {when}"
    if sale.closed_since is not None and sale.closed_since <= starts and not existing:
        hint = (f". A team that already fine-tunes with {provider} is not new to it: name {provider} among the "
                "providers it already fine-tunes with, in the scenario file's team section" if _fine_tuning(sale)
                else "")
        return f"{name} is closed to new customers since {sale.closed_since}{cite}{hint}{WHEN}is bought {when}"
    return ""


def reason(why: str) -> str:
    """Why a line cannot be bought, without when: "openai/gpt-4.1-mini fine-tuning is closed to ... since ..."."""
    return why.split(WHEN, 1)[0]


def mark_unbuyable(lines: Sequence[LineItem], phases: Sequence[Phase], starts_on: datetime.date,
                   fine_tunes_with: Iterable[str]) -> tuple[LineItem, ...]:
    """``lines`` with ``not_buyable`` set on each that cannot be bought for the plan."""
    known = tuple(fine_tunes_with)
    launch = launch_day(starts_on, phases[-1].end_week) or datetime.date.max
    # The team's first purchase of each offering: from then on it is that offering's customer (buying one of a
    # seller's models does not make a team a customer of its fine-tuning, as OpenAI's closure shows).
    # Only offerings with a closing day need it (an estimate builds dozens of lines on every input change).
    first: dict[str, datetime.date] = {}
    for line in lines:
        if line.sale is not None and line.sale.closed_since is not None:
            found = _when(line, phases, starts_on, launch)
            offering = line.sale.offering
            if found is not None and (offering not in first or found[0] < first[offering]):
                first[offering] = found[0]
    marked = []
    for line in lines:
        why = why_not_buyable(line, phases, starts_on, known,
                              first.get(line.sale.offering) if line.sale is not None else None)
        marked.append(line._replace(not_buyable=why) if why else line)
    return tuple(marked)


# The lines whose offerings hold an option's data: what trains its model (and writes synthetic examples from the
# team's seeds), serves it, and embeds and stores its knowledge base. Retraining runs use the training lines'
# offerings. The LLM judge (evaluation) and operations services are not checked: score anonymised outputs, or
# choose them in the region by hand.
RESIDENT_CATEGORIES = ("training", "data_preparation", "inference", "hosting", "embeddings", "vector_db")


def outside_residency(lines: Iterable[LineItem], residency: Residency) -> list[str]:
    """Each offering that holds the option's data (``RESIDENT_CATEGORIES``) whose region is not within
    ``residency``, in words, once."""
    found: dict[str, str] = {}
    for line in lines:
        sale = line.sale
        if (sale is None or line.category not in RESIDENT_CATEGORIES or sale.offering in found
                or within(sale.region, residency)):
            continue
        found[sale.offering] = f"{describe_key(sale.offering, with_field=False)} runs in {region_words(sale.region)}"
    return list(found.values())
