"""Prices stay in their table's currency and are converted in the estimate, each line naming the rate.

Fixture: 1 GBP = 1.25 USD.
"""

from __future__ import annotations

import pytest
from conftest import line, worked

from planner import PricingError, estimate


def test_gbp_rates_in_a_usd_report(book):
    result = estimate(worked(**{"team.rates": "uk"}), book).approaches["prompt"]
    design = line(result, "Prompt design")
    assert design.unit_price == pytest.approx(62.50)  # GBP 50 x 1.25
    assert design.amount == pytest.approx(625.00)  # 10 h
    assert design.currency == "USD"
    assert design.note == "converted from GBP at 1.25 USD/GBP (exchange rates of GBP and USD in fx.yaml)"
    assert "exchange rate GBP: Test rate" in result.notes
    assert line(result, "Input tokens").note == ""  # a USD price needs no conversion


def test_usd_prices_in_a_gbp_report(book):
    result = estimate(worked(currency="GBP"), book).approaches["prompt"]
    assert line(result, "Prompt design").amount == pytest.approx(800.00)  # 10 h x USD 100 / 1.25
    assert line(result, "Input tokens").amount == pytest.approx(8.80)  # 11 M x USD 1 / 1.25


def test_vector_minimum_is_converted_before_the_top_up(book):
    result = estimate(worked(currency="GBP"), book).approaches["rag"]
    vector_db = [li for li in result.lines if li.category == "vector_db" and li.timing == "monthly"]
    assert sum(li.amount for li in vector_db) == pytest.approx(20.00 / 1.25)  # held at the minimum


def test_missing_exchange_rate_is_a_clear_error(book):
    with pytest.raises(PricingError, match=r"fx\.yaml: rates\.EUR: no exchange rate for EUR"):
        estimate(worked(currency="EUR"), book)


def test_every_report_currency_has_a_rate(bundled):
    assert {"USD", "GBP", "EUR", "CAD", "AUD"} <= set(bundled.fx.rates)
    for code, rate in bundled.fx.rates.items():
        assert rate.source and rate.as_of, code


def test_cross_rate_through_the_dollar(book, tmp_path):
    import shutil

    from planner import load_price_book

    prices = tmp_path / "prices"
    shutil.copytree(book.directory, prices)
    with open(prices / "fx.yaml", "a") as fx:
        fx.write("  EUR: {usd_per_unit: 1.08, source: test, as_of: 2026-01-01}\n")
    result = estimate(worked(currency="EUR", **{"team.rates": "uk"}), load_price_book(prices))
    design = line(result.approaches["prompt"], "Prompt design")
    # GBP 50 an hour x 1.25 USD/GBP / 1.08 USD/EUR = EUR 57.87 an hour; 10 hours = EUR 578.70
    assert design.unit_price == pytest.approx(50 * 1.25 / 1.08)
    assert design.amount == pytest.approx(578.7037, rel=1e-6)
    assert "converted from GBP at 1.157 EUR/GBP" in design.note
    # USD token prices: 11 M x USD 1 / 1.08 = EUR 10.19
    assert line(result.approaches["prompt"], "Input tokens").amount == pytest.approx(11 / 1.08)
