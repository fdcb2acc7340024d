"""How sure is the estimate: Monte Carlo over three-point inputs, sensitivity, break-even.

Any numeric scenario input (by dotted path, e.g. ``approaches.fine_tune.examples``) or assumption
(``assumptions.expert_minutes_per_example``) may be given a range in the scenario's ``ranges``; its
own value is the likely one. Draws follow a PERT distribution, the three-point estimate used in
project planning: a beta distribution on [low, high] with mode at the likely value and shape
1 + 4 x (likely - low) / (high - low), 1 + 4 x (high - likely) / (high - low). Whole-number inputs
(examples, iterations) are drawn as real numbers. Every draw runs through the same cost model as
the single-point estimate, as arrays (``planner.core.draws``).
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import typing
from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from pydantic import BaseModel

from planner.analysis.comparison import crossovers
from planner.core.draws import Draws, nonzero
from planner.core.errors import PlannerError, Problem, ScenarioError
from planner.core.limits import outside
from planner.costs.estimator import Estimate, estimate
from planner.costs.lines import Approach, in_words
from planner.inputs.architecture import Architecture
from planner.inputs.assumptions import ASSUMPTION_LIMITS, Assumption, Assumptions
from planner.inputs.pricebook import PriceBook
from planner.inputs.scenario import (
    APPROACH_LABELS,
    HYBRID_KEYS,
    HybridBlock,
    Range,
    Scenario,
    scenario_field,
    scenario_input,
)
from planner.inputs.validation import members

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20261123  # fixed, so the same scenario gives the same percentiles
PERT_WEIGHT = 4
METRICS = ("one_time_cost", "monthly_cost", "horizon_cost", "weeks_to_production")
METRIC_LABELS = {"one_time_cost": "One-time build cost", "monthly_cost": "First-month running cost",
                 "horizon_cost": "Horizon cost incl. one-time build", "weeks_to_production": "Weeks to production"}
MAX_VOLUME = 1e10  # requests a month searched for break-even
VOLUME_GRID = 800
BISECTION_STEPS = 40


@dataclass(frozen=True)
class RangedInput:
    """One input given as a range."""

    path: str
    low: float
    likely: float
    high: float


@dataclass(frozen=True)
class Percentiles:
    """P10, P50 and P90 of one figure, over the draws the approach could cost.

    ``excluded_share`` of the draws could not be costed (e.g. a run that does not fit on the GPUs
    at that value), for the reasons in ``excluded_because``; they are left out of the percentiles.
    """

    p10: float
    p50: float
    p90: float
    excluded_share: float = 0.0
    excluded_because: tuple[str, ...] = ()


# Inputs that shape the computation itself rather than enter its arithmetic: they cannot be ranged.
NOT_RANGEABLE = {
    "horizon_months": "it sets how many months are costed; compare horizons as separate scenarios",
    "operations.base_model_change_every_months": (
        "it places base-model changes in given months; compare cadences as separate scenarios"),
    "project.fiscal_year_start_month": "it sets which months make a financial year; compare as separate scenarios",
    # Drawn one at a time, shares that must sum to 1 would no longer do so.
    **{f"approaches.{block}.example_sources.{source}": (
        "the sources' shares must sum to 1; compare mixes as separate scenarios")
       for block in ("fine_tune", "hybrid") for source in ("written", "records", "synthetic")},
    # Drawn one at a time, an inline architecture's sizes would no longer fit one another.
    **{f"approaches.{block}.architecture.{name}": (
        "an architecture's sizes must fit one another (heads a multiple of kv_heads, a head size from hidden / "
        "heads); compare architectures as separate scenarios")
       for block in ("fine_tune", "hybrid") for name in Architecture.model_fields},
}
# Sections of a scenario that hold no inputs of their own (``scenario_input`` refuses them).
NOT_INPUTS = ("ranges", "measured", "options")


def rangeable_inputs(scenario: Scenario | None = None) -> list[str]:
    """Every input a range may be given: each numeric scenario input by dotted path (a hybrid's keys
    too), in the order the scenario declares them, then every assumption (``assumptions.<name>``);
    without those in ``NOT_RANGEABLE``. Given a ``scenario``, without the keys of fine-tuning routes
    its blocks are not on (a range on one would be refused).

    >>> "approaches.fine_tune.lora_rank" in rangeable_inputs(Scenario())  # on the api route
    False

    >>> paths = rangeable_inputs()
    >>> paths[:2]
    ['workload.requests_per_month', 'workload.monthly_growth']
    >>> "approaches.hybrid.examples" in paths and "assumptions.training_hfu" in paths
    True
    >>> "horizon_months" in paths or "approaches.fine_tune.route" in paths
    False
    """
    paths = [path for path in _numeric_inputs([Scenario], "") if path not in NOT_RANGEABLE]
    if scenario is not None:
        paths = [path for path in paths if _is_input(scenario, path)]
    return paths + [f"assumptions.{name}" for name in Assumptions.model_fields]


def _is_input(scenario: Scenario, path: str) -> bool:
    try:
        scenario_input(scenario, path)
    except LookupError:
        return False
    return True


def _numeric_inputs(models: list[type[BaseModel]], prefix: str) -> list[str]:
    """The dotted paths of the numeric inputs under ``models`` (the routes of a fine-tuning block are
    several), each found with ``scenario_field``."""
    names = HYBRID_KEYS if models == [HybridBlock] else tuple(dict.fromkeys(
        name for model in models for name in model.model_fields))
    found = []
    for name in names:
        path = prefix + name
        info = scenario_field(path)
        if info is None or path in NOT_INPUTS:
            continue
        types = members(info.annotation)
        nested = [t for t in types if isinstance(t, type) and issubclass(t, BaseModel)]
        if nested:
            found += _numeric_inputs(nested, path + ".")
        elif any(t in (int, float) for t in types):  # a bool is a type of its own here, not an int
            found.append(path)
    return found


def _value(scenario: Scenario, book: PriceBook, path: str) -> Any:
    parts = path.split(".")
    if parts[0] == "assumptions":
        assumptions = book.require_assumptions()
        if len(parts) != 2 or parts[1] not in type(assumptions).model_fields:
            raise LookupError(f"no assumption {'.'.join(parts[1:])!r}")
        return getattr(assumptions, parts[1]).value
    return scenario_input(scenario, path)


def field_limits(path: str) -> list[tuple[str, float]]:
    """The bounds an input's own field sets, as (operator, value): [(">=", 0), ("<=", 1)] for a share.

    >>> field_limits("workload.requests_per_month")
    [('>=', 0), ('<=', 1000000000000000)]
    >>> field_limits("assumptions.training_hfu")
    [('>=', 0), ('<=', 1000000000000000.0), ('>', 0), ('<=', 1)]
    """
    if path.startswith("assumptions."):
        return _bounds(Assumption.model_fields["value"].metadata) + ASSUMPTION_LIMITS.get(
            path.removeprefix("assumptions."), [])
    info = scenario_field(path)
    if info is None:
        return []
    metadata = list(info.metadata)
    for member in typing.get_args(info.annotation) or ():  # Optional[Annotated[int, Field(ge=1)]]
        if typing.get_origin(member) is typing.Annotated:
            metadata += [m for extra in typing.get_args(member)[1:] for m in getattr(extra, "metadata", [extra])]
    return _bounds(metadata)


_OPERATORS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


def _bounds(metadata: list[Any]) -> list[tuple[str, float]]:
    return [(symbol, getattr(item, name)) for item in metadata for name, symbol in _OPERATORS.items()
            if getattr(item, name, None) is not None]


def ranged_inputs(scenario: Scenario, book: PriceBook) -> list[RangedInput]:
    """The scenario's ranges, checked: each names a numeric input that can be ranged, has
    low <= likely <= high, and stays within the input's own limits (a share within 0 to 1)."""
    found, problems = [], []
    for path, spec in scenario.ranges.items():
        field = f"ranges.{path}"
        if path in NOT_RANGEABLE:
            problems.append(scenario.origin_problem(field, f"{path} cannot have a range: {NOT_RANGEABLE[path]}"))
            continue
        try:
            likely = _value(scenario, book, path)
        except LookupError as exc:
            problems.append(scenario.origin_problem(field, str(exc)))
            continue
        if likely is None:
            problems.append(scenario.origin_problem(field, (
                f"{path} is left to its default here, so it cannot have a range; "
                "give it a value, or range the assumption behind it")))
            continue
        if isinstance(likely, bool) or not isinstance(likely, (int, float)):
            problems.append(scenario.origin_problem(field, f"{path} is not a number, so it cannot have a range"))
            continue
        limits = field_limits(path)
        broken = [(end, value, outside(value, limits)) for end, value in (("low", spec.low), ("high", spec.high))]
        broken = [(end, value, why) for end, value, why in broken if why is not None]
        if spec.likely is not None and spec.likely != likely:
            problems.append(scenario.origin_problem(f"{field}.likely", f"must equal {path}'s value {likely:g}"))
        elif not spec.low <= likely <= spec.high:
            problems.append(scenario.origin_problem(
                field, f"expected low <= likely <= high, got {spec.low:g} <= {likely:g} <= {spec.high:g}"))
        elif broken:
            problems.extend(scenario.origin_problem(f"{field}.{end}", f"{path} must be {why}, got {value:g}")
                            for end, value, why in broken)
        else:
            found.append(RangedInput(path, spec.low, float(likely), spec.high))
    if problems:
        raise ScenarioError(problems)
    return found


@dataclass(frozen=True)
class RangeMove:
    """A range that followed its input's value (``follow_ranges``): from ``was_low`` to ``was_high``, it is
    now ``low`` to ``high`` around ``likely``; ``held`` names the ends kept at the input's own limits."""

    path: str
    was_low: float
    was_high: float
    low: float
    high: float
    likely: float
    held: tuple[str, ...] = ()

    def describe(self) -> str:
        """What happened, in words.

        >>> print(RangeMove("workload.requests_per_month", 80_000, 300_000, 26_666, 100_000, 50_000).describe())
        ... # doctest: +NORMALIZE_WHITESPACE
        Requests per month (workload): the range moved with the likely value (50,000) and is now 26,666 to 100,000
        (was 80,000 to 300,000).
        >>> print(RangeMove("approaches.rag.corpus_monthly_change", 0.1, 0.4, 0.3333, 1, 0.5, ("high",)).describe())
        ... # doctest: +NORMALIZE_WHITESPACE
        RAG: corpus monthly change: the range moved with the likely value (0.5) and is now 0.3333 to 1
        (was 0.1 to 0.4); its high end is held at the input's limit.
        >>> print(RangeMove("workload.requests_per_month", 80_000, 300_000, 80_000, 300_000, 200_000).describe())
        ... # doctest: +NORMALIZE_WHITESPACE
        Requests per month (workload): the range's likely value is now the input's, 200,000; the range stays
        80,000 to 300,000.
        """
        label, likely = input_label(self.path), _number(self.likely)
        if (self.low, self.high) == (self.was_low, self.was_high):
            return (f"{label}: the range's likely value is now the input's, {likely}; the range stays "
                    f"{_number(self.low)} to {_number(self.high)}.")
        text = (f"{label}: the range moved with the likely value ({likely}) and is now {_number(self.low)} to "
                f"{_number(self.high)} (was {_number(self.was_low)} to {_number(self.was_high)})")
        if self.held:
            ends = " and ".join(self.held)
            text += f"; its {ends} end{'s are' if len(self.held) > 1 else ' is'} held at the input's limit"
        return text + "."


def _number(value: float) -> str:
    """A whole number with separators, another to four significant digits: "26,666", "0.3333"."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def recentred(path: str, low: float, likely: float, high: float, value: float) -> tuple[float, float, tuple[str, ...]]:
    """The range ``low``-``likely``-``high`` of the input at ``path`` moved to centre on ``value``, keeping its
    relative spread: each end scaled by value / likely (low / likely and high / likely kept), or, when the two
    differ in sign or either is 0, shifted by value - likely (the spread kept in the input's units). A
    whole-number input's ends are then rounded outwards; an end beyond the input's own limits (a share's 1)
    is held at the limit, or at ``value`` when the limit itself is excluded (a share below 1). Returns
    (low, high, the ends held).

    80,000-150,000-300,000 requests a month moved to 50,000: 80,000 x 50,000 / 150,000 = 26,666.7 -> 26,666
    (rounded down: the range is never narrower), 300,000 x 50,000 / 150,000 = 100,000:

    >>> recentred("workload.requests_per_month", 80_000, 150_000, 300_000, 50_000)
    (26666.0, 100000.0, ())

    A share 0.1-0.15-0.4 moved to 0.5: 0.1 x 0.5 / 0.15 = 0.333, 0.4 x 0.5 / 0.15 = 1.33, held at 1:

    >>> low, high, held = recentred("approaches.rag.corpus_monthly_change", 0.1, 0.15, 0.4, 0.5)
    >>> round(low, 4), high, held
    (0.3333, 1.0, ('high',))
    """
    if likely != 0 and (likely > 0) == (value > 0) and value != 0:
        new_low, new_high = low * value / likely, high * value / likely
    else:
        new_low, new_high = low + (value - likely), high + (value - likely)
    info = None if path.startswith("assumptions.") else scenario_field(path)
    if info is not None and int in members(info.annotation):
        # round() first: 300,000 x 1 / 3 x 3 may come out a hair above a whole number
        new_low, new_high = math.floor(round(new_low, 6)), math.ceil(round(new_high, 6))
    held = []
    for end, operators in (("low", (">=", ">")), ("high", ("<=", "<"))):
        for symbol, bound in field_limits(path):
            current = new_low if end == "low" else new_high
            if symbol not in operators or outside(current, [(symbol, bound)]) is None:
                continue
            kept = bound if symbol in (">=", "<=") else value
            new_low, new_high = (kept, new_high) if end == "low" else (new_low, kept)
            held.append(end)
    return float(new_low), float(new_high), tuple(dict.fromkeys(held))


def follow_ranges(scenario: Scenario, book: PriceBook, loaded: Scenario | None = None) -> tuple[
        Scenario, list[RangeMove]]:
    """The scenario with each range that its input's value has left following that value, and what moved.

    A range's likely value is its input's own value. When the value leaves the range (a team sets 50,000
    requests a month against a range of 80,000 to 300,000), the range is ``recentred`` on it, from the
    likely value it was written around: its ``likely`` if the range gives one, else the input's value in
    ``loaded`` (the scenario as loaded, before the change). A range whose value is still within it keeps
    its ends (they are the team's guess); a ``likely`` it gives becomes the value. A range that cannot be
    moved (no likely value within it to move from, or no number to follow) is left as it is, for
    ``ranged_inputs`` to explain.
    """
    ranges = dict(scenario.ranges)
    moves = []
    for path, spec in scenario.ranges.items():
        value = _number_at(scenario, book, path)
        if value is None or path in NOT_RANGEABLE:
            continue
        likely = None if spec.likely is None else value
        if spec.low <= value <= spec.high:
            if spec.likely is not None and spec.likely != value:
                ranges[path] = Range(low=spec.low, high=spec.high, likely=value)
                moves.append(RangeMove(path, spec.low, spec.high, spec.low, spec.high, value))
            continue
        before = spec.likely if spec.likely is not None else (
            None if loaded is None else _number_at(loaded, book, path))
        if before is None or not spec.low <= before <= spec.high:
            continue
        low, high, held = recentred(path, spec.low, before, spec.high, value)
        ranges[path] = Range(low=low, high=high, likely=likely)
        moves.append(RangeMove(path, spec.low, spec.high, low, high, value, held))
    if not moves:
        return scenario, []
    return scenario.model_copy(update={"ranges": ranges}), moves


def _number_at(scenario: Scenario, book: PriceBook, path: str) -> float | None:
    """The input's value as a number, None where it has none (no such input, left to a default, not a number)."""
    try:
        value = _value(scenario, book, path)
    except (LookupError, PlannerError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def problem_in_words(problem: Problem) -> str:
    """A problem with a scenario's ranges for people: the input in words, not its dotted path.

    >>> problem_in_words(Problem("scenario", None, "ranges.workload.requests_per_month",
    ...                          "expected low <= likely <= high, got 80000 <= 50000 <= 300000"))
    'Requests per month (workload): expected low <= likely <= high, got 80000 <= 50000 <= 300000'
    >>> problem_in_words(Problem("scenario", None, "ranges.project.iterations.low", "project.iterations must be >= 1"))
    "Iterations (project), the range's low end: iterations must be >= 1"
    """
    field = problem.field.removeprefix("ranges.")
    if not field or field == problem.field:
        return in_words(f"{problem.field}: {problem.message}" if problem.field else problem.message)
    path, _, end = field.rpartition(".")
    where = f"{input_label(path)}, the range's {end} end" if end in ("low", "high", "likely") else input_label(field)
    return f"{where}: {in_words(problem.message)}"


def with_values(scenario: Scenario, book: PriceBook, values: dict[str, Any]) -> tuple[Scenario, PriceBook]:
    """The scenario and price book with inputs set to ``values`` (numbers or ``Draws``), unvalidated."""
    assumptions = book.require_assumptions()
    for path, value in values.items():
        parts = path.split(".")
        if parts[0] == "assumptions":
            item = getattr(assumptions, parts[1])
            assumptions = assumptions.model_copy(update={parts[1]: item.model_copy(update={"value": value})})
        else:
            scenario = _set(scenario, parts, value)
    return scenario, dataclasses.replace(book, assumptions=assumptions)


def _set(model: Any, parts: list[str], value: Any) -> Any:
    if len(parts) == 1:
        return model.model_copy(update={parts[0]: value})
    return model.model_copy(update={parts[0]: _set(getattr(model, parts[0]), parts[1:], value)})


def pert(low: float, likely: float, high: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    """PERT draws on [low, high] with mode ``likely``; a collapsed range gives the value itself."""
    if high == low:
        return np.full(draws, float(low))
    alpha = 1 + PERT_WEIGHT * (likely - low) / (high - low)
    beta = 1 + PERT_WEIGHT * (high - likely) / (high - low)
    return low + (high - low) * rng.beta(alpha, beta, draws)


def _run(scenario: Scenario, book: PriceBook, values: dict[str, Any],
         today: datetime.date | None = None) -> Estimate:
    return estimate(*with_values(scenario, book, values), today)


def simulate(scenario: Scenario, book: PriceBook, draws: int = DEFAULT_DRAWS,
             seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> dict[Approach, dict[str, Percentiles]]:
    """P10 / P50 / P90 of each option's one-time, first-month and horizon cost and weeks to production,
    planned on ``today`` (default: the current date)."""
    rng = np.random.default_rng(seed)
    values = {r.path: Draws(pert(r.low, r.likely, r.high, draws, rng)) for r in ranged_inputs(scenario, book)}
    result = _run(scenario, book, values, today)
    summary: dict[Approach, dict[str, Percentiles]] = {}
    for name, approach in result.approaches.items():
        costed = ~np.broadcast_to(np.asarray(approach.infeasible_mask, dtype=bool), (draws,))
        because = tuple(dict.fromkeys(f"{field}: {why}" for field, _, why in approach.infeasible))
        if not costed.any():
            raise ScenarioError(scenario.origin_problem("ranges", (
                f"{approach.label}: no draw of the ranges can be costed ({'; '.join(because)})")))
        summary[name] = {}
        for metric in METRICS:
            samples = np.broadcast_to(np.asarray(getattr(approach, metric), dtype=float), (draws,))[costed]
            p10, p50, p90 = np.percentile(samples, [10, 50, 90])
            summary[name][metric] = Percentiles(float(p10), float(p50), float(p90), float(1 - costed.mean()), because)
    return summary


@dataclass(frozen=True)
class Swing:
    """How far an approach's horizon cost moves when one input goes from its low to its high value."""

    path: str
    low: float
    high: float
    cost_at_low: float
    cost_at_high: float

    @property
    def width(self) -> float:
        """The swing's size, in the report currency."""
        return abs(self.cost_at_high - self.cost_at_low)


def tornado(scenario: Scenario, book: PriceBook, today: datetime.date | None = None) -> dict[Approach, list[Swing]]:
    """Per option, each ranged input's swing of the horizon cost (others at likely), widest first."""
    swings: dict[Approach, list[Swing]] = {plan.id: [] for plan in scenario.option_plans()}
    for ranged in ranged_inputs(scenario, book):
        result = _run(scenario, book, {ranged.path: Draws([ranged.low, ranged.high])}, today)
        for name, approach in result.approaches.items():
            if nonzero(approach.infeasible_mask):  # one end cannot be costed: no swing to show
                continue
            low, high = np.broadcast_to(np.asarray(approach.horizon_cost, dtype=float), (2,))
            swings[name].append(Swing(ranged.path, ranged.low, ranged.high, float(low), float(high)))
    return {name: sorted(items, key=lambda s: -s.width) for name, items in swings.items()}


def input_label(path: str) -> str:
    """An input's name in words.

    >>> input_label("workload.requests_per_month")
    'Requests per month (workload)'
    >>> input_label("approaches.fine_tune.examples")
    'Fine-tuning: examples'
    >>> input_label("assumptions.expert_minutes_per_example")
    'Expert minutes per example (assumption)'
    """
    parts = path.split(".")
    name = parts[-1].replace("_", " ")
    labels: dict[str, str] = {kind: label for kind, label in APPROACH_LABELS.items()}
    if parts[0] == "approaches" and len(parts) == 3 and parts[1] in labels:
        return f"{labels[parts[1]]}: {name}"
    name = name[:1].upper() + name[1:]
    if parts[0] == "assumptions":
        return f"{name} (assumption)"
    return f"{name} ({parts[0]})" if len(parts) > 1 else name


def top_drivers(swings: list[Swing], currency: str, count: int = 3) -> str:
    """The inputs that move a horizon cost most, in words."""
    moving = [s for s in swings if s.width > 0][:count]
    if not moving:
        return "no ranged input moves it"
    return "; ".join(f"{input_label(s.path)} ({s.low:,.10g} to {s.high:,.10g}) moves it by {s.width:,.0f} {currency}"
                     for s in moving)


@dataclass(frozen=True)
class VolumeBreakEven:
    """Above ``requests_per_month``, ``cheaper`` costs less over the horizon than ``dearer``."""

    requests_per_month: float
    cheaper: Approach
    dearer: Approach
    horizon_cost: float


def describe_volume(item: VolumeBreakEven, labels: dict[Approach, str], currency: str) -> str:
    """A break-even volume in words, for the command line and the app alike.

    >>> describe_volume(VolumeBreakEven(961_066.2, "fine_tune", "rag", 69_206.4),
    ...                 {"fine_tune": "Fine-tuning", "rag": "RAG"}, "USD")
    'above 961,066 requests a month, Fine-tuning costs less than RAG (both 69,206 USD at the crossing)'
    """
    return (f"above {item.requests_per_month:,.0f} requests a month, {labels[item.cheaper]} costs less than "
            f"{labels[item.dearer]} (both {item.horizon_cost:,.0f} {currency} at the crossing)")


@dataclass(frozen=True)
class VolumeSweep:
    """Each approach's horizon cost at each volume of a grid (for the chart)."""

    volumes: np.ndarray
    horizon_costs: dict[Approach, np.ndarray]


def volume_sweep(scenario: Scenario, book: PriceBook, volumes: np.ndarray,
                 today: datetime.date | None = None) -> VolumeSweep:
    """Horizon cost of every option at each first-month volume, everything else as in the scenario."""
    result = _run(scenario, book, {"workload.requests_per_month": Draws(volumes)}, today)
    return VolumeSweep(np.asarray(volumes, dtype=float), {
        name: np.broadcast_to(np.asarray(a.horizon_cost, dtype=float), volumes.shape).copy()
        for name, a in result.approaches.items()})


def breakeven_volumes(scenario: Scenario, book: PriceBook, max_volume: float = MAX_VOLUME,
                      among: Collection[Approach] | None = None, today: datetime.date | None = None) -> tuple[
        list[VolumeBreakEven], VolumeSweep]:
    """Every first-month volume (0 to ``max_volume``) at which two options' horizon costs are equal, for
    every pair of options (or of those ``among``).

    The horizon costs are computed on a log grid, and each sign change of a difference is narrowed
    down by bisection to a fraction of a request.
    """
    grid = np.concatenate([[0.0], np.logspace(0, np.log10(max_volume), VOLUME_GRID)])
    sweep = volume_sweep(scenario, book, grid, today)
    chosen = [name for name in sweep.horizon_costs if among is None or name in among]
    found = []
    for a, b in combinations(chosen, 2):
        diff = sweep.horizon_costs[a] - sweep.horizon_costs[b]
        for i in np.nonzero(np.sign(diff[:-1]) * np.sign(diff[1:]) < 0)[0]:
            low, high = grid[i], grid[i + 1]
            for _ in range(BISECTION_STEPS):
                mid = (low + high) / 2
                point = _run(scenario, book, {"workload.requests_per_month": mid}, today).approaches
                d = point[a].horizon_cost - point[b].horizon_cost
                if np.sign(d) == np.sign(diff[i]):
                    low = mid
                else:
                    high = mid
            volume = (low + high) / 2
            # The one whose cost grows more slowly with volume is cheaper above the crossing.
            cheaper, dearer = (a, b) if diff[i] > 0 else (b, a)
            cost = _run(scenario, book, {"workload.requests_per_month": volume}, today).approaches[a].horizon_cost
            found.append(VolumeBreakEven(float(volume), cheaper, dearer, cost))
    return sorted(found, key=lambda f: f.requests_per_month), sweep


@dataclass(frozen=True)
class MonthBreakEven:
    """The month an option that trains a model gets cheaper to date than one that does not, or None."""

    tuned: Approach
    other: Approach
    month: int | None
    tuned_label: str = ""
    other_label: str = ""


def breakeven_months(result: Estimate) -> list[MonthBreakEven]:
    """For every option that trains (fine-tuning, hybrid) against every one that does not (prompt, RAG):
    the first month the tuned one is cheaper to date.

    None when it never is within the horizon. If it is cheaper from the start (month 0, before any
    monthly cost), the month is 0.
    """
    overtakes = crossovers(result)
    found = []
    options = result.approaches
    for tuned in (name for name, option in options.items() if option.trains):
        for other in (name for name, option in options.items() if not option.trains):
            a, b = options[tuned], options[other]
            labels = {"tuned_label": a.label, "other_label": b.label}
            if a.one_time_cost < b.one_time_cost and all(
                    x <= y for x, y in zip(a.monthly_costs, b.monthly_costs, strict=True)):
                found.append(MonthBreakEven(tuned, other, 0, **labels))
                continue
            months = [c.month for c in overtakes if c.cheaper == tuned and c.dearer == other]
            found.append(MonthBreakEven(tuned, other, months[0] if months else None, **labels))
    return found


def describe_month(item: MonthBreakEven, horizon_months: int) -> str:
    """A break-even month in words."""
    tuned, other = item.tuned_label or item.tuned, item.other_label or item.other
    if item.month is None:
        return f"{tuned} never becomes cheaper to date than {other} within the {horizon_months}-month horizon"
    return f"{tuned} is cheaper to date than {other} from month {item.month}"
