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
from planner.budgets.changes import BudgetChanges, what_changed
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
MESSAGE = "budgets:message"  # (kind, text) after an action, shown once at the top of the view
CONFIRM_DELETE = "budgets:confirm_delete"  # (name, version) waiting for "Yes, delete it"
NAME = "budgets:name"
SEARCH, OWNER, STATUS, PICK = "budgets:search", "budgets:owner", "budgets:status", "budgets:pick"
COPY_NAME = "budgets:copy_name"
CHANGES, COMPARE, COMPARE_WITH = "budgets:changes", "budgets:compare", "budgets:compare_with"
EVERYONE = "Everyone"
STATUSES: dict[str, Any] = {"All": None, "Draft": "draft", "Approved": "approved"}
MONEY = "%,.2f"
# At 1024 px the main area is about 560 px wide: a table's names and its money columns fit it at these widths.
NAME_PX, MONEY_PX, STATUS_PX, PRICE_PX = 220, 85, 240, 290
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
    """The inputs no longer hold a saved budget (another scenario was loaded): no "Save changes to" it."""
    st.session_state.pop(OPENED, None)


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def _refused(exc: PlannerError, what: str, stale: bool = False) -> None:
    """A refusal or a database problem, in the store's words; a change made on a stale copy says what to do."""
    if stale:
        _say("error", f"{what}: {exc}\n\nNothing was written, and nothing of yours is lost: your inputs are still in "
                      "the planner. Open the budget again (Load into the planner) to see its latest version, or save "
                      "yours under a new name.")
    else:
        _say("error", f"{what}: {exc}")


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
    if message is not None:
        getattr(st, message[0])(md(message[1]))
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
                            placeholder="Choose one of the budgets listed", persist_state="session")
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
    name = st.text_input("Budget name", key=NAME, max_chars=NAME_CHARS, placeholder=scenario.name,
                         help="The scenario's name if left empty.")
    opened: Opened | None = st.session_state.get(OPENED)
    over = opened is not None and opened.status != "approved" and who.actor().may_change(opened.owner)
    left, right = st.columns(2)
    if opened is not None and over and right.button(md(f"Save changes to {opened.name} (version {opened.version})"),
                                                     key="budgets:save_over", type="primary"):
        _save(store, opened.name, scenario, book, who, opened.version)
        st.rerun()
    if left.button("Save this budget" if not over else "Save as a new budget", key="budgets:save",
                   type="secondary" if over else "primary"):
        _save(store, (name or "").strip() or scenario.name, scenario, book, who, None)
        st.rerun()
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
        _refused(exc, "Not saved", _moved_on(store, exc, name, expected_version))
        return
    st.session_state[OPENED] = Opened.of(saved)
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
    total and the status fit it; the owner, the time and the option count follow, a scroll away."""
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
        row.update({"Status": b.describe_status(), "Owner": b.owner,
                    "Updated (UTC)": b.updated_at.replace(tzinfo=None), "Options": b.option_count})
        rows.append(row)
    config = {"Name": st.column_config.TextColumn(width=NAME_PX, pinned=True),
              money_heading: st.column_config.NumberColumn(f"Lowest{currency}", help=f"The cheapest option's {total}",
                                                           format=MONEY, width=MONEY_PX + 20),
              "Status": st.column_config.TextColumn(width=STATUS_PX),
              "Updated (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
              "Options": st.column_config.NumberColumn(format="%d")}
    return pd.DataFrame(rows), config


def totals_frame(totals: BudgetTotals) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A budget's figures, one row per option, exactly as saved; short headings as the comparison's (the full
    heading shows when the pointer rests on one), so the name and the costs fit at 1024 px."""
    cur = totals.currency
    heading = f"{horizon_total(totals.horizon_months)} ({cur})"
    rows = [{"Option": o.label, f"One-time build ({cur})": o.one_time, f"First month ({cur})": o.first_month,
             heading: o.horizon, "Weeks to production": o.weeks_to_production, "People-hours": o.people_hours,
             "Goes live": o.goes_live} for o in totals.options]
    config = {"Option": st.column_config.TextColumn(width=NAME_PX, pinned=True),
              f"One-time build ({cur})": st.column_config.NumberColumn(
                  "Build", help=f"One-time build cost ({cur})", format=MONEY, width=MONEY_PX),
              f"First month ({cur})": st.column_config.NumberColumn(
                  "Month 1", help=f"First-month running cost ({cur})", format=MONEY, width=MONEY_PX),
              heading: st.column_config.NumberColumn(
                  f"Build+{totals.horizon_months}m", help=heading, format=MONEY, width=MONEY_PX),
              "Weeks to production": st.column_config.NumberColumn("Weeks", help="Weeks to production", format="%.1f"),
              "People-hours": st.column_config.NumberColumn(
                  "People-h", help="People-hours before launch", format="%,.0f"),
              "Goes live": st.column_config.DateColumn("Live", help="Goes live on", format="D MMM YYYY")}
    return pd.DataFrame(rows), config


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


def _render_budget(store: BudgetStore, budget: SavedBudget, found: list[BudgetSummary], book: PriceBook,
                   who: Access, load: Load) -> None:
    actor = who.actor()
    st.markdown(f"**{md(budget.name)}**")
    st.caption(md(f"{budget.describe_status()} · owned by {budget.owner} · saved {budget.updated_at:%d %b %Y %H:%M} "
                  f"UTC · version {budget.version} · planning day {budget.planned_on:%d %b %Y}"))
    frame, config = totals_frame(budget.totals)
    st.caption(md(f"Costs in {budget.totals.currency}; a heading's full meaning shows when the pointer rests on it."))
    st.dataframe(frame, hide_index=True, column_config=config)
    try:
        again = reopened(store, budget)
    except PlannerError as exc:
        st.warning(md(f"It cannot be costed again on the tables it was saved with: {exc}"))
        again = None
    if again is not None:
        st.caption(md(again.describe()))
        if not again.same_as_saved:
            st.markdown("**As this release of the planner costs it, on the same tables**")
            now, now_config = totals_frame(totals_of(again.result))
            st.dataframe(now, hide_index=True, column_config=now_config)

    signed_in = who.user is not None
    load_col, approve_col, delete_col = st.columns(3)
    load_col.button("Load into the planner", key="budgets:load", on_click=_load, args=(budget, load),
                    help="Its inputs replace the planner's; the comparison above then costs them on today's tables.")
    approve_col.button("Approve", key="budgets:approve", on_click=_approve, args=(store, budget, who),
                       disabled=not actor.may_approve or budget.status == "approved",
                       help="Price admins and budget approvers approve a budget, at the version shown here."
                       if not actor.may_approve else None)
    may_delete = signed_in and actor.may_change(budget.owner)
    delete_col.button("Delete", key="budgets:delete", on_click=_ask_delete, args=(budget,), disabled=not may_delete,
                      help=None if may_delete else "Its owner or a price admin may delete it.")
    if st.session_state.get(CONFIRM_DELETE) == (budget.name, budget.version):
        st.warning(md(f"Delete {budget.name} for good? It cannot be brought back."))
        yes, no = st.columns(2)
        yes.button("Yes, delete it", key="budgets:delete_yes", type="primary", on_click=_delete,
                   args=(store, budget, who))
        no.button("Keep it", key="budgets:delete_no", on_click=st.session_state.pop, args=(CONFIRM_DELETE, None))
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


# -- actions (run before the page is drawn again, with the budget as shown when the button was drawn) -----

def _load(budget: SavedBudget, load: Load) -> None:
    try:
        scenario = parse_scenario(budget.scenario_yaml, f"saved budget {budget.name!r}")
    except PlannerError as exc:
        _say("error", f"Not loaded:\n\n{exc}")
        return
    load(scenario.model_dump(mode="json"))
    st.session_state[OPENED] = Opened.of(budget)
    _say("success", f"Loaded {budget.name} (version {budget.version}) into the planner: the comparison above costs "
                    "its inputs on today's price tables. Its saved figures are below; What changed since says what "
                    "moved them.")


def _approve(store: BudgetStore, budget: SavedBudget, who: Access) -> None:
    try:
        approved = store.approve(budget.name, who.actor(), expected_version=budget.version)
    except PlannerError as exc:
        _refused(exc, "Not approved", _moved_on(store, exc, budget.name, budget.version))
        return
    opened = st.session_state.get(OPENED)
    if opened is not None and opened.name == approved.name:
        st.session_state[OPENED] = Opened.of(approved)
    _say("success", f"{approved.name}: {approved.describe_status()} (version {approved.version}).")


def _ask_delete(budget: SavedBudget) -> None:
    st.session_state[CONFIRM_DELETE] = (budget.name, budget.version)


def _delete(store: BudgetStore, budget: SavedBudget, who: Access) -> None:
    st.session_state.pop(CONFIRM_DELETE, None)
    try:
        store.delete(budget.name, who.actor(), expected_version=budget.version)
    except PlannerError as exc:
        _refused(exc, "Not deleted", _moved_on(store, exc, budget.name, budget.version))
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
    st.session_state[PICK] = copy.name
    _say("success", f"Saved {copy.name}, a draft copy of {budget.name} on the same price tables.")


# -- what changed, and two side by side ------------------------------------------------------------------

def render_changes(changes: BudgetChanges) -> None:
    """What changed since a budget was saved: its options, the prices that moved and the lines, as tables."""
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
    money = {column: st.column_config.NumberColumn(format=MONEY, width=MONEY_PX) for column in (saved, today, change)}
    figures = (("One-time build", "one_time", "one_time_delta"), ("First month", "first_month", "first_month_delta"),
               (f"{changes.horizon_months}-month total", "horizon", "horizon_delta"))
    rows = [{"Option": o.label, "Figure": figure,
             saved: getattr(o.old, field) if o.old else None, today: getattr(o.new, field) if o.new else None,
             change: getattr(o, delta)} for o in changes.options for figure, field, delta in figures]
    st.markdown("**Each option, saved and today**")
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "Option": st.column_config.TextColumn(width=150, pinned=True),
        "Figure": st.column_config.TextColumn(width=120), **money})
    st.caption(md(f"The {changes.horizon_months}-month total is the {horizon_total(changes.horizon_months)}."))
    price = st.column_config.TextColumn(width=PRICE_PX, pinned=True)
    if changes.prices:
        st.markdown("**Prices that moved**")
        st.dataframe(pd.DataFrame([{"Price": p.label, "Saved": p.old, "Today": p.new,
                                    "Unit": f"{p.currency} per {p.unit}" if p.unit else p.currency}
                                   for p in changes.prices]), hide_index=True,
                     column_config={"Price": price, "Saved": st.column_config.NumberColumn(format="%,.6g", width=70),
                                    "Today": st.column_config.NumberColumn(format="%,.6g", width=70)})
        effect = f"Effect on the {horizon_total(changes.horizon_months)} ({cur})"
        st.markdown("**What each price moved, option by option** (in the lines billed at it)")
        st.dataframe(pd.DataFrame([{"Price": p.label, "Option": option, effect: amount}
                                   for p in changes.prices for option, amount in p.effects]),
                     hide_index=True, column_config={
                         "Price": price, "Option": st.column_config.TextColumn(width=150),
                         effect: st.column_config.NumberColumn(f"Effect ({cur})", help=effect, format=MONEY,
                                                               width=MONEY_PX + 10)})
    if changes.lines:
        st.markdown(md(f"Lines that changed, over {changes.horizon_months} months").join(("**", "**")))
        st.dataframe(pd.DataFrame([{"Option": line.option, "Line": line.item, saved: line.old_amount,
                                    today: line.new_amount, change: line.delta} for line in changes.lines]),
                     hide_index=True, column_config={
                         "Option": st.column_config.TextColumn(width=130, pinned=True),
                         "Line": st.column_config.TextColumn(width=180),
                         **{c: st.column_config.NumberColumn(format=MONEY, width=MONEY_PX - 5) for c in money}})
    st.download_button("What changed (text)", "\n".join(changes.report()) + "\n", "what-changed.txt", "text/plain",
                       key="budgets:changes_download")


def render_side_by_side(first: SavedBudget, second: SavedBudget) -> None:
    """Two saved budgets' figures as saved, option by option: a table whose cells wrap, so that it fits."""
    rows = compare_budgets(first, second)
    frame = pd.DataFrame([[md(cell) for cell in row] for row in rows],
                         columns=["Figure", "Option", md(first.name), md(second.name), "Difference"])
    if frame.columns.duplicated().any():  # a budget named "Figure", "Option" or "Difference"
        frame.columns = pd.Index(["Figure", "Option", "First", "Second", "Difference"])
    st.table(frame, hide_index=True)
    st.caption(md(f"Figures as saved: {first.name} on {first.planned_on:%d %b %Y}, {second.name} on "
                  f"{second.planned_on:%d %b %Y}; the difference is the second less the first."))
