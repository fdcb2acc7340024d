"""Models a plan rests on that their provider retires: in the estimate, its outputs, the CLI and the tables.

acme/writer (tests/fixtures/prices/acme.yaml) retires on 2027-06-30; no other fixture model has a date.
"""

from __future__ import annotations

import datetime
import json

import pytest
from conftest import FIXTURE_PRICES, WORKED, worked

from planner import estimate
from planner.analysis.staleness import retired_in_tables, retirement_mark
from planner.cli import main
from planner.costs.retirements import add_months
from planner.inputs.files import dump_yaml
from planner.outputs.export import to_dict, to_table

RETIRES = datetime.date(2027, 6, 30)


def _writer(**changes):
    return worked(**{"approaches.prompt.model": "acme/writer", **changes})


def test_a_retired_model_is_reported_as_retired(book):
    result = estimate(_writer(), book, datetime.date(2027, 7, 1))
    [found] = result.retirements
    assert (found.approach, found.key, found.retires_on, found.retired) == (
        "prompt", "acme.models.writer", RETIRES, True)
    assert str(found) == ("acme/writer was retired on 2027-06-30: its provider no longer serves it; "
                          "choose a current model")


def test_the_retirement_day_itself_counts_as_retired(book):
    [found] = estimate(_writer(), book, RETIRES).retirements
    assert found.retired


def test_a_model_retiring_during_the_plan_needs_a_successor(book):
    # Planned on 2026-01-01 with a 24-month horizon, the plan ends in 2028: the model goes in mid-2027.
    result = estimate(_writer(horizon_months=24), book, datetime.date(2026, 1, 1))
    [found] = result.retirements
    assert not found.retired and found.launches < RETIRES < found.plan_ends
    assert str(found).startswith("acme/writer retires on 2027-06-30, before this plan ends on 2028-")
    assert str(found).endswith("budget a move to its successor")


def test_a_model_retiring_after_the_plan_is_not_reported(book):
    # A 3-month horizon planned on 2026-01-01 ends in the spring of 2026, long before 2027-06-30.
    assert estimate(_writer(horizon_months=3), book, datetime.date(2026, 1, 1)).retirements == []


def test_a_model_retiring_before_launch_is_reported_as_such(book):
    # Ten days before the retirement: every approach takes weeks to reach production.
    [found] = estimate(_writer(), book, datetime.date(2027, 6, 20)).retirements
    assert not found.retired and found.launches > RETIRES
    assert "before this approach would launch" in str(found) and str(found).endswith("plan on a current model")


def test_the_plan_end_is_launch_plus_the_horizon_in_calendar_months():
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2027, 1, 31), 13) == datetime.date(2028, 2, 29)  # a leap year
    assert add_months(datetime.date(2026, 12, 15), 12) == datetime.date(2027, 12, 15)


def test_json_and_table_carry_the_warning(book):
    result = estimate(_writer(), book, datetime.date(2027, 7, 1))
    data = json.loads(json.dumps(to_dict(result)))
    assert data["planned_on"] == "2027-07-01"
    [entry] = data["model_retirements"]
    assert entry["model"] == "acme/writer" and entry["retires_on"] == "2027-06-30" and entry["retired"] is True
    assert "was retired on 2027-06-30" in entry["warning"]
    table = to_table(result)
    assert "Model retirements (planned on 2027-07-01):" in table
    assert "  - Prompt engineering: acme/writer was retired on 2027-06-30" in table
    assert "acme/writer (model retiring)" in table  # the "Runs on" row
    assert "Model retirements" not in to_table(estimate(worked(), book, datetime.date(2027, 7, 1)))


def test_the_cli_warns_on_standard_error_whatever_the_format(capsys, tmp_path):
    data = json.loads(json.dumps(WORKED))
    data["approaches"]["prompt"]["model"] = "acme/writer"
    scenario = tmp_path / "writer.yaml"
    scenario.write_text(dump_yaml(data))
    assert main(["estimate", str(scenario), "--prices", str(FIXTURE_PRICES), "--format", "json",
                 "--today", "2027-07-01"]) == 0
    out, err = capsys.readouterr()
    assert "warning: Prompt engineering: acme/writer was retired on 2027-06-30" in err
    assert json.loads(out)["model_retirements"][0]["retired"] is True


def test_pickers_mark_models_by_their_own_or_their_fine_tuned_date(book, bundled):
    writer = book.chat_model("acme/writer").offering
    assert retirement_mark(writer, datetime.date(2027, 1, 1)) == " (retires 2027-06-30)"
    assert retirement_mark(writer, datetime.date(2027, 6, 30)) == " (retired 2027-06-30)"
    assert retirement_mark(book.chat_model("acme/chat").offering, datetime.date(2027, 1, 1)) == ""
    # Azure retired its base gpt-4.1-mini on 2026-10-14 and serves models tuned on it until 2027-10-14
    # (learn.microsoft.com, model retirement schedule).
    mini = bundled.chat_model("azure/gpt-4.1-mini").offering
    assert retirement_mark(mini, datetime.date(2026, 12, 2)) == " (retired 2026-10-14)"
    assert retirement_mark(mini, datetime.date(2026, 12, 2), fine_tuned=True) == " (retires 2027-10-14)"


@pytest.mark.parametrize(("today", "expected"), [
    (datetime.date(2026, 1, 1), []),
    (datetime.date(2027, 7, 1), [("acme/writer", RETIRES)]),
])
def test_tables_list_retired_models(book, today, expected):
    assert retired_in_tables(book, today, 30) == expected


def test_bundled_tables_know_the_announced_retirements(bundled):
    # LiteLLM's map (litellm 1.109.1): gpt-4.1-nano retired on 2026-10-23, claude-sonnet-4.5 retires on
    # 2026-11-30, and Vertex AI's Gemini 2.5 models (where Gemini tuning runs) on 2026-10-20.
    found = dict(retired_in_tables(bundled, datetime.date(2026, 11, 23), 7))
    assert found["openai/gpt-4.1-nano"] == datetime.date(2026, 10, 23)
    assert found["anthropic/claude-sonnet-4.5"] == datetime.date(2026, 11, 30)
    assert found["google/gemini-2.5-flash fine-tuning"] == datetime.date(2026, 10, 20)
