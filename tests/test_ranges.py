"""Ranges, sensitivity and break-even, worked by hand on the fixture prices (see test_cost_model)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from conftest import worked
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import ScenarioError, estimate
from planner.analysis.ranges import (
    METRICS,
    breakeven_months,
    breakeven_volumes,
    pert,
    simulate,
    top_drivers,
    tornado,
    with_values,
)
from planner.core.draws import Draws
from planner.inputs.scenario import Range
from planner.outputs.export import to_csv
from planner.outputs.workbook import budget_pack


def ranged(**ranges):
    scenario = worked()
    return scenario.model_copy(update={"ranges": {path.replace("__", "."): Range(low=low, high=high)
                                                  for path, (low, high) in ranges.items()}})


def test_collapsed_ranges_give_the_single_point_estimate(book):
    scenario = ranged(workload__requests_per_month=(10_000, 10_000), approaches__fine_tune__examples=(500, 500))
    single = estimate(worked(), book)
    for name, metrics in simulate(scenario, book, draws=200).items():
        for metric in METRICS:
            value = getattr(single.approaches[name], metric)
            assert metrics[metric].p50 == pytest.approx(value)
            assert metrics[metric].p10 == pytest.approx(value) and metrics[metric].p90 == pytest.approx(value)


def test_percentiles_are_ordered_and_move_with_the_ranges(book):
    scenario = ranged(workload__requests_per_month=(1_000, 100_000), approaches__fine_tune__examples=(100, 3_000))
    result = simulate(scenario, book)
    for metrics in result.values():
        for p in metrics.values():
            assert p.p10 <= p.p50 <= p.p90
    assert result["prompt"]["monthly_cost"].p10 < result["prompt"]["monthly_cost"].p90
    assert result["prompt"]["one_time_cost"].p10 == result["prompt"]["one_time_cost"].p90  # examples: fine-tune only


def test_same_seed_same_percentiles(book):
    scenario = ranged(workload__requests_per_month=(1_000, 100_000))
    assert simulate(scenario, book) == simulate(scenario, book)


def test_pert_has_its_mode_at_the_likely_value():
    draws = pert(0, 2, 10, 200_000, np.random.default_rng(1))
    counts, edges = np.histogram(draws, bins=50, range=(0, 10))
    assert 1.4 <= edges[np.argmax(counts)] <= 2.4
    assert draws.min() >= 0 and draws.max() <= 10
    assert draws.mean() == pytest.approx((0 + 4 * 2 + 10) / 6, rel=0.01)  # PERT mean (a + 4m + b) / 6


def test_tornado_widest_bar_is_the_widest_range(book):
    scenario = ranged(assumptions__expert_writing_minutes_per_example=(1, 20),
                      assumptions__annotator_minutes_per_example=(2.9, 3.1))
    swings = tornado(scenario, book)["fine_tune"]
    assert [s.path for s in swings] == ["assumptions.expert_writing_minutes_per_example",
                                        "assumptions.annotator_minutes_per_example"]
    # 500 examples + 100 fixed after iterations (500 x 0.1 x 2) = 600 x (20 - 1) minutes / 60 x $60 = $11,400
    assert swings[0].width == pytest.approx(11_400)
    # 600 x 0.2 minutes / 60 x $30 = $60
    assert swings[1].width == pytest.approx(60)
    assert top_drivers(swings, "USD").startswith(
        "Expert writing minutes per example (assumption) (1 to 20) moves it by 11,400")
    assert tornado(scenario, book)["prompt"][0].width == 0  # prompt engineering prepares no examples


def test_breakeven_volume_worked_by_hand(book):
    # 3 months: prompt 2,500.84 + 3 x 0.0013 R; fine-tune 11,352.84 + 3 x 0.0008 R (test_cost_model: its first
    # retraining, every 4 months, falls after the horizon).
    # Equal when 0.0015 R = 11,352.84 - 2,500.84 = 8,852.00: R = 5,901,333.3 requests a month.
    found, sweep = breakeven_volumes(worked(), book)
    crossing = [f for f in found if {f.cheaper, f.dearer} == {"prompt", "fine_tune"}]
    assert len(crossing) == 1
    assert crossing[0].requests_per_month == pytest.approx(8_852.00 / 0.0015, rel=1e-6)
    assert (crossing[0].cheaper, crossing[0].dearer) == ("fine_tune", "prompt")
    assert crossing[0].horizon_cost == pytest.approx(2_500.84 + 0.0039 * 8_852.00 / 0.0015, rel=1e-6)
    assert sweep.volumes[0] == 0 and set(sweep.horizon_costs) == {"prompt", "rag", "fine_tune", "hybrid"}


def test_breakeven_month_worked_by_hand(book):
    # At 10 million requests a month the fine-tune overtakes the prompt in month 2 (test_comparison).
    result = estimate(worked(**{"workload.requests_per_month": 10_000_000}), book)
    months = {(m.tuned, m.other): m.month for m in breakeven_months(result)}
    assert months[("fine_tune", "prompt")] == 2
    low = {(m.tuned, m.other): m.month for m in breakeven_months(estimate(worked(), book))}
    assert low[("fine_tune", "prompt")] is None  # never within the horizon at 10,000 a month


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({"workload.requests_per_month": Range(low=5, high=1)}, "expected low <= likely <= high"),
        ({"workload.nothing": Range(low=1, high=2)}, "no scenario input 'workload.nothing'"),
        ({"assumptions.nothing": Range(low=1, high=2)}, "no assumption 'nothing'"),
        ({"approaches.prompt.model": Range(low=1, high=2)}, "is not a number"),
        ({"workload.input_tokens": Range(low=1, likely=7, high=200)}, "must equal workload.input_tokens's value 100"),
    ],
)
def test_bad_ranges_name_the_field(book, ranges, message):
    scenario = worked().model_copy(update={"ranges": ranges})
    with pytest.raises(ScenarioError, match=message):
        simulate(scenario, book, draws=10)


values = st.lists(st.integers(0, 5_000_000), min_size=2, max_size=4)


@settings(max_examples=25, deadline=None)
@given(requests=values, examples=st.integers(0, 5_000), tokens=st.integers(1, 3_000))
def test_arrays_give_the_same_totals_as_single_numbers(book, requests, examples, tokens):
    from conftest import SELF_HOSTED_FIXTURE

    for base in (worked(), worked(**{"approaches.fine_tune": SELF_HOSTED_FIXTURE})):
        changes = {"approaches.fine_tune.examples": examples, "approaches.fine_tune.tokens_per_example": tokens}
        point, point_book = with_values(base, book, changes)
        many = estimate(*with_values(point, point_book, {"workload.requests_per_month": Draws(requests)}))
        for index, volume in enumerate(requests):
            one = estimate(*with_values(point, point_book, {"workload.requests_per_month": volume}))
            for name in one.approaches:
                for metric in METRICS:
                    expected = getattr(one.approaches[name], metric)
                    got = np.broadcast_to(np.asarray(getattr(many.approaches[name], metric)), (len(requests),))
                    assert got[index] == pytest.approx(expected, rel=1e-9), (name, metric)


def test_workbook_holds_the_csv_numbers(book):
    import openpyxl

    scenario = ranged(workload__requests_per_month=(1_000, 100_000))
    result = estimate(scenario, book)
    # the results stored with the formulas (a monthly line's amounts are formulas into its month-by-month sheet)
    workbook = openpyxl.load_workbook(io.BytesIO(budget_pack(result, book, simulate(scenario, book, draws=500))),
                                      data_only=True)
    assert workbook.sheetnames == ["Summary", "Line items", "Monthly - Prompt", "Monthly - RAG",
                                   "Monthly - Fine-tuning", "Monthly - Hybrid", "Quarters and years", "Ranges",
                                   "Assumptions", "Prices", "Notes"]
    sheet = workbook["Line items"]
    header = [c.value for c in sheet[1]]
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    lines = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] is not None]  # not subtotals
    assert len(lines) == len(rows)
    amount = header.index("3-month amount incl. one-time (USD)")
    for row, expected in zip(lines, rows, strict=True):
        assert isinstance(row[amount], (int, float))  # a number, not text
        assert row[amount] == pytest.approx(float(expected["3-month amount incl. one-time (USD)"]), abs=0.01)  # cents
    assert sheet.cell(row=2, column=amount + 1).number_format == '"$"#,##0.00'
    ranges_sheet = workbook["Ranges"]
    p = simulate(scenario, book, draws=500)["prompt"]["horizon_cost"]
    row = [c.value for c in ranges_sheet[4]]
    assert row[:2] == ["Prompt engineering", "Horizon cost incl. one-time build (USD)"]
    assert row[2:5] == pytest.approx([p.p10, p.p50, p.p90], rel=1e-12)
