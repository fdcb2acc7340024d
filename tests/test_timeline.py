"""Phases and weeks to production, worked by hand from the fixture assumptions.

Fixture: task definition 1 week; 20 productive hours a person-week; prompt iterations 0.5 weeks,
training iterations 1 week; 3 iterations; evaluation 2 weeks; deployment 1 week.
"""

from __future__ import annotations

import pytest
from conftest import worked

from planner import estimate


def spans(result):
    return {phase.name: (phase.start_week, phase.end_week) for phase in result.phases}


def assert_spans(result, expected: dict[str, tuple[float, float]]) -> None:
    """The phases, in this order, with these start and end weeks (to floating-point tolerance)."""
    actual = spans(result)
    assert list(actual) == list(expected)
    for name, span in expected.items():
        assert actual[name] == pytest.approx(span), name


def test_prompt_timeline(book):
    result = estimate(worked(), book).approaches["prompt"]
    assert_spans(result, {
        "Task definition": (0, 1),
        "Build": (1, 1.5),  # 10 h prompt design / (1 engineer x 20 h)
        "Prompt and retrieval iteration": (1.5, 3.0),  # 3 x 0.5 weeks
        "Evaluation": (3.0, 5.0),
        "Deployment": (5.0, 6.0),
    })
    assert result.weeks_to_production == pytest.approx(6.0)


def test_rag_timeline(book):
    result = estimate(worked(), book).approaches["rag"]
    assert spans(result)["Build"] == pytest.approx((1, 2))  # 20 h / 20 h a week
    assert result.weeks_to_production == pytest.approx(6.5)


def test_fine_tune_waits_for_curation(book):
    result = estimate(worked(), book).approaches["fine_tune"]
    assert_spans(result, {
        "Task definition": (0, 1),
        "Build": (1, 2.5),  # 30 h / 20 h a week
        "Data curation": (1, 4.75),  # (50 expert + 25 annotator) h / 20 h a week
        "Training and iteration": (4.75, 7.75),  # starts when curation ends; 3 x 1 week
        "Evaluation": (7.75, 9.75),
        "Deployment": (9.75, 10.75),
    })


def test_more_people_shorten_curation_and_build(book):
    scenario = worked(**{"project.data_preparers": 3, "project.engineers": 2})
    result = estimate(scenario, book).approaches["hybrid"]
    phases = spans(result)
    assert phases["Data curation"] == pytest.approx((1, 2.25))  # 75 h / (3 x 20 h)
    assert phases["Build"] == pytest.approx((1, 2.25))  # (20 + 30) h / (2 x 20 h)
    assert result.weeks_to_production == pytest.approx(2.25 + 3 + 2 + 1)


def test_more_iterations_lengthen_training(book):
    result = estimate(worked(**{"project.iterations": 5}), book).approaches["fine_tune"]
    assert spans(result)["Training and iteration"] == pytest.approx((4.75, 9.75))
