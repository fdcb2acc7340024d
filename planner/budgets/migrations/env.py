"""Alembic's environment: run the migrations on the connection ``planner.budgets.store`` opened.

The store passes its connection in ``config.attributes["connection"]``, so that the migrations run in its
transaction, under its lock. Batch mode lets a later migration alter a column on SQLite, which cannot
alter one in place (Alembic copies the table).
"""

from __future__ import annotations

from alembic import context

from planner.budgets.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
