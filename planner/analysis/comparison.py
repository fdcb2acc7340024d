"""Comparing approaches over time: cumulative cost by month, and the months one overtakes another."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, combinations

from planner.costs.estimator import ApproachEstimate, Estimate
from planner.costs.lines import Approach


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


def cheapest(estimate: Estimate) -> Approach:
    """The approach with the lowest cost over the horizon."""
    return min(estimate.approaches, key=lambda name: estimate.approaches[name].horizon_cost)


def fastest(estimate: Estimate) -> Approach:
    """The approach with the fewest weeks to production."""
    return min(estimate.approaches, key=lambda name: estimate.approaches[name].weeks_to_production)
