"""Saving price tables: valid or refused, atomic, versioned, and never over another session's save."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE_PRICES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import PricingError, load_price_book
from planner.price_admin.editing import section_rows, table_from_rows, table_to_yaml
from planner.price_admin.store import (
    SaveConflict,
    history,
    read_table,
    reset_to_bundled,
    restore,
    save_table,
)


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    directory = tmp_path / "prices"
    shutil.copytree(FIXTURE_PRICES, directory)
    return directory


def edited(directory: Path, price: float) -> str:
    return (directory / "acme.yaml").read_text().replace("input_per_million_tokens: 1.00",
                                                         f"input_per_million_tokens: {price}", 1)


def test_save_keeps_the_old_version_and_marks_the_first_as_bundled(prices):
    original, version = read_table(prices, "acme")
    new_version = save_table(prices, "acme", edited(prices, 2.5), version)
    assert read_table(prices, "acme")[1] == new_version
    assert load_price_book(prices).tables["acme"].models["chat"].input_per_million_tokens == 2.5
    kept = history(prices, "acme")
    assert len(kept) == 1 and kept[0].bundled and kept[0].path.read_text() == original


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_a_save_keeps_the_tables_file_mode_and_so_does_its_history_copy(prices, mode):
    path = prices / "acme.yaml"
    path.chmod(mode)
    _, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.5), version)
    assert path.stat().st_mode & 0o777 == mode
    assert history(prices, "acme")[0].path.stat().st_mode & 0o777 == mode
    save_table(prices, "acme", edited(prices, 3.5), version)  # a second save: still the same mode
    assert path.stat().st_mode & 0o777 == mode


def test_a_save_waiting_on_another_sessions_lock_gives_up_with_our_error(prices, monkeypatch):
    import filelock

    import planner.inputs.files

    monkeypatch.setattr(planner.inputs.files, "LOCK_TIMEOUT_SECONDS", 0.05)
    _, version = read_table(prices, "acme")
    with filelock.FileLock(str(prices / ".lock")), pytest.raises(PricingError, match="held its lock"):
        # a second lock object on the same file waits, as another process's save would
        save_table(prices, "acme", edited(prices, 2.5), version)
    assert read_table(prices, "acme")[1] == version


def test_invalid_table_is_refused_and_the_file_is_untouched(prices):
    original, version = read_table(prices, "acme")
    with pytest.raises(PricingError, match=r"models\.chat\.input_per_million_tokens: input should be greater"):
        save_table(prices, "acme", edited(prices, -1), version)
    assert read_table(prices, "acme")[0] == original
    assert history(prices, "acme") == []


def test_second_session_saving_an_older_version_is_refused(prices):
    _, version = read_table(prices, "acme")  # both sessions open the same version
    save_table(prices, "acme", edited(prices, 2.0), version)  # the first saves
    first_saved = read_table(prices, "acme")[0]
    with pytest.raises(SaveConflict, match="changed on disk after you opened it"):
        save_table(prices, "acme", edited(prices, 3.0), version)  # the second, from the old version
    assert read_table(prices, "acme")[0] == first_saved


@pytest.mark.parametrize("crash_in", ["fsync", "replace"])
def test_a_save_killed_half_way_leaves_the_old_table(prices, monkeypatch, crash_in):
    original, version = read_table(prices, "acme")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    # The crash hits the table's own write (the history copy is written first and succeeds).
    calls = {"n": 0}
    real = getattr(os, crash_in)

    def second_call_crashes(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            crash()
        return real(*args, **kwargs)

    monkeypatch.setattr(os, crash_in, second_call_crashes)
    with pytest.raises(KeyboardInterrupt):
        save_table(prices, "acme", edited(prices, 9.0), version)
    monkeypatch.undo()
    assert read_table(prices, "acme")[0] == original
    assert not list(prices.glob(".acme.yaml.*.tmp"))  # no half-written file left behind
    assert "acme" in load_price_book(prices).tables


def test_restore_and_reset(prices):
    original, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.0), version)
    version = save_table(prices, "acme", edited(prices, 3.0), version)
    kept = history(prices, "acme")  # newest first: the 2.0 version, then the bundled one
    assert [v.bundled for v in kept] == [False, True]
    version = restore(prices, "acme", kept[0].name, version)
    assert load_price_book(prices).tables["acme"].models["chat"].input_per_million_tokens == 2.0
    reset_to_bundled(prices, "acme", version)
    assert read_table(prices, "acme")[0] == original


def test_reset_of_a_never_edited_table_says_so(prices):
    with pytest.raises(PricingError, match="never been edited"):
        reset_to_bundled(prices, "acme", read_table(prices, "acme")[1])


# Any edit of any cell: the save either succeeds with a valid table or is refused with a message,
# and the file on disk is a valid table either way.
cell_values = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**6),
                        st.text(max_size=8), st.booleans())
COLUMNS = ["input_per_million_tokens", "output_per_million_tokens", "cached_input_per_million_tokens", "source",
           "as_of", "fine_tuning.training_per_million_tokens", "id", "status"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 1), st.sampled_from(COLUMNS), cell_values), min_size=1, max_size=4))
def test_any_grid_edit_saves_a_valid_table_or_is_refused(tmp_path_factory, edits):
    directory = tmp_path_factory.mktemp("prices")
    shutil.copytree(FIXTURE_PRICES, directory, dirs_exist_ok=True)
    table = load_price_book(directory).tables["acme"]
    rows = {section: section_rows(table, section) for section in ("models", "embeddings")}
    for row, column, value in edits:
        rows["models"][row][column] = value
    header = {"provider": "acme", "display_name": "Acme (test)", "currency": "USD"}
    new, errors = table_from_rows(header, rows)
    _, version = read_table(directory, "acme")
    if new is None:
        assert errors and all(str(error) for error in errors)
    else:
        try:
            save_table(directory, "acme", table_to_yaml(new), version)
        except PricingError as exc:  # the YAML round trip can still refuse, with a message
            assert str(exc)
    on_disk = yaml.safe_load((directory / "acme.yaml").read_text())
    assert on_disk["provider"] == "acme"
    assert "acme" in load_price_book(directory).tables  # always a valid table


def test_history_says_what_restoring_a_version_would_change(prices):
    from planner.price_admin.store import describe_version, version_changes

    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.5), version)
    kept = history(prices, "acme")[0]
    assert version_changes(prices, "acme", kept) == ["acme/chat: input per million tokens: 2.5 → 1"]
    assert describe_version(kept).startswith("the bundled version (kept ")
