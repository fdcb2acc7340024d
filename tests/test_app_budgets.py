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


def table_with(app: AppTest, column: str) -> list[dict[str, str]]:
    """The rows of the one st.table (cells wrap, and are Markdown) on the page with this column, as shown."""
    tables = [t.value for t in app.table if column in [shown(c) for c in t.value.columns]]
    assert len(tables) == 1, [list(t.value.columns) for t in app.table]
    return [{shown(k): shown(v) for k, v in row.items()} for row in tables[0].to_dict("records")]


def button(app: AppTest, key: str):
    return next(b for b in app.button if b.key == key)


def save(app: AppTest, name: str = "") -> AppTest:
    app.text_input(key="budgets:name").set_value(name).run()
    button(app, "budgets:save").click().run()
    return app


def open_budget(app: AppTest, name: str) -> AppTest:
    app.selectbox(key="budgets:pick").set_value(name).run()
    return ok(app)


def load_it(app: AppTest) -> AppTest:
    """Load the opened budget into the planner, answering the question it asks first."""
    button(app, "budgets:load").click().run()
    button(app, "budgets:load_yes").click().run()
    return ok(app)


def approve_it(app: AppTest) -> AppTest:
    """Approve the opened budget, answering the question it asks first."""
    button(app, "budgets:approve").click().run()
    button(app, "budgets:approve_yes").click().run()
    return ok(app)


def toasts(app: AppTest) -> list[str]:
    return [shown(t.value) for t in app.toast]


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
    # Its costs, then its schedule: two tables, so that every heading fits at 1024 px.
    saved, schedule = frame_with(app, "One-time build (USD)"), frame_with(app, "Goes live")
    assert list(saved["Option"]) == list(schedule["Option"]) == [r.label for r in options]
    for frame, column, figure in ((saved, "One-time build (USD)", "one_time_cost"),
                                  (saved, "First month (USD)", "monthly_cost"),
                                  (saved, "12-month cost incl. one-time build (USD)", "horizon_cost"),
                                  (schedule, "Weeks to production", "weeks_to_production"),
                                  (schedule, "People-hours", "effort_hours")):
        assert [round(v, 2) for v in frame[column]] == [round(getattr(r, figure), 2) for r in options], column
    assert list(schedule["Goes live"]) == [go_live(result.starts_on, r) for r in options]
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
    # Loading asks first, since it replaces the inputs on screen; "Keep mine" keeps them.
    button(app, "budgets:load").click().run()
    assert texts(app, "warning") == ["Replace the planner's inputs with Ninety thousand's? Inputs not saved are lost."]
    button(app, "budgets:load_no").click().run()
    assert app.number_input(key=REQUESTS).value == 400_000 and not texts(app, "warning")
    load_it(app)
    assert app.number_input(key=REQUESTS).value == 90_000
    assert any(s.startswith("Loaded Ninety thousand (version 1) into the planner") for s in texts(app, "success"))
    assert any(t.startswith("Loaded Ninety thousand (version 1) into the planner") for t in toasts(app))
    app.number_input(key=REQUESTS).set_value(120_000).run()
    save_over = button(app, "budgets:save_over")
    # The budget's name in a caption above, so that the button's label is short enough never to be cut.
    assert shown(save_over.label) == "Save changes (version 1)"
    assert ("These inputs came from Ninety thousand (version 1): Save changes saves them over it; Save as a new "
            "budget keeps it as it is." in texts(app, "caption"))
    save_over.click().run()
    ok(app)
    with place.store() as store:
        budget = store.get("Ninety thousand")
    assert budget.version == 2 and "requests_per_month: 120000" in budget.scenario_yaml
    assert [b.key for b in app.button if b.key == "budgets:save_over"] == ["budgets:save_over"]
    assert shown(button(app, "budgets:save_over").label) == "Save changes (version 2)"


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
    # It asks first, saying what approving does; "Not yet" leaves it a draft.
    button(app, "budgets:approve").click().run()
    assert texts(app, "warning") == [f"Approve {NAME} as it is now (version 1)? Approving keeps it as approved: it "
                                     "can no longer be saved over."]
    button(app, "budgets:approve_no").click().run()
    assert not texts(app, "warning")
    with place.store() as store:
        assert store.get(NAME).status == "draft"
    approve_it(app)
    with place.store() as store:
        budget = store.get(NAME)
    assert (budget.status, budget.approved_by, budget.version) == ("approved", "local", 2)
    today = datetime.datetime.now(datetime.UTC)
    assert texts(app, "success") == [f"{NAME}: Approved by local on {today:%d %b %Y} (version 2)."]
    assert toasts(app) == texts(app, "success")  # also where it is seen at 1024 x 768, by the buttons
    # The caption says when it was last changed: the approval, which the status names.
    assert any(c.startswith(f"Approved by local on {today:%d %b %Y} · owned by local · last changed "
                            f"{budget.updated_at:%d %b %Y %H:%M} UTC · version 2") for c in texts(app, "caption"))
    listed = frame_with(app, "Owner")
    assert (list(listed["Status"]), list(listed["Approved by"])) == ([f"Approved {today:%d %b %Y}"], ["local"])
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
    load_it(viewer)
    assert not any(b.key == "budgets:save_over" for b in viewer.button)
    assert shown(button(viewer, "budgets:save").label) == "Save this budget"
    assert (f"These inputs came from Ana's plan, which belongs to {ADMIN}: save your changes as a new budget."
            in texts(viewer, "caption"))

    approver = open_budget(budgets_page(settings, {"is_logged_in": True, "email": "cy@example.com"}), "Bo's plan")
    assert any(c.endswith("You can also approve saved budgets.") for c in texts(approver, "caption"))
    approve_it(approver)
    with place.store() as store:
        assert (store.get("Bo's plan").approved_by, store.get("Ana's plan").status) == ("cy@example.com", "draft")


def test_deleting_asks_first(place):
    app = ok(save(budgets_page(), "Other"))
    app = open_budget(ok(save(app, "Scratch")), "Scratch")
    button(app, "budgets:delete").click().run()
    assert texts(app, "warning") == ["Delete Scratch for good? It cannot be brought back."]
    button(app, "budgets:delete_no").click().run()
    assert not texts(app, "warning")
    # A question is of the budget it was asked of, while it is open: opening another drops it.
    button(app, "budgets:delete").click().run()
    open_budget(open_budget(app, "Other"), "Scratch")
    assert not texts(app, "warning")
    button(app, "budgets:delete").click().run()
    button(app, "budgets:delete_yes").click().run()
    ok(app)
    assert texts(app, "success") == ["Deleted Scratch."]
    with place.store() as store:
        assert [b.name for b in store.list()] == ["Other"]
    assert not any(b.key == "budgets:save_over" for b in app.button)  # the inputs are kept, as a plan of their own


def test_an_approved_budget_is_deleted_by_a_price_admin_alone_who_is_told_it_is_approved(place):
    saved_by_someone(place, "Bo's approved plan")
    with place.store() as store:  # Bo's own, approved by Cy: a record others rely on
        store.save(budget_draft("Bo's own", load_scenario(EXAMPLE), load_price_book(place.prices))[0], Actor(VIEWER))
        store.approve("Bo's own", Actor("cy@example.com", approver=True), expected_version=1)
        approved = store.get("Bo's own")
    settings = {"auth": LOGIN, "access": {"admins": [ADMIN]}}
    owner = open_budget(budgets_page(settings, {"is_logged_in": True, "email": VIEWER}), "Bo's own")
    delete = button(owner, "budgets:delete")
    assert delete.disabled and delete.help == "It is approved: only a price admin may delete an approved budget."

    admin = open_budget(budgets_page(settings, {"is_logged_in": True, "email": ADMIN}), "Bo's own")
    assert not button(admin, "budgets:delete").disabled
    button(admin, "budgets:delete").click().run()
    assert texts(admin, "warning") == [f"Delete Bo's own for good? It is approved by cy@example.com on "
                                       f"{approved.approved_at:%d %b %Y}. It cannot be brought back."]
    button(admin, "budgets:delete_yes").click().run()
    ok(admin)
    with place.store() as store:
        assert [b.name for b in store.list()] == ["Bo's approved plan"]


def test_an_opened_budget_says_which_price_files_changed_since_it_was_saved(place):
    app = ok(save(budgets_page(), "Before"))
    open_budget(app, "Before")
    assert not texts(app, "warning")  # the tables it was saved on are today's
    for name, old, new in (("openai.yaml", "output_per_million_tokens: 4.5\n", "output_per_million_tokens: 9.0\n"),
                           ("fx.yaml", "\n", "\n# edited\n")):
        table = place.prices / name
        text = table.read_text()
        assert old in text
        table.write_text(text.replace(old, new, 1))
    app.run()
    ok(app)
    # by name, in order, wherever the view is opened: before anyone approves or loads it
    assert texts(app, "warning") == ["2 price files have changed since this was saved (fx.yaml, openai.yaml): What "
                                     "changed since shows what that moves."]
    assert not button(app, "budgets:approve").disabled  # it says so; approving stays the approver's call


def test_the_budget_name_box_empties_after_a_save_a_load_and_a_duplicate(place):
    app = ok(save(budgets_page(), "First"))
    name_box = app.text_input(key="budgets:name")
    assert name_box.value == ""  # "First" is taken now: typing a new name starts from an empty box
    ok(save(app, "Second"))
    open_budget(app, "First")
    app.text_input(key="budgets:name").set_value("Third").run()
    load_it(app)
    assert app.text_input(key="budgets:name").value == ""
    app.text_input(key="budgets:name").set_value("Fourth").run()
    app.text_input(key="budgets:copy_name").set_value("First, again").run()
    button(app, "budgets:duplicate").click().run()
    ok(app)
    assert app.text_input(key="budgets:name").value == "" and app.text_input(key="budgets:copy_name").value == ""
    with place.store() as store:
        assert sorted(b.name for b in store.list()) == ["First", "First, again", "Second"]


def test_a_duplicate_is_a_draft_of_the_copier_on_the_same_tables(place):
    app = open_budget(ok(save(budgets_page(), "Original")), "Original")
    approve_it(app)
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
        theirs_saved = store.get("Shared").updated_at
    app.number_input(key=REQUESTS).set_value(200_000).run()
    button(app, "budgets:save_over").click().run()
    assert not app.exception
    [error] = texts(app, "error")
    # The store's words (no file name: the database is fine), then what to do: never "Load into the planner",
    # which would replace the inputs on screen with theirs.
    assert error == (f"Not saved: 'Shared' was changed since you opened it (version 1; it is now version 2, saved "
                     f"{theirs_saved:%d %b %Y %H:%M} UTC); it was not saved\n\nNothing was written, and nothing of "
                     "yours is lost: your inputs are still in the planner. Save yours under a new name first, then "
                     "open the budget again to see the latest version."), error
    assert "Load into the planner" not in error and toasts(app) == [error]
    with place.store() as store:
        kept = store.get("Shared")
    assert kept.version == 2 and kept.scenario_yaml == draft.scenario_yaml  # theirs, not overwritten
    assert app.number_input(key=REQUESTS).value == 200_000  # and ours still on screen
    # "Save changes" stays, and says, for as long as it would be refused, why and what to do.
    app.run()
    assert shown(button(app, "budgets:save_over").label) == "Save changes (version 1)"
    assert texts(app, "warning") == ["Someone saved Shared since you opened version 1, so Save changes is refused. "
                                     "Save yours under a new name first, then open the budget again to see the "
                                     "latest version."]
    # Saved under a new name, the inputs are that budget now, and the warning has gone.
    ok(save(app, "Shared, mine"))
    assert not texts(app, "warning") and app.text_input(key="budgets:name").value == ""
    assert shown(button(app, "budgets:save_over").label) == "Save changes (version 1)"
    with place.store() as store:
        assert "requests_per_month: 200000" in store.get("Shared, mine").scenario_yaml
        assert store.get("Shared").version == 2


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
    name = "**x** <b>y</b> [z](http://127.0.0.1:9/z) _w_ ![i](http://127.0.0.1:9/i.png)"
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
        assert round(row["Change (USD)"], 2) == round(round(now.approaches[key].horizon_cost, 2)
                                                      - round(was.approaches[key].horizon_cost, 2), 2)
    assert list(table_with(app, "Unit")) == [{"Price": "openai/gpt-5.4-mini: output per million tokens",
                                               "Saved": "4.5", "Today": "9", "Unit": "USD per million tokens"}]
    # The effect on an option is the sum of its lines' changes as the lines show them, to the cent: each
    # line billed at the price, today's amount to the cent less the saved one to the cent.
    key = "openai.models.gpt-5.4-mini.output_per_million_tokens"
    effect = "Effect on the 12-month cost incl. one-time build (USD)"
    expected = {}
    for option, then in was.approaches.items():
        olds = [line.horizon_amount for line in then.lines if line.price_key == key]
        news = [line.horizon_amount for line in now.approaches[option].lines if line.price_key == key]
        assert len(olds) == len(news)
        if olds:
            expected[then.label] = round(sum(round(n, 2) - round(o, 2) for o, n in zip(olds, news, strict=True)), 2)
    assert expected and all(amount > 0 for amount in expected.values())
    assert {row["Option"]: row[effect] for row in table_with(app, effect)} == {
        label: f"+{amount:,.2f}" for label, amount in expected.items()}  # a change, with its sign
    # Each line billed at it, among the lines that changed, by as much: today's less the saved, to the cent.
    lines = table_with(app, "Line")
    for option, then in was.approaches.items():
        for was_line, now_line in zip(then.lines, now.approaches[option].lines, strict=True):
            if was_line.price_key == key:
                assert {"Option": then.label, "Line": was_line.item, "Saved (USD)": f"{was_line.horizon_amount:,.2f}",
                        "Today (USD)": f"{now_line.horizon_amount:,.2f}",
                        "Change (USD)": f"{round(now_line.horizon_amount, 2) - round(was_line.horizon_amount, 2):+,.2f}"
                        } in lines


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
    # the difference between the two amounts as shown, to the cent, so that it checks on screen
    assert first_month[2:] == [f"{small.monthly_cost:,.2f} USD", f"{large.monthly_cost:,.2f} USD",
                               f"{round(large.monthly_cost, 2) - round(small.monthly_cost, 2):+,.2f} USD"]
    [caption] = [c for c in texts(app, "caption") if c.startswith("Figures as saved")]
    today = datetime.date.today()
    assert caption == (f"Figures as saved: Small (Draft) on {today:%d %b %Y}, Large (Draft) on {today:%d %b %Y}; the "
                       "difference is the second less the first.")
