"""The minimal app, headless: it renders every example, and follows a change of volume as the planner does."""

from __future__ import annotations

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

from planner import estimate, load_price_book, load_scenario, scenario_from_dict
from planner.export import summary_rows

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


def run_app(example=None, requests=None):
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    if example is not None:
        app.sidebar.selectbox[0].set_value(example).run()
    if requests is not None:
        app.sidebar.number_input[0].set_value(requests).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def expected_rows(path, requests=None):
    data = load_scenario(path).model_dump()
    if requests is not None:
        data["workload"]["requests_per_month"] = requests
    return dict(summary_rows(estimate(scenario_from_dict(data), load_price_book(REPO / "pricing"))))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_renders_the_planner_comparison(path):
    app = run_app(example=path)
    table = app.dataframe[0].value
    expected = expected_rows(path)
    for metric in ("Runs on", "Weeks to production"):
        assert list(table.loc[metric]) == expected[metric]
    assert app.header[0].value == load_scenario(path).name


def test_changing_requests_per_month_changes_monthly_costs_as_the_planner_says():
    path = EXAMPLES[0]
    before = run_app(example=path).dataframe[0].value
    after_app = run_app(example=path, requests=400_000)
    after = after_app.dataframe[0].value
    metric = next(m for m in after.index if m.startswith("First-month cost"))
    assert list(after.loc[metric]) == expected_rows(path, requests=400_000)[metric]
    assert list(after.loc[metric]) != list(before.loc[metric])
