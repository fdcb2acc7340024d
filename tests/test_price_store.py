"""Saving price tables: valid or refused, atomic, versioned, and never over another session's save."""

from __future__ import annotations

import datetime
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
    current_table_save,
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
    import tempfile

    original, version = read_table(prices, "acme")
    # The crash hits the table's own write (its history copy and journal line are written first and
    # succeed): the flush of the table's temporary file, or its rename over the table.
    made: dict[str, object] = {}
    real_mkstemp, real_fsync, real_replace = tempfile.mkstemp, os.fsync, os.replace

    def mkstemp(*args, **kwargs):
        handle, name = real_mkstemp(*args, **kwargs)
        if Path(name).name.startswith(".acme.yaml."):
            made.update(handle=handle, name=name)
        return handle, name

    def fsync(fd):
        if crash_in == "fsync" and "handle" in made and os.fstat(fd).st_ino == os.stat(made["name"]).st_ino:
            raise KeyboardInterrupt("killed")
        return real_fsync(fd)

    def replace(source, target):
        if crash_in == "replace" and str(source) == made.get("name"):
            raise KeyboardInterrupt("killed")
        return real_replace(source, target)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_table(prices, "acme", edited(prices, 9.0), version)
    monkeypatch.undo()
    assert made, "the table's own write was reached"
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


# -- Robust saving: leftovers, the folder flushed, restores confined to the history ----------------------
def test_a_save_removes_what_a_killed_save_left_and_nothing_else(prices):
    _, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.0), version)  # creates .history/acme
    folder = prices / ".history" / "acme"
    planted = [prices / ".acme.yaml.k2j4h1x9.tmp", folder / ".20261123T041500123456-saved-1a2b3c4d.yaml.x8c1.tmp"]
    for path in planted:
        path.write_text("half a table")
    others = [prices / ".fx.yaml.k2j4h1x9.tmp", prices / "acme.yaml.bak"]  # another file's, and not a temporary
    for path in others:
        path.write_text("keep me")
    save_table(prices, "acme", edited(prices, 3.0), version)
    assert [path.exists() for path in planted] == [False, False]
    assert [path.read_text() for path in others] == ["keep me", "keep me"]


def test_the_folder_is_flushed_after_the_table_is_renamed_into_it(prices, monkeypatch):
    events: list[tuple[str, object]] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", os.fstat(fd).st_ino)), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", Path(b).name)), real_replace(a, b))[1])
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version)
    monkeypatch.undo()
    renamed = events.index(("replace", "acme.yaml"))
    assert ("fsync", prices.stat().st_ino) in events[renamed + 1:]


def test_a_folder_that_cannot_be_opened_is_not_flushed_and_the_save_goes_on(prices, monkeypatch):
    real_open = os.open

    def no_folders(path, flags, *args):  # as on Windows, where a folder cannot be opened
        if Path(path).is_dir():
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", no_folders)
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.5), version)
    monkeypatch.undo()
    assert load_price_book(prices).tables["acme"].models["chat"].input_per_million_tokens == 2.5


@pytest.mark.parametrize("name", [
    "../../acme.yaml", "..", "../acme/../acme.yaml", "/etc/passwd", "sub/20261123T041500123456-saved-1a2b3c4d.yaml",
    "20261123T041500123456-saved-1a2b3c4d.yaml/..", "notes.yaml", "20261123T041500123456-saved-1a2b3c4d.yaml\\..",
])
def test_a_restore_is_confined_to_the_history_folder(prices, name):
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version)
    current, version = read_table(prices, "acme")
    with pytest.raises(PricingError, match=r"^\.history/acme: version: expected a version name as the history lists"):
        restore(prices, "acme", name, version)
    assert read_table(prices, "acme")[0] == current


def test_the_command_line_refuses_a_version_outside_the_history(prices, capsys):
    from planner.cli import main

    before = read_table(prices, "acme")[0]
    code = main(["prices", "restore", "acme", "../../acme.yaml", "--prices", str(prices)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {prices}/.history/acme: version: expected a version name")
    assert read_table(prices, "acme")[0] == before


@pytest.mark.parametrize("provider", ["../acme", "acme/../acme", "", "Acme"])
def test_a_provider_that_is_not_a_table_name_is_refused(prices, provider):
    with pytest.raises(PricingError, match="expected a table's name"):
        history(prices, provider)


# -- File names in messages are relative to the price directory --------------------------------------------
def test_messages_name_files_relative_to_the_price_directory(prices, monkeypatch):
    import planner.price_admin.store as store

    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version)
    with pytest.raises(SaveConflict) as conflict:
        save_table(prices, "acme", edited(prices, 3.0), version)
    with pytest.raises(PricingError) as missing:
        restore(prices, "acme", "20261123T041500123456-saved-1a2b3c4d.yaml", read_table(prices, "acme")[1])

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(prices / ".acme.yaml.x.tmp"))

    monkeypatch.setattr(store, "write_atomically", refused)
    with pytest.raises(PricingError) as unwritable:
        save_table(prices, "acme", edited(prices, 4.0), read_table(prices, "acme")[1])
    messages = [str(conflict.value), str(missing.value), str(unwritable.value)]
    assert [m.split(": ")[0] for m in messages] == [
        "acme.yaml", ".history/acme/20261123T041500123456-saved-1a2b3c4d.yaml", "acme.yaml"]
    assert messages[2] == "acme.yaml: not saved: Permission denied"
    assert not any(str(prices) in m for m in messages)


def test_a_lock_timeout_names_the_table_not_the_servers_path(prices, monkeypatch):
    import filelock

    import planner.inputs.files

    monkeypatch.setattr(planner.inputs.files, "LOCK_TIMEOUT_SECONDS", 0.05)
    _, version = read_table(prices, "acme")
    with filelock.FileLock(str(prices / ".lock")), pytest.raises(PricingError) as caught:
        save_table(prices, "acme", edited(prices, 2.5), version)
    assert str(caught.value).startswith("acme.yaml: not saved: another save of this price directory held its lock")


# -- Who saved each version ---------------------------------------------------------------------------------
def moment(minute: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, 23, 9, minute, tzinfo=datetime.UTC)


def test_history_records_who_saved_each_version_and_what_they_did(prices):
    _, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.0), version, moment(1), author="Ada")
    version = save_table(prices, "acme", edited(prices, 3.0), version, moment(2), author="Bob",
                         action="uploaded acme.yaml")
    kept = history(prices, "acme")  # newest first: the 2.0 version (Ada's), then the bundled one
    assert [(v.saved_by, v.save.action if v.save else None) for v in kept] == [("Ada", "edited"), (None, None)]
    assert kept[0].save.saved_at == moment(1)  # written at 09:01, replaced (kept) at 09:02
    assert kept[0].saved_at == moment(2)
    current = current_table_save(prices, "acme")
    assert (current.author, current.action, current.saved_at) == ("Bob", "uploaded acme.yaml", moment(2))


def test_the_same_text_saved_twice_is_credited_to_whoever_saved_it_each_time(prices):
    # Ada saves text A; Bob saves B; Carol restores Ada's A; Dan saves C. The two kept copies of A are
    # credited to Ada (the first, written 09:01) and to Carol (the second, written 09:03).
    _, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.0), version, moment(1), author="Ada")
    version = save_table(prices, "acme", edited(prices, 3.0), version, moment(2), author="Bob")
    adas = next(v for v in history(prices, "acme") if v.saved_by == "Ada")
    version = restore(prices, "acme", adas.name, version, moment(3), author="Carol")
    save_table(prices, "acme", edited(prices, 4.0), version, moment(4), author="Dan")
    kept = history(prices, "acme")
    assert [v.saved_by for v in kept] == ["Carol", "Bob", "Ada", None]
    assert kept[0].save.action == f"restored {adas.name}"
    assert kept[0].digest == kept[2].digest  # the same text


def test_reset_is_recorded_with_its_author(prices):
    original, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.0), version, author="Ada")
    reset_to_bundled(prices, "acme", version, author="Grace")
    current = current_table_save(prices, "acme")
    assert read_table(prices, "acme")[0] == original
    assert (current.author, current.action) == ("Grace", "reset to the bundled version")


def test_a_damaged_journal_loses_authors_never_the_history(prices):
    _, version = read_table(prices, "acme")
    version = save_table(prices, "acme", edited(prices, 2.0), version, moment(1), author="Ada")
    save_table(prices, "acme", edited(prices, 3.0), version, moment(2), author="Bob")
    journal = prices / ".history" / "acme" / "saves.jsonl"
    good = journal.read_text().splitlines()
    journal.write_bytes("\n".join([
        '{"saved_at": "2026-11-23T09:00', "not json", "[1, 2]", '{"author": "Eve"}', '"a string"',
        '{"saved_at": "yesterday", "digest": "x", "author": "Eve", "action": "edited"}',
        good[0].replace('"Ada"', "5"), *good, '{"saved_at": "2026-11-23T09:05:00+00:00"',
    ]).encode("utf-8") + b"\n\x00\xff\n")
    kept = history(prices, "acme")
    assert [v.saved_by for v in kept] == ["Ada", None]
    assert current_table_save(prices, "acme").author == "Bob"
    journal.unlink()
    assert [v.saved_by for v in history(prices, "acme")] == [None, None]
    assert current_table_save(prices, "acme") is None


def test_a_table_changed_by_hand_after_a_save_was_not_saved_here(prices):
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version, author="Ada")
    (prices / "acme.yaml").write_text(edited(prices, 2.0) + "# a note added by hand\n")
    assert current_table_save(prices, "acme") is None


@pytest.mark.parametrize(("author", "recorded"), [("  Ada\nLovelace\x1b[31m ", "Ada Lovelace [31m"),
                                                  ("x" * 500, "x" * 200)])
def test_an_author_is_kept_on_one_line_and_cut_to_length(prices, author, recorded):
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version, author=author)
    assert current_table_save(prices, "acme").author == recorded


def test_an_empty_author_is_refused_and_nothing_is_written(prices):
    original, version = read_table(prices, "acme")
    with pytest.raises(PricingError, match=r"acme\.yaml: author: not saved: name who is saving"):
        save_table(prices, "acme", edited(prices, 2.0), version, author=" \n ")
    assert read_table(prices, "acme")[0] == original and history(prices, "acme") == []


def test_without_an_author_the_operating_system_user_saves(prices, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "svc-planner")
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version)
    assert current_table_save(prices, "acme").author == "svc-planner"

    def no_name():
        raise OSError("no user name")

    monkeypatch.setattr(getpass, "getuser", no_name)
    save_table(prices, "acme", edited(prices, 3.0), read_table(prices, "acme")[1])
    assert current_table_save(prices, "acme").author == "unknown"


def test_the_command_line_records_and_shows_the_author(prices, capsys, monkeypatch):
    import getpass

    from planner.cli import main

    monkeypatch.setattr(getpass, "getuser", lambda: "ada")
    _, version = read_table(prices, "acme")
    save_table(prices, "acme", edited(prices, 2.0), version, moment(1))  # by the OS user, ada
    bundled = history(prices, "acme")[0].name
    assert main(["prices", "restore", "acme", bundled, "--prices", str(prices), "--author", "Grace Hopper"]) == 0
    capsys.readouterr()
    assert main(["prices", "history", "acme", "--prices", str(prices)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("acme: the current table was saved ")
    assert lines[0].endswith(f" UTC by Grace Hopper (restored {bundled})")
    assert lines[1].endswith("; saved 2026-11-23 09:01:00 UTC by ada (edited)")
    assert lines[2] == f"{bundled}  replaced 2026-11-23 09:01:00 UTC; bundled: as it was before the first save here"


def test_every_bundled_table_comes_back_whole_from_the_editors_grid(bundled):
    """The grid is a DataFrame: a column with gaps (a long-context threshold only some models have) holds floats
    (272000.0) and NaN; every bundled table must come back from it unchanged."""
    import pandas as pd

    from planner.price_admin.editing import SECTIONS

    for provider, table in bundled.tables.items():
        rows = {}
        for section in SECTIONS:
            frame = pd.DataFrame(section_rows(table, section))
            rows[section] = frame.to_dict("records") if not frame.empty else []
        header = {"provider": provider, "display_name": table.display_name, "currency": table.currency,
                  "litellm_provider": table.litellm_provider}
        new, errors = table_from_rows(header, rows)
        assert errors == [], (provider, errors[:3])
        assert new == table, provider
