"""The lines a finance team adds to a cost estimate: a contingency on the build, and tax on suppliers' bills.

- **Contingency**: an allowance for the unforeseen, ``project.contingency_share`` (else the assumption
  ``contingency_share``) of the option's one-time (build) cost, on a one-time line of its own. Running costs
  move with the volume, which the scenario's ranges cover, so the allowance is on the build only.
- **Tax**: with ``project.tax_rate`` above 0 and prices that exclude it (``project.prices_include_tax``
  off), sales tax or VAT on what suppliers bill: every line not priced in people's time, one line for the
  one-time bills and one for the monthly bills (month by month). People's time carries none, nor does the
  contingency (what it buys is not known). With prices that include the tax, no line is added:
  ``tax_within`` says how much of a total is tax.

Every line is a quantity (an amount of the report currency) x a share, like any other line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.core.draws import nonzero, shown
from planner.costs.costing import Costing
from planner.costs.lines import PERSON_HOURS, Approach, LineItem
from planner.inputs.pricebook import Price, assumption_price

SCENARIO_SOURCE = "set in the scenario"


def _share_price(c: Costing, name: str, given: Any) -> Price:
    """The share as a price: the scenario's ``project.<name>`` when set, else the assumption of that name (its
    value as the estimate uses it: a range's draws, when the assumption has a range)."""
    if given is None:
        return assumption_price(c.assumptions, name)._replace(value=c.value(name))
    return Price(f"project.{name}", given, "share", None, f"{SCENARIO_SOURCE} (project.{name})")


def contingency_lines(c: Costing, approach: Approach, lines: Sequence[LineItem]) -> list[LineItem]:
    """The contingency on the option's one-time cost, as one one-time line (none at a share of 0).

    A build of 10,000 at 20% adds a line of 10,000 x 0.2 = 2,000.
    """
    price = _share_price(c, "contingency_share", c.scenario.project.contingency_share)
    if not nonzero(price.value):  # a share of 0 turns the line off
        return []
    build = sum(line.amount for line in lines if line.timing == "one_time")
    where = price.key if price.key.startswith("project.") else "assumptions.contingency_share"
    return [c.one_time(approach, "contingency", "Contingency on the build", build, f"{c.currency} of one-time cost",
                       price, f"one-time cost ({shown(build):,.2f} {c.currency}) x {where} ({shown(price.value):g})")]


def taxable(line: LineItem) -> bool:
    """A supplier's bill: not people's time, and not a contingency or a tax line."""
    return line.unit != PERSON_HOURS and line.category not in ("contingency", "tax")


def tax_lines(c: Costing, approach: Approach, lines: Sequence[LineItem]) -> list[LineItem]:
    """Tax on suppliers' bills at ``project.tax_rate``, one-time and monthly; none when the rate is 0 or the
    prices include it.

    At 20%, one-time bills of 500 add 100; monthly bills of 40 and 60 add 8 and 12.
    """
    project = c.scenario.project
    if not nonzero(project.tax_rate) or project.prices_include_tax:
        return []
    price = _share_price(c, "tax_rate", project.tax_rate)
    taxed = [line for line in lines if taxable(line)]
    one_time = sum(line.amount for line in taxed if line.timing == "one_time")
    monthly = [line.monthly_amounts for line in taxed if line.timing == "monthly"]
    per_month: list[Any] = [sum(month) for month in zip(*monthly, strict=True)] if monthly else [0.0] * c.months
    basis = f"suppliers' bills (every line not priced in people-hours) x project.tax_rate ({shown(price.value):g})"
    return [
        c.one_time(approach, "tax", "Tax on suppliers' one-time bills", one_time, f"{c.currency} billed", price,
                   f"one-time {basis}"),
        c.monthly(approach, "tax", "Tax on suppliers' monthly bills", per_month, f"{c.currency} billed", price,
                  f"each month's {basis}"),
    ]


def tax_within(lines: Sequence[LineItem], rate: float) -> float:
    """The tax inside prices that include it at ``rate``: a bill of 120 at 20% holds 120 x 0.2 / 1.2 = 20.

    >>> round(tax_within([], 0.2), 2)
    0.0
    """
    if not rate:
        return 0.0
    return sum(line.horizon_amount for line in lines if taxable(line)) * rate / (1 + rate)

