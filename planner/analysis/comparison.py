"""Comparing approaches over time: cumulative cost by month, and the months one overtakes another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, combinations

from planner.costs.estimator import ApproachEstimate, Estimate
from planner.costs.lines import Approach

THOUSAND = 1000


def per_thousand_requests(monthly_cost: float, requests: float) -> float | None:
    """A month's cost per 1,000 requests, or None without requests.

    >>> per_thousand_requests(2_146.0, 150_000)
    14.306666666666667
    """
    return monthly_cost / requests * THOUSAND if requests else None


def cumulative_costs(result: ApproachEstimate) -> list[float]:
    """Cost to date at the end of each month, from month 0 (the one-time cost) to the horizon.

    One-time 1,000 then 100, 100, 100 a month: [1000, 1100, 1200, 1300].
    """
    return list(accumulate(result.monthly_costs, initial=result.one_time_cost))


@dataclass(frozen=True)
class Crossover:
    """In ``month``, ``cheaper`` becomes cheaper to date than ``dearer``, which was cheaper before."""

    month: int
    cheaper: Approach
    dearer: Approach
    cost_to_date: float  # of the cheaper one at that month, in the report currency


def crossovers(estimate: Estimate) -> list[Crossover]:
    """Every month in which one approach's cost to date drops below another's, in month order.

    An approach with a higher one-time cost but lower monthly cost overtakes the other in the first
    month its cumulative cost is lower. Ties do not count as overtaking.
    """
    curves = {name: cumulative_costs(result) for name, result in estimate.approaches.items()}
    found = []
    for a, b in combinations(curves, 2):
        ca, cb = curves[a], curves[b]
        for month in range(1, len(ca)):
            if ca[month - 1] > cb[month - 1] and ca[month] < cb[month]:
                found.append(Crossover(month, a, b, ca[month]))
            elif cb[month - 1] > ca[month - 1] and cb[month] < ca[month]:
                found.append(Crossover(month, b, a, cb[month]))
    return sorted(found, key=lambda c: (c.month, c.cheaper, c.dearer))


def leaders(estimate: Estimate, figure: Callable[[ApproachEstimate], float]) -> list[Approach]:
    """The approaches whose ``figure`` is within ``assumptions.tie_share`` of the lowest, lowest first.

    One approach: a clear lead. More: a tie, which a comparison should call one. With a 5% tie share,
    horizon costs of 100, 104 and 110 put the first two level. Only options that can be bought for their whole
    plan lead (all of them, when none can): the cheapest of what cannot be bought is no answer.
    """
    buyable = {name: result for name, result in estimate.approaches.items() if result.buyable}
    values = {name: figure(result) for name, result in (buyable or estimate.approaches).items()}
    lowest = min(values.values())
    margin = abs(lowest) * estimate.assumption_table.tie_share.value
    return sorted((name for name, value in values.items() if value <= lowest + margin), key=values.__getitem__)


def describe_leaders(estimate: Estimate, names: list[Approach]) -> str:
    """The leaders in words: "RAG", or "RAG and Prompt engineering (a tie: within 5% of each other)"."""
    labels = [estimate.label(name) for name in names]
    if len(labels) == 1:
        return labels[0]
    share = estimate.assumption_table.tie_share.value
    return f"{', '.join(labels[:-1])} and {labels[-1]} (a tie: within {share:.0%} of each other)"


def cheapest(estimate: Estimate) -> list[Approach]:
    """The approach with the lowest cost over the horizon, and any within the tie share of it."""
    return leaders(estimate, lambda result: result.horizon_cost)


def fastest(estimate: Estimate) -> list[Approach]:
    """The approach with the fewest weeks to production, and any within the tie share of it."""
    return leaders(estimate, lambda result: result.weeks_to_production)
