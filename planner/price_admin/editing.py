"""Editing a provider's table as grids of rows: rows to a validated table, per-cell errors, YAML, diff.

Each section (``models``, ``embeddings``, ...) is a grid: one row per offering, an ``id`` column and
one column per field; a nested block (a model's ``fine_tuning``) becomes ``fine_tuning.<field>``
columns. An empty cell leaves an optional field unset.
"""

from __future__ import annotations

import datetime
import math
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.core.errors import PricingError, Problem
from planner.core.limits import MAX_TEXT_CHARS, quote
from planner.inputs.files import dump_yaml
from planner.inputs.price_tables import OFFERING_SECTIONS, PriceTable

SECTIONS = OFFERING_SECTIONS
HEADER_FIELDS = ("provider", "display_name", "currency", "litellm_provider")
NESTED = "fine_tuning"


@dataclass(frozen=True)
class CellError:
    """A problem in one cell of a grid (``row`` counts from 0; ``column`` is a grid column)."""

    section: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.section} row {self.row + 1}" if self.row is not None else self.section or "table"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a table."""

    offering: str  # provider/id
    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        """In words: "openai/gpt-4o-mini: cached input per million tokens: not set → 0.075"."""
        if self.field == "":
            return f"{self.offering}: {'added' if self.old is None else 'removed'}"
        field = self.field.replace("_", " ").replace(".", ": ")
        return f"{self.offering}: {field}: {_shown(self.old)} → {_shown(self.new)}"


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, float):
        return f"{value:,.10g}"
    return str(value)


def section_columns(section: str) -> list[str]:
    """The grid columns of a section, in the table model's field order."""
    model = typing.get_args(PriceTable.model_fields[section].annotation)[1]  # dict[str, Model]
    columns, nested_columns = ["id"], []
    for name, field in model.model_fields.items():
        nested = _nested_model(field.annotation)
        if nested is not None:
            nested_columns += [f"{name}.{sub}" for sub in prices_first(list(nested.model_fields))]
        else:
            columns.append(name)
    return prices_first(columns) + nested_columns


def prices_first(names: list[str]) -> list[str]:
    """The figures first, then the retirement date and where they came from (``PROVENANCE``)."""
    return [n for n in names if n not in WRITTEN_LAST] + [n for n in WRITTEN_LAST if n in names]


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def section_rows(table: PriceTable, section: str) -> list[dict[str, Any]]:
    """The grid rows of a section: one per offering, every column present (None where unset)."""
    columns = section_columns(section)
    rows = []
    for offering_id, offering in getattr(table, section).items():
        flat: dict[str, Any] = {"id": offering_id}
        for name, value in offering.model_dump().items():
            if isinstance(value, dict):
                flat.update({f"{name}.{k}": v for k, v in value.items()})
            else:
                flat[name] = value
        rows.append({column: flat.get(column) for column in columns})
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "") or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any) -> Any:
    """A grid cell as YAML would give it: whole floats from the grid stay numbers, dates stay dates."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if hasattr(value, "item"):  # numpy scalars from a DataFrame
        value = value.item()
    return value


def table_from_rows(header: dict[str, Any], sections: dict[str, list[dict[str, Any]]]) -> tuple[
        PriceTable | None, list[CellError]]:
    """Build and validate a table from grid rows; return it, or None with every cell's problem."""
    errors: list[CellError] = []
    data: dict[str, Any] = {k: v for k, v in header.items() if not _blank(v)}
    row_of: dict[tuple[str, str], int] = {}
    for section, rows in sections.items():
        entries: dict[str, Any] = {}
        for index, row in enumerate(rows):
            offering_id = row.get("id")
            if _blank(offering_id):
                if all(_blank(v) for v in row.values()):
                    continue  # an empty row the grid added
                errors.append(CellError(section, index, "id", "every row needs an id"))
                continue
            offering_id = str(offering_id).strip()
            if offering_id in entries:
                errors.append(CellError(section, index, "id", f"{offering_id!r} appears twice"))
                continue
            entry: dict[str, Any] = {}
            for column, value in row.items():
                if column == "id" or _blank(value):
                    continue
                if "." in column:
                    parent, child = column.split(".", 1)
                    entry.setdefault(parent, {})[child] = _cell(value)
                else:
                    entry[column] = _cell(value)
            entries[offering_id] = entry
            row_of[(section, offering_id)] = index
        if entries:
            data[section] = entries
    if errors:
        return None, errors
    try:
        return PriceTable.model_validate(data), []
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(part) for part in err["loc"]]
            message = err["msg"].removeprefix("Value error, ")
            message = message[0].lower() + message[1:]
            if not isinstance(err.get("input"), (dict, list)):
                message += f", got {err['input']!r}"
            if len(loc) >= 3 and loc[0] in SECTIONS:
                column = ".".join(loc[2:]) if len(loc) > 3 else loc[2]  # a nested block's column is dotted
                errors.append(CellError(loc[0], row_of.get((loc[0], loc[1])), column, message))
            else:
                errors.append(CellError("", None, ".".join(loc), message))
        return None, errors


def table_to_yaml(table: PriceTable, header_comment: str = "") -> str:
    """The table as YAML in a stable order (the models' field order), unset fields left out.

    ``header_comment`` (the original file's leading comment lines) is kept on top; comments inside
    the table are not kept.
    """
    data = table.model_dump(exclude_none=True)
    for section in SECTIONS:
        if not data.get(section):
            data.pop(section, None)
            continue
        data[section] = {key: _provenance_last(entry) for key, entry in data[section].items()}
    return header_comment + dump_yaml(data)


PROVENANCE = ("source", "as_of", "status", "blocking")
# After the prices, in this order: where it runs, when it stops being sold, where that came from.
WRITTEN_LAST = ("region", "deprecation_date", "closed_to_new_customers_since", "no_new_training_after",
                "dates_source", "default_reasoning_effort", "reasoning_source", *PROVENANCE)


# Fields whose default says "none of this" (no flag, no fee): written only where they hold something, as in the
# bundled tables, so that a table saved from the editor or the importer does not fill up with zeros.
OMITTED_AT_DEFAULT: dict[str, Any] = {"blocking": False, "serverless_lora": False, "minimum_per_job": 0.0,
                                      "hosting_per_hour": 0.0, "storage_per_month": 0.0, "reasoning": False,
                                      "default_reasoning_effort": "none"}


def _provenance_last(entry: dict[str, Any]) -> dict[str, Any]:
    """Prices first, then where they came from: the order the bundled files use."""
    kept = {k: v for k, v in entry.items() if not at_default(k, v)}
    ordered = {k: (_provenance_last(v) if isinstance(v, dict) else v) for k, v in kept.items()
               if k not in WRITTEN_LAST}
    ordered.update({k: kept[k] for k in WRITTEN_LAST if k in kept})
    return ordered


def header_comment(text: str) -> str:
    """The comment lines at the top of a YAML file."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def diff_tables(provider: str, old: PriceTable, new: PriceTable) -> list[Change]:
    """Every added or removed offering and every changed field, section by section."""
    changes: list[Change] = []
    for section in SECTIONS:
        before, after = getattr(old, section), getattr(new, section)
        for offering_id in sorted(set(before) | set(after)):
            ref = f"{provider}/{offering_id}"
            if offering_id not in after:
                changes.append(Change(ref, "", "present", None))
            elif offering_id not in before:
                changes.append(Change(ref, "", None, "present"))
            else:
                old_flat = section_rows(old, section)[list(before).index(offering_id)]
                new_flat = section_rows(new, section)[list(after).index(offering_id)]
                changes += [Change(ref, column, old_flat[column], new_flat[column])
                            for column in old_flat if column != "id" and old_flat[column] != new_flat[column]]
    for name in HEADER_FIELDS:
        if getattr(old, name) != getattr(new, name):
            changes.append(Change(provider, name, getattr(old, name), getattr(new, name)))
    return changes


# Fields that say where a figure came from (``PROVENANCE``) or how the planner finds an offering
# (its key in LiteLLM's map, the open model it serves), rather than a figure a source publishes:
# changing only these needs no new source. LiteLLM's import counts figures the same way.
# Fields that are not figures a source vouches for: provenance, keys, where it runs, and the selling days (which
# cite their own dates_source); a nested block (``fine_tuning``, ``provisioned``) is judged on its own.
NOT_FIGURES = (*PROVENANCE, "litellm_id", "open_model", "serverless_lora", "region", "closed_to_new_customers_since",
               "no_new_training_after", "dates_source", "provisioned", "default_reasoning_effort", "reasoning_source")


def at_default(name: str, value: Any) -> bool:
    """Whether ``value`` is the "none of this" default of field ``name`` (``OMITTED_AT_DEFAULT``)."""
    return name in OMITTED_AT_DEFAULT and value == OMITTED_AT_DEFAULT[name] and type(value) is type(
        OMITTED_AT_DEFAULT[name])


@dataclass(frozen=True)
class UnsourcedEdit:
    """An offering (or its nested ``fine_tuning`` block, which has its own source) whose figures an
    edit changed while it kept the old ``source``, or that was added with the source and date of an
    offering already in the table (copied from its row)."""

    provider: str
    section: str
    offering_id: str
    block: str | None  # ``NESTED`` for the nested block; None for the offering itself
    fields: tuple[str, ...]  # the figures that changed (all the block's figures when it was added)
    source: str  # the source it carries now
    added: bool = False

    def __str__(self) -> str:
        """In words: "acme/chat fine-tuning: training per million tokens changed, source still 'Acme list'"."""
        where = f"{self.provider}/{self.offering_id}" + (f" {self.block.replace('_', '-')}" if self.block else "")
        if self.added:
            return f"{where}: added with the source and date of another offering ({self.source!r})"
        changed = ", ".join(name.replace("_", " ") for name in self.fields)
        return f"{where}: {changed} changed, source still {self.source!r}"


def _figures(offering: BaseModel) -> tuple[str, ...]:
    """The fields of ``offering`` that hold figures (not provenance, not a nested block)."""
    return tuple(name for name in type(offering).model_fields if name not in NOT_FIGURES and name != NESTED)


def _blocks(offering: BaseModel, previous: BaseModel | None) -> list[tuple[str | None, Any, Any]]:
    """(block, now, before) for an offering and, where it has one, its nested block."""
    pairs: list[tuple[str | None, Any, Any]] = [(None, offering, previous)]
    if NESTED in type(offering).model_fields:
        pairs.append((NESTED, getattr(offering, NESTED), getattr(previous, NESTED, None)))
    return pairs


def unsourced_edits(old: PriceTable, new: PriceTable) -> list[UnsourcedEdit]:
    """The offerings of ``new`` that would carry an old source on a new figure: those whose figures
    (any field but ``NOT_FIGURES``) differ from ``old``'s while their ``source`` is the same, and
    those added (or given a ``fine_tuning`` block) with the very source and ``as_of`` of an offering
    already in ``old``, as a copied row has. A nested ``fine_tuning`` block is judged on its own
    figures and its own source. Removed offerings and changed provenance alone are not listed.

    >>> def table(price, source, tuning=2.0, tuning_source="Acme tuning page"):
    ...     return PriceTable.model_validate({"provider": "acme", "display_name": "Acme", "currency": "USD",
    ...         "models": {"chat": {"input_per_million_tokens": price, "output_per_million_tokens": 4.0,
    ...                             "source": source, "as_of": datetime.date(2026, 1, 1),
    ...                             "fine_tuning": {"training_per_million_tokens": tuning,
    ...                                             "input_per_million_tokens": 1.0, "output_per_million_tokens": 1.0,
    ...                                             "source": tuning_source, "as_of": datetime.date(2026, 1, 1)}}}})
    >>> old = table(1.0, "Acme price list")
    >>> for edit in unsourced_edits(old, table(1.5, "Acme price list", tuning=3.0)):
    ...     print(edit)
    acme/chat: input per million tokens changed, source still 'Acme price list'
    acme/chat fine-tuning: training per million tokens changed, source still 'Acme tuning page'
    >>> unsourced_edits(old, table(1.5, "Acme price list, read 2026-12-01"))  # a new source: nothing to stamp
    []
    """
    # The source and date of every offering and nested block already in the table: a row added with
    # one of them was copied from another row.
    provenance = {(block.source, block.as_of) for section in SECTIONS for offering in getattr(old, section).values()
                  for _, block, _ in _blocks(offering, None) if block is not None}
    found: list[UnsourcedEdit] = []
    for section in SECTIONS:
        before = getattr(old, section)
        for offering_id, offering in getattr(new, section).items():
            for block, now, then in _blocks(offering, before.get(offering_id)):
                if now is None:
                    continue
                if then is None:
                    if (now.source, now.as_of) in provenance:
                        fields = tuple(f for f in _figures(now)
                                       if getattr(now, f) is not None and not at_default(f, getattr(now, f)))
                        found.append(UnsourcedEdit(new.provider, section, offering_id, block, fields, now.source, True))
                    continue
                changed = tuple(f for f in _figures(now) if getattr(now, f) != getattr(then, f))
                if changed and now.source == then.source:
                    found.append(UnsourcedEdit(new.provider, section, offering_id, block, changed, now.source))
    return found


def stamp_source(table: PriceTable, edits: Iterable[UnsourcedEdit], source: str,
                 as_of: datetime.date) -> PriceTable:
    """``table`` with ``source`` and ``as_of`` set on exactly the offerings (or nested blocks) that
    ``edits`` names (``unsourced_edits``); every other field and offering as it was.

    Raises ``PricingError`` naming the field for an empty or over-long source, a date that is not a
    date, or an edit naming an offering the table does not have.

    >>> t = PriceTable.model_validate({"provider": "acme", "display_name": "Acme", "currency": "USD",
    ...     "embeddings": {"e": {"per_million_tokens": 0.2, "dimensions": 8, "source": "old list",
    ...                          "as_of": datetime.date(2025, 1, 1)}}})
    >>> edit = UnsourcedEdit("acme", "embeddings", "e", None, ("per_million_tokens",), "old list")
    >>> stamped = stamp_source(t, [edit], "Acme pricing page", datetime.date(2026, 12, 1))
    >>> stamped.embeddings["e"].source, stamped.embeddings["e"].as_of, stamped.embeddings["e"].per_million_tokens
    ('Acme pricing page', datetime.date(2026, 12, 1), 0.2)
    """
    label = f"{table.provider}.yaml"
    source = source.strip() if isinstance(source, str) else ""
    if not source:
        raise PricingError(Problem(label, None, "source", "name where the new figures came from; got nothing"))
    if len(source) > MAX_TEXT_CHARS:
        raise PricingError(Problem(label, None, "source",
                                   f"at most {MAX_TEXT_CHARS:,} characters, got {len(source):,}"))
    if not isinstance(as_of, datetime.date) or isinstance(as_of, datetime.datetime):
        raise PricingError(Problem(label, None, "as_of", f"expected a date, got {quote(as_of)}"))
    data = table.model_dump()
    for edit in edits:
        entry = data.get(edit.section, {}).get(edit.offering_id)
        if edit.block is not None and entry is not None:
            entry = entry.get(edit.block)
        if entry is None:
            where = f"{edit.section}.{edit.offering_id}" + (f".{edit.block}" if edit.block else "")
            raise PricingError(Problem(label, None, where, "not in this table; list the edits again and stamp them"))
        entry.update(source=source, as_of=as_of)
    return PriceTable.model_validate(data)
