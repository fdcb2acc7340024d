"""The throwaway PostgreSQL server the saved-budgets tests run on (tests/postgres_server.py): it answers
through SQLAlchemy and psycopg, listens on 127.0.0.1 only, and is gone once its block is left."""

from __future__ import annotations

import contextlib
import socket

import pytest
import sqlalchemy
from postgres_server import running_postgres


def test_server_answers_on_loopback_only(postgres_url: str) -> None:
    engine = sqlalchemy.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("select 1")).scalar_one() == 1
            assert connection.execute(sqlalchemy.text("show listen_addresses")).scalar_one() == "127.0.0.1"
    finally:
        engine.dispose()


def test_server_is_gone_after_its_block() -> None:
    with running_postgres() as url:
        port = sqlalchemy.make_url(url).port
        assert port is not None
        # Something listens while the block runs...
        with contextlib.closing(socket.create_connection(("127.0.0.1", port), timeout=10)):
            pass
    # ...and nothing once it is left: pg_ctl stop -w has waited for the server to exit.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
