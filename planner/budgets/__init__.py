"""Saved budgets: a team's plans kept with the exact price tables they were costed on.

``store`` keeps them (SQLite by default, PostgreSQL for several app replicas; schema in ``schema``,
migrations in ``migrations``), ``snapshot`` costs a saved budget again on its own tables, and ``changes``
says what moved since, price by price and line by line.
"""
