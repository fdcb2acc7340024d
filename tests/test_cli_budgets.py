"""The command line's saved budgets: save, list, show, diff, export, duplicate, approve and delete.

Each test works on its own copy of the bundled price tables and its own SQLite file. The expected
figures come from ``estimate`` run on the bundled tables directly, without the store: a budget must
hold exactly what the estimate gave on the day it was saved.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO

from planner.budgets import DB_ENV
from planner.cli import main
from planner.costs.estimator import Estimate, estimate
from planner.inputs.pricebook import DEFAULT_PRICES_DIR, load_price_book
from planner.inputs.scenario import load_scenario

SCENARIO = REPO / "examples" / "support_assistant.yaml"
PLANNED_ON = datetime.date(2027, 1, 4)
NAME = "Support bot Q1"


@pytest.fixture(scope="module")
def expected() -> Estimate:
    """The example costed on the bundled tables on the planning day, as `estimate` gives it."""
    return estimate(load_scenario(SCENARIO), load_price_book(DEFAULT_PRICES_DIR), PLANNED_ON)


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    copy = tmp_path / "pricing"
    shutil.copytree(DEFAULT_PRICES_DIR, copy, ignore=shutil.ignore_patterns(".history", ".lock", "budgets.sqlite*"))
    return copy


class Budgets:
    """``python -m planner budgets ...`` on a test's own tables and database file."""

    def __init__(self, capsys: pytest.CaptureFixture[str], prices: Path, db: Path | None):
        self.capsys, self.prices, self.db = capsys, prices, db

    def __call__(self, *args: str) -> tuple[int, str, str]:
        where = ["--prices", str(self.prices), *(["--db", f"sqlite:///{self.db}"] if self.db else [])]
        code = main(["budgets", *args, *where])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def save(self, *more: str, name: str = NAME) -> tuple[int, str, str]:
        return self("save", str(SCENARIO), "--name", name, "--today", PLANNED_ON.isoformat(), *more)


@pytest.fixture
def budgets(capsys: pytest.CaptureFixture[str], prices: Path, tmp_path: Path) -> Budgets:
    return Budgets(capsys, prices, tmp_path / "b.sqlite")


def cents(amount: float) -> str:
    return f"{amount:,.2f}"


def test_save_then_list_and_show_give_the_estimates_figures(budgets, expected):
    code, out, err = budgets.save()
    assert (code, err) == (0, "")
    assert out.startswith(f"saved {NAME!r}, version 1 (Draft, owner local) in {budgets.db}\n")
    assert "planning day 04 Jan 2027" in out
    for option in expected.approaches.values():  # each option's 12-month total incl. build, to the cent
        assert re.search(rf"^  {re.escape(option.label)} +{re.escape(cents(option.horizon_cost))} USD$", out, re.M)

    code, out, _ = budgets("list", "--format", "json")
    assert code == 0
    [listed] = json.loads(out)
    assert listed | {"name": NAME, "owner": "local", "status": "draft", "status_in_words": "Draft", "version": 1,
                     "approved_by": None, "planned_on": "2027-01-04", "currency": "USD",
                     "horizon_months": 12} == listed
    lowest = min(r.horizon_cost for r in expected.approaches.values())
    assert (listed["option_count"], listed["lowest_total"]) == (len(expected.approaches), lowest)

    code, out, _ = budgets("list")
    assert code == 0 and f"{cents(lowest)} USD over 12 months" in out.splitlines()[2]
    assert out.splitlines()[0].split() == ["Name", "Owner", "Status", "Updated", "Options", "Lowest", "total",
                                           "incl.", "build"]

    code, out, _ = budgets("show", NAME, "--format", "json")
    shown = json.loads(out)
    assert code == 0 and shown["version"] == 1
    for saved, (option, r) in zip(shown["options"], expected.approaches.items(), strict=True):
        assert saved == {"option": option, "label": r.label, "one_time": r.one_time_cost,
                         "first_month": r.monthly_cost, "horizon": r.horizon_cost,
                         "weeks_to_production": r.weeks_to_production, "people_hours": r.effort_hours,
                         "goes_live": saved["goes_live"]}
    # 7 1/6 weeks from 4 Jan are 50.2 days; to the next whole day, 51: 27 to 31 Jan, then 24 Feb.
    assert shown["options"][0]["goes_live"] == "2027-02-24"
    files = sorted(p.name for p in DEFAULT_PRICES_DIR.glob("*.yaml"))
    assert [t["file"] for t in shown["price_tables"]] == files
    assert all(re.fullmatch(r"[0-9a-f]{64}", t["sha256"]) for t in shown["price_tables"])
    assert shown["costed_again"]["same_as_saved"] is True
    assert "start_date: '2027-01-04'" in shown["scenario"]

    code, out, _ = budgets("show", NAME)
    assert code == 0
    assert out.startswith(f"{NAME}: Draft (version 1)\n")
    prompt = expected.approaches["prompt"]
    assert re.search(rf"^Prompt engineering +{cents(prompt.one_time_cost)} +{cents(prompt.monthly_cost)} +"
                     rf"{cents(prompt.horizon_cost)} +7\.2 +84 +24 Feb 2027$", out, re.M)
    assert re.search(r"^  openai\.yaml +[0-9a-f]{12}$", out, re.M)
    assert "these are the figures saved on" in out


def test_a_name_already_saved_is_refused(budgets):
    assert budgets.save()[0] == 0
    code, out, err = budgets.save()
    assert (code, out) == (2, "")
    assert err.startswith(f"error: a budget named {NAME!r} is already saved")
    assert "--over VERSION" in err and "Traceback" not in err


def test_save_over_needs_the_current_version(budgets):
    budgets.save()
    code, out, _ = budgets.save("--over", "1")
    assert code == 0 and out.startswith(f"saved {NAME!r}, version 2 ")
    code, _, err = budgets.save("--over", "1")  # a stale version: someone saved since
    assert code == 2 and "was changed since you opened it (version 1; it is now version 2" in err


def test_after_a_price_changes_show_keeps_the_saved_figures_and_diff_names_the_price(budgets, expected, prices):
    budgets.save()
    # The price the prompt option's input tokens are billed at, and its value, from the estimate's own line.
    line = next(li for li in expected.approaches["prompt"].lines if li.item == "Input tokens")
    provider, model, field = re.fullmatch(r"(\w+)\.models\.(.+)\.(\w+)", line.price_key).groups()  # type: ignore[union-attr]
    assert (provider, model, field) == ("openai", "gpt-5.4-mini", "input_per_million_tokens")
    old, new = line.unit_price, line.unit_price * 2
    table = prices / f"{provider}.yaml"
    text, count = re.subn(rf"(\n  {re.escape(model)}:\n(?:    .*\n)*?    {field}: ){old:g}\n", rf"\g<1>{new:g}\n",
                          table.read_text())
    assert count == 1
    table.write_text(text)
    today = estimate(load_scenario(SCENARIO), load_price_book(prices), PLANNED_ON)
    before, after = expected.approaches["prompt"].horizon_cost, today.approaches["prompt"].horizon_cost
    assert after > before  # the input tokens cost more now

    code, out, _ = budgets("show", NAME)
    assert code == 0
    assert cents(before) in out and cents(after) not in out
    assert "these are the figures saved on" in out  # costed on its own tables, not today's

    code, out, err = budgets("diff", NAME)
    assert (code, err) == (0, "")
    assert "openai.yaml" in out
    moved = [li for li in out.splitlines() if model in li and f"{old:g}" in li and f"{new:g}" in li]
    assert moved, out
    assert cents(before) in out and cents(after) in out

    # Exported, the budget is the estimate on the tables it was saved with, not on today's.
    code, exported, _ = budgets("export", NAME, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(exported)))
    input_rows = [r for r in rows if r["Approach"] == "Prompt engineering" and r["Item"] == "Input tokens"]
    assert [float(r["Unit price (USD per unit)"]) for r in input_rows] == [old]


def test_export_is_the_saved_estimate_in_every_format(budgets, expected, tmp_path):
    budgets.save()
    code, out, _ = budgets("export", NAME, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert {k: v["horizon_cost"] for k, v in data["approaches"].items()} == {
        k: r.horizon_cost for k, r in expected.approaches.items()}
    assert data["budget"]["name"] == NAME and data["budget"]["version"] == 1
    # The example's ranges, simulated as `estimate` simulates them on the same tables and day.
    assert main(["estimate", str(SCENARIO), "--prices", str(budgets.prices), "--today", PLANNED_ON.isoformat(),
                 "--format", "json"]) == 0
    assert data["ranges"] == json.loads(budgets.capsys.readouterr().out)["ranges"] != {}
    code, out, _ = budgets("export", NAME)
    assert code == 0 and out.startswith(f"Budget {NAME!r}, version 1: Draft\n")
    assert "Support assistant over product docs (USD, 12-month horizon)" in out
    code, _, err = budgets("export", NAME, "--format", "xlsx")
    assert code == 2 and "give --output FILE.xlsx" in err
    pack = tmp_path / "pack.xlsx"
    code, out, _ = budgets("export", NAME, "--format", "xlsx", "--output", str(pack))
    assert (code, out) == (0, "") and pack.read_bytes()[:2] == b"PK"  # a zip: the .xlsx container


def test_approve_keeps_the_budget_as_approved(budgets):
    budgets.save()
    code, _, err = budgets("approve", NAME, "--version", "2")
    assert code == 2 and "it is now version 1" in err  # nobody approves a version they have not seen
    code, out, _ = budgets("approve", NAME, "--version", "1", "--as", "bo@example.com")
    assert code == 0 and out.startswith(f"{NAME!r}: Approved by bo@example.com on ")
    code, _, err = budgets.save("--over", "2")
    assert code == 2 and "is approved" in err and "duplicate it to change it" in err
    code, out, _ = budgets("list", "--status", "approved", "--format", "json")
    [approved] = json.loads(out)
    assert (approved["approved_by"], approved["version"], approved["owner"]) == ("bo@example.com", 2, "local")
    assert json.loads(budgets("list", "--status", "draft", "--format", "json")[1]) == []

    code, out, _ = budgets("duplicate", NAME, "Support bot Q2", "--as", "cy")
    assert code == 0 and "'Support bot Q2': a draft owned by cy, version 1" in out
    code, out, _ = budgets("list", "--owner", "cy")
    assert code == 0 and [row.split()[:4] for row in out.splitlines()[2:]] == [["Support", "bot", "Q2", "cy"]]
    assert "Draft" in out.splitlines()[2]
    code, out, _ = budgets("list", "--search", "q2")  # any case
    assert len(out.splitlines()) == 3
    code, out, _ = budgets("list", "--search", "nothing like it")
    assert (code, out) == (0, f"no saved budgets match in {budgets.db}\n")


def test_delete(budgets):
    budgets.save()
    code, _, err = budgets("delete", NAME, "--version", "2")
    assert code == 2 and "it was not deleted" in err
    code, out, _ = budgets("delete", NAME, "--version", "1")
    assert (code, out) == (0, f"deleted {NAME!r} from {budgets.db}\n")
    code, out, err = budgets("show", NAME)
    assert (code, out) == (2, "") and err == f"error: no saved budget is named {NAME!r}\n"
    assert budgets("list")[1] == f"no saved budgets in {budgets.db}\n"


def test_the_database_can_come_from_the_environment(capsys, prices, tmp_path, monkeypatch):
    db = tmp_path / "from-env.sqlite"
    monkeypatch.setenv(DB_ENV, str(db))
    no_flag = Budgets(capsys, prices, None)
    code, out, _ = no_flag.save()
    assert code == 0 and f" in {db}\n" in out and db.is_file()
    assert not (prices / "budgets.sqlite").exists()  # not the price directory's default
    assert [b["name"] for b in json.loads(no_flag("list", "--format", "json")[1])] == [NAME]


def test_the_default_database_is_beside_the_price_tables(capsys, prices, monkeypatch):
    monkeypatch.delenv(DB_ENV, raising=False)
    code, out, _ = Budgets(capsys, prices, None).save()
    assert code == 0 and f" in {prices / 'budgets.sqlite'}\n" in out


def test_a_damaged_database_file_is_a_message_naming_it(budgets):
    budgets.db.write_bytes(bytes(range(256)) * 20)
    code, out, err = budgets("list")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {budgets.db}: ") and "not a budgets database or is damaged" in err
    assert "Traceback" not in err and err.count("\n") == 1
    code, _, err = budgets.save()
    assert code == 2 and err.startswith(f"error: {budgets.db}: ")


def test_a_budget_whose_saved_tables_are_damaged_still_shows_its_saved_figures(budgets, expected):
    budgets.save()
    with contextlib.closing(sqlite3.connect(budgets.db)) as connection, connection:  # damaged outside the planner
        connection.execute("UPDATE price_tables SET content = 'nope: [' WHERE digest = (SELECT digest FROM "
                           "budget_price_tables WHERE file_name = 'assumptions.yaml')")
    code, out, _ = budgets("show", NAME)
    assert code == 0 and cents(expected.approaches["rag"].horizon_cost) in out
    # The saved table is named as saved, not as the file of that name in --prices.
    assert f"It cannot be costed again on its own tables: assumptions.yaml (as saved with {NAME!r}):2: " in out
    assert json.loads(budgets("show", NAME, "--format", "json")[1])["costed_again"]["same_as_saved"] is None
    code, out, err = budgets("export", NAME)
    assert (code, out) == (2, "") and err.startswith(f"error: assumptions.yaml (as saved with {NAME!r}):2: ")


def test_a_missing_folder_is_named(capsys, prices, tmp_path):
    code, _, err = Budgets(capsys, prices, tmp_path / "no such folder" / "b.sqlite")("list")
    assert code == 2 and err == f"error: {tmp_path / 'no such folder' / 'b.sqlite'}: its folder does not exist\n"


def test_the_module_docstring_and_help_name_the_budget_commands(capsys):
    import planner.cli

    assert "``budgets``" in (planner.cli.__doc__ or "")
    with pytest.raises(SystemExit):
        main(["budgets", "save", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "$LLM_PLANNER_DB" in help_text and "with a price admin's and an approver's rights" in help_text


def test_compare_puts_two_budgets_side_by_side(budgets, expected):
    budgets.save()
    budgets.save(name="Same plan, again")
    code, out, _ = budgets("compare", NAME, "Same plan, again")
    assert code == 0
    header, rule, *rows = out.splitlines()
    assert header.split()[:2] == ["Figure", "Option"] and set(rule) <= {"-", " "}
    prompt = expected.approaches["prompt"]
    build = next(r for r in rows if r.startswith("One-time build cost") and "Prompt engineering" in r)
    # The same plan on the same tables: equal figures, a zero difference, to the cent with the currency.
    assert build.split()[-6:] == [cents(prompt.one_time_cost), "USD", cents(prompt.one_time_cost), "USD", "0.00", "USD"]
    assert len(rows) == 6 * len(expected.approaches)  # six figures for each option


def test_diff_says_when_the_plan_cannot_be_costed_on_todays_tables(budgets, prices):
    budgets.save()
    (prices / "openai.yaml").unlink()  # the example's chat model is gone from today's tables
    code, out, _ = budgets("diff", NAME)
    assert code == 1  # as `prices validate` exits when it finds something a person must see to
    assert "Price files changed since: openai.yaml." in out
    assert "It cannot be costed on today's tables: " in out and "openai" in out.split("today's tables: ")[1]
    code, out, _ = budgets("show", NAME)
    assert code == 0  # the saved figures still show, costed on the budget's own tables
