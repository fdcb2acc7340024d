"""Saved budgets in the app, headless (AppTest): save the plan on screen, find it, open it with the figures it
was saved with, load it back, approve, delete, see what changed on today's tables and compare two; a viewer
cannot approve, a damaged database is a sentence naming its file (the rest of the page works), and a save
made on a stale copy is refused without overwriting anything.

Each test runs on a copy of the bundled price tables (LLM_PLANNER_PRICES) and its own SQLite file
(LLM_PLANNER_DB). Expected figures come from ``planner.estimate`` on the same tables and scenario, or from
the store read directly: never from the view's own code.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, open_input_groups, shown
from streamlit.testing.v1 import AppTest

from planner import estimate, load_price_book, load_scenario
from planner.analysis.budget_calendar import go_live
from planner.budgets.snapshot import budget_draft
from planner.budgets.store import Actor, BudgetStore, open_store
from ui import budgets_view

EXAMPLE = REPO / "examples" / "support_assistant.yaml"
NAME = "Support assistant over product docs"  # the example's own name: a budget's name when none is typed
REQUESTS = "in:workload.requests_per_month"
ADMIN, VIEWER = "ana@example.com", "bo@example.com"
LOGIN = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
         "client_id": "planner", "client_secret": "not-a-real-secret",
         "server_metadata_url": "https://login.example.com/.well-known/openid-configuration"}
OPENER = re.compile(r"(?<!\\)[\[<*_`]")  # Markdown emphasis, link, code or HTML that no backslash escapes


@dataclass(frozen=True)
class Place:
    prices: Path
    db: Path

    @contextlib.contextmanager
    def store(self) -> Iterator[BudgetStore]:
        """The same database, opened directly (as another app replica or the command line would)."""
        store = open_store(f"sqlite:///{self.db}")
        try:
            yield store
        finally:
            store.dispose()


@pytest.fixture
def place(tmp_path, monkeypatch) -> Iterator[Place]:
    prices = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", prices)
    monkeypatch.setenv("LLM_PLANNER_PRICES", str(prices))
    monkeypatch.setenv("LLM_PLANNER_DB", f"sqlite:///{tmp_path / 'b.sqlite'}")
    monkeypatch.delenv("LLM_PLANNER_READ_ONLY", raising=False)
    yield Place(prices, tmp_path / "b.sqlite")
    budgets_view._open_store.clear()  # closes the app's connections to this test's file


def budgets_page(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    open_input_groups(app)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    if user is not None:
        app.user = user
    app.run()
    app.radio(key="view").set_value("Saved budgets").run()
    return ok(app)


def ok(app: AppTest) -> AppTest:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [shown(e.value) for e in app.error]
    return app


def texts(app: AppTest, kind: str) -> list[str]:
    return [shown(e.value) for e in app.get(kind)]


def frame_with(app: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page with this column."""
    frames = [d.value for d in app.dataframe if column in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in app.dataframe]
    return frames[0]


def button(app: AppTest, key: str):
    return next(b for b in app.button if b.key == key)


def save(app: AppTest, name: str = "") -> AppTest:
    app.text_input(key="budgets:name").set_value(name).run()
    button(app, "budgets:save").click().run()
    return app


def open_budget(app: AppTest, name: str) -> AppTest:
    app.selectbox(key="budgets:pick").set_value(name).run()
    return ok(app)


def comparison(app: AppTest) -> dict[str, list[str]]:
    frame = app.table[0].value
    return {label: [shown(cell) for cell in frame.loc[label]] for label in frame.index}


# --- saving, listing, opening ---------------------------------------------------------------------------

def test_a_saved_budget_is_listed_and_opens_with_the_planners_figures(place):
    app = budgets_page()
    assert texts(app, "info") == ["No budgets are saved yet: save the plan on screen above."]
    ok(save(app))
    assert texts(app, "success") == [f"Saved {NAME} (version 1) with the 22 price tables it is costed on."]
    assert len(list(place.prices.glob("*.yaml"))) == 22

    # What the planner makes of the same scenario on the same tables, today (the budget's planning day).
    result = estimate(load_scenario(EXAMPLE), load_price_book(place.prices))
    options = list(result.approaches.values())
    listed = frame_with(app, "Owner")
    assert list(listed["Name"]) == [NAME] and list(listed["Owner"]) == ["local"]
    assert list(listed["Status"]) == ["Draft"] and list(listed["Options"]) == [4]
    lowest = listed["Lowest 12-month cost incl. one-time build (USD)"][0]
    assert round(lowest, 2) == round(min(r.horizon_cost for r in options), 2)
    updated = listed["Updated (UTC)"][0]
    assert abs(updated - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)) < datetime.timedelta(minutes=5)

    open_budget(app, NAME)
    saved = frame_with(app, "Goes live")
    assert list(saved["Option"]) == [r.label for r in options]
    for column, figure in (("One-time build (USD)", "one_time_cost"), ("First month (USD)", "monthly_cost"),
                           ("12-month cost incl. one-time build (USD)", "horizon_cost"),
                           ("Weeks to production", "weeks_to_production"), ("People-hours", "effort_hours")):
        assert [round(v, 2) for v in saved[column]] == [round(getattr(r, figure), 2) for r in options], column
    assert list(saved["Goes live"]) == [go_live(result.starts_on, r) for r in options]
    # ... and they are the figures of the comparison at the top of the page, as it rounds them.
    shown_totals = comparison(app)["12-month cost incl. one-time build (USD)"]
    assert [f"{v:,.0f}" for v in saved["12-month cost incl. one-time build (USD)"]] == shown_totals
    caption = next(c for c in texts(app, "caption") if c.startswith("Costed on"))
    assert caption.startswith("Costed on the 22 price tables it was saved with")
    assert "these are the figures saved on" in caption


def test_loading_a_budget_puts_its_inputs_back_and_save_changes_writes_a_new_version(place):
    app = budgets_page()
    app.number_input(key=REQUESTS).set_value(90_000).run()
    ok(save(app, "Ninety thousand"))
    app.number_input(key=REQUESTS).set_value(400_000).run()
    open_budget(app, "Ninety thousand")
    button(app, "budgets:load").click().run()
    ok(app)
    assert app.number_input(key=REQUESTS).value == 90_000
    assert any(s.startswith("Loaded Ninety thousand (version 1) into the planner") for s in texts(app, "success"))
    app.number_input(key=REQUESTS).set_value(120_000).run()
    save_over = button(app, "budgets:save_over")
    assert shown(save_over.label) == "Save changes to Ninety thousand (version 1)"
    save_over.click().run()
    ok(app)
    with place.store() as store:
        budget = store.get("Ninety thousand")
    assert budget.version == 2 and "requests_per_month: 120000" in budget.scenario_yaml
    assert [b.key for b in app.button if b.key == "budgets:save_over"] == ["budgets:save_over"]
    assert shown(button(app, "budgets:save_over").label) == "Save changes to Ninety thousand (version 2)"


def test_choosing_an_example_forgets_the_budget_it_loaded(place):
    app = ok(save(budgets_page(), "Kept"))
    assert any(b.key == "budgets:save_over" for b in app.button)
    app.selectbox(key="example").set_value("json_extraction.yaml").run()
    ok(app)
    assert not any(b.key == "budgets:save_over" for b in app.button)  # the inputs are no longer that budget


# --- approving, who may ---------------------------------------------------------------------------------

def test_the_laptop_user_approves_at_the_version_opened(place):
    app = open_budget(ok(save(budgets_page())), NAME)
    assert not button(app, "budgets:approve").disabled
    button(app, "budgets:approve").click().run()
    ok(app)
    with place.store() as store:
        budget = store.get(NAME)
    assert (budget.status, budget.approved_by, budget.version) == ("approved", "local", 2)
    today = datetime.datetime.now(datetime.UTC)
    assert texts(app, "success") == [f"{NAME}: Approved by local on {today:%d %b %Y} (version 2)."]
    assert list(frame_with(app, "Owner")["Status"]) == [f"Approved by local on {today:%d %b %Y}"]
    assert button(app, "budgets:approve").disabled  # already approved


def saved_by_someone(place: Place, name: str = "Ana's plan") -> None:
    book = load_price_book(place.prices)
    with place.store() as store:
        store.save(budget_draft(name, load_scenario(EXAMPLE), book)[0], Actor(ADMIN, price_admin=True))


def test_a_read_only_demo_opens_budgets_but_cannot_save_approve_or_delete(place, monkeypatch):
    saved_by_someone(place)
    monkeypatch.setenv("LLM_PLANNER_READ_ONLY", "1")
    app = open_budget(budgets_page(), "Ana's plan")
    assert not any(b.key in ("budgets:save", "budgets:save_over", "budgets:duplicate") for b in app.button)
    assert button(app, "budgets:approve").disabled and button(app, "budgets:delete").disabled
    assert any(c.startswith("Read-only demo: saved budgets can be opened") for c in texts(app, "caption"))
    assert list(frame_with(app, "Goes live")["Option"])  # the figures are there to read


def test_a_signed_in_viewer_saves_their_own_but_only_an_approver_approves(place):
    saved_by_someone(place)
    settings = {"auth": LOGIN, "access": {"admins": [ADMIN], "budget_approvers": ["CY@example.com"]}}
    viewer = open_budget(budgets_page(settings, {"is_logged_in": True, "email": VIEWER}), "Ana's plan")
    assert button(viewer, "budgets:approve").disabled
    assert button(viewer, "budgets:delete").disabled  # not theirs, and not a price admin
    ok(save(viewer, "Bo's plan"))
    with place.store() as store:
        assert store.get("Bo's plan").owner == VIEWER
    # Ana's plan loaded into the planner: Bo may change the inputs and save them as his own, not over hers.
    open_budget(viewer, "Ana's plan")
    button(viewer, "budgets:load").click().run()
    ok(viewer)
    assert not any(b.key == "budgets:save_over" for b in viewer.button)
    assert shown(button(viewer, "budgets:save").label) == "Save this budget"
    assert (f"These inputs came from Ana's plan, which belongs to {ADMIN}: save your changes as a new budget."
            in texts(viewer, "caption"))

    approver = open_budget(budgets_page(settings, {"is_logged_in": True, "email": "cy@example.com"}), "Bo's plan")
    assert any(c.endswith("You can also approve saved budgets.") for c in texts(approver, "caption"))
    button(approver, "budgets:approve").click().run()
    ok(approver)
    with place.store() as store:
        assert (store.get("Bo's plan").approved_by, store.get("Ana's plan").status) == ("cy@example.com", "draft")


def test_deleting_asks_first(place):
    app = open_budget(ok(save(budgets_page(), "Scratch")), "Scratch")
    button(app, "budgets:delete").click().run()
    assert texts(app, "warning") == ["Delete Scratch for good? It cannot be brought back."]
    button(app, "budgets:delete_no").click().run()
    assert not texts(app, "warning")
    button(app, "budgets:delete").click().run()
    button(app, "budgets:delete_yes").click().run()
    ok(app)
    assert texts(app, "success") == ["Deleted Scratch."]
    with place.store() as store:
        assert store.list() == []
    assert not any(b.key == "budgets:save_over" for b in app.button)  # the inputs are kept, as a plan of their own


def test_a_duplicate_is_a_draft_of_the_copier_on_the_same_tables(place):
    app = open_budget(ok(save(budgets_page(), "Original")), "Original")
    button(app, "budgets:approve").click().run()
    assert not any(b.key == "budgets:save_over" for b in app.button)  # approved: kept as approved
    assert ("These inputs came from Original, which is approved and is kept as approved: save your changes as a new "
            "budget." in texts(app, "caption"))
    app.text_input(key="budgets:copy_name").set_value("Next year").run()
    button(app, "budgets:duplicate").click().run()
    ok(app)
    assert app.selectbox(key="budgets:pick").value == "Next year"  # the copy is opened
    with place.store() as store:
        original, copy = store.get("Original"), store.get("Next year")
    assert (copy.status, copy.owner, copy.version) == ("draft", "local", 1)
    assert copy.table_digests == original.table_digests and copy.totals == original.totals


# --- what can go wrong ----------------------------------------------------------------------------------

def test_a_save_on_a_stale_copy_is_refused_and_overwrites_nothing(place):
    app = ok(save(budgets_page(), "Shared"))
    # Meanwhile, another session (here: the store itself) saves a change over version 1.
    theirs = load_scenario(EXAMPLE).model_copy(update={"horizon_months": 24})
    with place.store() as store:
        draft = budget_draft("Shared", theirs, load_price_book(place.prices))[0]
        store.save(draft, Actor("local", price_admin=True), expected_version=1)
    app.number_input(key=REQUESTS).set_value(200_000).run()
    button(app, "budgets:save_over").click().run()
    assert not app.exception
    [error] = texts(app, "error")
    assert error.startswith("Not saved: b.sqlite: 'Shared' was changed since you opened it (version 1; it is now "
                            "version 2"), error
    assert "Open the budget again (Load into the planner)" in error and "your inputs are still in the planner" in error
    with place.store() as store:
        kept = store.get("Shared")
    assert kept.version == 2 and kept.scenario_yaml == draft.scenario_yaml  # theirs, not overwritten
    assert app.number_input(key=REQUESTS).value == 200_000  # and ours still on screen


def test_a_damaged_database_is_a_sentence_naming_the_file_and_the_page_still_works(place):
    place.db.write_bytes(b"\x00junk, not SQLite\xff" * 300)
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    app.radio(key="view").set_value("Saved budgets").run()
    assert not app.exception
    [error] = texts(app, "error")
    assert error == ("The saved budgets cannot be used just now: b.sqlite: cannot be opened: the file is not a "
                     "budgets database or is damaged; restore it from a backup (README, Saved budgets)")
    bodies = [e.value for kind in ("markdown", "caption", "error", "warning", "info") for e in app.get(kind)]
    assert not any(str(place.db.parent) in body for body in bodies)  # the file's name, never its folder
    assert comparison(app)["12-month cost incl. one-time build (USD)"]  # the comparison is drawn
    # Restored (here: removed, so a new one is made), the next run opens it: a failure is not remembered.
    place.db.unlink()
    app.run()
    ok(app)
    assert texts(app, "info") == ["No budgets are saved yet: save the plan on screen above."]


def test_a_budget_name_with_markdown_and_html_is_shown_as_text(place):
    name = "**x** <b>y</b> [z](http://127.0.0.1:9/z) _w_"
    app = ok(save(budgets_page(), name))
    assert texts(app, "success") == [f"Saved {name} (version 1) with the 22 price tables it is costed on."]
    assert any(OPENER.search(b.value) is None and shown(b.value).startswith(f"Saved {name}") for b in app.success)
    open_budget(app, name)
    assert list(frame_with(app, "Owner")["Name"]) == [name]  # a table cell is text already
    bodies = [e.value for kind in ("markdown", "caption", "success", "error", "warning", "info") for e in app.get(kind)]
    bodies += [b.label for b in app.button]
    mentioning = [body for body in bodies if "x" in shown(body) and "y" in shown(body) and "z" in shown(body)]
    assert any(shown(body) == f"**{name}**" for body in mentioning)  # its heading, in our bold
    for body in mentioning:
        assert not OPENER.search(body.removeprefix("**").removesuffix("**")), body


# --- what changed since, and two side by side -----------------------------------------------------------

def test_what_changed_since_shows_a_moved_price_and_each_options_totals(place):
    app = ok(save(budgets_page(), "Before"))
    table = place.prices / "openai.yaml"
    before = load_price_book(place.prices)
    old = "  gpt-5.4-mini:\n    input_per_million_tokens: 0.75\n    output_per_million_tokens: 4.5\n"
    text = table.read_text()
    assert text.count(old) == 1
    table.write_text(text.replace(old, old.replace("4.5", "9.0")))
    after = load_price_book(place.prices)
    scenario = load_scenario(EXAMPLE)
    was, now = estimate(scenario, before), estimate(scenario, after)

    open_budget(app, "Before")
    app.toggle(key="budgets:changes").set_value(True).run()
    ok(app)
    assert "Price files changed since it was saved: openai.yaml." in texts(app, "caption")
    options = frame_with(app, "Figure")
    totals = options[options["Figure"] == "12-month total"]
    assert list(totals["Option"]) == [r.label for r in was.approaches.values()]
    for (_, row), key in zip(totals.iterrows(), was.approaches, strict=True):
        assert round(row["Saved (USD)"], 2) == round(was.approaches[key].horizon_cost, 2)
        assert round(row["Today (USD)"], 2) == round(now.approaches[key].horizon_cost, 2)
        assert round(row["Change (USD)"], 2) == round(now.approaches[key].horizon_cost
                                                      - was.approaches[key].horizon_cost, 2)
    moved = frame_with(app, "Unit")
    [(saved_price, today_price)] = [(r["Saved"], r["Today"]) for _, r in moved.iterrows()]
    assert (saved_price, today_price) == (4.5, 9.0)
    # The price doubled, so each line billed at it grew by its old amount.
    key = "openai.models.gpt-5.4-mini.output_per_million_tokens"
    effects = frame_with(app, "Effect on the 12-month cost incl. one-time build (USD)")
    expected = {r.label: sum(line.horizon_amount for line in r.lines if line.price_key == key)
                for r in was.approaches.values()}
    expected = {label: amount for label, amount in expected.items() if amount}
    assert {row["Option"]: round(row.iloc[2], 2) for _, row in effects.iterrows()} == {
        label: round(amount, 2) for label, amount in expected.items()}


def test_two_budgets_side_by_side(place):
    app = budgets_page()
    ok(save(app, "Small"))
    app.number_input(key=REQUESTS).set_value(300_000).run()
    ok(save(app, "Large"))
    open_budget(app, "Small")
    app.toggle(key="budgets:compare").set_value(True).run()
    app.selectbox(key="budgets:compare_with").set_value("Large").run()
    ok(app)
    book = load_price_book(place.prices)
    small = estimate(load_scenario(EXAMPLE), book).approaches["rag"]
    large_scenario = load_scenario(EXAMPLE)
    large_scenario = large_scenario.model_copy(update={"workload": large_scenario.workload.model_copy(
        update={"requests_per_month": 300_000})})
    large = estimate(large_scenario, book).approaches["rag"]
    [table] = [t.value for t in app.table if "Difference" in t.value.columns]  # cells wrap: st.table, as Markdown
    assert list(table.columns) == ["Figure", "Option", "Small", "Large", "Difference"]
    rows = [[shown(cell) for cell in row] for row in table.to_numpy().tolist()]
    [first_month] = [row for row in rows if row[:2] == ["First-month running cost", small.label]]
    assert first_month[2:] == [f"{small.monthly_cost:,.2f} USD", f"{large.monthly_cost:,.2f} USD",
                               f"{large.monthly_cost - small.monthly_cost:+,.2f} USD"]
