"""The PostgreSQL pool: a connection that waited is pinged before it is lent; a busy one is not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def _pool_with_a_dead_connection(
    database_url: str, monkeypatch: pytest.MonkeyPatch, idle: float
) -> Iterator[tuple[Engine, int]]:
    """A one-connection pool whose pooled connection another connection has just ended, and the
    pid of that ended backend; ``idle`` is the pool's ping threshold."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE", idle)
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    other = db.make_engine(database_url)
    try:
        dead = _backend_pid(engine)
        _terminate(other, dead)
        yield engine, dead
    finally:
        engine.dispose()
        other.dispose()


def test_a_connection_that_waited_is_pinged_and_replaced_when_dead(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _pool_with_a_dead_connection(database_url, monkeypatch, idle=0.0) as (engine, dead):
        # The ping finds the connection dead: the pool lends a new one and the query succeeds.
        assert _backend_pid(engine) != dead


def test_a_connection_in_use_moments_ago_is_lent_without_a_ping(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _pool_with_a_dead_connection(database_url, monkeypatch, idle=3600.0) as (engine, dead):
        # No ping: the first statement meets the dead connection and fails as a disconnect ...
        with pytest.raises(OperationalError) as failure:
            _backend_pid(engine)
        assert failure.value.connection_invalidated
        # ... and the pool has dropped it: the next request gets a live connection.
        assert _backend_pid(engine) != dead
