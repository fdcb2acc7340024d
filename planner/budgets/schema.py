"""The saved budgets' tables, for SQLAlchemy and for Alembic's migrations (which must make the same).

Three tables:

- ``budgets``: one row per budget: its name, owner, times, status, the version counter that refuses a
  save made on a stale copy, the scenario written out in full, the planning day and the totals (with the
  option count and the lowest total beside them, so that a list of thousands parses no totals).
- ``price_tables``: each distinct price-table text once, keyed by its SHA-256 digest: a hundred budgets
  costed on the same tables store them once.
- ``budget_price_tables``: which text of which file each budget was costed on.

Times are stored as UTC without a zone (SQLite has none, and the same column must read the same on
PostgreSQL); they are read back the same way, and shown with "UTC".
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# Constraint names are given by convention, so that a migration can name what it changes on every database.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

NAME_CHARS = 120  # a budget's name, as people type it
SEARCH_CHARS = 3 * NAME_CHARS  # case folding can lengthen a name ("ß" is "ss"), at most threefold
USER_CHARS = 254  # an owner or approver: an e-mail address at its longest

budgets = Table(
    "budgets", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(NAME_CHARS), nullable=False, unique=True),
    Column("search_name", String(SEARCH_CHARS), nullable=False),  # the name in one case (store.folded), to search
    Column("owner", String(USER_CHARS), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("approved_by", String(USER_CHARS)),
    Column("approved_at", DateTime()),
    Column("version", Integer, nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("horizon_months", Integer, nullable=False),
    Column("option_count", Integer, nullable=False),  # these two repeat the totals, for a fast list
    Column("lowest_total", Float),
    Column("scenario", Text, nullable=False),
    Column("totals", Text, nullable=False),
    CheckConstraint("status IN ('draft', 'approved')", name="status"),
    CheckConstraint("(status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL)",
                    name="approved_with_who_and_when"),
    Index("ix_budgets_updated_at", "updated_at"),
    Index("ix_budgets_owner", "owner"),
)

price_tables = Table(
    "price_tables", metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the text's UTF-8 bytes, in hex
    Column("content", Text, nullable=False),
)

budget_price_tables = Table(
    "budget_price_tables", metadata,
    Column("budget_id", Integer, ForeignKey("budgets.id", ondelete="CASCADE"), primary_key=True),
    Column("file_name", String(255), primary_key=True),
    Column("digest", String(64), ForeignKey("price_tables.digest"), nullable=False),
    Index("ix_budget_price_tables_digest", "digest"),
)
