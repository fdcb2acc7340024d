"""Shared fixtures: a price directory of round numbers and a scenario built on it.

Expected values in the tests are worked out by hand from these round numbers; see the comments
beside each assertion.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner import PriceBook, Scenario, load_price_book, scenario_from_dict
from planner.costs.estimator import ApproachEstimate
from planner.costs.lines import LineItem

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_PRICES = FIXTURES / "prices"
REPO = Path(__file__).resolve().parent.parent

# Worked scenario: 10,000 requests a month of 100 input + 50 output tokens, over 3 months.
WORKED: dict[str, Any] = {
    "name": "Worked example",
    "currency": "USD",
    "horizon_months": 3,
    "workload": {"requests_per_month": 10_000, "monthly_growth": 0.0, "input_tokens": 100, "output_tokens": 50},
    "approaches": {
        "prompt": {"model": "acme/chat", "system_prompt_tokens": 1000},
        "rag": {
            "model": "acme/plain", "system_prompt_tokens": 200, "retrieved_tokens": 800,
            "corpus_tokens": 1_000_000, "corpus_monthly_change": 0.1,
            "embedding_model": "acme/embed", "vector_db": "acme/vdb",
        },
        "fine_tune": {
            "route": "api", "model": "acme/chat", "system_prompt_tokens": 100,
            "examples": 500, "tokens_per_example": 400, "epochs": 2,
        },
        "hybrid": {},
    },
    "project": {"judge_model": "acme/chat"},
    # Operating costs off, so the other lines stay easy to check by hand (test_operations turns them on).
    "operations": {"mlops_hours_per_month": 0, "engineer_hours_per_month": 0, "online_eval_share": 0,
                   "flagged_reviews_per_month": 0},
    "team": {"rates": "us"},
}


SELF_HOSTED_FIXTURE: dict[str, Any] = {
    "route": "self_hosted", "model": "test-1b", "method": "lora", "training_gpu": "acme/gpu1",
    "serving_gpu": "acme/gpu1", "system_prompt_tokens": 100, "examples": 500, "tokens_per_example": 400,
    "epochs": 2,
}


def parent_of(data: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    """The mapping in ``data`` that holds the last key of ``dotted`` (created on the way where missing),
    and that key: ``parent_of(d, "a.b.c")`` is ``(d["a"]["b"], "c")``."""
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    return node, last


def worked(**changes: Any) -> Scenario:
    """The worked scenario with dotted-path changes, e.g. ``worked(**{"workload.input_tokens": 5})``."""
    data = copy.deepcopy(WORKED)
    for dotted, value in changes.items():
        node, last = parent_of(data, dotted)
        node[last] = value
    return scenario_from_dict(data)


def line(result: ApproachEstimate, item: str) -> LineItem:
    """The one line of ``result`` called ``item``."""
    matches = [candidate for candidate in result.lines if candidate.item == item]
    assert len(matches) == 1, f"expected one line {item!r}, found {[m.item for m in result.lines]}"
    return matches[0]


@pytest.fixture(scope="session")
def book() -> PriceBook:
    return load_price_book(FIXTURE_PRICES)


@pytest.fixture(scope="session")
def bundled() -> PriceBook:
    return load_price_book(REPO / "pricing")


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation, as CommonMark reads it


def shown(markdown: str) -> str:
    """The text a browser shows for ``markdown`` that the app escaped (ui/text.py): backslash escapes
    resolved, the invisible word joiners dropped and hard line breaks read as line breaks. Written here
    from CommonMark's rules, not by calling the app's own escaping."""
    return _ESCAPE.sub(r"\1", markdown.replace("\u2060", "").replace("  \n", "\n"))


def open_input_groups(app: Any) -> None:
    """Open every group of the sidebar's inputs in an AppTest before it runs (a closed group's inputs are
    not drawn, and AppTest finds only the widgets drawn)."""
    from ui.inputs import GROUP_PREFIX, GROUPS

    for title in GROUPS:
        app.session_state[GROUP_PREFIX + title] = True


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The SQLAlchemy URL of an empty database on a throwaway PostgreSQL server for the session
    (tests/postgres_server.py). A server that cannot start fails the tests that use it, never skips them: a run
    without PostgreSQL must not pass as one that tested it."""
    from postgres_server import PostgresError, running_postgres

    failure = ""
    try:
        with running_postgres() as url:
            yield url
    except PostgresError as error:
        failure = str(error)
    if failure:  # failed outside the except block, so that pytest does not print the message twice
        pytest.fail(f"the test PostgreSQL server failed: {failure}", pytrace=False)
