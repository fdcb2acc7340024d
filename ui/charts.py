"""Plotly figures of an estimate, sized and lettered for a projector. Every value comes from planner."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from planner.analysis.comparison import Crossover, cumulative_costs
from planner.analysis.ranges import Swing, VolumeBreakEven, VolumeSweep, input_label
from planner.costs.estimator import Estimate
from planner.costs.lines import CATEGORY_LABELS, Category
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
                    "compliance": "#8C6D31"}
HEIGHT = 520


def option_colours(options: list[str]) -> dict[str, str]:
    """Each option's colour, by its place in the list of options."""
    return {name: OPTION_PALETTE[index % len(OPTION_PALETTE)] for index, name in enumerate(options)}


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str, **extra: object) -> go.Figure:
    """Title on top, the legend in a row under it (not over the axis labels), axes from zero."""
    figure.update_layout(font=FONT, height=HEIGHT, title={"text": title, "x": 0, "xanchor": "left"},
                         xaxis_title=x_title, yaxis_title=y_title,
                         margin={"l": 10, "r": 10, "t": 110, "b": 10},
                         legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}, **extra)
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


def cost_by_category(estimate: Estimate, timing: str) -> go.Figure:
    """Stacked bars: one-time (``one_time``) or first-month (``monthly``) cost per approach by category."""
    labels = [text.chart(r.label) for r in estimate.approaches.values()]
    figure = go.Figure()
    for category, colour in CATEGORY_COLOURS.items():
        values = [sum(li.amount for li in r.lines if li.category == category and li.timing == timing)
                  for r in estimate.approaches.values()]
        if any(values):
            figure.add_bar(name=CATEGORY_LABELS[category], x=labels, y=values, marker_color=colour,
                           hovertemplate="%{x}: %{y:,.2f} " + estimate.currency + "<extra>%{fullData.name}</extra>")
    title = "One-time cost" if timing == "one_time" else "First-month cost"
    return _layout(figure, f"{title} by category", "", f"{title} ({estimate.currency})", barmode="stack")


def cumulative(estimate: Estimate, crossings: list[Crossover]) -> go.Figure:
    """Cost to date month by month, with a marker where one approach overtakes another."""
    figure = go.Figure()
    curves = {name: cumulative_costs(r) for name, r in estimate.approaches.items()}
    colours = option_colours(list(estimate.approaches))
    for name, curve in curves.items():
        figure.add_scatter(x=list(range(len(curve))), y=curve, mode="lines", name=text.chart(estimate.label(name)),
                           line={"color": colours[name], "width": 3},
                           hovertemplate="month %{x}: %{y:,.0f} " + estimate.currency)
    if crossings:
        figure.add_scatter(
            x=[c.month for c in crossings], y=[c.cost_to_date for c in crossings], mode="markers",
            marker={"size": 14, "symbol": "x", "color": "black"}, name="overtakes",
            text=[text.chart(f"month {c.month}: {estimate.label(c.cheaper)} now cheaper than "
                             f"{estimate.label(c.dearer)}") for c in crossings], hovertemplate="%{text}<extra></extra>",
        )
    figure.update_yaxes(rangemode="tozero")
    return _layout(figure, "Cost to date, month by month", "Month", f"Cost to date ({estimate.currency})")


def timeline(estimate: Estimate) -> go.Figure:
    """Gantt chart: each approach's phases in weeks from the start."""
    figure = go.Figure()
    phase_names: list[str] = []
    for result in estimate.approaches.values():
        for phase in result.phases:
            if phase.name not in phase_names:
                phase_names.append(phase.name)
    palette = ["#4C78A8", "#72B7B2", "#F58518", "#54A24B", "#E45756", "#B279A2", "#9D755D"]
    for index, name in enumerate(phase_names):
        rows = [(text.chart(r.label), p) for r in estimate.approaches.values() for p in r.phases if p.name == name]
        figure.add_bar(
            name=name, orientation="h", y=[label for label, _ in rows], x=[p.weeks for _, p in rows],
            base=[p.start_week for _, p in rows], marker_color=palette[index % len(palette)],
            customdata=[[p.start_week, p.end_week, p.basis] for _, p in rows],
            hovertemplate="%{y}: " + name + " weeks %{customdata[0]:.1f}-%{customdata[1]:.1f}<br>%{customdata[2]}"
                          "<extra></extra>",
        )
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, "Phases to production", "Weeks from start", "", barmode="overlay")


def gpu_memory(sizing: SelfHostedSizing, label: str) -> go.Figure:
    """Memory per GPU for training and serving, by component, against each GPU's capacity (GiB),
    each row naming its GPU and how much of it is used ("20.3 of 80 GiB")."""
    memory, replica = sizing.training.memory, sizing.serving.replica
    parts = {
        "weights": (memory.weights, replica.weights_gib),
        "gradients": (memory.gradients, 0.0),
        "optimizer": (memory.optimizer, 0.0),
        "activations": (memory.activations, 0.0),
        "KV cache": (0.0, replica.kv_cache_gib),
        "overhead": (memory.overhead, replica.overhead_gib),
    }
    rows = [f"Training: {memory.total:.1f} of {memory.capacity_gib:g} GiB<br>on {memory.gpus_needed} x "
            f"{text.chart(sizing.training.gpu_name)}",
            f"Serving: {replica.total_gib:.1f} of {replica.capacity_gib:g} GiB<br>on {replica.tensor_parallel} x "
            f"{text.chart(sizing.serving.gpu_name)} a replica"]
    figure = go.Figure()
    for name, (train, serve) in parts.items():
        figure.add_bar(name=name, orientation="h", y=rows, x=[train, serve],
                       hovertemplate="%{y}: " + name + " %{x:,.1f} GiB<extra></extra>")
    for row, capacity in zip(rows, (memory.capacity_gib, replica.capacity_gib), strict=True):
        figure.add_scatter(x=[capacity, capacity], y=[row, row], mode="markers", name="GPU capacity",
                           marker={"symbol": "line-ns-open", "size": 40, "color": "black", "line": {"width": 3}},
                           hovertemplate=f"GPU capacity {capacity:g} GiB<extra></extra>", showlegend=row == rows[0])
    figure.update_xaxes(rangemode="tozero")
    return _layout(figure, text.chart(label), "Memory per GPU (GiB)", "", barmode="stack")


def tornado_chart(swings: list[Swing], label: str, currency: str, base_cost: float) -> go.Figure:
    """Horizontal bars: the horizon cost at each input's low and high value, widest swing on top."""
    figure = go.Figure()
    names = [input_label(s.path) for s in swings][::-1]
    lows = [s.cost_at_low - base_cost for s in swings][::-1]
    highs = [s.cost_at_high - base_cost for s in swings][::-1]
    figure.add_bar(name="input at its low value", orientation="h", y=names, x=lows, base=base_cost,
                   hovertemplate="%{y} low: %{x:+,.0f} " + currency + "<extra></extra>")
    figure.add_bar(name="input at its high value", orientation="h", y=names, x=highs, base=base_cost,
                   hovertemplate="%{y} high: %{x:+,.0f} " + currency + "<extra></extra>")
    return _layout(figure, text.chart(f"{label}: what moves the horizon cost"), f"Horizon cost ({currency})", "",
                   barmode="overlay")


def volume_chart(sweep: VolumeSweep, crossings: list[VolumeBreakEven], labels: dict[str, str], currency: str,
                 horizon_months: int, current_volume: float, log_scale: bool = True) -> go.Figure:
    """Horizon cost against first-month volume for each option (``labels``: option id -> name), crossings
    marked.

    The view is zoomed to where the decision is: from a tenth of the smallest to ten times the
    largest of this scenario's volume and the break-even volumes (twice, on a linear axis), with
    the cost axis from zero to the highest cost in that window.
    """
    figure = go.Figure()
    marks = [current_volume, *(c.requests_per_month for c in crossings)]
    marks = [m for m in marks if m > 0] or [1.0]
    low, high = (min(marks) / 10, max(marks) * 10) if log_scale else (0.0, max(marks) * 2)
    window = (sweep.volumes >= low) & (sweep.volumes <= high)
    keep = sweep.volumes > 0
    colours = option_colours(list(labels))
    for name, costs in sweep.horizon_costs.items():
        figure.add_scatter(x=sweep.volumes[keep], y=costs[keep], mode="lines", name=text.chart(labels[name]),
                           line={"color": colours[name], "width": 3},
                           hovertemplate="%{x:,.0f} requests/month: %{y:,.0f} " + currency)
    if crossings:
        figure.add_scatter(
            x=[c.requests_per_month for c in crossings], y=[c.horizon_cost for c in crossings], mode="markers",
            marker={"size": 14, "symbol": "x", "color": "black"}, name="break-even",
            text=[text.chart(f"above {c.requests_per_month:,.0f}/month {labels[c.cheaper]} is cheaper than "
                             f"{labels[c.dearer]}") for c in crossings], hovertemplate="%{text}<extra></extra>")
    figure.add_vline(x=max(current_volume, 1), line_dash="dot", annotation_text="this scenario")
    top = max((float(costs[window].max()) for costs in sweep.horizon_costs.values() if window.any()), default=0.0)
    figure.update_yaxes(range=[0, top * 1.1 or 1])
    if log_scale:
        figure.update_xaxes(type="log", range=[math.log10(low), math.log10(high)])
    else:
        figure.update_xaxes(range=[low, high])
    scale = "log scale" if log_scale else "linear scale"
    return _layout(figure, f"Break-even: {horizon_months}-month cost by volume",
                   f"Requests in the first month ({scale})", f"{horizon_months}-month cost ({currency})")
