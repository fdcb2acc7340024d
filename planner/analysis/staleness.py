"""Prices older than a chosen age, and models retired or about to be, so a planner with stale
tables says so."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from planner.costs.estimator import Estimate
from planner.inputs.pricebook import PriceBook, all_offerings, describe_key

DEFAULT_MAX_AGE_DAYS = 365
DEFAULT_RETIRING_WITHIN_DAYS = 365  # a year: the default horizon (12 months) of a plan


@dataclass(frozen=True)
class StalePrice:
    """A price (or block of prices) whose as-of date is older than the limit."""

    key: str
    as_of: datetime.date
    age_days: int
    label: str = ""  # the price in words, for people; ``key`` is for programs

    def __str__(self) -> str:
        return f"{self.label or self.key}: as of {self.as_of.isoformat()} ({self.age_days} days old)"


def stale_prices(book: PriceBook, today: datetime.date, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> list[StalePrice]:
    """Every offering, people rate and exchange rate in the book dated more than ``max_age_days`` ago."""
    dated: list[tuple[str, datetime.date, str]] = []
    for ref, _, offering in all_offerings(book):
        dated.append((ref, offering.as_of, ref))
        tuned = getattr(offering, "fine_tuning", None)
        if tuned is not None:
            dated.append((f"{ref} fine_tuning", tuned.as_of, f"{ref} fine-tuning"))
    if book.people:
        dated += [(f"people/{card_id}.{role}", rate.as_of, f"{role.replace('_', ' ')} ({card_id} rate card)")
                  for card_id, card in book.people.rate_cards.items() for role, rate in card.roles]
    if book.fx:
        dated += [(f"fx/{code}", rate.as_of, f"exchange rate {code}") for code, rate in book.fx.rates.items()]
    return [StalePrice(key, as_of, (today - as_of).days, label) for key, as_of, label in dated
            if (today - as_of).days > max_age_days]


def stale_in_estimate(estimate: Estimate, today: datetime.date,
                      max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> list[StalePrice]:
    """The stale prices an estimate's lines use, each once."""
    found: dict[str, StalePrice] = {}
    for result in estimate.approaches.values():
        for line in result.lines:
            if line.as_of is not None and (today - line.as_of).days > max_age_days:
                found.setdefault(line.price_key, StalePrice(line.price_key, line.as_of, (today - line.as_of).days,
                                                            describe_key(line.price_key)))
    return list(found.values())


def retirement_mark(offering: Any, today: datetime.date, fine_tuned: bool = False) -> str:
    """A short mark for a model in a list: " (retired 2026-10-23)", " (retires 2026-11-30)", or ""
    when no retirement date is known. With ``fine_tuned``, the date of the model's fine-tuned
    version counts (falling back to the base model's)."""
    tuned = getattr(offering, "fine_tuning", None) if fine_tuned else None
    day = getattr(tuned, "deprecation_date", None) or getattr(offering, "deprecation_date", None)
    if day is None:
        return ""
    return f" (retired {day.isoformat()})" if day <= today else f" (retires {day.isoformat()})"


def retired_in_tables(book: PriceBook, today: datetime.date, within_days: int) -> list[tuple[str, datetime.date]]:
    """Every model and fine-tuned model in the tables retired by ``today`` or retiring within
    ``within_days`` of it, as (offering in words, date), soonest first."""
    dated: list[tuple[str, datetime.date]] = []
    for ref, section, offering in all_offerings(book):
        provider, offering_id = ref.split("/", 1)
        key = f"{provider}.{section}.{offering_id}"
        for item_key, item in ((key, offering), (f"{key}.fine_tuning", getattr(offering, "fine_tuning", None))):
            day = getattr(item, "deprecation_date", None)
            if day is not None and (day - today).days <= within_days:
                dated.append((describe_key(item_key, with_field=False), day))
    return sorted(dated, key=lambda pair: pair[1])
