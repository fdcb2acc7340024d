"""The expensive results (simulation, sensitivity, break-even, budget pack), computed once per
scenario and set of price tables, not again on every rerun of the page.

Streamlit reruns the whole script on every click; these functions are keyed on the scenario's JSON
and the price directory's file signature (names, modification times, sizes), so a change of
either recomputes them and nothing else does. Arguments starting with ``_`` are not hashed.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from planner import PriceBook, Scenario
from planner.analysis.ranges import breakeven_volumes, simulate, tornado
from planner.costs.estimator import Estimate
from planner.inputs.files import files_signature
from planner.outputs.workbook import budget_pack

MAX_ENTRIES = 16


def _key(scenario: Scenario, book: PriceBook) -> tuple[str, tuple]:
    return scenario.model_dump_json(), files_signature(book.directory)


def ranges_analysis(scenario: Scenario, book: PriceBook, among: tuple[str, ...] | None = None) -> tuple[
        Any, Any, Any, Any]:
    """(break-even volumes between the options ``among`` (all without it), volume sweep, percentiles or
    None, tornado swings or None)."""
    return _ranges_analysis(*_key(scenario, book), among, _scenario=scenario, _book=book)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _ranges_analysis(scenario_json: str, signature: tuple, among: tuple[str, ...] | None, _scenario: Scenario,
                     _book: PriceBook) -> tuple:
    found, sweep = breakeven_volumes(_scenario, _book, among=among)
    spread = simulation(_scenario, _book)  # the same cached run the budget pack uses
    swings = tornado(_scenario, _book) if _scenario.ranges else None
    return found, sweep, spread, swings


def simulation(scenario: Scenario, book: PriceBook) -> Any:
    """P10 / P50 / P90 of every total, or None without ranges."""
    return _simulation(*_key(scenario, book), _scenario=scenario, _book=book) if scenario.ranges else None


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _simulation(scenario_json: str, signature: tuple, _scenario: Scenario, _book: PriceBook) -> Any:
    return simulate(_scenario, _book)


def budget_pack_bytes(estimate: Estimate, scenario: Scenario, book: PriceBook, spread: Any) -> bytes:
    """The Excel budget pack of ``estimate`` (which is ``scenario`` estimated on ``book``)."""
    return _budget_pack(*_key(scenario, book), estimate.planned_on.isoformat(), _estimate=estimate, _book=book,
                        _spread=spread)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _budget_pack(scenario_json: str, signature: tuple, planned_on: str, _estimate: Estimate, _book: PriceBook,
                 _spread: Any) -> bytes:
    # planned_on is in the key: the pack's model retirements are counted from the planning day.
    return budget_pack(_estimate, _book, _spread)
