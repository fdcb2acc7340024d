"""Ranges that follow the likely value: an input set outside its range moves the range, said in words.

Every expected range is worked by hand from the rule in ``recentred``: each end scaled by new value / old
likely value (or shifted by their difference when the two differ in sign or one is 0), a whole-number
input's ends rounded outwards, an end beyond the input's limits held there.
"""

from __future__ import annotations

import pytest
from conftest import REPO, worked

from planner import ScenarioError, load_scenario, scenario_from_dict
from planner.analysis.ranges import follow_ranges, problem_in_words, ranged_inputs, recentred, simulate
from planner.inputs.scenario import Range

DEFAULT_EXAMPLE = REPO / "examples" / "support_assistant.yaml"  # the one the app loads first


@pytest.mark.parametrize(
    ("path", "low", "likely", "high", "value", "expected"),
    [
        # The issue's own example: 80,000 / 100,000 x 50,000 = 40,000; 300,000 / 100,000 x 50,000 = 150,000.
        ("workload.requests_per_month", 80_000, 100_000, 300_000, 50_000, (40_000, 150_000, ())),
        # The default example's: 80,000 x 50,000 / 150,000 = 26,666.7, rounded down to a whole request
        # (outwards: never narrower); 300,000 x 50,000 / 150,000 = 100,000.
        ("workload.requests_per_month", 80_000, 150_000, 300_000, 50_000, (26_666, 100_000, ())),
        # Moved up: 500 x 1,600 / 800 = 1,000; 1,200 x 1,600 / 800 = 2,400.
        ("approaches.fine_tune.examples", 500, 800, 1_200, 1_600, (1_000, 2_400, ())),
        # Whole numbers and a bound: epochs 2-3-5 set to 80: 2 x 80 / 3 = 53.3 -> 53; 5 x 80 / 3 = 133.3 -> 134,
        # held at the field's most, 100.
        ("approaches.fine_tune.epochs", 2, 3, 5, 80, (53, 100, ("high",))),
        # To 0 requests: scaling by 0 would collapse the range, so it shifts by -150,000: -70,000, held at the
        # least, 0; 300,000 - 150,000 = 150,000.
        ("workload.requests_per_month", 80_000, 150_000, 300_000, 0, (0, 150_000, ("low",))),
        # A share: growth 0.02-0.05-0.1 set to 0.3: 0.02 x 6 = 0.12; 0.1 x 6 = 0.6.
        ("workload.monthly_growth", 0.02, 0.05, 0.1, 0.3, (0.12, 0.6, ())),
        # A share capped at 1: 0.1-0.15-0.4 set to 0.5: 0.1 x 0.5 / 0.15 = 0.333; 0.4 x 0.5 / 0.15 = 1.33 -> 1.
        ("approaches.rag.corpus_monthly_change", 0.1, 0.15, 0.4, 0.5, (1 / 3, 1, ("high",))),
        # An assumption's own limit (a share below 1, not equal): 0.1-0.2-0.5 set to 0.6: 0.1 x 3 = 0.3;
        # 0.5 x 3 = 1.5, which no value below 1 can be held at: held at the value itself, 0.6.
        ("assumptions.synthetic_rejection_share", 0.1, 0.2, 0.5, 0.6, (0.3, 0.6, ("high",))),
        # Growth turning negative: the signs differ, so the range shifts by -0.05 - 0.05 = -0.1:
        # 0.02 - 0.1 = -0.08; 0.1 - 0.1 = 0.
        ("workload.monthly_growth", 0.02, 0.05, 0.1, -0.05, (-0.08, 0, ())),
        # Growth above -1 (strictly): -0.9 / -0.5 x -0.8 = -1.44 cannot be, held at the value -0.8;
        # -0.1 / -0.5 x -0.8 = -0.16.
        ("workload.monthly_growth", -0.9, -0.5, -0.1, -0.8, (-0.8, -0.16, ("low",))),
    ],
)
def test_recentred_keeps_the_relative_spread_within_the_inputs_limits(path, low, likely, high, value, expected):
    new_low, new_high, held = recentred(path, low, likely, high, value)
    assert (new_low, new_high) == pytest.approx(expected[:2])
    assert held == expected[2]
    assert new_low <= value <= new_high


def requests_set_to(requests: int):
    """The default example as the app builds it after the sidebar sets requests per month (the ranges as loaded)."""
    loaded = load_scenario(DEFAULT_EXAMPLE)
    data = loaded.model_dump(mode="json")
    data["workload"]["requests_per_month"] = requests
    return scenario_from_dict(data, name="inputs"), loaded


def test_the_50000_requests_walk_keeps_its_ranges(bundled):
    moved_to_50k, loaded = requests_set_to(50_000)
    with pytest.raises(ScenarioError):  # the bug: the range no longer holds the likely value
        ranged_inputs(moved_to_50k, bundled)
    followed, moves = follow_ranges(moved_to_50k, bundled, loaded)
    assert followed.ranges["workload.requests_per_month"] == Range(low=26_666, high=100_000)
    assert {path: r for path, r in followed.ranges.items() if path != "workload.requests_per_month"} == {
        path: r for path, r in loaded.ranges.items() if path != "workload.requests_per_month"}  # the others kept
    assert [m.describe() for m in moves] == [
        "Requests per month (workload): the range moved with the likely value (50,000) and is now 26,666 to "
        "100,000 (was 80,000 to 300,000)."]
    by_path = {r.path: r for r in ranged_inputs(followed, bundled)}
    assert (by_path["workload.requests_per_month"].low, by_path["workload.requests_per_month"].likely,
            by_path["workload.requests_per_month"].high) == (26_666, 50_000, 100_000)
    spread = simulate(followed, bundled, draws=200)
    assert spread["prompt"]["monthly_cost"].p10 < spread["prompt"]["monthly_cost"].p90


def test_a_value_within_its_range_leaves_the_ranges_alone(bundled):
    moved_to_200k, loaded = requests_set_to(200_000)  # within 80,000 to 300,000: still the team's guess
    followed, moves = follow_ranges(moved_to_200k, bundled, loaded)
    assert followed is moved_to_200k and moves == []


GIVES_LIKELY = {"workload.requests_per_month": {"low": 80_000, "likely": 150_000, "high": 300_000}}


def test_a_range_that_gives_its_likely_value_moves_from_it_and_takes_the_new_one(book):
    # No loaded scenario needed: the range says it was written around 150,000 requests.
    scenario = worked(**{"workload.requests_per_month": 50_000, "ranges": GIVES_LIKELY})
    followed, moves = follow_ranges(scenario, book)
    assert followed.ranges["workload.requests_per_month"] == Range(low=26_666, likely=50_000, high=100_000)
    assert [(m.was_low, m.was_high, m.low, m.high, m.likely) for m in moves] == [
        (80_000, 300_000, 26_666, 100_000, 50_000)]
    ranged_inputs(followed, book)  # no error: the likely it gives is the input's value again


def test_a_likely_value_given_within_the_range_follows_the_input_and_the_ends_stay(book):
    scenario = worked(**{"workload.requests_per_month": 200_000, "ranges": GIVES_LIKELY})
    followed, moves = follow_ranges(scenario, book)
    assert followed.ranges["workload.requests_per_month"] == Range(low=80_000, likely=200_000, high=300_000)
    assert [m.describe() for m in moves] == [
        "Requests per month (workload): the range's likely value is now the input's, 200,000; the range stays "
        "80,000 to 300,000."]


def test_the_loaded_value_is_where_a_range_without_a_likely_moves_from(book):
    # Loaded at 10,000 requests with a range of 5,000 to 40,000; set to 100,000: 5,000 x 10 = 50,000, 40,000 x 10.
    ranges = {"ranges": {"workload.requests_per_month": {"low": 5_000, "high": 40_000}}}
    loaded = worked(**ranges)
    followed, _ = follow_ranges(worked(**{**ranges, "workload.requests_per_month": 100_000}), book, loaded)
    assert followed.ranges["workload.requests_per_month"] == Range(low=50_000, high=400_000)


@pytest.mark.parametrize("loaded_requests", [None, 3_000], ids=["nothing loaded", "loaded outside its range too"])
def test_a_range_with_nothing_to_move_from_is_left_and_explained_in_words(book, loaded_requests):
    ranges = {"ranges": {"workload.requests_per_month": {"low": 5_000, "high": 40_000}}}
    loaded = None if loaded_requests is None else worked(**{**ranges, "workload.requests_per_month": loaded_requests})
    scenario = worked(**{**ranges, "workload.requests_per_month": 100_000})
    followed, moves = follow_ranges(scenario, book, loaded)
    assert followed is scenario and moves == []  # no likely value within the range to keep the spread of
    with pytest.raises(ScenarioError) as caught:
        ranged_inputs(followed, book)
    assert [problem_in_words(p) for p in caught.value.problems] == [
        "Requests per month (workload): expected low <= likely <= high, got 5000 <= 100000 <= 40000"]


def test_problems_with_an_end_of_a_range_name_the_input_in_words(book):
    scenario = worked(**{"ranges": {"approaches.fine_tune.epochs": {"low": 0, "high": 3}}})
    with pytest.raises(ScenarioError) as caught:
        ranged_inputs(scenario, book)
    assert [problem_in_words(p) for p in caught.value.problems] == [
        "Fine-tuning: epochs, the range's low end: epochs must be >= 1, got 0"]
