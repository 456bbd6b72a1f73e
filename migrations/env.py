"""Alembic environment: runs migrations on the database named by CHARTER_DATABASE_URL.

The URL can also be passed in by code (``config.attributes["connection"]`` or the
``sqlalchemy.url`` option), which is how ``charter-engine db upgrade`` and the tests call it.
"""

from __future__ import annotations

from alembic import context

import charter_engine.models  # noqa: F401  (registers every table)
from charter_engine.config import load_settings
from charter_engine.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    is_sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        if not is_sqlite:
            # A migration waits at most this long for a lock instead of stalling the site. Set
            # inside the migration's transaction: a statement before it would start a transaction
            # of its own that Alembic then never commits.
            connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations_online()
