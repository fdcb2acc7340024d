"""One cost model for numbers and for draws: for every input the app lets a user range, an array of
values gives, value by value, what single-number estimates give (or marks the values they refuse),
and every such range gives finite, ordered percentiles or our error."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import REPO

from planner import PlannerError, estimate, load_price_book, load_scenario, scenario_from_dict
from planner.analysis.ranges import NOT_RANGEABLE, _value, field_limits, rangeable_inputs, simulate, with_values
from planner.core.draws import Draws
from planner.inputs.scenario import Range

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
BOOK = load_price_book(REPO / "pricing")
PATHS = rangeable_inputs()
METRICS = ("one_time_cost", "monthly_cost", "horizon_cost", "weeks_to_production", "effort_hours")


def within(value: float, limits: list[tuple[str, float]]) -> float:
    """``value`` moved inside the field's limits (a strict bound is approached, not reached)."""
    for symbol, bound in limits:
        if symbol == ">=" and value < bound:
            value = bound
        elif symbol == ">" and value <= bound:
            value = bound + abs(bound) * 0.01 + 0.01
        elif symbol == "<=" and value > bound:
            value = bound
        elif symbol == "<" and value >= bound:
            value = bound - abs(bound) * 0.01 - 0.01
    return value


def spread(likely: float, path: str) -> list[float]:
    """Values around ``likely`` a user could range over: down to the field's floor, up to a few times it."""
    limits = field_limits(path)
    candidates = [0.0, likely * 0.5, likely, likely * 1.5 + 0.5, likely * 4 + 1, 0.37]
    return sorted({within(v, limits) for v in candidates})


def run(scenario, value, path):
    return estimate(*with_values(scenario, BOOK, {path: value}))


def cases():
    for example in EXAMPLES:
        scenario = load_scenario(example)
        for path in PATHS:
            if path in NOT_RANGEABLE:
                continue
            try:
                likely = _value(scenario, BOOK, path)
            except LookupError:
                continue  # an input of another fine-tuning route than the example's
            if isinstance(likely, (int, float)) and not isinstance(likely, bool):
                yield pytest.param(scenario, path, float(likely), id=f"{example.stem}:{path}")


@pytest.mark.parametrize(("scenario", "path", "likely"), list(cases()))
def test_an_array_gives_what_single_numbers_give_value_by_value(scenario, path, likely):
    values = spread(likely, path)
    try:
        many = run(scenario, Draws(values), path)
    except PlannerError:
        # Only where no value can be costed, or a value's refusal is not about fitting (then it holds for all).
        assert any(_single(scenario, v, path) is None for v in values), (
            "the array was refused though every single value estimates")
        return
    # GPUs chosen automatically (own, or a host's endpoint): a range keeps one instance for all its values (a team
    # rents one kind), chosen at its mean cost, where a single value may choose another; so each single value runs
    # on the instances the range chose, and must then give the same figures.
    pinned = _pinned(scenario, many)
    singles = [_single(pinned, value, path) for value in values]
    for i, single in enumerate(singles):
        marked = {name: bool(np.broadcast_to(a.infeasible_mask, (len(values),))[i])
                  for name, a in many.approaches.items()}
        if single is None:
            assert any(marked.values()), f"{path}={values[i]:g} is refused alone but costed in an array"
            continue
        assert not any(marked.values()), f"{path}={values[i]:g} is costed alone but marked in an array"
        for name, approach in many.approaches.items():
            for metric in METRICS:
                got = float(np.broadcast_to(np.asarray(getattr(approach, metric), dtype=float), (len(values),))[i])
                expected = getattr(single.approaches[name], metric)
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (name, metric, values[i])


def _single(scenario, value, path):
    try:
        return run(scenario, value, path)
    except PlannerError:
        return None


def _pinned(scenario, estimated):
    """``scenario`` with each option's automatically chosen GPUs (own instances and purchase, or a host's
    endpoint) set as the estimate chose them."""
    data = scenario.model_dump(mode="json")
    for plan in scenario.option_plans():
        result = estimated.approaches[plan.id]
        sizing = result.sizing
        if sizing is not None and sizing.serving_choice is not None:
            pin = {"training_gpu": sizing.training_choice.chosen.ref, "serving_gpu": sizing.serving_choice.chosen.ref,
                   "purchase": sizing.serving_choice.chosen.purchase}
        else:
            endpoints = {li.price_key.rsplit(".", 1)[0].replace(".gpu_instances.", "/") for li in result.lines
                         if li.item.startswith("Dedicated endpoint")}
            if not endpoints:
                continue
            (endpoint,) = endpoints
            pin = {"endpoint": endpoint}
        node = data
        for key in plan.where.split("."):
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node.update(pin)
    return scenario_from_dict(data, name=scenario.name)


@pytest.mark.parametrize(("scenario", "path", "likely"), list(cases()))
def test_a_range_on_any_offered_input_gives_ordered_finite_percentiles_or_our_error(scenario, path, likely):
    values = spread(likely, path)
    ranged = scenario.model_copy(update={"ranges": {path: Range(low=values[0], high=values[-1])}})
    try:
        summary = simulate(ranged, BOOK, draws=500)
    except PlannerError as exc:
        assert "(range)" not in str(exc) and "Traceback" not in str(exc)
        return
    for metrics in summary.values():
        for p in metrics.values():
            assert all(math.isfinite(x) for x in (p.p10, p.p50, p.p90))
            assert p.p10 <= p.p50 <= p.p90
            assert 0 <= p.excluded_share < 1


def test_the_app_does_not_offer_to_range_what_cannot_be_ranged():
    assert not set(PATHS) & set(NOT_RANGEABLE)
