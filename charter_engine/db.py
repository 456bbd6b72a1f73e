"""Database plumbing: the declarative ``Base``, engines for SQLite and PostgreSQL, sessions.

SQLite is configured for concurrent use: WAL, foreign keys on, a busy timeout and
``BEGIN IMMEDIATE`` for write transactions (plain ``BEGIN`` lets two writers start and then fail
with "database is locked"). Read-only units of work ask for a deferred begin with
:func:`begin_reading` before their first query. A deferred transaction that later writes cannot wait
for another writer (SQLite answers "database is locked" at once), so only reads use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import CheckConstraint, DateTime, Engine, MetaData, create_engine, event, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from charter_engine.errors import NotFound

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


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """``CHECK (column IN ('a', 'b', ...))``, named ``<column>_known``: the column holds one of
    ``values``, the same tuple the code checks against, so that the two cannot drift apart."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


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
    # A pooled connection may have died while it waited (a server restart, a firewall's idle
    # timeout): a ping before each use finds out, and the pool replaces it.
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


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


def make_session_factory(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``info`` is copied into each session's ``Session.info``."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


RowT = TypeVar("RowT", bound=Base)


def rows_by_id(session: Session, model: type[RowT], ids: Iterable[int | None]) -> dict[int, RowT]:
    """The rows of ``model`` with these ids (Nones skipped), by id, in one query (none when no id
    is given): what a page needs to name the people, amendments or versions it lists."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    id_column = model.__table__.c.id
    rows = session.execute(select(id_column, model).where(id_column.in_(wanted)))
    return {row_id: row for row_id, row in rows}


def lock_row(session: Session, model: type[RowT], row_id: int, *, missing: str) -> RowT:
    """The row of ``model`` with this id, locked ``FOR UPDATE`` until the transaction ends, or
    :class:`~charter_engine.errors.NotFound` saying ``missing``.

    The row is read afresh (``populate_existing``): a row this session already holds would
    otherwise come back as it was first loaded, without the change of the transaction whose lock
    this one waited for."""
    id_column = model.__table__.c.id
    row = session.execute(
        select(model)
        .where(id_column == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(missing)
    return row
