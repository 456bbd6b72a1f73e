"""Database plumbing: the declarative ``Base``, engines for SQLite and PostgreSQL, sessions.

SQLite is configured for concurrent use: WAL, foreign keys on, a busy timeout and
``BEGIN IMMEDIATE`` for write transactions (plain ``BEGIN`` lets two writers start and then fail
with "database is locked"). Read-only units of work ask for a deferred begin with
:func:`begin_reading` before their first query. A deferred transaction that later writes cannot wait
for another writer (SQLite answers "database is locked" at once), so only reads use it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps stored as UTC on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# Connections a PostgreSQL engine keeps open: the server's default 8 threads and some to spare.
DEFAULT_POOL_SIZE = 10


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the project's per-backend settings."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if ":memory:" not in url and url != "sqlite://":
            # A file database needs no pool: connections are cheap and per-thread.
            kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Enough connections kept open for every server thread: a pool smaller than the number of
    # threads opens and closes a connection (a new PostgreSQL backend) for many requests.
    kwargs.setdefault("pool_size", DEFAULT_POOL_SIZE)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_idle_connections(engine, PING_AFTER_IDLE)
    return engine


# A pooled connection that waited longer than this (seconds) is pinged before it is lent again.
PING_AFTER_IDLE = 2.0
_IDLE_SINCE = "charter_engine.idle_since"


def _ping_idle_connections(engine: Engine, idle: float) -> None:
    """Ping a pooled connection before lending it, unless it was in use moments ago.

    A connection that waited in the pool may have died meanwhile (a server restart, a firewall's
    idle timeout): the ping finds out, and the pool replaces it before a request sees an error.
    A connection returned less than ``idle`` seconds ago needs no ping (had the server gone away
    since, the request's first statement fails as a disconnect, and the pool then drops every
    connection older than that failure). Under load every connection comes back within
    milliseconds, so a busy server saves a round trip per request.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle:
            return  # a new connection, or one in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and lends another (a new one if need be).
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def begin_reading(session: Session) -> None:
    """Start ``session``'s next transaction as a read: on SQLite with a deferred ``BEGIN``, which
    never waits for (nor blocks) a writer. Call it before the transaction's first query."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})


# ``session.info`` key: the session's unit of work commits as soon as its operation returns.
_COMMITS_AT_ONCE = "charter_engine.commits_at_once"


def commits_at_once(session: Session) -> None:
    """Declare that whoever owns ``session`` (a request's unit of work) commits as soon as the
    operation it calls returns, and does nothing after it that could fail and want the operation
    rolled back. A write that is a whole change in one statement may then commit by itself (see
    :func:`statements_on_their_own`). Holds for the rest of the session's life."""
    session.info[_COMMITS_AT_ONCE] = True


@contextmanager
def statements_on_their_own(session: Session, *, reading: bool = False) -> Iterator[Connection]:
    """The session's connection; on PostgreSQL, at the start of the session's transaction, each
    statement run inside the block is a transaction of its own (autocommit).

    It spares a request the BEGIN and COMMIT round trips when each of its statements is complete by
    itself: a token check, then a vote written with its audit event in one statement. Once a write
    has committed by itself its caller can no longer roll it back, so writes do so only in a session
    whose unit of work said it :func:`commits_at_once`; reads (``reading=True``) always may.
    Statements after the block start a transaction as usual. Where a transaction is under way, and
    on SQLite (whose writers need ``BEGIN IMMEDIATE``), the statements simply join the session's
    transaction.
    """
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    if (
        conn.dialect.name != "postgresql"
        or raw is None
        or not (reading or session.info.get(_COMMITS_AT_ONCE))
        or raw.info.transaction_status != TransactionStatus.IDLE
    ):
        yield conn
        return
    raw.autocommit = True
    try:
        yield conn
    finally:
        if not raw.closed:
            raw.autocommit = False


def make_session_factory(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``info`` is copied into each session's ``Session.info``."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)
