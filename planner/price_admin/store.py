"""Saving price tables so that nothing is lost: validated, atomic, versioned, and never over a newer file.

A save (1) validates the new table, (2) takes a lock on the price directory, (3) refuses if the
file on disk is not the version the editor started from (another session saved in between),
(4) copies the version on disk into ``.history/<provider>/``, and (5) writes the new text to a
temporary file in the same directory and renames it over the old one, which is atomic on POSIX
file systems and on Windows: a reader sees the old table or the new one, never half of either.
The new file and its history copy keep the table's file mode.

The first time a provider is saved, the version found on disk is kept as its "bundled" version,
which ``reset_to_bundled`` restores.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from planner.core.errors import PricingError, Problem
from planner.inputs.files import file_mode, list_files, locked, parse_yaml, read_text, write_atomically
from planner.inputs.price_tables import PriceTable
from planner.inputs.pricebook import SPECIAL_TABLES
from planner.inputs.validation import validate_document
from planner.price_admin.editing import diff_tables

HISTORY_DIR = ".history"
LOCK_FILE = ".lock"
BUNDLED_MARK = "bundled"


@dataclass(frozen=True)
class Version:
    """One kept version of a table: when it was replaced, its content hash, and its file."""

    name: str  # file name in the history folder, e.g. 20261123T041500123456-bundled-1a2b3c4d.yaml
    saved_at: datetime.datetime
    digest: str
    bundled: bool
    path: Path


class SaveConflict(PricingError):
    """The table on disk changed since the editor read it; nothing was written."""


def digest(text: str) -> str:
    """The version token of a table's text (SHA-256, hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def table_path(directory: Path, provider: str) -> Path:
    """Where a table lives."""
    return Path(directory) / f"{provider}.yaml"


def read_table(directory: Path, provider: str) -> tuple[str, str]:
    """The table's text and its version token."""
    text = read_text(table_path(directory, provider), PricingError)
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
    kept = read_text(version.path, PricingError)
    current = read_text(table_path(directory, provider), PricingError)
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
               now: datetime.datetime | None = None) -> str:
    """Validate and save ``text`` as ``provider``'s table; return the new version token.

    ``expected_digest`` is the token of the version the edit started from (None for a new table).
    Raises ``PricingError`` for an invalid table and ``SaveConflict`` if the file changed meanwhile;
    in both cases the file on disk is untouched.
    """
    directory = Path(directory)
    path = table_path(directory, provider)
    check_table_text(text, provider, str(path))
    with locked(directory, PricingError, LOCK_FILE):
        current = read_text(path, PricingError) if path.exists() else None
        current_digest = digest(current) if current is not None else None
        if current_digest != expected_digest:
            raise SaveConflict(Problem(str(path), None, "", (
                "not saved: the table changed on disk after you opened it (another session saved it); "
                "reload it, redo your change, and save again")))
        if current is not None:
            _archive(directory, provider, current, file_mode(path), now or datetime.datetime.now(datetime.UTC))
        write_atomically(path, text)
    return digest(text)


def _archive(directory: Path, provider: str, text: str, mode: int | None, now: datetime.datetime) -> None:
    """Keep ``text`` (the table being replaced) in the history, with the table's file mode."""
    folder = directory / HISTORY_DIR / provider
    mark = BUNDLED_MARK if not list_files(folder) else "saved"
    name = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{mark}-{digest(text)[:8]}.yaml"
    write_atomically(folder / name, text, mode)


def history(directory: Path, provider: str) -> list[Version]:
    """The kept versions of a table, newest first."""
    folder = Path(directory) / HISTORY_DIR / provider
    versions = []
    for path in reversed(list_files(folder)):
        stamp, mark, short = path.stem.split("-", 2)
        saved_at = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=datetime.UTC)
        versions.append(Version(path.name, saved_at, short, mark == BUNDLED_MARK, path))
    return versions


def restore(directory: Path, provider: str, version_name: str, expected_digest: str | None) -> str:
    """Save a kept version as the current table (the current one goes to history as usual)."""
    path = Path(directory) / HISTORY_DIR / provider / version_name
    if path not in list_files(path.parent):
        raise PricingError(Problem(str(path), None, "", "no such version in the history"))
    return save_table(directory, provider, read_text(path, PricingError), expected_digest)


def reset_to_bundled(directory: Path, provider: str, expected_digest: str | None) -> str:
    """Restore the version found on disk before the first save in the app."""
    bundled = [v for v in history(directory, provider) if v.bundled]
    if not bundled:
        raise PricingError(Problem(str(table_path(directory, provider)), None, "",
                                   "this table has never been edited here, so it is already the bundled one"))
    return restore(directory, provider, bundled[-1].name, expected_digest)
