"""The PostgreSQL pool: a connection that waited is pinged before it is lent; a busy one is not."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from charter_engine import db
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="SQLite file databases have no pool")


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


def _terminate(engine: Engine, pid: int) -> None:
    """End a backend from another connection, as a server restart or a firewall would."""
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()


def _engines(database_url: str, monkeypatch: pytest.MonkeyPatch, idle: float) -> list[Engine]:
    monkeypatch.setattr(db, "PING_AFTER_IDLE", idle)
    return [db.make_engine(database_url, pool_size=1, max_overflow=0), db.make_engine(database_url)]


def test_a_connection_that_waited_is_pinged_and_replaced_when_dead(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, other = _engines(database_url, monkeypatch, idle=0.0)
    try:
        dead = _backend_pid(engine)
        _terminate(other, dead)
        # The ping finds the connection dead: the pool lends a new one and the query succeeds.
        assert _backend_pid(engine) != dead
    finally:
        engine.dispose()
        other.dispose()


def test_a_connection_in_use_moments_ago_is_lent_without_a_ping(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, other = _engines(database_url, monkeypatch, idle=3600.0)
    try:
        dead = _backend_pid(engine)
        _terminate(other, dead)
        # No ping: the first statement meets the dead connection and fails as a disconnect ...
        with pytest.raises(OperationalError) as failure:
            _backend_pid(engine)
        assert failure.value.connection_invalidated
        # ... and the pool has dropped it: the next request gets a live connection.
        assert _backend_pid(engine) != dead
    finally:
        engine.dispose()
        other.dispose()
