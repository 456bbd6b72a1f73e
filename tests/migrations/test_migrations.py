"""Migrations: the models agree with the schema the migrations build, and every revision walks
up and down on the backend under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

import charter_engine.models  # noqa: F401
from charter_engine import migrate
from charter_engine.db import Base, make_engine
from tests.conftest import TEST_DATABASE_URL, USE_POSTGRES, _ensure_pg_database


@pytest.fixture
def empty_engine(tmp_path: Path, database_template: str) -> Iterator[Engine]:
    if USE_POSTGRES:
        url = make_url(make_engine(TEST_DATABASE_URL).url)
        url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
        _ensure_pg_database(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
    yield engine
    engine.dispose()


def test_models_and_migrations_agree(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_single_head_and_every_revision_walks_up_and_down(empty_engine: Engine) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1, "merge the migration branches: more than one head"
    # Oldest first; each revision is upgraded to on its own, then everything is walked back down
    # one revision at a time, and up again.
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:
        migrate.upgrade(empty_engine, revision.revision)
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())
    for revision in reversed(revisions):
        if revision.revision not in _current_heads(empty_engine):
            continue  # already walked down together with a branch below a merge point
        down = revision.down_revision
        target = "base" if down is None else down if isinstance(down, str) else down[0]
        migrate.downgrade(empty_engine, target)
        assert revision.revision not in _current_heads(empty_engine)
    assert _current_heads(empty_engine) == ()
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_engine)
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())


def _current_heads(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def test_alembic_from_the_command_line_commits_its_work(empty_engine: Engine) -> None:
    """``alembic upgrade heads`` (which opens its own connection from the URL) really commits."""
    from alembic import command

    url = empty_engine.url.render_as_string(hide_password=False)
    command.upgrade(migrate.alembic_config(url=url), "heads")
    assert _current_heads(empty_engine) != ()
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())
