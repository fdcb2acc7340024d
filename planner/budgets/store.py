"""The team's saved budgets: kept in SQLite (one file) or PostgreSQL (for several app replicas).

A saved budget holds its name, owner, times, status (draft, or approved by whom and when), the scenario
written out in full, the planning day, its totals, and the exact text of every price table it was costed
on. Each distinct text is stored once, by its SHA-256 digest, so a thousand budgets costed on the same
tables store them once.

Nothing is overwritten silently: every budget carries a version counter, and a save, an approval or a
delete names the version it was made on; if the budget moved on since (another session saved it), the
change is refused as a ``BudgetConflict`` and nothing is written. Every write is one transaction.

Any trouble with the database itself (a locked, read-only or corrupt SQLite file, a PostgreSQL server
that does not answer) is a ``BudgetStoreError`` naming the file or database, never a driver's traceback.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> store = open_store(database_url(None, folder))
>>> totals = BudgetTotals("USD", 12, (OptionTotals("rag", "RAG", 1000.0, 100.0, 2200.0, 6.0, 80.0, None),))
>>> first = store.save(BudgetDraft("Support bot", "name: Support bot\\n", datetime.date(2027, 1, 4), totals,
...                                {"openai.yaml": "provider: openai\\n"}), Actor("ana"))
>>> first.owner, first.version, first.status, store.table_texts(first)
('ana', 1, 'draft', {'openai.yaml': 'provider: openai\\n'})
>>> [b.name for b in store.list()]
['Support bot']
>>> store.approve("Support bot", Actor("bo", approver=True), expected_version=1).approved_by
'bo'
>>> store.dispose()
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from planner.budgets import DB_ENV
from planner.budgets.schema import NAME_CHARS, USER_CHARS, budget_price_tables, budgets, price_tables
from planner.core.errors import PlannerError, Problem
from planner.inputs.files import clean_label, digest

DB_FILE_NAME = "budgets.sqlite"  # the default store: this file in the price directory, beside the tables
BUSY_TIMEOUT_SECONDS = 5.0  # how long a write waits for another writer's lock on the SQLite file
_SURROGATE = re.compile("[\ud800-\udfff]")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE_OPTION = "planner_write"  # an execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
MIGRATION_LOCK = 7_302_451  # PostgreSQL advisory lock: one replica at a time upgrades the schema
Status = Literal["draft", "approved"]


class BudgetStoreError(PlannerError):
    """The store cannot be used: the database (named in the problem) is locked, read-only, corrupt or away."""


class BudgetRefused(PlannerError):
    """A change refused because of the budget, not the database: said in words alone, with no file name (the
    database is fine; naming it would only read as something internal)."""

    def __str__(self) -> str:
        return "\n".join(problem.message for problem in self.problems)


class BudgetConflict(BudgetRefused):
    """A change made on a stale copy of a budget, or a name already taken: nothing was written."""


class BudgetNotFound(BudgetRefused):
    """No saved budget has this name."""


class NotAllowed(BudgetRefused):
    """The person is not allowed this change (approving, deleting or saving over someone's budget)."""


class InvalidBudget(BudgetRefused):
    """A name the store cannot keep (empty, too long, not text)."""


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, and their rights: the app's signed-in person (``ui.access``), or the command
    line's user. Owners and approvers are recorded by ``name``.

    >>> viewer, admin = Actor("cy@example.com"), Actor("ana@example.com", price_admin=True)
    >>> viewer.may_approve, admin.may_approve, Actor("bo", approver=True).may_approve
    (False, True, True)
    >>> Actor("Cy@Example.com").may_change("cy@example.com"), Actor(None).may_change("local")
    (True, False)
    """

    name: str | None  # None: nobody is signed in, who may read but change nothing
    price_admin: bool = False
    approver: bool = False  # the budget-approver role: may approve budgets without being a price admin

    @property
    def signed_in(self) -> bool:
        return bool(self.name and self.name.strip())

    @property
    def may_approve(self) -> bool:
        """Price admins and budget approvers approve budgets."""
        return self.signed_in and (self.price_admin or self.approver)

    def may_change(self, owner: str) -> bool:
        """A budget's owner (an e-mail address in any case), or a price admin, may save over it or delete it."""
        return self.signed_in and (self.price_admin or same_person(self.name or "", owner))

    def may_delete(self, owner: str, status: str) -> bool:
        """A draft: its owner or a price admin. An approved budget is a record others rely on: a price admin.

        >>> Actor("ana").may_delete("ana", "draft"), Actor("ana").may_delete("ana", "approved")
        (True, False)
        """
        return self.may_change(owner) and (status != "approved" or self.price_admin)


def same_person(one: str, other: str) -> bool:
    """Whether two recorded names are one person's: e-mail addresses are compared in any case, as the
    price admins' and approvers' lists are.

    >>> same_person("Ana@Example.com ", "ana@example.com"), same_person("ana", "bo")
    (True, False)
    """
    return one.strip().casefold() == other.strip().casefold()


@dataclass(frozen=True)
class OptionTotals:
    """One option's figures as saved: what the budget approved."""

    option: str  # its id in the scenario
    label: str
    one_time: float
    first_month: float
    horizon: float  # one-time build plus every month of the horizon
    weeks_to_production: float
    people_hours: float
    goes_live: datetime.date | None


@dataclass(frozen=True)
class BudgetTotals:
    """A budget's totals, option by option, in its currency over its horizon."""

    currency: str
    horizon_months: int
    options: tuple[OptionTotals, ...]

    def to_dict(self) -> dict[str, Any]:
        """As plain data: numbers as numbers, a go-live day in ISO 8601."""
        return {"currency": self.currency, "horizon_months": self.horizon_months, "options": [
            {**dataclasses.asdict(o), "goes_live": o.goes_live.isoformat() if o.goes_live else None}
            for o in self.options]}

    def to_json(self) -> str:
        """As stored: JSON, floats written exactly (``json`` writes the shortest text that reads back equal)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_json(text: str) -> BudgetTotals:
        """The totals ``to_json`` wrote.

        >>> t = BudgetTotals("EUR", 12, (OptionTotals("a", "A", 0.1, 0.2, 0.30000000000000004, 1.5, 2.0,
        ...                                                datetime.date(2027, 3, 1)),))
        >>> BudgetTotals.from_json(t.to_json()) == t
        True
        """
        data = json.loads(text)
        return BudgetTotals(data["currency"], data["horizon_months"], tuple(
            OptionTotals(**{**o, "goes_live": datetime.date.fromisoformat(o["goes_live"]) if o["goes_live"] else None})
            for o in data["options"]))


@dataclass(frozen=True)
class BudgetDraft:
    """What a save writes: the scenario in full, the planning day, the totals and the tables' texts."""

    name: str
    scenario_yaml: str
    planned_on: datetime.date
    totals: BudgetTotals
    tables: Mapping[str, str]  # file name -> text


@dataclass  # not frozen: a frozen dataclass takes 4x as long to make, a third of listing 10,000 budgets
class BudgetSummary:
    """A budget as the list shows it, as read (changing it changes nothing in the store). Times are UTC,
    stored and returned without a zone, as SQLite keeps them.

    The list reads no totals: the option count and the lowest total are columns of their own, because the
    totals' text is four fifths of what a list of 10,000 budgets would fetch (bench/bench_budgets.py).
    ``BudgetStore.get`` gives the whole budget, its totals with it.
    """

    name: str
    owner: str
    status: Status
    created_at: datetime.datetime
    updated_at: datetime.datetime
    approved_by: str | None
    approved_at: datetime.datetime | None
    version: int
    planned_on: datetime.date
    currency: str
    horizon_months: int
    option_count: int
    lowest_total: float | None  # the cheapest option's total incl. the build over the horizon

    def describe_status(self) -> str:
        """"Draft", or "Approved by bo@example.com on 04 Jan 2027"."""
        if self.status == "approved" and self.approved_at is not None:
            return f"Approved by {self.approved_by} on {self.approved_at:%d %b %Y}"
        return "Draft"


@dataclass
class SavedBudget(BudgetSummary):
    """A budget whole: its summary, its totals, its scenario, and which text of each price file it was
    costed on."""

    totals: BudgetTotals
    scenario_yaml: str
    table_digests: Mapping[str, str]  # file name -> digest
    id: int


def database_url(given: str | None, prices_dir: str | Path, env: Mapping[str, str] | None = None) -> str:
    """The store's SQLAlchemy URL: ``given`` (``--db``), else ``LLM_PLANNER_DB``, else the SQLite file
    ``budgets.sqlite`` in the price directory. A plain path means an SQLite file; ``postgresql://`` uses
    psycopg 3, the driver the lock installs.

    >>> database_url(None, "/data/pricing", {})
    'sqlite:////data/pricing/budgets.sqlite'
    >>> database_url("postgresql://planner@db.internal/budgets", "x", {})
    'postgresql+psycopg://planner@db.internal/budgets'
    >>> database_url(None, "x", {"LLM_PLANNER_DB": "/srv/b.sqlite"})
    'sqlite:////srv/b.sqlite'
    """
    env = os.environ if env is None else env
    value = (given or env.get(DB_ENV) or "").strip()
    if not value:
        return f"sqlite:///{Path(prices_dir).absolute() / DB_FILE_NAME}"
    if "://" not in value:
        return f"sqlite:///{Path(value).absolute()}"
    for scheme in ("postgresql://", "postgres://"):
        if value.startswith(scheme):
            return "postgresql+psycopg://" + value.removeprefix(scheme)
    return value


def describe_database(url: str | URL, full_path: bool = False) -> str:
    """The database in words, for a message: an SQLite file by its name (its whole path only where the
    person gave it, on the command line), a server's database by name and host, never a password.

    >>> describe_database("sqlite:////data/pricing/budgets.sqlite")
    'budgets.sqlite'
    >>> describe_database("postgresql+psycopg://u:secret@db.internal:5433/budgets")
    'PostgreSQL database budgets on db.internal:5433'
    >>> describe_database("foo://")
    'the foo database'
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "the budgets database"
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ":memory:"
        return path if full_path else Path(path).name
    host = f"{parsed.host}:{parsed.port}" if parsed.port else str(parsed.host or "this machine")
    if parsed.get_backend_name() == "postgresql":
        return f"PostgreSQL database {parsed.database} on {host}"
    return f"the {parsed.get_backend_name()} database {parsed.database or ''}".rstrip()


def clean_name(name: str) -> str:
    """A budget's name on one line, trimmed; refuses an empty one and one over ``NAME_CHARS``.

    >>> clean_name("  Q3 support\\nbot ")
    'Q3 support bot'
    """
    cleaned = clean_label(name, NAME_CHARS + 1)
    if cleaned != _encodable(cleaned):  # a byte that was not UTF-8 on a command line arrives as a lone surrogate
        raise InvalidBudget(Problem("budget", None, "name", "a name must be UTF-8 text"))
    if not cleaned:
        raise InvalidBudget(Problem("budget", None, "name", "a budget needs a name"))
    if len(cleaned) > NAME_CHARS:
        raise InvalidBudget(Problem("budget", None, "name", f"a name is at most {NAME_CHARS} characters"))
    return cleaned


def _person(who: Actor, doing: str) -> str:
    """The name a change is recorded under; nobody signed in changes nothing."""
    name = _encodable(clean_label(who.name or "", USER_CHARS))
    if not name:
        raise NotAllowed(Problem("budget", None, "", f"sign in to {doing}: a budget is kept under its owner's name"))
    return name


def folded(text: str) -> str:
    """A name in one case, for searching: Python's case folding, the same on every database.

    >>> folded("Été Plan"), folded("STRASSE") == folded("Straße")
    ('été plan', True)
    """
    return text.casefold()


def _insert_new(connection: Connection, table: sa.Table, keys: builtins.list[str]) -> Any:
    """An INSERT that skips a row whose ``keys`` are already there (both databases say it alike)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)


def _query_text(text: str) -> str:
    """A name, search or owner to look up, as a database can take it: a lone surrogate (a command line's byte
    that was not UTF-8) as a replacement character, NUL (which PostgreSQL refuses in text) left out."""
    return _encodable(text).replace("\x00", "")


def _encodable(text: str) -> str:
    """``text`` with anything UTF-8 cannot hold (a lone surrogate) as a replacement character.

    >>> _encodable("caf\\udce9") == "caf\\ufffd"
    True
    """
    return _SURROGATE.sub("\ufffd", text)


def _utc_now() -> datetime.datetime:
    # UTC without a zone (see schema); microseconds dropped so SQLite and PostgreSQL read back the same.
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


_SUMMARY_COLUMNS = (budgets.c.name, budgets.c.owner, budgets.c.status, budgets.c.created_at, budgets.c.updated_at,
                    budgets.c.approved_by, budgets.c.approved_at, budgets.c.version, budgets.c.planned_on,
                    budgets.c.currency, budgets.c.horizon_months, budgets.c.option_count, budgets.c.lowest_total)


def _summary(row: Any) -> BudgetSummary:
    # Unpacked as a tuple: reading a row's columns by name costs about 1.5 microseconds each, which for a list of
    # 10,000 budgets was 200 ms on its own (bench/bench_budgets.py).
    return BudgetSummary(*tuple(row)[:len(_SUMMARY_COLUMNS)])


def _totals_columns(totals: BudgetTotals) -> dict[str, Any]:
    return {"totals": totals.to_json(), "currency": totals.currency, "horizon_months": totals.horizon_months,
            "option_count": len(totals.options),
            "lowest_total": min((o.horizon for o in totals.options), default=None)}


def _like(text: str) -> str:
    """``text`` as a LIKE pattern that matches it anywhere, its own % and _ taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


class BudgetStore:
    """Saved budgets in one database. Open it with ``open_store``; every method is one transaction."""

    def __init__(self, engine: Engine, label: str):
        self.engine = engine
        self.label = label  # the database in words, for messages

    def dispose(self) -> None:
        """Close the store's connections (a test's, or the command line's, when done)."""
        self.engine.dispose()

    @contextlib.contextmanager
    def _transaction(self, doing: str, write: bool = False) -> Iterator[Connection]:
        """One transaction; a writing one, on SQLite, takes the file's write lock at its start (``BEGIN
        IMMEDIATE``), so that its reads and writes see one state and two writers queue rather than fail."""
        engine = self.engine.execution_options(**{WRITE_OPTION: True}) if write else self.engine
        try:
            with engine.begin() as connection:
                yield connection
        except IntegrityError as exc:
            raise BudgetConflict(Problem(self.label, None, "", f"could not {doing}: {_integrity(exc)}")) from None
        except SQLAlchemyError as exc:
            raise BudgetStoreError(Problem(self.label, None, "", f"could not {doing}: {_in_words(exc)}")) from None
        except (UnicodeError, ValueError):  # text the driver cannot pass (a NUL in a table's text, on PostgreSQL)
            raise BudgetStoreError(Problem(self.label, None, "", (
                f"could not {doing}: the text holds characters the database cannot store"))) from None

    # -- reading -----------------------------------------------------------------------------------
    def list(self, search: str = "", owner: str | None = None, status: Status | None = None,
             limit: int | None = None) -> list[BudgetSummary]:
        """Budgets whose name holds ``search`` (in any case, any script), of ``owner`` and in ``status`` if
        given, the most recently changed first; all of them unless ``limit``."""
        query = sa.select(*_SUMMARY_COLUMNS).order_by(budgets.c.updated_at.desc(), budgets.c.id.desc()).limit(limit)
        if search.strip():
            # Against the name folded to one case in Python, not the database's own case folding: SQLite's
            # folds ASCII only ("ÉTÉ" would not find "été"), PostgreSQL's depends on the server's locale.
            query = query.where(budgets.c.search_name.like(_like(folded(_query_text(search))), escape="\\"))
        if owner:
            query = query.where(budgets.c.owner == _query_text(owner))
        if status:
            query = query.where(budgets.c.status == status)
        with self._transaction("list the budgets") as connection:
            return [_summary(row) for row in connection.execute(query)]

    def owners(self) -> builtins.list[str]:
        """Everyone who owns a saved budget, for the list's filter."""
        with self._transaction("list the owners") as connection:
            return list(connection.scalars(sa.select(budgets.c.owner).distinct().order_by(budgets.c.owner)))

    def get(self, name: str) -> SavedBudget:
        """The budget named ``name``, whole; ``BudgetNotFound`` if there is none."""
        with self._transaction("open the budget") as connection:
            return self._get(connection, name)

    def _get(self, connection: Connection, name: str) -> SavedBudget:
        name = _query_text(name)
        row = connection.execute(sa.select(*_SUMMARY_COLUMNS, budgets.c.id, budgets.c.scenario, budgets.c.totals)
                                 .where(budgets.c.name == name)).first()
        if row is None:
            raise BudgetNotFound(Problem(self.label, None, "", f"no saved budget is named {name!r}"))
        digests = {file: d for file, d in connection.execute(
            sa.select(budget_price_tables.c.file_name, budget_price_tables.c.digest)
            .where(budget_price_tables.c.budget_id == row.id))}
        summary = _summary(row)
        return SavedBudget(**{f.name: getattr(summary, f.name) for f in dataclasses.fields(BudgetSummary)},
                           totals=BudgetTotals.from_json(row.totals), scenario_yaml=row.scenario,
                           table_digests=dict(sorted(digests.items())), id=row.id)

    def table_texts(self, budget: SavedBudget) -> dict[str, str]:
        """The text of each price file the budget was costed on, by file name. If the budget was saved over
        (or deleted) since ``budget`` was read, its tables are not these: ``BudgetConflict``."""
        with self._transaction("read the budget's price tables") as connection:
            rows = connection.execute(
                sa.select(budget_price_tables.c.file_name, budget_price_tables.c.digest, price_tables.c.content)
                .join(price_tables, price_tables.c.digest == budget_price_tables.c.digest)
                .where(budget_price_tables.c.budget_id == budget.id)).all()
        if {file: d for file, d, _ in rows} != dict(budget.table_digests):
            raise BudgetConflict(Problem(self.label, None, "", (
                f"{budget.name!r} was changed or deleted since it was opened; open it again")))
        return {file: text for file, _, text in sorted(rows)}

    # -- writing -----------------------------------------------------------------------------------
    def save(self, draft: BudgetDraft, who: Actor, expected_version: int | None = None) -> SavedBudget:
        """Save ``draft`` as a new budget owned by ``who`` (``expected_version`` None: its name must be
        free), or over the budget of that name at ``expected_version`` (the version it was opened at).

        Refused, with nothing written: a new budget whose name is taken; a save over a budget that has moved
        on since ``expected_version`` (``BudgetConflict``); over an approved budget (duplicate it to change
        it); over someone else's budget unless ``who`` is a price admin (``NotAllowed``).
        """
        name = clean_name(draft.name)
        owner = _person(who, "save a budget")
        now = _utc_now()
        values = {"scenario": draft.scenario_yaml, "planned_on": draft.planned_on, "updated_at": now,
                  **_totals_columns(draft.totals)}
        with self._transaction("save the budget", write=True) as connection:
            if expected_version is None:
                taken = connection.scalar(sa.select(budgets.c.status).where(budgets.c.name == name))
                if taken is not None:
                    raise BudgetConflict(Problem(self.label, None, "name", (
                        f"a budget named {name!r} is already saved and approved; choose another name"
                        if taken == "approved" else
                        f"a budget named {name!r} is already saved; open it to save over it, or choose another "
                        "name")))
                budget_id = connection.execute(budgets.insert().values(
                    name=name, search_name=folded(name), owner=owner, created_at=now, status="draft", version=1,
                    **values)).inserted_primary_key
                assert budget_id is not None
                self._link_tables(connection, budget_id[0], draft.tables)
            else:
                current = self._get(connection, name)
                self._check_version(current, expected_version, "saved")
                if current.status == "approved":
                    raise BudgetConflict(Problem(self.label, None, "", (
                        f"{name!r} is approved ({current.describe_status()}) and is kept as approved; "
                        "duplicate it to change it")))
                if not who.may_change(current.owner):
                    raise NotAllowed(Problem(self.label, None, "", (
                        f"{name!r} belongs to {current.owner}; only they or a price admin may save over it. "
                        "Duplicate it to make your own copy")))
                self._update(connection, current, expected_version, values)
                connection.execute(budget_price_tables.delete().where(budget_price_tables.c.budget_id == current.id))
                self._link_tables(connection, current.id, draft.tables)
                self._drop_unused_tables(connection)
            return self._get(connection, name)

    def duplicate(self, name: str, new_name: str, who: Actor) -> SavedBudget:
        """A draft copy of budget ``name``, named ``new_name`` and owned by ``who``, on the same tables."""
        new_name = clean_name(new_name)
        owner = _person(who, "duplicate a budget")
        with self._transaction("duplicate the budget", write=True) as connection:
            source = self._get(connection, name)
            if connection.scalar(sa.select(budgets.c.id).where(budgets.c.name == new_name)) is not None:
                raise BudgetConflict(Problem(self.label, None, "name", f"a budget named {new_name!r} is already saved"))
            now = _utc_now()
            new_id = connection.execute(budgets.insert().values(
                name=new_name, search_name=folded(new_name), owner=owner, created_at=now, updated_at=now,
                status="draft", version=1, scenario=source.scenario_yaml, planned_on=source.planned_on,
                **_totals_columns(source.totals))).inserted_primary_key
            assert new_id is not None
            connection.execute(budget_price_tables.insert(), [
                {"budget_id": new_id[0], "file_name": file, "digest": d} for file, d in source.table_digests.items()])
            return self._get(connection, new_name)

    def approve(self, name: str, who: Actor, expected_version: int) -> SavedBudget:
        """Mark the budget approved by ``who``, now: a price admin or a budget approver. The version must be
        the one ``who`` saw, so that nobody approves figures they have not seen."""
        if not who.may_approve:
            raise NotAllowed(Problem(self.label, None, "", (
                "only a price admin or a budget approver may approve a budget (README, Saved budgets)")))
        approver = _person(who, "approve a budget")
        with self._transaction("approve the budget", write=True) as connection:
            current = self._get(connection, name)
            self._check_version(current, expected_version, "approved")
            if current.status == "approved":
                raise BudgetConflict(Problem(self.label, None, "", f"{name!r} is already {current.describe_status()}"))
            now = _utc_now()
            self._update(connection, current, expected_version, {
                "status": "approved", "approved_by": approver, "approved_at": now,
                "updated_at": now})
            return self._get(connection, name)

    def delete(self, name: str, who: Actor, expected_version: int | None = None) -> None:
        """Delete the budget (and any table text no other budget uses): its owner or a price admin. With
        ``expected_version``, only if nobody changed it since."""
        _person(who, "delete a budget")
        with self._transaction("delete the budget", write=True) as connection:
            current = self._get(connection, name)
            if not who.may_change(current.owner):
                raise NotAllowed(Problem(self.label, None, "", (
                    f"{name!r} belongs to {current.owner}; only they or a price admin may delete it")))
            if not who.may_delete(current.owner, current.status):
                raise NotAllowed(Problem(self.label, None, "", (
                    f"{name!r} is approved ({current.describe_status()}); only a price admin may delete an "
                    "approved budget")))
            if expected_version is not None:
                self._check_version(current, expected_version, "deleted")
            connection.execute(budget_price_tables.delete().where(budget_price_tables.c.budget_id == current.id))
            connection.execute(budgets.delete().where(budgets.c.id == current.id))
            self._drop_unused_tables(connection)

    def _check_version(self, current: SavedBudget, expected: int, what: str) -> None:
        if current.version != expected:
            last = (f"approved by {current.approved_by}" if current.status == "approved"
                    and current.approved_at == current.updated_at else "saved")  # the last change was the approval
            raise BudgetConflict(Problem(self.label, None, "", (
                f"{current.name!r} was changed since you opened it (version {expected}; it is now version "
                f"{current.version}, {last} {current.updated_at:%d %b %Y %H:%M} UTC); it was not {what}")))

    def _update(self, connection: Connection, current: SavedBudget, expected: int, values: dict[str, Any]) -> None:
        # The version in the WHERE clause makes the check and the write one step: of two sessions that read
        # the same version, the second's update matches no row, whatever the database's isolation level.
        done = connection.execute(budgets.update().where(budgets.c.id == current.id, budgets.c.version == expected)
                                  .values(version=expected + 1, **values))
        if done.rowcount != 1:
            raise BudgetConflict(Problem(self.label, None, "", (
                f"{current.name!r} was changed by someone else while saving; nothing was written")))

    def _link_tables(self, connection: Connection, budget_id: int, tables: Mapping[str, str]) -> None:
        digests = {name: digest(text) for name, text in tables.items()}
        known = set(connection.scalars(sa.select(price_tables.c.digest).where(
            price_tables.c.digest.in_(set(digests.values())))))
        new = {d: tables[name] for name, d in digests.items() if d not in known}
        if new:
            # Another session may store the same new text between the look and the insert (two budgets saved
            # at once on a table just edited): the text is the same, so theirs does.
            connection.execute(_insert_new(connection, price_tables, ["digest"]),
                               [{"digest": d, "content": text} for d, text in new.items()])
        if digests:
            connection.execute(budget_price_tables.insert(), [
                {"budget_id": budget_id, "file_name": name, "digest": d} for name, d in sorted(digests.items())])

    def _drop_unused_tables(self, connection: Connection) -> None:
        used = sa.select(budget_price_tables.c.digest)
        connection.execute(price_tables.delete().where(price_tables.c.digest.not_in(used)))


def open_store(url: str) -> BudgetStore:
    """Open the store at ``url`` (see ``database_url``), bringing its schema up to this release's
    (Alembic's migrations keep every budget saved before). An SQLite file is made if missing, in a
    folder that exists. Raises ``BudgetStoreError`` naming the database if it cannot be used."""
    label = describe_database(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BudgetStoreError(Problem("budgets database", None, "", (
            "not a database URL; expected a file's path, sqlite:///PATH or postgresql://USER@HOST/DATABASE"))) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise BudgetStoreError(Problem(label, None, "", (
            f"{parsed.get_backend_name()!r} is not a database the store runs on; expected a file's path, "
            "sqlite:///PATH or postgresql://USER@HOST/DATABASE")))
    sqlite = parsed.get_backend_name() == "sqlite"
    file = parsed.database or ""
    if sqlite and (not file or file == ":memory:" or "mode=memory" in str(parsed)):
        raise BudgetStoreError(Problem(label, None, "", (
            "an in-memory database keeps nothing once the planner stops; give a file's path")))
    if sqlite and not file.startswith("file:") and not Path(file).parent.is_dir():
        raise BudgetStoreError(Problem(label, None, "", "its folder does not exist"))
    try:
        engine = sa.create_engine(parsed, **_engine_options(parsed))
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise BudgetStoreError(Problem(label, None, "", f"cannot be opened: {exc}")) from None
    if sqlite:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
    try:
        _upgrade(engine)
    except BudgetStoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise BudgetStoreError(Problem(label, None, "", f"cannot be opened: {_in_words(exc)}")) from None
    return BudgetStore(engine, label)


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        # A writer waits this long for another's lock before "database is locked" (ours, naming the file).
        return {"connect_args": {"timeout": BUSY_TIMEOUT_SECONDS}}
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 begins a transaction only before a write, and runs CREATE TABLE outside one: a
    # migration could stop half-made, and a save's reads would not be in its transaction. Off with that
    # (SQLAlchemy's documented recipe): ``_begin`` says BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # SQLite enforces the tables' links only when asked
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A writing transaction takes the write lock at once, so two writers (or two first openings making the
    # tables) queue for it, within the busy timeout, instead of one failing halfway.
    immediate = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _upgrade(engine: Engine) -> None:
    """Run the migrations this database lacks; refuse one made by a newer release (it may not read)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several replicas may start at once: one upgrades, the others wait and then find it done.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        from alembic import command
        from alembic.util import CommandError

        try:
            known = current is None or ScriptDirectory.from_config(config).get_revision(current) is not None
        except CommandError:  # a revision this release's migrations do not have
            known = False
        if not known:
            raise BudgetStoreError(Problem(describe_database(engine.url), None, "", (
                f"was made by a newer release of llm-planner (schema {current}); upgrade this one to use it")))

        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _integrity(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "budgets.name" in text or "uq_budgets_name" in text:  # SQLite's and PostgreSQL's words for that name
        return "a budget of that name was saved at the same moment; choose another name or open it"
    return "another change to the saved budgets came at the same moment; nothing was written: try again"


def _in_words(exc: BaseException) -> str:
    """What went wrong with the database, in words, without the driver's traceback or the SQL."""
    text = str(exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc).lower()
    if "locked" in text or "busy" in text:
        return (f"the database is locked by another program and stayed locked for {BUSY_TIMEOUT_SECONDS:g} s; "
                "try again")
    if "readonly" in text or "read-only" in text or "read only" in text:
        return "the database is read-only here (check the file's and its folder's permissions)"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "the file is not a budgets database or is damaged; restore it from a backup (README, Saved budgets)"
    if "unable to open" in text:
        return "the file cannot be opened (check that its folder exists and can be written)"
    if "password" in text or "authentication" in text or ("role" in text and "does not exist" in text):
        return "the database refused the login (check the user and password in the database URL)"
    if "connection" in text or "could not connect" in text or "timeout" in text:
        return "the database server does not answer"
    if "no such table" in text or "does not exist" in text:
        return "the database lacks the budgets' tables"
    return "the database refused the request"
