"""Ranges in the app (headless, AppTest) as an input moves: the range follows the value, the ranges view says so in
words, and its percentiles and break-even stay (they vanished behind a dotted-path error at 50,000 requests)."""

from __future__ import annotations

from conftest import REPO, shown
from test_app import REQUESTS, ok, start

from planner import load_price_book, load_scenario, scenario_from_dict
from planner.analysis.ranges import simulate
from planner.inputs.scenario import Range
from planner.outputs.share import decode_scenario

VIEW = "Ranges and break-even"
NOTE = ("Requests per month (workload): the range moved with the likely value (50,000) and is now 26,666 to 100,000 "
        "(was 80,000 to 300,000).")


def link_scenario(app):
    token = app.query_params["s"]
    return decode_scenario(token[0] if isinstance(token, list) else token)


def test_the_50000_requests_walk_keeps_its_ranges():
    app = ok(start())  # the default example: requests 150,000, ranged 80,000 to 300,000
    app.radio(key="view").set_value(VIEW).run()
    app.number_input(key=REQUESTS).set_value(50_000).run()
    ok(app)  # no error: before, "ranges.workload.requests_per_month: expected low <= likely <= high ..."
    assert [shown(box.value) for box in app.info] == [NOTE]
    # The range followed: 80,000 x 50,000 / 150,000 = 26,666.7, down to 26,666; 300,000 x 50,000 / 150,000 = 100,000.
    listed = app.dataframe[0].value
    row = listed[listed["input"] == "Requests per month (workload)"].iloc[0]
    assert (row["low"], row["high"]) == (26_666, 100_000)
    in_link = link_scenario(app)
    assert in_link.ranges["workload.requests_per_month"] == Range(low=26_666, high=100_000)
    # The percentiles are the planner's for the followed scenario; the tornado and break-even charts are drawn.
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    data["workload"]["requests_per_month"] = 50_000
    data["ranges"]["workload.requests_per_month"] = {"low": 26_666, "high": 100_000}
    p = simulate(scenario_from_dict(data), load_price_book(REPO / "pricing"))["prompt"]["horizon_cost"]
    table = app.table[1].value.rename(columns=shown)
    assert table.loc["Horizon cost incl. one-time build (USD)", "Prompt engineering"] == (
        f"{p.p10:,.0f} / {p.p50:,.0f} / {p.p90:,.0f}")
    assert "chart:volume" in [chart.key for chart in app.get("plotly_chart")]
    assert len(app.get("plotly_chart")) == 5  # four tornado charts and the volume chart

    # Back within the range as loaded: the range is the loaded one again, and nothing is said.
    app.number_input(key=REQUESTS).set_value(150_000).run()
    ok(app)
    assert not app.info
    assert link_scenario(app).ranges["workload.requests_per_month"] == Range(low=80_000, high=300_000)


def test_a_range_added_in_the_app_moves_from_the_value_it_was_added_at():
    app = ok(start())
    app.radio(key="view").set_value(VIEW).run()
    app.number_input(key=REQUESTS).set_value(50_000).run()
    app.selectbox(key="range:path").set_value("workload.requests_per_month").run()
    app.number_input(key="range:low").set_value(30_000.0).run()
    app.number_input(key="range:high").set_value(70_000.0).run()
    app.button(key="range:add").click().run()
    ok(app)
    assert not app.info  # 50,000 is within 30,000 to 70,000: the range added stays as written
    # Set to 100,000, the range moves from the 50,000 it was added at: 30,000 x 2 = 60,000; 70,000 x 2 = 140,000
    # (not from the 150,000 the example was loaded with, which the range never held).
    app.number_input(key=REQUESTS).set_value(100_000).run()
    ok(app)
    assert [shown(box.value) for box in app.info] == [
        "Requests per month (workload): the range moved with the likely value (100,000) and is now 60,000 to "
        "140,000 (was 30,000 to 70,000)."]
    assert link_scenario(app).ranges["workload.requests_per_month"] == Range(low=60_000, high=140_000)
