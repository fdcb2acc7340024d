"""Plotly figures of an estimate, sized and lettered for a projector. Every value comes from planner."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from planner.analysis.budget_calendar import budget_calendar, month_label
from planner.analysis.comparison import Crossover, cumulative_costs
from planner.analysis.ranges import METRIC_LABELS, Swing, VolumeBreakEven, VolumeSweep, input_label
from planner.costs.estimator import Estimate
from planner.costs.lines import CATEGORY_LABELS, Category, horizon_total
from planner.costs.self_hosted import SelfHostedSizing
from ui import text

FONT = {"size": 16}
# One colour per option (by its place in the list: prompt, RAG, fine-tuning and hybrid in a scenario
# without options) and per category, the same in every chart of the app; twelve before one repeats.
OPTION_PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B", "#9D755D",
                  "#FF9DA6", "#17BECF", "#8C6D31", "#393B79")
CATEGORY_COLOURS: dict[Category, str] = {
                    "engineering": "#4C78A8", "data_preparation": "#F58518", "evaluation": "#E45756",
                    "training": "#72B7B2", "embeddings": "#54A24B", "inference": "#EECA3B", "vector_db": "#B279A2",
                    "hosting": "#FF9DA6", "retraining": "#9D755D", "operations": "#BAB0AC",
                    "compliance": "#8C6D31", "contingency": "#393B79", "tax": "#17BECF"}
HEIGHT = 520


def option_colours(options: list[str]) -> dict[str, str]:
    """Each option's colour, by its place in the list of options."""
    return {name: OPTION_PALETTE[index % len(OPTION_PALETTE)] for index, name in enumerate(options)}


Trace = dict[str, Any]


def _figure(traces: list[Trace], title: str, x_title: str, y_title: str, x_axis: dict[str, Any] | None = None,
            y_axis: dict[str, Any] | None = None, **extra: Any) -> go.Figure:
    """A figure from plain specs: the title on top, the legend in a row under it (not over the axis labels).

    Plotly checks every property it is given against its schema, which costs more than the rest of a rerun
    (about 10-25 ms a chart at ten options); these specs are fixed by this module and checked once by the
    tests (tests/test_charts.py builds each with plotly's checks on), so they are not checked on every rerun.
    """
    layout = {"font": FONT, "height": HEIGHT, "title": {"text": title, "x": 0, "xanchor": "left"},
              "xaxis": {"title": {"text": x_title}, "automargin": True, **(x_axis or {})},
              "yaxis": {"title": {"text": y_title}, "automargin": True, **(y_axis or {})},
              "margin": {"l": 10, "r": 10, "t": 110, "b": 10},
              "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}, **extra}
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def cost_by_category(estimate: Estimate, timing: str) -> go.Figure:
    """Stacked bars: one-time (``one_time``) or first-month (``monthly``) cost per option by category."""
    labels = [text.chart(r.label) for r in estimate.approaches.values()]
    traces = []
    for category, colour in CATEGORY_COLOURS.items():
        values = [sum(li.amount for li in r.lines if li.category == category and li.timing == timing)
                  for r in estimate.approaches.values()]
        if any(values):
            traces.append({"type": "bar", "name": CATEGORY_LABELS[category], "x": labels, "y": values,
                           "marker": {"color": colour},
                           "hovertemplate": "%{x}: %{y:,.2f} " + estimate.currency + "<extra>%{fullData.name}</extra>"})
    title = "One-time build cost" if timing == "one_time" else "First-month running cost"
    return _figure(traces, f"{title} by category", "", f"{title} ({estimate.currency})", barmode="stack")


def cumulative(estimate: Estimate, crossings: list[Crossover]) -> go.Figure:
    """Cost to date month by month, with a marker where one option overtakes another."""
    colours = option_colours(list(estimate.approaches))
    traces: list[Trace] = [
        {"type": "scatter", "x": list(range(len(curve))), "y": curve, "mode": "lines",
         "name": text.chart(estimate.label(name)), "line": {"color": colours[name], "width": 3},
         "hovertemplate": "month %{x}: %{y:,.0f} " + estimate.currency}
        for name, curve in ((name, cumulative_costs(r)) for name, r in estimate.approaches.items())]
    if crossings:
        traces.append({
            "type": "scatter", "x": [c.month for c in crossings], "y": [c.cost_to_date for c in crossings],
            "mode": "markers", "marker": {"size": 14, "symbol": "x", "color": "black"}, "name": "overtakes",
            "text": [text.chart(f"month {c.month}: {estimate.label(c.cheaper)} now cheaper than "
                                f"{estimate.label(c.dearer)}") for c in crossings],
            "hovertemplate": "%{text}<extra></extra>"})
    return _figure(traces, "Cost to date, month by month", "Month", f"Cost to date ({estimate.currency})",
                   y_axis={"rangemode": "tozero"})


def month_by_month(estimate: Estimate) -> go.Figure:
    """Each option's cost in each calendar month it is paid: the build while it is built, then the running cost
    from go-live, with retraining and annual fees as steps in the months they fall in."""
    calendar = budget_calendar(estimate)
    colours = option_colours(list(estimate.approaches))
    months = [month_label(m) for m in calendar.months]
    traces: list[Trace] = []
    for name, dated in calendar.options.items():
        build, run = dated.totals("build") or (0.0,) * len(months), dated.totals("run") or (0.0,) * len(months)
        traces.append({
            "type": "bar", "x": months, "y": [b + r for b, r in zip(build, run, strict=True)],
            "name": text.chart(dated.label), "marker": {"color": colours[name]},
            "customdata": [[b, r] for b, r in zip(build, run, strict=True)],
            "hovertemplate": "%{x}: %{y:,.2f} " + estimate.currency + " (build %{customdata[0]:,.2f}, running "
                             "%{customdata[1]:,.2f})<extra>%{fullData.name}</extra>"})
    return _figure(traces, f"Cost by calendar month, as paid (work starts {calendar.starts_on:%d %b %Y})", "",
                   f"Cost in the month ({estimate.currency})", barmode="group")


PHASE_PALETTE = ("#4C78A8", "#72B7B2", "#F58518", "#54A24B", "#E45756", "#B279A2", "#9D755D")


def timeline(estimate: Estimate) -> go.Figure:
    """Gantt chart: each option's phases in weeks from the start."""
    phase_names = list(dict.fromkeys(phase.name for r in estimate.approaches.values() for phase in r.phases))
    traces = []
    for index, name in enumerate(phase_names):
        rows = [(text.chart(r.label), p) for r in estimate.approaches.values() for p in r.phases if p.name == name]
        traces.append({
            "type": "bar", "name": name, "orientation": "h", "y": [label for label, _ in rows],
            "x": [p.weeks for _, p in rows], "base": [p.start_week for _, p in rows],
            "marker": {"color": PHASE_PALETTE[index % len(PHASE_PALETTE)]},
            "customdata": [[p.start_week, p.end_week, p.basis] for _, p in rows],
            "hovertemplate": "%{y}: " + name + " weeks %{customdata[0]:.1f}-%{customdata[1]:.1f}<br>"
                             "%{customdata[2]}<extra></extra>"})
    return _figure(traces, "Phases to production", f"Weeks from the start of work ({estimate.starts_on:%d %b %Y})", "",
                   y_axis={"autorange": "reversed"}, barmode="overlay")


def gpu_memory(sizing: SelfHostedSizing, label: str) -> go.Figure:
    """Memory per GPU for training and serving, by component, against each GPU's capacity (GiB),
    each row naming its GPU and how much of it is used ("20.3 of 80 GiB")."""
    memory, replica = sizing.training.memory, sizing.serving.replica
    training, serving = memory.memory_gib(), replica.memory_gib()
    parts = {name.replace("kv_cache", "KV cache"): (training.get(name, 0.0), serving.get(name, 0.0))
             for name in ("weights", "gradients", "optimizer", "activations", "kv_cache", "overhead")}
    rows = [f"Training: {memory.total:.1f} of {memory.capacity_gib:g} GiB<br>on {memory.gpus_needed} x "
            f"{text.chart(sizing.training.gpu_name)}",
            f"Serving: {replica.total_gib:.1f} of {replica.capacity_gib:g} GiB<br>on {replica.tensor_parallel} x "
            f"{text.chart(sizing.serving.gpu_name)} for each replica"]
    traces: list[Trace] = [{"type": "bar", "name": name, "orientation": "h", "y": rows, "x": [train, serve],
                            "hovertemplate": "%{y}: " + name + " %{x:,.1f} GiB<extra></extra>"}
                           for name, (train, serve) in parts.items()]
    traces += [{"type": "scatter", "x": [capacity, capacity], "y": [row, row], "mode": "markers",
                "name": "GPU capacity", "showlegend": row == rows[0],
                "marker": {"symbol": "line-ns-open", "size": 40, "color": "black", "line": {"width": 3}},
                "hovertemplate": f"GPU capacity {capacity:g} GiB<extra></extra>"}
               for row, capacity in zip(rows, (memory.capacity_gib, replica.capacity_gib), strict=True)]
    return _figure(traces, text.chart(label), "Memory per GPU (GiB)", "", x_axis={"rangemode": "tozero"},
                   barmode="stack")


def tornado_chart(swings: list[Swing], label: str, currency: str, base_cost: float) -> go.Figure:
    """Horizontal bars: the horizon cost (the one-time cost included) at each input's low and high value, widest
    swing on top."""
    names = [input_label(s.path) for s in swings][::-1]
    lows = [s.cost_at_low - base_cost for s in swings][::-1]
    highs = [s.cost_at_high - base_cost for s in swings][::-1]
    traces: list[Trace] = [
        {"type": "bar", "name": f"input at its {end} value", "orientation": "h", "y": names, "x": values,
         "base": base_cost, "hovertemplate": "%{y} " + end + ": %{x:+,.0f} " + currency + "<extra></extra>"}
        for end, values in (("low", lows), ("high", highs))]
    return _figure(traces, text.chart(f"{label}: what moves the horizon cost"),
                   f"{METRIC_LABELS['horizon_cost']} ({currency})", "", barmode="overlay")


def volume_chart(sweep: VolumeSweep, crossings: list[VolumeBreakEven], labels: dict[str, str], currency: str,
                 horizon_months: int, current_volume: float, log_scale: bool = True) -> go.Figure:
    """Horizon cost against first-month volume for each option (``labels``: option id -> name), crossings
    marked.

    The view is zoomed to where the decision is: from a tenth of the smallest to ten times the
    largest of this scenario's volume and the break-even volumes (twice, on a linear axis), with
    the cost axis from zero to the highest cost in that window.
    """
    marks = [current_volume, *(c.requests_per_month for c in crossings)]
    marks = [m for m in marks if m > 0] or [1.0]
    low, high = (min(marks) / 10, max(marks) * 10) if log_scale else (0.0, max(marks) * 2)
    window = (sweep.volumes >= low) & (sweep.volumes <= high)
    keep = sweep.volumes > 0
    colours = option_colours(list(labels))
    traces: list[Trace] = [
        {"type": "scatter", "x": sweep.volumes[keep].tolist(), "y": costs[keep].tolist(), "mode": "lines",
         "name": text.chart(labels[name]), "line": {"color": colours[name], "width": 3},
         "hovertemplate": "%{x:,.0f} requests/month: %{y:,.0f} " + currency}
        for name, costs in sweep.horizon_costs.items()]
    if crossings:
        traces.append({
            "type": "scatter", "x": [c.requests_per_month for c in crossings],
            "y": [c.horizon_cost for c in crossings], "mode": "markers",
            "marker": {"size": 14, "symbol": "x", "color": "black"}, "name": "break-even",
            "text": [text.chart(f"above {c.requests_per_month:,.0f}/month {labels[c.cheaper]} is cheaper than "
                                f"{labels[c.dearer]}") for c in crossings],
            "hovertemplate": "%{text}<extra></extra>"})
    top = max((float(costs[window].max()) for costs in sweep.horizon_costs.values() if window.any()), default=0.0)
    x_axis: dict[str, Any] = ({"type": "log", "range": [math.log10(low), math.log10(high)]} if log_scale
                              else {"range": [low, high]})
    at = max(current_volume, 1)
    scale = "log scale" if log_scale else "linear scale"
    return _figure(traces, f"Break-even: {horizon_total(horizon_months)}, by volume",
                   f"Requests in the first month ({scale})", f"{horizon_total(horizon_months)} ({currency})",
                   x_axis=x_axis, y_axis={"range": [0, top * 1.1 or 1]},
                   shapes=[{"type": "line", "xref": "x", "yref": "y domain", "x0": at, "x1": at, "y0": 0, "y1": 1,
                            "line": {"dash": "dot"}}],
                   annotations=[{"xref": "x", "yref": "y domain", "x": at, "y": 1, "text": "this scenario",
                                 "showarrow": False, "xanchor": "left", "yanchor": "top"}])
