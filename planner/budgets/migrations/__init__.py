"""Alembic's migrations of the saved budgets' schema; ``planner.budgets.store`` runs them on opening."""
