"""Prices older than the chosen age are flagged, in the tables and in an estimate."""

from __future__ import annotations

import datetime

from conftest import worked

from planner import estimate
from planner.analysis.staleness import stale_in_estimate, stale_prices


def test_nothing_is_stale_on_the_day(book):
    assert stale_prices(book, datetime.date(2026, 1, 1), 365) == []


def test_everything_dated_2026_01_01_is_stale_a_year_and_a_day_later(book):
    # Every fixture price is dated 2026-01-01: on 2027-01-02 it is 366 days old.
    stale = stale_prices(book, datetime.date(2027, 1, 2), 365)
    assert {s.age_days for s in stale} == {366}
    keys = {s.key for s in stale}
    assert {"acme/chat", "acme/chat fine_tuning", "people/us.ml_engineer", "fx/GBP"} <= keys


def test_an_estimate_lists_the_stale_prices_it_uses(book):
    result = estimate(worked(), book)
    stale = stale_in_estimate(result, datetime.date(2027, 1, 2), 365)
    assert "acme.models.chat.input_per_million_tokens" in {s.key for s in stale}
    assert all(s.age_days == 366 for s in stale)
    assert stale_in_estimate(result, datetime.date(2026, 6, 1), 365) == []
