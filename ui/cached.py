"""The expensive results (simulation, sensitivity, break-even), computed once per scenario and set of
price tables, not again on every rerun of the page; and the budget pack, made only when it is downloaded.

Streamlit reruns the whole script on every click; these functions are keyed on the scenario's JSON
and the price directory's file signature (names, modification times, sizes), so a change of
either recomputes them and nothing else does. Arguments starting with ``_`` are not hashed.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from planner import PlannerError, PriceBook, Scenario
from planner.analysis.ranges import breakeven_volumes, problem_in_words, simulate, tornado
from planner.costs.estimator import Estimate
from planner.inputs.files import files_signature
from planner.outputs.workbook import budget_pack

MAX_ENTRIES = 16


def _key(scenario: Scenario, book: PriceBook) -> tuple[str, tuple]:
    return scenario.model_dump_json(), files_signature(book.directory)


def breakeven_analysis(scenario: Scenario, book: PriceBook, among: tuple[str, ...] | None = None) -> tuple[Any, Any]:
    """(break-even volumes between the options ``among`` (all without it), volume sweep). Apart from the
    ranges: it needs none, so a range that cannot be evaluated does not take the break-even with it."""
    return _breakeven_analysis(*_key(scenario, book), among, _scenario=scenario, _book=book)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _breakeven_analysis(scenario_json: str, signature: tuple, among: tuple[str, ...] | None, _scenario: Scenario,
                        _book: PriceBook) -> tuple:
    return breakeven_volumes(_scenario, _book, among=among)


def spread_analysis(scenario: Scenario, book: PriceBook) -> tuple[Any, Any]:
    """(percentiles, tornado swings), both None without ranges; raises ``PlannerError`` for a range that
    cannot be evaluated."""
    return simulation(scenario, book), _swings(*_key(scenario, book), _scenario=scenario, _book=book)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _swings(scenario_json: str, signature: tuple, _scenario: Scenario, _book: PriceBook) -> Any:
    return tornado(_scenario, _book) if _scenario.ranges else None


def simulation(scenario: Scenario, book: PriceBook) -> Any:
    """P10 / P50 / P90 of every total, or None without ranges."""
    return _simulation(*_key(scenario, book), _scenario=scenario, _book=book) if scenario.ranges else None


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _simulation(scenario_json: str, signature: tuple, _scenario: Scenario, _book: PriceBook) -> Any:
    return simulate(_scenario, _book)


def budget_pack_with_ranges(estimate: Estimate, scenario: Scenario, book: PriceBook) -> bytes:
    """The budget pack of ``estimate`` with its ranges sheet (without it when the ranges cannot be
    evaluated: the Ranges view says why, and the pack is still useful). Plain planner calls: a deferred
    download runs it outside the page's script, where Streamlit's caches are not to be relied on."""
    try:
        spread = simulate(scenario, book, today=estimate.planned_on) if scenario.ranges else None
    except PlannerError as exc:
        # The pack says why it has no ranges sheet, in words (its Notes sheet), rather than dropping it silently.
        why = "; ".join(problem_in_words(problem) for problem in exc.problems)
        return budget_pack(estimate, book, None, f"the ranges could not be worked out ({why})")
    return budget_pack(estimate, book, spread)
