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


def test_downgrading_past_chain_later_keeps_every_event(empty_engine: Engine) -> None:
    """Events not chained yet have no place in the older schema: the downgrade refuses until they
    are chained, then keeps them all; upgrading again finds the same chain."""
    from charter_engine.audit.chainer import AUDIT_CHAINER
    from charter_engine.audit.operations import chain_pending, record_event, verify_chain
    from charter_engine.db import make_session_factory
    from charter_engine.errors import Conflict

    class NoThread:
        def poke(self) -> None:
            pass

    migrate.upgrade(empty_engine)
    with make_session_factory(empty_engine, info={AUDIT_CHAINER: NoThread()})() as session:
        record_event(session, "kept", actor_id=None, object_type="test", object_id=1)
        session.commit()
        for i in range(2):
            record_event(
                session, "waiting", actor_id=None, object_type="test", object_id=i, chain_later=True
            )
        session.commit()
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    with pytest.raises(Conflict, match="2 audit event"):
        migrate.downgrade(empty_engine, "0004_merge")
    # Nothing was downgraded: the refusal rolled back the whole walk down.
    assert _current_heads(empty_engine) == (head,)

    with make_session_factory(empty_engine)() as session:
        assert chain_pending(session) == 2
        session.commit()
    migrate.downgrade(empty_engine, "0004_merge")
    columns = {c["name"]: c for c in inspect(empty_engine).get_columns("audit_events")}
    assert not any(columns[name]["nullable"] for name in ("seq", "prev_hash", "hash"))
    migrate.upgrade(empty_engine)
    with make_session_factory(empty_engine)() as session:
        result = verify_chain(session)
    assert result.ok and result.checked == 3 and result.unchained == 0
