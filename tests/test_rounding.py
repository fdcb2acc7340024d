"""Rounded lines that add up to the rounded total: largest-remainder rounding, and the CSV built on it."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from planner import estimate, load_price_book, load_scenario
from planner.outputs.export import summary_csv, to_csv
from planner.outputs.rounding import largest_remainder

PLANNED = datetime.date(2026, 12, 2)
AMOUNTS = st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False), max_size=60)


def test_three_thirds():
    """Each 0.333... rounds to 0.33 on its own (0.99 together); the total 1.00 needs one more cent, which goes to
    the first of the three equal remainders."""
    assert largest_remainder([1 / 3] * 3) == [34, 33, 33]


def test_the_pennies_the_issue_found():
    """Three lines of a third of 12,617.09 (4,205.6966...) each round to 4,205.70 on their own: 12,617.10, a penny
    over the total. By largest remainder two round up and one down: 4,205.70 + 4,205.70 + 4,205.69 = 12,617.09."""
    lines = [12_617.09 / 3] * 3
    assert sum(round(x, 2) for x in lines) == pytest.approx(12_617.10, abs=1e-6)  # the old way: a penny off
    assert largest_remainder(lines) == [420_570, 420_570, 420_569]


@given(AMOUNTS)
def test_rounded_lines_sum_to_the_rounded_total_and_move_less_than_a_cent(amounts):
    cents = largest_remainder(amounts)
    total = sum(amounts)
    assert sum(cents) == int(Decimal(format(total, ".2f")) * 100)  # the total as the summary shows it
    assert all(abs(Decimal(c) - Decimal(a) * 100) < 1 for c, a in zip(cents, amounts, strict=True))


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_csv_lines_sum_exactly_to_the_summary_totals(path):
    book = load_price_book(REPO / "pricing")
    result = estimate(load_scenario(path), book, PLANNED)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    summary = list(csv.DictReader(io.StringIO(summary_csv(result))))
    who = "Option" if result.scenario.options else "Approach"
    cur, months = result.currency, result.horizon_months
    pairs = {f"One-time amount ({cur})": f"One-time build cost ({cur})",
             f"First-month amount ({cur})": f"First-month running cost ({cur})",
             f"{months}-month amount incl. one-time ({cur})": f"{months}-month cost incl. one-time build ({cur})"}
    for option in summary:
        lines = [row for row in rows if row[who] == option[who]]
        assert lines
        for column, figure in pairs.items():
            assert sum(Decimal(row[column]) for row in lines) == Decimal(option[figure]), (option[who], column)
        # a build line reads the same in both columns; build and running add up to the total, to the cent
        one_time, _, horizon = pairs
        build = [row for row in lines if row["Build or run"] == "Build (one-time)"]
        assert all(row[one_time] == row[horizon] for row in build)
        build_cost, running = (Decimal(option[f"One-time build cost ({cur})"]),
                               Decimal(option[f"Running cost over {months} months ({cur})"]))
        assert build_cost + running == Decimal(option[f"{months}-month cost incl. one-time build ({cur})"])


def test_a_total_past_the_cents_precision_does_not_break_the_rounding():
    """At 2.25 quadrillion a float's step is a quarter; the planner's float total can be cents off the lines' exact
    sum. The lines then keep to their exact sum, each still within a cent of its amount."""
    amounts = [2_250_000_000_000_000.0, 1_950.0, 0.3]
    cents = largest_remainder(amounts, total=2_250_000_000_003_934.8)
    assert all(abs(Decimal(c) - Decimal(a) * 100) < 1 for c, a in zip(cents, amounts, strict=True))
