"""Saved budgets: a team's plans kept with the exact price tables they were costed on.

``store`` keeps them (SQLite by default, PostgreSQL for several app replicas; schema in ``schema``,
migrations in ``migrations``), ``snapshot`` costs a saved budget again on its own tables, and ``changes``
says what moved since, price by price and line by line.

The two names below live here, not in ``store``, so that the command line can name them without loading
SQLAlchemy for every command.
"""

DB_ENV = "LLM_PLANNER_DB"  # the database URL (or an SQLite file's path), when not given with --db
LOCAL_PERSON = "local"  # who owns and approves where nobody signs in: the laptop's one user, the command line
