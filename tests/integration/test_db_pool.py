"""The PostgreSQL pool: a pooled connection that died while it waited is replaced before use."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from charter_engine import db
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="SQLite file databases have no pool")


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


def test_a_pooled_connection_that_died_is_replaced_before_use(database_url: str) -> None:
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    other = db.make_engine(database_url)
    try:
        dead = _backend_pid(engine)
        # End the pooled connection's backend from another connection, as a server restart or
        # a firewall would.
        with other.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
            conn.commit()
        # The ping before use finds it dead: the pool lends a new one and the query succeeds.
        assert _backend_pid(engine) != dead
    finally:
        engine.dispose()
        other.dispose()
