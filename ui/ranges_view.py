"""The "Ranges and break-even" view: three-point inputs, P10/P50/P90, tornado charts, break-even."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from planner import PlannerError, PriceBook, Scenario, scenario_from_dict
from planner.analysis.ranges import (
    DEFAULT_DRAWS,
    METRIC_LABELS,
    METRICS,
    RangeMove,
    breakeven_months,
    describe_month,
    describe_volume,
    follow_ranges,
    input_label,
    problem_in_words,
    rangeable_inputs,
    top_drivers,
)
from planner.costs.estimator import Estimate
from planner.costs.lines import months
from planner.inputs.scenario import scenario_input
from ui import charts
from ui.cached import breakeven_analysis, spread_analysis
from ui.text import md

AMONG = "ranges:among"  # the options compared for break-even
ALL_PAIRS_UP_TO = 4  # options; with more, break-even starts between the first two


def follow_inputs(scenario: Scenario, base: dict[str, Any], book: PriceBook) -> tuple[Scenario, list[RangeMove]]:
    """The scenario on screen with its ranges following the sidebar's values (``follow_ranges``): a value
    set outside its range moves the range, from the value in ``base`` (the loaded scenario as plain data)."""
    if not scenario.ranges:
        return scenario, []
    try:
        loaded: Scenario | None = scenario_from_dict(base, name="loaded scenario")
    except PlannerError:  # a range can still follow the likely value it gives itself
        loaded = None
    return follow_ranges(scenario, book, loaded)


def render_range_editor(base: dict[str, Any], scenario: Scenario, replace: Callable[[dict[str, Any]], None]) -> None:
    """Add, change or remove ranges; they live in the scenario (and so in its link and YAML).

    ``base`` is the loaded scenario as plain data; it is not changed: a new one with the changed
    ranges goes to ``replace``. ``scenario`` is the one on screen: its inputs are offered, and its ranges
    (followed by their inputs' values) are listed.
    """
    ranges: dict[str, dict[str, float]] = base.get("ranges") or {}  # read only: changes build a new scenario
    left, middle, right = st.columns([3, 1, 1])
    path = left.selectbox("Input to give a range (scenario units: shares as fractions, e.g. 0.05)",
                          rangeable_inputs(scenario), key="range:path", format_func=input_label)
    low = middle.number_input("Low", value=0.0, key="range:low", format="%.4g")
    high = right.number_input("High", value=0.0, key="range:high", format="%.4g")
    add, remove = st.columns(2)
    if add.button("Add or change this range", key="range:add"):
        changed = {**with_value_on_screen(base, scenario, path), "ranges": {**ranges, path: {
            "low": float(low), "high": float(high)}}}
        replace(changed)
        st.rerun()  # the estimate at the top of the page must see the new range
    if ranges:
        removed = remove.multiselect("Remove ranges", list(ranges), key="range:remove", format_func=input_label)
        if removed and remove.button("Remove", key="range:remove-button"):
            replace({**base, "ranges": {p: r for p, r in ranges.items() if p not in removed}})
            st.rerun()
        st.dataframe(pd.DataFrame([{"input": input_label(p), "low": r.low, "high": r.high}
                                   for p, r in scenario.ranges.items()]), hide_index=True)


def with_value_on_screen(base: dict[str, Any], scenario: Scenario, path: str) -> dict[str, Any]:
    """``base`` with the input at ``path`` set to its value on screen, so that a range added now is
    written around that value (a later change of the input moves the range from it, see ``follow_inputs``).
    Unchanged for an assumption or an input left to one.

    >>> base = {"workload": {"requests_per_month": 150_000}}
    >>> with_value_on_screen(base, Scenario(), "workload.requests_per_month")
    {'workload': {'requests_per_month': 100000}}
    >>> with_value_on_screen(base, Scenario(), "assumptions.iterations") == base
    True
    """
    try:
        value = scenario_input(scenario, path)
    except LookupError:  # an assumption
        return base
    if value is None:
        return base
    changed = copy.deepcopy(base)
    node = changed
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return changed


def _reasons(exc: PlannerError) -> str:
    """Each problem on a line of its own, its input in words (never a dotted path)."""
    return "\n".join(f"- {problem_in_words(problem)}" for problem in exc.problems)


def percentile_text(p: Any, metric: str) -> str:
    """"P10 / P50 / P90": money to the whole unit with separators, weeks to a tenth."""
    spec = ",.1f" if metric == "weeks_to_production" else ",.0f"
    return " / ".join(format(v, spec) for v in (p.p10, p.p50, p.p90))


def render_ranges(result: Estimate, scenario: Scenario, book: PriceBook, moved: Sequence[RangeMove] = ()) -> None:
    """Percentiles, tornado charts and break-even for the current scenario; ``moved``: the ranges that
    followed their inputs' values (``follow_inputs``), said in words."""
    cur = result.currency
    names = list(result.approaches)
    # Break-even between every pair of four approaches; among many options, between the two the team picks
    # (the picker is drawn with the break-even below, its value read here so the search runs once).
    among = st.session_state.get(AMONG, names if len(names) <= ALL_PAIRS_UP_TO else names[:2])
    among = [name for name in among if name in names]
    for move in moved:
        st.info(md(move.describe()))
    spread = swings = None
    with st.spinner(f"Break-even volumes, {DEFAULT_DRAWS:,} draws and the sensitivity of each range"):
        try:
            found, sweep = breakeven_analysis(scenario, book, tuple(among))
        except PlannerError as exc:
            st.error(md(f"The break-even cannot be computed:\n{_reasons(exc)}"))
            return
        try:  # a range that cannot be evaluated leaves the break-even below standing
            spread, swings = spread_analysis(scenario, book)
        except PlannerError as exc:
            st.error(md(f"The ranges cannot be evaluated; change the range or its input:\n{_reasons(exc)}"))

    if not scenario.ranges:
        st.info("Give an input a range above to see P10 / P50 / P90 of every total and which inputs matter most.")
    elif spread is not None and swings is not None:
        st.subheader(f"Likely ranges ({DEFAULT_DRAWS:,} draws, PERT)")
        rows = {f"{METRIC_LABELS[m]} ({'weeks' if m == 'weeks_to_production' else cur})":
                [percentile_text(spread[name][m], m) for name in result.approaches] for m in METRICS}
        st.table(pd.DataFrame(rows, index=[md(r.label) for r in result.approaches.values()]).T)
        st.caption("Each cell: P10 / P50 / P90.")
        for name, metrics in spread.items():
            first = next(iter(metrics.values()))
            if first.excluded_share:
                st.warning(md(f"{result.label(name)}: {first.excluded_share:.0%} of the draws cannot be costed "
                              f"and are left out of its percentiles: {'; '.join(first.excluded_because)}"))
        st.subheader("What moves the horizon cost (one-time cost included) most")
        columns = st.columns(2)
        for index, (name, items) in enumerate(swings.items()):
            approach = result.approaches[name]
            with columns[index % 2]:
                st.markdown(f"**{md(approach.label)}**: {md(top_drivers(items, cur))}")
                st.plotly_chart(charts.tornado_chart(items, approach.label, cur, approach.horizon_cost),
                                key=f"chart:tornado:{name}")

    st.subheader("Break-even")
    st.multiselect("Break-even between", names, default=among, key=AMONG, format_func=result.label,
                   help="The options whose costs are compared as the volume grows, pair by pair.")
    scale = st.radio("Volume axis", ["log scale", "linear scale"], horizontal=True, key="ranges:scale")
    labels = {name: r.label for name, r in result.approaches.items() if name in among}
    sweep = dataclasses.replace(sweep, horizon_costs={n: c for n, c in sweep.horizon_costs.items() if n in among})
    st.plotly_chart(charts.volume_chart(sweep, found, labels, cur, result.horizon_months,
                                        scenario.workload.requests_per_month, log_scale=scale == "log scale"),
                    key="chart:volume")
    for item in found:
        text = describe_volume(item, labels, cur)
        st.markdown(f"- {md(text[:1].upper() + text[1:])}; costs over {months(result.horizon_months)}, the one-time "
                    "cost included.")
    if not found:
        st.markdown("- The order of the approaches does not change up to 10 billion requests a month.")
    for item in breakeven_months(result):
        st.markdown(f"- {md(describe_month(item, result.horizon_months))} "
                    f"(at {scenario.workload.requests_per_month:,} requests a month).")
