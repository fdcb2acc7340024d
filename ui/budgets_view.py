"""Saved budgets: save the plan on screen, find a saved one, open it exactly as saved, load it into the
planner, duplicate, approve or delete it, see what changed since on today's price tables, and compare two.

The store (``planner.budgets.store``) holds every rule: who may approve or change a budget, the version
check that refuses a save made on a stale copy, the database's trouble in words. This module asks it and
draws: a refusal or a database that cannot be used is shown as the store's sentence, and the rest of the
page keeps working. Every name, owner and status comes from the database and is shown as text (``md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner import PlannerError, PriceBook, Scenario, parse_scenario
from planner.budgets.changes import BudgetChanges, tables_changed_since, what_changed
from planner.budgets.changes import side_by_side as compare_budgets
from planner.budgets.schema import NAME_CHARS
from planner.budgets.snapshot import Reopened, budget_draft, reopen, totals_of
from planner.budgets.store import (
    BudgetConflict,
    BudgetStore,
    BudgetSummary,
    BudgetTotals,
    SavedBudget,
    database_url,
    open_store,
)
from planner.costs.estimator import Estimate
from planner.costs.lines import horizon_total
from ui.access import Access
from ui.text import md

OPENED = "budgets:opened"  # the saved budget the planner's inputs were loaded from (an ``Opened``)
MESSAGE = "budgets:message"  # (kind, text) after an action, shown once at the top of the view and as a toast
CONFIRM = "budgets:confirm"  # (action, name, version) waiting for its "Yes": "load", "approve" or "delete"
STALE = "budgets:stale"  # the ``Opened`` a save was refused over because someone saved that budget since
NAME = "budgets:name"
CLEAR_NAME = "budgets:clear_name"  # empty the name box on the next run (it is drawn before a save is made)
SEARCH, OWNER, STATUS, PICK = "budgets:search", "budgets:owner", "budgets:status", "budgets:pick"
COPY_NAME = "budgets:copy_name"
CHANGES, COMPARE, COMPARE_WITH = "budgets:changes", "budgets:compare", "budgets:compare_with"
EVERYONE = "Everyone"
STATUSES: dict[str, Any] = {"All": None, "Draft": "draft", "Approved": "approved"}
MONEY, CHANGE = "%,.2f", "%+,.2f"  # amounts to the cent; a change with its sign
# At 1024 px the main area is about 560 px wide: each table's columns fit it at these widths (in px, measured in
# Chromium): an option's name ("Hybrid (fine-tune + RAG)" whole), an amount under a heading with its currency, a
# total, weeks, people-hours and a date under their headings.
OPTION_PX, MONEY_PX, TOTAL_PX, WEEKS_PX, HOURS_PX, DATE_PX = 180, 95, 150, 140, 100, 100
LIST_NAME_PX, STATUS_PX = 300, 150  # the list's name and status
FIGURE_PX, CHANGE_PX = 105, 92  # what changed since: the figure's name, and an amount under "Change (USD)"
SAVE_STALE = ("Nothing was written, and nothing of yours is lost: your inputs are still in the planner. Save yours "
              "under a new name first, then open the budget again to see the latest version.")
Load = Callable[[dict[str, Any]], None]  # makes plain scenario data the planner's inputs (app.py's load)


@dataclass(frozen=True)
class Opened:
    """The saved budget the inputs on screen came from, as it was then: "Save changes" saves over this version."""

    name: str
    version: int
    owner: str
    status: str

    @staticmethod
    def of(budget: BudgetSummary) -> Opened:
        return Opened(budget.name, budget.version, budget.owner, budget.status)


def _dispose(store: BudgetStore) -> None:
    store.dispose()


@st.cache_resource(max_entries=4, show_spinner=False, on_release=_dispose)
def _open_store(url: str) -> BudgetStore:
    # Once per server process and database. A store that cannot be opened raises, and Streamlit does not
    # cache an exception: the next run tries again (the file restored, the server back).
    return open_store(url)


def budget_store(book: PriceBook) -> BudgetStore:
    """The saved budgets: LLM_PLANNER_DB, else ``budgets.sqlite`` beside the price tables."""
    return _open_store(database_url(None, Path(book.directory)))


def forget_opened() -> None:
    """The inputs no longer hold a saved budget (another scenario was loaded): no "Save changes" over it."""
    st.session_state.pop(OPENED, None)
    st.session_state.pop(STALE, None)


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def _refused(exc: PlannerError, what: str, advice: str = "") -> None:
    """A refusal or a database problem, in the store's words, and what to do next where there is something."""
    _say("error", f"{what}: {exc}" + (f"\n\n{advice}" if advice else ""))


def _moved_on(store: BudgetStore, exc: PlannerError, name: str, expected_version: int | None) -> bool:
    """Whether ``exc`` refused a change because the budget moved on since ``expected_version`` (asked of the
    store again rather than read from the message, which quotes the budget's own name)."""
    if not isinstance(exc, BudgetConflict) or expected_version is None:
        return False
    try:
        return store.get(name).version != expected_version
    except PlannerError:
        return False


# -- the view ------------------------------------------------------------------------------------------

def render_budgets(result: Estimate, scenario: Scenario, book: PriceBook, who: Access, load: Load) -> None:
    """Save the plan on screen, the list of saved budgets, and the one picked."""
    message = st.session_state.pop(MESSAGE, None)
    if message is not None:  # here, and as a toast: at 1024 x 768 the top of the view is out of sight
        kind, text = message
        getattr(st, kind)(md(text))
        st.toast(md(text), duration="long" if kind == "error" else "short")
    try:
        store = budget_store(book)
    except PlannerError as exc:
        st.error(md(f"The saved budgets cannot be used just now: {exc}"))
        st.caption("The rest of the planner works as usual, and this view tries the database again on your next "
                   "change.")
        return
    try:
        _render_save(store, result, scenario, book, who)
        found = _render_list(store)
        name = st.selectbox("Open a saved budget", [b.name for b in found], index=None, key=PICK,
                            placeholder="Choose one of the budgets listed", persist_state="session",
                            on_change=st.session_state.pop, args=(CONFIRM, None))  # a question is of the one asked
        if name is not None:
            _render_budget(store, store.get(name), found, book, who, load)
    except PlannerError as exc:  # the database failed while reading, or the budget went meanwhile
        st.error(md(f"The saved budgets could not be read: {exc}"))


def _render_save(store: BudgetStore, result: Estimate, scenario: Scenario, book: PriceBook, who: Access) -> None:
    st.subheader("Save the plan on screen", anchor=False)
    if who.user is None:
        st.caption("Read-only demo: saved budgets can be opened and compared here, not saved, changed or approved."
                   if who.mode == "read_only" else
                   "Nobody is signed in, so nothing can be saved here: a budget is saved under its owner's name "
                   "(README, Who may change prices).")
        return
    lowest = min((r.horizon_cost for r in result.approaches.values()), default=None)
    st.caption(md(f"Saves the inputs as they are now, the planning day and the exact text of the "
                  f"{len(book.texts)} price tables they are costed on, so the budget reopens with the same figures"
                  + (f" (lowest {horizon_total(result.horizon_months)}: {lowest:,.2f} {result.currency})."
                     if lowest is not None else ".")))
    if st.session_state.pop(CLEAR_NAME, False):  # a budget was saved on the last run: its name is taken now
        st.session_state[NAME] = ""
    name = st.text_input("Budget name", key=NAME, max_chars=NAME_CHARS, placeholder=scenario.name,
                         help="The scenario's name if left empty.")
    opened: Opened | None = st.session_state.get(OPENED)
    over = opened is not None and opened.status != "approved" and who.actor().may_change(opened.owner)
    if opened is not None and over:  # the name above the buttons, so that "Save changes" is never cut short
        st.caption(md(f"These inputs came from {opened.name} (version {opened.version}): Save changes saves them over "
                      "it; Save as a new budget keeps it as it is."))
    left, right = st.columns(2)
    # Saved here, while the page is drawn, rather than in a callback: the inputs are those of this run, with an
    # input changed in the same moment as the click.
    if opened is not None and over and right.button(f"Save changes (version {opened.version})",
                                                     key="budgets:save_over", type="primary",
                                                     help=md(f"Saves the inputs over {opened.name}, version "
                                                             f"{opened.version}, unless someone saved it since.")):
        _save(store, opened.name, scenario, book, who, opened.version)
        st.rerun()
    if left.button("Save this budget" if not over else "Save as a new budget", key="budgets:save",
                   type="secondary" if over else "primary"):
        _save(store, (name or "").strip() or scenario.name, scenario, book, who, None)
        st.rerun()
    if opened is not None and over and st.session_state.get(STALE) == opened:
        st.warning(md(f"Someone saved {opened.name} since you opened version {opened.version}, so Save changes is "
                      "refused. Save yours under a new name first, then open the budget again to see the latest "
                      "version."))
    if opened is not None and not over:
        st.caption(md(f"These inputs came from {opened.name}, which "
                      + ("is approved and is kept as approved" if opened.status == "approved" else
                         f"belongs to {opened.owner}") + ": save your changes as a new budget."))


def _save(store: BudgetStore, name: str, scenario: Scenario, book: PriceBook, who: Access,
          expected_version: int | None) -> None:
    """Save the plan on screen as ``name`` (new, or over the version opened); it is then the one opened."""
    try:
        draft, _ = budget_draft(name, scenario, book)
        saved = store.save(draft, who.actor(), expected_version)
    except PlannerError as exc:
        stale = _moved_on(store, exc, name, expected_version)
        if stale:  # "Save changes" stays, and says why it is refused
            st.session_state[STALE] = st.session_state.get(OPENED)
        _refused(exc, "Not saved", SAVE_STALE if stale else "")
        return
    st.session_state[OPENED] = Opened.of(saved)
    st.session_state.pop(STALE, None)
    st.session_state[CLEAR_NAME] = True
    _say("success", f"Saved {saved.name} (version {saved.version}) with the {len(saved.table_digests)} price tables "
                    "it is costed on.")


def _render_list(store: BudgetStore) -> list[BudgetSummary]:
    st.subheader("Saved budgets", anchor=False)
    search_col, owner_col, status_col = st.columns([2, 1, 1])
    search = search_col.text_input("Search by name", key=SEARCH, max_chars=NAME_CHARS)
    owner = owner_col.selectbox("Owner", [EVERYONE, *store.owners()], key=OWNER)
    status = status_col.selectbox("Status", list(STATUSES), key=STATUS)
    found = store.list(search or "", None if owner in (None, EVERYONE) else owner, STATUSES.get(status or "All"))
    if not found:
        st.info("No saved budget matches." if (search or owner != EVERYONE or status != "All") else
                "No budgets are saved yet: save the plan on screen above.")
        return found
    frame, config = list_frame(found)
    st.dataframe(frame, hide_index=True, column_config=config)
    return found


def list_frame(found: list[BudgetSummary]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The listed budgets, one row each: money as a number, with the currency in its heading when they share
    one (else a column of its own). At 1024 px the main area is about 560 px wide: the name, the lowest
    total and the status (draft, or approved and when) fit it; who approved it, the owner, the time and the
    option count follow, a scroll away. A name too long for its column shows whole in the picker below."""
    currencies = {b.currency for b in found}
    horizons = {b.horizon_months for b in found}
    total = horizon_total(next(iter(horizons))) if len(horizons) == 1 else "total incl. one-time build"
    currency = f" ({next(iter(currencies))})" if len(currencies) == 1 else ""
    money_heading = f"Lowest {total}{currency}"
    rows = []
    for b in found:
        row: dict[str, Any] = {"Name": b.name, money_heading: b.lowest_total}
        if len(currencies) > 1:
            row["Currency"] = b.currency
        if len(horizons) > 1:
            row["Months"] = b.horizon_months
        approved = b.status == "approved" and b.approved_at is not None
        row.update({"Status": f"Approved {b.approved_at:%d %b %Y}" if approved else "Draft",
                    "Approved by": b.approved_by if approved else "", "Owner": b.owner,
                    "Updated (UTC)": b.updated_at.replace(tzinfo=None), "Options": b.option_count})
        rows.append(row)
    config = {"Name": st.column_config.TextColumn(width=LIST_NAME_PX, pinned=True),
              money_heading: st.column_config.NumberColumn(f"Lowest{currency}", help=f"The cheapest option's {total}",
                                                           format=MONEY, width=MONEY_PX + 15),
              "Status": st.column_config.TextColumn(width=STATUS_PX),
              "Updated (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
              "Options": st.column_config.NumberColumn(format="%d")}
    return pd.DataFrame(rows), config


def totals_frames(totals: BudgetTotals) -> list[tuple[pd.DataFrame, dict[str, Any]]]:
    """A budget's figures, one row per option, exactly as saved: its costs, then its schedule. Two tables, so
    that at 1024 px (a main area about 560 px wide) the option's name and every heading fit, each money heading
    with its currency; the full heading shows when the pointer rests on a short one."""
    cur = totals.currency
    build, first = f"One-time build ({cur})", f"First month ({cur})"
    total = f"{horizon_total(totals.horizon_months)} ({cur})"
    option = st.column_config.TextColumn(width=OPTION_PX, pinned=True)
    costs = pd.DataFrame([{"Option": o.label, build: o.one_time, first: o.first_month, total: o.horizon}
                          for o in totals.options])
    costs_config = {"Option": option,
                    build: st.column_config.NumberColumn(f"Build ({cur})", help=f"One-time build cost ({cur})",
                                                         format=MONEY, width=MONEY_PX),
                    first: st.column_config.NumberColumn(f"Month 1 ({cur})", help=f"First-month running cost ({cur})",
                                                         format=MONEY, width=MONEY_PX + 10),
                    total: st.column_config.NumberColumn(f"{totals.horizon_months}-month total ({cur})", help=total,
                                                         format=MONEY, width=TOTAL_PX)}
    schedule = pd.DataFrame([{"Option": o.label, "Weeks to production": o.weeks_to_production,
                              "People-hours": o.people_hours, "Goes live": o.goes_live} for o in totals.options])
    schedule_config = {"Option": option,
                       "Weeks to production": st.column_config.NumberColumn(format="%.1f", width=WEEKS_PX),
                       "People-hours": st.column_config.NumberColumn(help="People-hours before launch",
                                                                     format="%,.0f", width=HOURS_PX),
                       "Goes live": st.column_config.DateColumn(help="Goes live on", format="D MMM YYYY",
                                                                width=DATE_PX)}
    return [(costs, costs_config), (schedule, schedule_config)]


@st.cache_resource(max_entries=16, show_spinner=False)
def _costed(scenario_yaml: str, planned_on: str, digests: tuple[tuple[str, str], ...], _store: BudgetStore,
            _budget: SavedBudget) -> Reopened:
    # Keyed on what the costing depends on (the scenario, the day and the tables' digests), not on the
    # budget's name or version: the same saved plan is read and costed once, whichever budget holds it.
    return reopen(_budget, _store.table_texts(_budget))


def reopened(store: BudgetStore, budget: SavedBudget) -> Reopened:
    """``budget`` costed again on its own tables (once per distinct plan and tables)."""
    digests = tuple(sorted(budget.table_digests.items()))
    again = _costed(budget.scenario_yaml, budget.planned_on.isoformat(), digests, store, budget)
    return Reopened(budget, again.result, again.book)  # this budget's name, status and saved figures


def whole(frame: pd.DataFrame, config: dict[str, Any]) -> None:
    """A table with every row in sight: no box of ten rows to scroll inside."""
    st.dataframe(frame, hide_index=True, column_config=config, height="content")


def _render_budget(store: BudgetStore, budget: SavedBudget, found: list[BudgetSummary], book: PriceBook,
                   who: Access, load: Load) -> None:
    actor = who.actor()
    st.markdown(f"**{md(budget.name)}**")
    # Approving moves "last changed" too; the status says who approved it and when.
    st.caption(md(f"{budget.describe_status()} · owned by {budget.owner} · last changed "
                  f"{budget.updated_at:%d %b %Y %H:%M} UTC · version {budget.version} · planning day "
                  f"{budget.planned_on:%d %b %Y}"))
    for frame, config in totals_frames(budget.totals):
        whole(frame, config)
    try:
        again = reopened(store, budget)
    except PlannerError as exc:
        st.warning(md(f"It cannot be costed again on the tables it was saved with: {exc}"))
        again = None
    if again is not None:
        st.caption(md(again.describe()))
        if not again.same_as_saved:
            st.markdown("**As this release of the planner costs it, on the same tables**")
            for frame, config in totals_frames(totals_of(again.result)):
                whole(frame, config)

    changed = tables_changed_since(budget, book)
    if changed:  # before anyone approves it, or loads it
        st.warning(md(f"{len(changed)} price file{' has' if len(changed) == 1 else 's have'} changed since this was "
                      f"saved ({', '.join(changed)}): What changed since shows what that moves."))
    signed_in = actor.signed_in
    approved = budget.status == "approved"
    load_col, approve_col, delete_col = st.columns(3)
    load_col.button("Load into the planner", key="budgets:load", on_click=_ask, args=("load", budget),
                    help="Its inputs replace the planner's (it asks first); the comparison above then costs them on "
                         "today's tables.")
    approve_col.button("Approve", key="budgets:approve", on_click=_ask, args=("approve", budget),
                       disabled=not actor.may_approve or approved,
                       help="Price admins and budget approvers approve a budget, at the version shown here."
                       if not actor.may_approve else md(f"It is {_lower(budget.describe_status())}.") if approved else
                       f"Approves version {budget.version}, as shown here (it asks first).")
    # The store's own rule (Actor.may_delete), asked rather than copied.
    may_delete = actor.may_delete(budget.owner, budget.status)
    delete_col.button("Delete", key="budgets:delete", on_click=_ask, args=("delete", budget), disabled=not may_delete,
                      help=None if may_delete else
                      "Nobody is signed in: a budget is deleted by its owner or a price admin." if not signed_in else
                      "Its owner or a price admin may delete it." if not actor.may_change(budget.owner) else
                      "It is approved: only a price admin may delete an approved budget.")
    _render_confirmation(store, budget, who, load)
    if signed_in:
        name_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        name_col.text_input("Name of the copy", key=COPY_NAME, max_chars=NAME_CHARS,
                            placeholder=f"{budget.name} (copy)"[:NAME_CHARS])
        button_col.button("Duplicate", key="budgets:duplicate", on_click=_duplicate, args=(store, budget, who))

    if st.toggle("What changed since it was saved", key=CHANGES,
                 help="The same plan and planning day, costed on today's price tables."):
        if again is None:
            st.caption("Nothing to compare: it cannot be costed on its own tables.")
        else:
            render_changes(what_changed(again, book))
    others = [b for b in found if b.name != budget.name]
    if st.toggle("Compare with another budget", key=COMPARE, disabled=not others,
                 help=None if others else "Only budgets listed above can be compared; none other is listed."):
        other_name = st.selectbox("Compare with", [b.name for b in others], index=None, key=COMPARE_WITH,
                                  placeholder="Choose a budget listed above")
        if other_name is not None:
            render_side_by_side(budget, store.get(other_name))


def _render_confirmation(store: BudgetStore, budget: SavedBudget, who: Access, load: Load) -> None:
    """The question a Load, Approve or Delete waits on, for the budget at the version it was asked of (one that
    moved on meanwhile is asked of again)."""
    asked = st.session_state.get(CONFIRM)
    if asked is None or tuple(asked[1:]) != (budget.name, budget.version):
        return
    action = asked[0]
    act: Callable[..., None]
    args: tuple[Any, ...]
    if action == "load":
        question = f"Replace the planner's inputs with {budget.name}'s? Inputs not saved are lost."
        yes, no, act, args = "Yes, replace them", "Keep mine", _load, (budget, load)
    elif action == "approve":
        question = (f"Approve {budget.name} as it is now (version {budget.version})? Approving keeps it as approved: "
                    "it can no longer be saved over.")
        yes, no, act, args = "Yes, approve it", "Not yet", _approve, (store, budget, who)
    else:
        approved = f" It is {_lower(budget.describe_status())}." if budget.status == "approved" else ""
        question = f"Delete {budget.name} for good?{approved} It cannot be brought back."
        yes, no, act, args = "Yes, delete it", "Keep it", _delete, (store, budget, who)
    st.warning(md(question))
    yes_col, no_col = st.columns(2)
    yes_col.button(yes, key=f"budgets:{action}_yes", type="primary", on_click=act, args=args)
    no_col.button(no, key=f"budgets:{action}_no", on_click=st.session_state.pop, args=(CONFIRM, None))


def _lower(text: str) -> str:
    """A sentence's words for the middle of another: "Approved by ..." as "approved by ..."."""
    return text[:1].lower() + text[1:]


# -- actions (run before the page is drawn again, with the budget as shown when the button was drawn) -----

def _ask(action: str, budget: SavedBudget) -> None:
    st.session_state[CONFIRM] = (action, budget.name, budget.version)


def _load(budget: SavedBudget, load: Load) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        scenario = parse_scenario(budget.scenario_yaml, f"saved budget {budget.name!r}")
    except PlannerError as exc:
        _say("error", f"Not loaded:\n\n{exc}")
        return
    load(scenario.model_dump(mode="json"))
    forget_opened()
    st.session_state[OPENED] = Opened.of(budget)
    st.session_state[NAME] = ""  # a name typed for another budget is not this one's
    _say("success", f"Loaded {budget.name} (version {budget.version}) into the planner: the comparison above costs "
                    "its inputs on today's price tables. Its saved figures are below; What changed since says what "
                    "moved them.")


def _refused_change(store: BudgetStore, exc: PlannerError, what: str, budget: SavedBudget) -> None:
    """An approval or a delete refused; if the budget moved on since it was shown, the page now shows it as it is."""
    _refused(exc, what, "Nothing was written: it is shown below as it is now."
             if _moved_on(store, exc, budget.name, budget.version) else "")


def _approve(store: BudgetStore, budget: SavedBudget, who: Access) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        approved = store.approve(budget.name, who.actor(), expected_version=budget.version)
    except PlannerError as exc:
        _refused_change(store, exc, "Not approved", budget)
        return
    opened = st.session_state.get(OPENED)
    if opened is not None and opened.name == approved.name:
        st.session_state[OPENED] = Opened.of(approved)
    _say("success", f"{approved.name}: {approved.describe_status()} (version {approved.version}).")


def _delete(store: BudgetStore, budget: SavedBudget, who: Access) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        store.delete(budget.name, who.actor(), expected_version=budget.version)
    except PlannerError as exc:
        _refused_change(store, exc, "Not deleted", budget)
        return
    opened = st.session_state.get(OPENED)
    if opened is not None and opened.name == budget.name:
        forget_opened()
    st.session_state[PICK] = None
    _say("success", f"Deleted {budget.name}.")


def _duplicate(store: BudgetStore, budget: SavedBudget, who: Access) -> None:
    name = str(st.session_state.get(COPY_NAME) or "").strip() or f"{budget.name} (copy)"[:NAME_CHARS]
    try:
        copy = store.duplicate(budget.name, name, who.actor())
    except PlannerError as exc:
        _refused(exc, "Not duplicated")
        return
    st.session_state[COPY_NAME] = ""
    st.session_state[NAME] = ""
    st.session_state[PICK] = copy.name
    _say("success", f"Saved {copy.name}, a draft copy of {budget.name} on the same price tables.")


# -- what changed, and two side by side ------------------------------------------------------------------

def render_changes(changes: BudgetChanges) -> None:
    """What changed since a budget was saved: its options, the prices that moved and the lines, every row in
    sight. Money headings carry the currency and a change its sign. The prices and lines are tables whose
    cells wrap (``st.table``, so escaped), since their names are longer than a column at 1024 px can hold."""
    cur = changes.currency
    st.caption(md("Price files changed since it was saved: " + ", ".join(changes.tables_changed) + "."
                  if changes.tables_changed else "No price file has changed since it was saved."))
    if changes.problem:
        st.warning(md(f"It cannot be costed on today's price tables: {changes.problem}"))
        return
    if changes.unchanged:
        st.success("Nothing changed: today's price tables give the saved figures.")
        return
    saved, today, change = f"Saved ({cur})", f"Today ({cur})", f"Change ({cur})"
    money = {saved: st.column_config.NumberColumn(help=f"As saved, in {cur}", format=MONEY, width=CHANGE_PX),
             today: st.column_config.NumberColumn(help=f"On today's price tables, in {cur}", format=MONEY,
                                                  width=CHANGE_PX),
             change: st.column_config.NumberColumn(help=f"Today less saved, to the cent, in {cur}", format=CHANGE,
                                                   width=CHANGE_PX)}
    figures = (("One-time build", "one_time", "one_time_delta"), ("First month", "first_month", "first_month_delta"),
               (f"{changes.horizon_months}-month total", "horizon", "horizon_delta"))
    rows = [{"Option": o.label, "Figure": figure,
             saved: getattr(o.old, field) if o.old else None, today: getattr(o.new, field) if o.new else None,
             change: getattr(o, delta)} for o in changes.options for figure, field, delta in figures]
    st.markdown("**Each option, saved and today**")
    whole(pd.DataFrame(rows), {"Option": st.column_config.TextColumn(width=OPTION_PX, pinned=True),
                               "Figure": st.column_config.TextColumn(width=FIGURE_PX), **money})
    st.caption(md(f"The {changes.horizon_months}-month total is the {horizon_total(changes.horizon_months)}."))
    if changes.prices:
        # As the tables publish them, each in its own currency (an assumption in none), before any conversion.
        st.markdown("**Prices, exchange rates and assumptions that moved**")
        wrapped([[md(p.label), _price(p.old, "new"), _price(p.new, "no longer in the tables"),
                  md(" ".join(part for part in (p.currency, f"per {p.unit}" if p.unit else "") if part))]
                 for p in changes.prices], ["Price", "Saved", "Today", "Unit"], ["Saved", "Today"])
        effect = f"Effect on the {horizon_total(changes.horizon_months)} ({cur})"
        st.markdown("**What each price moved, option by option** (in the lines billed at it)")
        wrapped([[md(p.label), md(option), f"{amount:+,.2f}"] for p in changes.prices for option, amount in p.effects],
                ["Price", "Option", effect], [effect])
    if changes.lines:
        st.markdown(md(f"Lines that changed, over {changes.horizon_months} months").join(("**", "**")))
        wrapped([[md(line.option), md(line.item), _amount(line.old_amount, "new"), _amount(line.new_amount, "gone"),
                  f"{line.delta:+,.2f}"] for line in changes.lines], ["Option", "Line", saved, today, change],
                [saved, today, change])
    st.download_button("What changed (text)", "\n".join(changes.report()) + "\n", "what-changed.txt", "text/plain",
                       key="budgets:changes_download")


def wrapped(rows: list[list[str]], columns: list[str], amounts: list[str]) -> None:
    """A table whose cells wrap (each already escaped: ``st.table`` reads Markdown), its amounts aligned right
    (``!important``: Streamlit's own rule for a cell outranks the Styler's)."""
    frame = pd.DataFrame(rows, columns=columns)
    st.table(frame.style.set_properties(subset=amounts, **{"text-align": "right !important"}), hide_index=True)


def _price(value: float | None, missing: str) -> str:
    """A unit price as the price tables give it (up to six significant figures), or a word where there is none."""
    return missing if value is None else f"{value:,.6g}"


def _amount(value: float | None, missing: str) -> str:
    """An amount to the cent with separators, or a word where there is none (a line new today, or gone)."""
    return missing if value is None else f"{value:,.2f}"


def render_side_by_side(first: SavedBudget, second: SavedBudget) -> None:
    """Two saved budgets' figures as saved, option by option: a table whose cells wrap, so that it fits."""
    rows = compare_budgets(first, second)
    frame = pd.DataFrame([[md(cell) for cell in row] for row in rows],
                         columns=["Figure", "Option", md(first.name), md(second.name), "Difference"])
    if frame.columns.duplicated().any():  # a budget named "Figure", "Option" or "Difference"
        frame.columns = pd.Index(["Figure", "Option", "First", "Second", "Difference"])
    st.table(frame, hide_index=True)
    st.caption(md(f"Figures as saved: {first.name} ({first.describe_status()}) on {first.planned_on:%d %b %Y}, "
                  f"{second.name} ({second.describe_status()}) on {second.planned_on:%d %b %Y}; the difference is "
                  "the second less the first."))
