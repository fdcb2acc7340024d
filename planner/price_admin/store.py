"""Saving price tables so that nothing is lost: validated, atomic, versioned, attributed, and never over
a newer file.

A save (1) validates the new table, (2) takes a lock on the price directory, (3) refuses if the
file on disk is not the version the editor started from (another session saved in between),
(4) copies the version on disk into ``.history/<provider>/``, (5) records who saved what, and when, in
the provider's journal, ``.history/<provider>/saves.jsonl``, and (6) writes the new text to a
temporary file in the same directory and renames it over the old one, which is atomic on POSIX
file systems and on Windows: a reader sees the old table or the new one, never half of either.
The new file and its history copy keep the table's file mode. Temporary files a killed save left
behind are removed by the next save, under the same lock, so no save in progress loses its own.

The first time a provider is saved, the version found on disk is kept as its "bundled" version,
which ``reset_to_bundled`` restores.

The journal is one JSON object a line, appended and never rewritten: ``saved_at`` (ISO 8601, UTC),
``digest`` (SHA-256 of the text the save wrote), ``author`` and ``action`` (``edited``, ``uploaded
FILE``, ``LiteLLM import``, ``restored VERSION``, ``reset to the bundled version``). A version's
author is the author of the latest save that wrote the same text before the version was replaced.
A line that cannot be read is skipped: a damaged journal loses authors, never the history.
"""

from __future__ import annotations

import datetime
import difflib
import getpass
import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from planner.core import limits
from planner.core.errors import PricingError, Problem
from planner.inputs.files import (
    BOM,
    clean_label,
    digest,
    file_mode,
    list_files,
    locked,
    open_regular,
    parse_yaml,
    read_text,
    remove_leftovers,
    sync_folder,
    write_atomically,
)
from planner.inputs.price_tables import PriceTable
from planner.inputs.pricebook import SPECIAL_TABLES
from planner.inputs.validation import validate_document
from planner.price_admin.editing import diff_tables

HISTORY_DIR = ".history"
LOCK_FILE = ".lock"
BUNDLED_MARK = "bundled"
SAVED_MARK = "saved"
JOURNAL_FILE = "saves.jsonl"
STAMP_FORMAT = "%Y%m%dT%H%M%S%f"  # a version's name starts with when it was replaced, in UTC
# A kept version's file name: when it was replaced, whether it is the bundled one, its digest's first
# 8 hex digits. A name to restore must match this, so it cannot reach outside the history folder.
VERSION_NAME = re.compile(rf"^(\d{{8}}T\d{{12}})-({BUNDLED_MARK}|{SAVED_MARK})-([0-9a-f]{{8}})\.yaml$")
SHORT_DIGEST_CHARS = 8
# A provider is a table's file name without .yaml: the pattern of a table's ``provider`` field.
PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MAX_AUTHOR_CHARS = 200  # a person's or an account's name; longer is cut
MAX_ACTION_CHARS = 300  # "uploaded <file name>" and the like; longer is cut
# The journal's end that ``history`` reads: about 100,000 saves of 200 bytes. Older lines are not read.
MAX_JOURNAL_READ_BYTES = 20_000_000
ACTION_EDITED = "edited"
ACTION_RESET = "reset to the bundled version"
UNKNOWN_AUTHOR = "unknown"


@dataclass(frozen=True)
class SaveRecord:
    """One save as the journal records it: when (UTC), who, what, and the SHA-256 of the text it wrote."""

    saved_at: datetime.datetime
    author: str
    action: str
    digest: str


@dataclass(frozen=True)
class Version:
    """One kept version of a table: when it was replaced, its content hash, its file, and the save
    that wrote its content (None for the bundled version, and for content written before the journal
    began or outside the planner)."""

    name: str  # file name in the history folder, e.g. 20261123T041500123456-bundled-1a2b3c4d.yaml
    saved_at: datetime.datetime  # when this version was replaced (and so kept)
    digest: str  # the first 8 hex digits of its SHA-256
    bundled: bool
    path: Path
    save: SaveRecord | None = None

    @property
    def saved_by(self) -> str | None:
        """Who saved this version's content, or None when the journal does not say."""
        return None if self.save is None else self.save.author


class SaveConflict(PricingError):
    """The table on disk changed since the editor read it; nothing was written."""


def default_author() -> str:
    """Who saves when no author is given: the operating system's user name (``getpass.getuser()``), or
    "unknown" where there is none (a container may run as a user with no name). In the app, pass the
    signed-in person instead: the server's account is the same for everyone."""
    try:
        return clean_label(getpass.getuser(), MAX_AUTHOR_CHARS) or UNKNOWN_AUTHOR
    except (OSError, KeyError, ImportError):
        return UNKNOWN_AUTHOR


def table_path(directory: Path, provider: str) -> Path:
    """Where a table lives."""
    return Path(directory) / f"{provider}.yaml"


def table_label(provider: str) -> str:
    """A table's file named as messages name it: relative to the price directory (``openai.yaml``),
    so that no server path reaches a screen."""
    return f"{provider}.yaml"


def _history_label(provider: str, name: str = "") -> str:
    return f"{HISTORY_DIR}/{provider}/{name}" if name else f"{HISTORY_DIR}/{provider}"


def _check_provider(provider: str) -> None:
    """Refuse a provider name that is not a table's (``../x``, ``a/b``): it names a file in the price
    directory, and must not name one anywhere else."""
    if not isinstance(provider, str) or not PROVIDER_NAME.fullmatch(provider):
        raise PricingError(Problem("price directory", None, "provider", (
            f"expected a table's name (lower-case letters, digits, '.', '_' or '-'), got {limits.quote(provider)}")))


def read_table(directory: Path, provider: str) -> tuple[str, str]:
    """The table's text and its version token."""
    _check_provider(provider)
    text = read_text(table_path(directory, provider), PricingError, table_label(provider), limits.MAX_YAML_BYTES)
    return text, digest(text)


def check_table_text(text: str, provider: str, label: str) -> BaseModel:
    """The table in ``text`` if it is a valid table for ``provider``; else ``PricingError``
    (``label`` names the text in messages)."""
    doc = parse_yaml(text, label, PricingError)
    model = SPECIAL_TABLES.get(provider, PriceTable)
    table = validate_document(model, doc, PricingError)
    if isinstance(table, PriceTable) and table.provider != provider:
        raise PricingError(Problem(label, doc.line_of(("provider",)), "provider",
                                   f"must equal the file name {provider!r}, got {table.provider!r}"))
    return table


def version_changes(directory: Path, provider: str, version: Version) -> list[str]:
    """What restoring ``version`` would change in the current table, one line per change in words;
    for a table that does not validate (or a special table), the lines of a text diff."""
    kept = read_text(version.path, PricingError, _history_label(provider, version.name), limits.MAX_YAML_BYTES)
    current = read_table(directory, provider)[0]
    old: BaseModel | None
    new: BaseModel | None
    try:
        old, new = check_table_text(current, provider, "current"), check_table_text(kept, provider, "kept")
    except PricingError:
        old = new = None
    if isinstance(old, PriceTable) and isinstance(new, PriceTable):
        return [str(change) for change in diff_tables(provider, old, new)]
    diff = difflib.unified_diff(current.splitlines(), kept.splitlines(), "current", "kept version", lineterm="", n=1)
    return list(diff)[2:]


def describe_version(version: Version) -> str:
    """A kept version in words: "the version saved 2026-11-23 04:15 UTC" (or "the bundled version")."""
    if version.bundled:
        return f"the bundled version (kept {version.saved_at:%Y-%m-%d %H:%M} UTC)"
    return f"the version saved {version.saved_at:%Y-%m-%d %H:%M} UTC"


def save_table(directory: Path, provider: str, text: str, expected_digest: str | None,
               now: datetime.datetime | None = None, *, author: str | None = None,
               action: str = ACTION_EDITED) -> str:
    """Validate and save ``text`` as ``provider``'s table; return the new version token.

    ``expected_digest`` is the token of the version the edit started from (None for a new table).
    ``author`` (who saves; default ``default_author()``) and ``action`` (what was done: "edited",
    "uploaded prices.yaml", "LiteLLM import", ...) go into the history's journal. A byte-order mark
    at the start of ``text`` is dropped. Raises ``PricingError`` for an invalid table, an empty author
    or a file that cannot be written, and ``SaveConflict`` if the file changed meanwhile; in each case
    the table on disk is untouched.
    """
    _check_provider(provider)
    directory = Path(directory)
    path, label = table_path(directory, provider), table_label(provider)
    text = text.removeprefix(BOM)
    check_table_text(text, provider, label)
    who = clean_label(default_author() if author is None else author, MAX_AUTHOR_CHARS)
    if not who:
        raise PricingError(Problem(label, None, "author", "not saved: name who is saving (the history records it)"))
    what = clean_label(action, MAX_ACTION_CHARS) or ACTION_EDITED
    now = _utc(now or datetime.datetime.now(datetime.UTC))
    folder = directory / HISTORY_DIR / provider
    with locked(directory, PricingError, LOCK_FILE, label):
        try:
            # Every writer of the table and of its history folder holds this lock: what is left over is
            # from a save that was killed, never from one in progress.
            remove_leftovers(directory, path.name)
            remove_leftovers(folder, None)
            current = read_text(path, PricingError, label, limits.MAX_YAML_BYTES) if path.exists() else None
            if (digest(current) if current is not None else None) != expected_digest:
                raise SaveConflict(Problem(label, None, "", (
                    "not saved: the table changed on disk after you opened it (another session saved it); "
                    "reload it, redo your change, and save again")))
            if current is not None:
                _archive(folder, current, file_mode(path), now)
            _append_journal(folder, SaveRecord(now, who, what, digest(text)), file_mode(path))
            write_atomically(path, text)
        except OSError as exc:
            why = exc.strerror or exc.__class__.__name__  # not str(exc): it holds the server's path
            raise PricingError(Problem(label, None, "", f"not saved: {why}")) from None
    return digest(text)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in UTC (a moment without a time zone is taken to be in UTC already)."""
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment.astimezone(datetime.UTC)


def _archive(folder: Path, text: str, mode: int | None, now: datetime.datetime) -> None:
    """Keep ``text`` (the table being replaced) in the history, with the table's file mode."""
    kept = any(VERSION_NAME.fullmatch(path.name) for path in list_files(folder))
    mark = SAVED_MARK if kept else BUNDLED_MARK
    name = f"{now.strftime(STAMP_FORMAT)}-{mark}-{digest(text)[:SHORT_DIGEST_CHARS]}.yaml"
    write_atomically(folder / name, text, mode)


def _append_journal(folder: Path, record: SaveRecord, mode: int | None) -> None:
    """Append ``record`` to the journal as one line, flushed to disk (created with the table's mode)."""
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"saved_at": record.saved_at.isoformat(), "digest": record.digest, "author": record.author,
                       "action": record.action}, ensure_ascii=False) + "\n"
    path = folder / JOURNAL_FILE
    created = not path.exists()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0),
                         0o666 if mode is None else mode)
    try:
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        sync_folder(folder)


def save_records(directory: Path, provider: str) -> list[SaveRecord]:
    """The saves the journal records for ``provider``, oldest first. A missing or unreadable journal
    gives none, and a line that is not a record (cut short, edited by hand) is skipped."""
    _check_provider(provider)
    path = Path(directory) / HISTORY_DIR / provider / JOURNAL_FILE
    if not path.exists():
        return []
    try:
        # Any size: only its end is read.
        with open_regular(path, PricingError, sys.maxsize, _history_label(provider, JOURNAL_FILE)) as handle:
            size = os.fstat(handle.fileno()).st_size
            start = max(0, size - MAX_JOURNAL_READ_BYTES)
            handle.seek(start)
            data = handle.read(MAX_JOURNAL_READ_BYTES)
    except (PricingError, OSError):
        return []
    lines = data.split(b"\n")
    if start:
        lines = lines[1:]  # the first line read is the end of one cut in half
    return [record for record in map(_record, lines) if record is not None]


def _record(line: bytes) -> SaveRecord | None:
    """A journal line as a record, or None when it is not one."""
    try:
        data: Any = json.loads(line)
        saved_at = datetime.datetime.fromisoformat(data["saved_at"])
        fields = data["author"], data["action"], data["digest"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if saved_at.tzinfo is None or not all(isinstance(f, str) for f in fields):
        return None
    author, action, text_digest = fields
    if not re.fullmatch(r"[0-9a-f]{64}", text_digest):
        return None
    return SaveRecord(saved_at, clean_label(author, MAX_AUTHOR_CHARS), clean_label(action, MAX_ACTION_CHARS),
                      text_digest)


def history(directory: Path, provider: str) -> list[Version]:
    """The kept versions of a table, newest first, each with the save that wrote its content (from
    the journal). A file in the history folder that is not a kept version is left out."""
    _check_provider(provider)
    folder = Path(directory) / HISTORY_DIR / provider
    by_digest: dict[str, list[SaveRecord]] = defaultdict(list)
    for record in save_records(directory, provider):
        by_digest[record.digest[:SHORT_DIGEST_CHARS]].append(record)
    versions = []
    for path in reversed(list_files(folder)):
        match = VERSION_NAME.fullmatch(path.name)
        if match is None:
            continue
        stamp, mark, short = match.groups()
        replaced = datetime.datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=datetime.UTC)
        bundled = mark == BUNDLED_MARK
        # The save that wrote this content is the latest one before it was replaced (a save of the
        # same text again, at the moment it was replaced, wrote the next version, not this one).
        earlier = [r for r in by_digest.get(short, []) if r.saved_at < replaced]
        save = None if bundled or not earlier else max(earlier, key=lambda r: r.saved_at)
        versions.append(Version(path.name, replaced, short, bundled, path, save))
    return versions


def current_table_save(directory: Path, provider: str) -> SaveRecord | None:
    """The save that wrote the table now on disk: who, when and what. None when the table was never
    saved here (it is as it came, or was changed outside the planner since) or does not exist."""
    _check_provider(provider)
    if not table_path(directory, provider).exists():
        return None
    text_digest = read_table(directory, provider)[1]
    matches = [r for r in save_records(directory, provider) if r.digest == text_digest]
    return max(matches, key=lambda r: r.saved_at) if matches else None


def restore(directory: Path, provider: str, version_name: str, expected_digest: str | None,
            now: datetime.datetime | None = None, *, author: str | None = None) -> str:
    """Save a kept version as the current table (the current one goes to history as usual).

    ``version_name`` must be a name ``history`` lists (``20261123T041500123456-saved-1a2b3c4d.yaml``):
    a path, ``..`` or any other name is refused, so a restore reads nothing outside the history.
    """
    _check_provider(provider)
    folder = Path(directory) / HISTORY_DIR / provider
    if not isinstance(version_name, str) or not VERSION_NAME.fullmatch(version_name):
        raise PricingError(Problem(_history_label(provider), None, "version", (
            f"expected a version name as the history lists it (e.g. 20261123T041500123456-saved-1a2b3c4d.yaml), "
            f"got {limits.quote(version_name)}")))
    path = folder / version_name
    if path not in list_files(folder):
        raise PricingError(Problem(_history_label(provider, version_name), None, "", "no such version in the history"))
    text = read_text(path, PricingError, _history_label(provider, version_name), limits.MAX_YAML_BYTES)
    return save_table(directory, provider, text, expected_digest, now, author=author, action=f"restored {version_name}")


def reset_to_bundled(directory: Path, provider: str, expected_digest: str | None,
                     now: datetime.datetime | None = None, *, author: str | None = None) -> str:
    """Restore the version found on disk before the first save in the app."""
    bundled = [v for v in history(directory, provider) if v.bundled]
    if not bundled:
        raise PricingError(Problem(table_label(provider), None, "",
                                   "this table has never been edited here, so it is already the bundled one"))
    version = bundled[-1]
    text = read_text(version.path, PricingError, _history_label(provider, version.name), limits.MAX_YAML_BYTES)
    return save_table(directory, provider, text, expected_digest, now, author=author, action=ACTION_RESET)
