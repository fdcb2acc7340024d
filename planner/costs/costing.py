"""The costing context: looks up rates and assumptions, converts currency, and builds line items.

Every cost model module receives one ``Costing`` and returns ``LineItem``s made by it, so the
rules for currency conversion, status notes and horizon sums live in one place.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.draws import Flags, all_true, nonzero, vround
from planner.core.errors import FieldProblem, PricingError, Problem
from planner.costs.lines import Approach, Category, LineItem
from planner.inputs.assumptions import Assumptions
from planner.inputs.price_tables import RateCard
from planner.inputs.pricebook import Price, PriceBook, Resolved, describe_key, offering_key, rate_price
from planner.inputs.scenario import Scenario

TOKENS_PER_MILLION = 1_000_000


def _offering(price_key: str) -> str:
    """The offering a price belongs to, in words: "openai/gpt-4o-mini fine-tuning", "exchange rate GBP"."""
    return describe_key(offering_key(price_key), with_field=False)


@dataclass(frozen=True)
class Work:
    """A quantity (person-hours, million tokens) at a price, before it is billed once or monthly."""

    item: str
    quantity: float
    unit: str
    price: Price
    basis: str


@dataclass(frozen=True)
class Conversion:
    """How prices in one currency become report-currency prices."""

    factor: float
    note: str
    caveats: tuple[str, ...]


@dataclass(frozen=True)
class Costing:
    """Everything a cost model needs besides its own approach's settings."""

    book: PriceBook
    assumptions: Assumptions
    scenario: Scenario
    rate_card_key: str
    rate_card: RateCard
    planned_on: datetime.date  # the planning day: what is sold, and what has retired, is as of it
    # Derived once per estimate: the cost models ask for these many times.
    starts_on: datetime.date = field(init=False)  # work starts (project.start_date, else the planning day)
    currency: str = field(init=False)
    months: int = field(init=False)
    requests: tuple[float, ...] = field(init=False)
    _conversions: dict[str, Conversion] = field(init=False, repr=False)
    _rates: dict[str, Price] = field(init=False, repr=False)
    _values: dict[str, float] = field(init=False, repr=False)
    _resolved: dict[tuple[str, str], Resolved] = field(init=False, repr=False)
    # Values of a range that cannot be costed: (scenario field, mask of those values, why).
    infeasible: list[tuple[str, Flags, str]] = field(init=False, repr=False)
    # Results worked out once per estimate and asked for by several options (a GPU search), by the asker's key.
    memo: dict[Any, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        workload = self.scenario.workload
        months = self.scenario.horizon_months
        # Requests in month m (from 1): first month x (1 + growth) ^ (m - 1).
        requests = tuple(
            workload.requests_per_month * (1 + workload.monthly_growth) ** month for month in range(months)
        )
        roles = type(self.rate_card.roles).model_fields
        rates = {role: rate_price(self.rate_card_key, self.rate_card, role) for role in roles}
        values = {name: getattr(self.assumptions, name).value for name in type(self.assumptions).model_fields}
        for name, value in (("starts_on", self.scenario.project.starts_on(self.planned_on)),
                            ("currency", self.scenario.currency), ("months", months), ("requests", requests),
                            ("_conversions", {}), ("_rates", rates), ("_values", values),
                            ("_resolved", {}), ("infeasible", []), ("memo", {})):
            object.__setattr__(self, name, value)

    def resolve(self, lookup: Callable[[str], Resolved], ref: str) -> Resolved:
        """``lookup(ref)`` (a PriceBook lookup), once per estimate for each offering."""
        memo_key = (lookup.__name__, ref)
        resolved = self._resolved.get(memo_key)
        if resolved is None:
            resolved = self._resolved[memo_key] = lookup(ref)
        return resolved

    def check_fits(self, fits: Flags, field: str, message: str) -> None:
        """Go on where ``fits`` holds; a single value that does not fit, or a range none of whose
        values fit, is a problem at ``field``; a range some of whose values fit marks the others."""
        if all_true(fits):
            return
        if not nonzero(fits):
            raise FieldProblem(field, message)
        self.infeasible.append((field, ~np.asarray(fits), message))

    def value(self, name: str) -> float:
        """An assumption's value."""
        return self._values[name]

    def given_or_assumed(self, given: Any, name: str, whole: bool = False) -> Any:
        """A scenario input's value, or, left unset, the assumption ``name`` (``assumed_inputs`` says which),
        rounded for a ``whole``-number input. A given value is used as it is: a range's draws of a count
        are real numbers."""
        if given is not None:
            return given
        return vround(self._values[name]) if whole else self._values[name]

    def rate(self, role: str) -> Price:
        """The hourly rate of ``role`` on the scenario's rate card."""
        return self._rates[role]

    # -- line builders ---------------------------------------------------------------------------
    def one_time(
        self,
        approach: Approach,
        category: Category,
        item: str,
        quantity: float,
        unit: str,
        price: Price,
        basis: str,
    ) -> LineItem:
        """A one-time line: ``quantity`` (in ``unit``) x ``price``."""
        unit_price, note, caveats = self.convert(price)
        amount = quantity * unit_price
        return LineItem(
            approach, category, item, "one_time", quantity, unit, unit_price, amount, amount,
            self.currency, price.key, price.source, price.as_of, basis, note, caveats, (), price.blocking,
            price.retires, price.sale,
        )

    def monthly(
        self,
        approach: Approach,
        category: Category,
        item: str,
        quantities: Sequence[float],
        unit: str,
        price: Price,
        basis: str,
    ) -> LineItem:
        """A monthly line from the quantity in each month of the horizon (first month shown)."""
        unit_price, note, caveats = self.convert(price)
        amounts = tuple([q * unit_price for q in quantities])
        return LineItem(
            approach, category, item, "monthly", quantities[0], unit, unit_price, amounts[0],
            sum(amounts), self.currency, price.key, price.source, price.as_of, basis, note,
            caveats, amounts, price.blocking, price.retires, price.sale,
        )

    def convert(self, price: Price) -> tuple[float, str, tuple[str, ...]]:
        """The price in the report currency, a note naming the exchange rate used (if any), and
        the caveats (status notes) of the price and the rates, each prefixed with its key."""
        own = (f"{_offering(price.key)}: {price.status}",) if price.status else ()
        if price.currency is None or price.currency == self.currency:
            return price.value, "", own
        conversion = self._conversion(price.currency)
        return price.value * conversion.factor, conversion.note, own + conversion.caveats

    def _conversion(self, currency: str) -> Conversion:
        conversion = self._conversions.get(currency)
        if conversion is None:
            rate_from = self._usd_per_unit(currency)
            rate_to = self._usd_per_unit(self.currency)
            factor = rate_from.value / rate_to.value
            conversion = Conversion(
                factor,
                f"converted from {currency} at {factor:.4g} {self.currency}/{currency} "
                f"(exchange rates of {currency} and {self.currency} in fx.yaml)",
                tuple(f"{_offering(r.key)}: {r.status}" for r in (rate_from, rate_to) if r.status),
            )
            self._conversions[currency] = conversion
        return conversion

    def _usd_per_unit(self, currency: str) -> Price:
        fx = self.book.fx
        if fx is None or currency not in fx.rates:
            raise PricingError(
                Problem(f"{self.book.directory}/fx.yaml", None, f"rates.{currency}",
                        f"no exchange rate for {currency}; needed to report in {self.currency}")
            )
        rate = fx.rates[currency]
        return Price(f"fx.rates.{currency}.usd_per_unit", rate.usd_per_unit, "USD", None,
                     rate.source, rate.as_of, rate.status)
