"""Prices older than a chosen age, so a planner with stale prices says so."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from planner.costs.estimator import Estimate
from planner.inputs.pricebook import PriceBook, all_offerings, describe_key

DEFAULT_MAX_AGE_DAYS = 365


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
