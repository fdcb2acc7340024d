"""Editing a provider's price table in the app: grids, per-cell errors, diff, save, history, import."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from planner import PlannerError, PriceBook, Scenario, estimate
from planner.core.limits import MAX_TEXT_CHARS
from planner.costs.lines import horizon_total
from planner.inputs.price_tables import PriceTable
from planner.price_admin.editing import (
    HEADER_FIELDS,
    SECTIONS,
    diff_tables,
    header_comment,
    section_columns,
    section_rows,
    stamp_source,
    table_from_rows,
    table_to_yaml,
    unsourced_edits,
)
from planner.price_admin.litellm_import import PriceMap, import_prices, parse_price_map
from planner.price_admin.store import (
    ACTION_EDITED,
    UNKNOWN_AUTHOR,
    Version,
    check_table_text,
    current_table_save,
    describe_version,
    history,
    read_table,
    reset_to_bundled,
    restore,
    save_table,
    version_changes,
)
from ui.access import Access
from ui.text import md

OPENED = "prices:opened"  # provider -> (text, version) read when the editor opened it
MESSAGE = "prices:message"


def _opened(directory: Path, provider: str) -> tuple[str, str]:
    opened = st.session_state.setdefault(OPENED, {})
    if provider not in opened:
        opened[provider] = read_table(directory, provider)
    return opened[provider]


def _close(provider: str) -> None:
    """Forget the opened version and the grids' edits, so the next run reads the file afresh."""
    st.session_state.get(OPENED, {}).pop(provider, None)
    for key in [k for k in st.session_state if str(k).startswith(f"grid:{provider}:")]:
        del st.session_state[key]


def _author(who: Access) -> str:
    """The name a save is recorded under: the signed-in person ("local" on a laptop)."""
    return who.user or UNKNOWN_AUTHOR


def _save(directory: Path, provider: str, text: str, version: str, who: Access, what: str) -> None:
    try:
        save_table(directory, provider, text, version, author=_author(who), action=what)
    except PlannerError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    _close(provider)
    st.session_state[MESSAGE] = ("success", f"Saved {provider}.yaml ({what}); the previous version is in history.")


def _sourced(provider: str, current: PriceTable, new: PriceTable) -> PriceTable | None:
    """``new`` with the source and as-of date the editor gives put on every offering whose figures changed
    but still carry the old source (never the old source on a new value); None until one is given."""
    unsourced = unsourced_edits(current, new)
    if not unsourced:
        return new
    st.markdown("**Where do the new figures come from?**\n\n" + "\n".join(f"- {md(e)}" for e in unsourced))
    left, right = st.columns([3, 1])
    source = left.text_input("Source of the new figures (the publisher's page, e.g. its address)",
                             key=f"grid:{provider}:source", max_chars=MAX_TEXT_CHARS)
    as_of = right.date_input("As of", value=datetime.date.today(), max_value=datetime.date.today(),
                             key=f"grid:{provider}:as_of", format="YYYY-MM-DD")
    if not source.strip():
        st.caption("Give the source of the new figures to save them.")
        return None
    try:
        return stamp_source(new, unsourced, source, as_of)
    except PlannerError as exc:
        st.error(md(str(exc)))
        return None


def moved_estimates(book: PriceBook, table: PriceTable, scenario: Scenario) -> pd.DataFrame | None:
    """How the current scenario's totals move if ``table`` replaces its provider's table."""
    edited_book = dataclasses.replace(book, tables={**book.tables, table.provider: table})
    try:
        before, after = estimate(scenario, book), estimate(scenario, edited_book)
    except PlannerError:
        return None
    rows = []
    for name, old in before.approaches.items():
        new = after.approaches[name]
        for label, a, b in (("one-time", old.one_time_cost, new.one_time_cost),
                            ("first month", old.monthly_cost, new.monthly_cost),
                            (horizon_total(before.horizon_months), old.horizon_cost, new.horizon_cost)):
            if round(a, 2) != round(b, 2):
                rows.append({"approach": old.label, "total": label, f"before ({before.currency})": round(a, 2),
                             f"after ({before.currency})": round(b, 2), "change": round(b - a, 2)})
    return pd.DataFrame(rows)


def grid_records(frame: pd.DataFrame) -> list[dict]:
    """The grid's rows as plain dicts, an empty cell as None whatever missing-value marker pandas used
    (NaN, None or pd.NA, which depends on the column's dtype and the pandas version)."""
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list-like cell: not missing
        return False


def render_editor(book: PriceBook, provider: str, scenario: Scenario, who: Access) -> None:
    """The grids of one provider's table, with validation and what the changes move; for a price admin,
    also save, upload, import, restore and reset. A viewer's changes are a private what-if: never saved."""
    directory = Path(book.directory)
    message = st.session_state.pop(MESSAGE, None)
    if message is not None:
        getattr(st, message[0])(md(message[1]))
    text, version = _opened(directory, provider)
    current = book.tables.get(provider)
    if current is None:
        st.error(md(f"{provider}.yaml does not load; a price admin can fix it by uploading a valid version or "
                    "restoring one below."))
    else:
        header = {name: st.text_input(name.replace("_", " ").capitalize(), getattr(current, name) or "",
                                      key=f"grid:{provider}:hdr:{name}",
                                      disabled=name == "provider") for name in HEADER_FIELDS}
        grids = {}
        for section in SECTIONS:
            rows = section_rows(current, section)
            if not rows and section not in ("models",):
                continue
            st.markdown(f"**{section}** (add a row at the bottom; select rows to delete them)")
            frame = pd.DataFrame(rows, columns=section_columns(section))
            # Headings in words; the grid's data keeps the field names the YAML uses.
            headings = {column: column.replace("_", " ").replace(".", ": ") for column in frame.columns}
            edited = st.data_editor(frame, num_rows="dynamic", key=f"grid:{provider}:{section}", hide_index=True,
                                    column_config=headings)
            grids[section] = grid_records(edited)
        new, errors = table_from_rows(header, grids)
        if errors:
            st.error("Not saved until fixed:\n\n" + "\n".join(f"- {md(e)}" for e in errors))
        elif new is not None and new != current:
            changes = diff_tables(provider, current, new)
            st.markdown("**Changes**\n\n" + "\n".join(f"- {md(c)}" for c in changes))
            moved = moved_estimates(book, new, scenario)
            if moved is not None and not moved.empty:
                st.markdown("**What moves in this scenario**")
                st.dataframe(moved, hide_index=True, column_config={
                    column: st.column_config.NumberColumn(format="%,.2f") for column in moved.columns[2:]})
            elif moved is not None:
                st.caption("No total of this scenario moves.")
            if not who.price_admin:
                st.caption("A private what-if: only a price admin can save this table, so nothing here is kept.")
            else:
                ready = _sourced(provider, current, new)
                saved = st.button("Save", type="primary", key=f"save:{provider}", disabled=ready is None)
                if saved and ready is not None:  # a disabled button returns False; this narrows ``ready``
                    _save(directory, provider, table_to_yaml(ready, header_comment(text)), version, who, ACTION_EDITED)
                    st.rerun()
        if st.button("Discard changes and reload from disk", key=f"reload:{provider}"):
            _close(provider)
            st.rerun()

    left, right = st.columns(2)
    left.download_button(md(f"Download {provider}.yaml"), text, f"{provider}.yaml", "application/yaml",
                         key=f"download:{provider}")
    if not who.price_admin:
        _render_history(directory, provider, version, who)
        return
    upload = right.file_uploader(md(f"Upload a new {provider}.yaml"), type=["yaml", "yml"], key=f"upload:{provider}")
    if upload is not None and st.button("Save the uploaded table", key=f"save-upload:{provider}"):
        uploaded = upload.getvalue().decode("utf-8", errors="replace")
        try:
            check_table_text(uploaded, provider, upload.name)
        except PlannerError as exc:
            st.session_state[MESSAGE] = ("error", f"The upload was not saved:\n\n{exc}")
        else:
            _save(directory, provider, uploaded, version, who, f"uploaded {upload.name}")
        st.rerun()

    if current is not None and current.litellm_provider:
        litellm = st.file_uploader("Import prices from LiteLLM's model_prices_and_context_window.json",
                                   type=["json"], key=f"litellm:{provider}")
        if litellm is not None:
            map_version = st.text_input("litellm version the file came from (recorded in each imported source)",
                                        key=f"litellm-version:{provider}", max_chars=40).strip() or None
            _render_import(directory, provider, current, text, version, litellm, map_version, who)

    _render_history(directory, provider, version, who)


def _render_import(directory: Path, provider: str, current: PriceTable, text: str, version: str,
                   upload: UploadedFile, map_version: str | None, who: Access) -> None:
    try:
        price_map = PriceMap(parse_price_map(upload.getvalue(), upload.name), map_version)
        new, changes, missing = import_prices(current, price_map, datetime.date.today())
    except (PlannerError, ValueError) as exc:
        st.error(md(f"Not imported:\n\n{exc}"))
        return
    if not changes:
        st.info(md(f"LiteLLM's map agrees with every {provider} price it lists."))
    else:
        st.markdown("**Prices the map changes**\n\n" + "\n".join(f"- {md(c)}" for c in changes))
        if st.button("Apply these changes", key=f"apply-litellm:{provider}"):
            _save(directory, provider, table_to_yaml(new, header_comment(text)), version, who, "LiteLLM import")
            st.rerun()
    if missing:
        st.caption(md("Not in the map, left as they are: " + ", ".join(missing)))


def _render_history(directory: Path, provider: str, version: str, who: Access) -> None:
    versions = history(directory, provider)
    with st.expander(md(f"History of {provider}.yaml ({len(versions)} kept)")):
        if not versions:
            st.caption("No versions kept yet: the table has not been saved here.")
            return
        latest = current_table_save(directory, provider)
        if latest is not None:
            st.caption(md(f"The table now in use was saved {latest.saved_at:%Y-%m-%d %H:%M} UTC by {latest.author} "
                          f"({latest.action})."))
        choice = st.selectbox("Version (when it was replaced, and who had saved it)", [v.name for v in versions],
                              key=f"history:{provider}",
                              format_func=lambda name: next(_version_label(v) for v in versions if v.name == name))
        chosen = next(v for v in versions if v.name == choice)
        try:
            changes = version_changes(directory, provider, chosen)
        except PlannerError as exc:
            st.error(md(str(exc)))
            changes = []
        st.markdown("**What restoring it changes in the current table**\n\n"
                    + ("\n".join(f"- {md(c)}" for c in changes) or "- nothing"))
        if not who.price_admin:
            return
        left, right = st.columns(2)
        if left.button("Restore this version", key=f"restore:{provider}"):
            _act(lambda: restore(directory, provider, choice, version, author=_author(who)), provider,
                 f"restored to {describe_version(chosen)}")
        if right.button("Reset to the bundled table", key=f"reset:{provider}"):
            _act(lambda: reset_to_bundled(directory, provider, version, author=_author(who)), provider,
                 "reset to bundled")


def _version_label(version: Version) -> str:
    """A kept version in a picker (plain text): "2026-11-23 04:15:00 UTC, saved by ana@example.com (edited)"."""
    label = f"{version.saved_at:%Y-%m-%d %H:%M:%S} UTC"
    if version.bundled:
        return label + " (bundled)"
    if version.save is not None:
        return f"{label}, saved by {version.save.author} ({version.save.action})"
    return label


def _act(action: Callable[[], object], provider: str, what: str) -> None:
    try:
        action()
    except PlannerError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
    else:
        _close(provider)
        st.session_state[MESSAGE] = ("success", f"{provider}.yaml {what}; the replaced version is in history.")
    st.rerun()
