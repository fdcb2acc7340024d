"""The charts' figures are built from plain specs without plotly's checks (ui/charts.py says why); here each
one is built with plotly's checks on, for a scenario of every kind of option, so a wrong property fails here."""

from __future__ import annotations

import datetime

import numpy as np
import plotly.graph_objects as go
from conftest import REPO

from planner import estimate, load_price_book, load_scenario
from planner.analysis.comparison import crossovers
from planner.analysis.ranges import Swing, VolumeBreakEven, VolumeSweep
from ui import charts

TODAY = datetime.date(2026, 12, 2)


def _checked(figure: go.Figure) -> go.Figure:
    spec = figure.to_dict()
    checked = go.Figure(spec)  # raises on any property plotly does not know, or a value of the wrong kind
    assert checked.to_dict()["data"] == spec["data"]
    return checked


def test_every_chart_of_six_options_passes_plotlys_checks():
    result = estimate(load_scenario(REPO / "examples" / "support_six_options.yaml"), load_price_book(REPO / "pricing"),
                      TODAY)
    by_category = _checked(charts.cost_by_category(result, "monthly"))
    assert by_category.data[0].x == tuple(r.label for r in result.approaches.values())
    cumulative = _checked(charts.cumulative(result, crossovers(result)))
    assert [trace.name for trace in cumulative.data][:6] == [r.label for r in result.approaches.values()]
    assert len(cumulative.data[0].y) == result.horizon_months + 1
    _checked(charts.timeline(result))
    sized = next(r for r in result.approaches.values() if r.sizing is not None)
    assert sized.sizing is not None
    memory = _checked(charts.gpu_memory(sized.sizing, sized.label))
    assert memory.layout.barmode == "stack"
    _checked(charts.tornado_chart([Swing("workload.requests_per_month", 1, 2, 10.0, 30.0)], "RAG", "USD", 20.0))
    sweep = VolumeSweep(np.array([0.0, 10.0, 1000.0]), {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([3, 2, 1.0])})
    volume = _checked(charts.volume_chart(sweep, [VolumeBreakEven(10.0, "b", "a", 2.0)], {"a": "A", "b": "B"},
                                          "USD", 12, 100.0))
    assert volume.layout.xaxis.type == "log" and volume.layout.shapes[0].x0 == 100.0
