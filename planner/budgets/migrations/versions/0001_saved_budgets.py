"""Saved budgets: budgets, the distinct price-table texts, and which texts each budget was costed on.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("search_name", sa.String(length=360), nullable=False),
        sa.Column("owner", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_by", sa.String(length=254), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("horizon_months", sa.Integer(), nullable=False),
        sa.Column("option_count", sa.Integer(), nullable=False),
        sa.Column("lowest_total", sa.Float(), nullable=True),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("totals", sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f("ck_budgets_status")),
        sa.CheckConstraint("(status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL)",
                           name=op.f("ck_budgets_approved_with_who_and_when")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
        sa.UniqueConstraint("name", name=op.f("uq_budgets_name")),
    )
    op.create_index("ix_budgets_updated_at", "budgets", ["updated_at"])
    op.create_index("ix_budgets_owner", "budgets", ["owner"])
    op.create_table(
        "price_tables",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_price_tables")),
    )
    op.create_table(
        "budget_price_tables",
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["budget_id"], ["budgets.id"], name=op.f("fk_budget_price_tables_budget_id_budgets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["digest"], ["price_tables.digest"],
                                name=op.f("fk_budget_price_tables_digest_price_tables")),
        sa.PrimaryKeyConstraint("budget_id", "file_name", name=op.f("pk_budget_price_tables")),
    )
    op.create_index("ix_budget_price_tables_digest", "budget_price_tables", ["digest"])


def downgrade() -> None:
    op.drop_table("budget_price_tables")
    op.drop_table("price_tables")
    op.drop_table("budgets")
