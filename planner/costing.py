"""The costing context: looks up rates and assumptions, converts currency, and builds line items.

Every cost model module receives one ``Costing`` and returns ``LineItem``s made by it, so the
rules for currency conversion, status notes and horizon sums live in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.assumptions import Assumptions
from planner.errors import PricingError, Problem
from planner.lines import Approach, Category, LineItem
from planner.pricebook import Price, PriceBook, assumption_price, rate_price
from planner.prices import RateCard
from planner.scenario import Scenario

TOKENS_PER_MILLION = 1_000_000


@dataclass(frozen=True)
class Costing:
    """Everything a cost model needs besides its own approach's settings."""

    book: PriceBook
    assumptions: Assumptions
    scenario: Scenario
    rate_card_key: str
    rate_card: RateCard

    @property
    def currency(self) -> str:
        """The report currency."""
        return self.scenario.currency

    @property
    def months(self) -> int:
        """Months in the horizon."""
        return self.scenario.horizon_months

    def requests_by_month(self) -> list[float]:
        """Requests in each month of the horizon: first month x (1 + growth) ^ (month - 1)."""
        workload = self.scenario.workload
        return [
            workload.requests_per_month * (1 + workload.monthly_growth) ** month
            for month in range(self.months)
        ]

    def value(self, name: str) -> float:
        """An assumption's value."""
        return getattr(self.assumptions, name).value

    def assumption(self, name: str) -> Price:
        """An assumption with its provenance."""
        return assumption_price(self.assumptions, name)

    def rate(self, role: str) -> Price:
        """The hourly rate of ``role`` on the scenario's rate card."""
        return rate_price(self.rate_card_key, self.rate_card, role)

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
            self.currency, price.key, price.source, price.as_of, basis, note, caveats,
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
        amounts = tuple(q * unit_price for q in quantities)
        return LineItem(
            approach, category, item, "monthly", quantities[0], unit, unit_price, amounts[0],
            sum(amounts), self.currency, price.key, price.source, price.as_of, basis, note,
            caveats, amounts,
        )

    def convert(self, price: Price) -> tuple[float, str, tuple[str, ...]]:
        """The price in the report currency, a note naming the exchange rate used (if any), and
        the caveats (status notes) of the price and the rates, each prefixed with its key."""
        used = [price]
        unit_price, note = price.value, ""
        if price.currency is not None and price.currency != self.currency:
            rate_from = self._usd_per_unit(price.currency)
            rate_to = self._usd_per_unit(self.currency)
            factor = rate_from.value / rate_to.value
            unit_price = price.value * factor
            note = (
                f"converted from {price.currency} {price.value:g} at {factor:.4g} {self.currency}/"
                f"{price.currency} ({rate_from.key}, {rate_to.key})"
            )
            used += [rate_from, rate_to]
        caveats = tuple(f"{p.key.rsplit('.', 1)[0]}: {p.status}" for p in used if p.status)
        return unit_price, note, caveats

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
