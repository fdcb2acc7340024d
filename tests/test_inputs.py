"""The sidebar's mapping between scenario fields and widget values (no browser needed)."""

from __future__ import annotations

import pytest
from conftest import REPO

from planner import load_scenario, scenario_from_dict
from ui.inputs import ALL_INPUTS, scenario_data, state_from_scenario

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
DEFAULTS = {"project.iterations": 4, "approaches.fine_tune.retrain_every_months": 3}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_widgets_reproduce_the_scenario(bundled, path):
    data = load_scenario(path).model_dump(mode="json")
    state = state_from_scenario(data, bundled, DEFAULTS)
    rebuilt = scenario_from_dict(scenario_data(data, state))
    original = scenario_from_dict(data)
    # Keys left to the assumptions come back as the assumption's value; everything else is unchanged.
    expected = original.model_dump()
    expected["project"]["iterations"] = expected["project"]["iterations"] or 4
    ft = expected["approaches"]["fine_tune"]
    ft["retrain_every_months"] = 3 if ft["retrain_every_months"] is None else ft["retrain_every_months"]
    assert rebuilt.model_dump() == expected


def test_percent_inputs_are_shown_in_percent(bundled):
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    state = state_from_scenario(data, bundled, DEFAULTS)
    assert state["in:workload.monthly_growth"] == 5.0  # 0.05 a month
    state["in:workload.monthly_growth"] = 12.5
    assert scenario_data(data, state)["workload"]["monthly_growth"] == 0.125


def test_the_route_not_chosen_does_not_write_its_model(bundled):
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    state = state_from_scenario(data, bundled, DEFAULTS)
    assert state["in:approaches.fine_tune.model@api"] == "aws/nova-micro"
    state["in:approaches.fine_tune.route"] = "self_hosted"
    written = scenario_data(data, state)["approaches"]["fine_tune"]
    # The own-GPU picker starts where an option's switch would: the first open model a host also serves.
    assert written["model"] == state["in:approaches.fine_tune.model@self_hosted"] == "llama-3.1-8b"


def test_every_input_has_a_unit_or_a_choice_and_help():
    for item in ALL_INPUTS:
        assert item.kind == "select" or "(" in item.label, item.path  # the unit, in brackets
        assert item.help or item.kind == "select", item.path



def test_the_start_date_round_trips_and_today_stays_unset(bundled):
    """A start date comes back as the same day; a widget left at today (the planning day) leaves the key unset, so a
    link opened later starts on its own day."""
    import datetime

    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json")
    state = state_from_scenario(data, bundled, DEFAULTS)
    assert state["in:project.start_date"] == datetime.date.today()
    assert scenario_data(data, state)["project"].get("start_date") is None
    state["in:project.start_date"] = datetime.date(2027, 4, 1)
    state["in:project.fiscal_year_start_month"] = 4
    written = scenario_from_dict(scenario_data(data, state))
    assert (written.project.start_date, written.project.fiscal_year_start_month) == (datetime.date(2027, 4, 1), 4)
    again = state_from_scenario(written.model_dump(mode="json"), bundled, DEFAULTS)
    assert again["in:project.start_date"] == datetime.date(2027, 4, 1)
