"""One file per schema revision, oldest first (Alembic reads them; nothing imports them)."""
