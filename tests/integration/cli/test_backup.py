"""``charter-engine backup`` and ``restore``: a database with history, backed up and restored
into an empty one, comes back identical — texts, tallies, votes and a verifying audit chain.

On SQLite the backup uses SQLite's online backup API; on PostgreSQL ``pg_dump``/``pg_restore``,
restored into a database the test creates next to the test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from charter_engine.audit.operations import chain_head, verify_chain
from charter_engine.db import make_engine
from charter_engine.voting.reconcile import vote_discrepancies
from tests.conftest import USE_POSTGRES
from tests.integration.reliability.world import World, build_world
from tests.web.support import db_snapshot


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The address of a new, empty database to restore into."""
    if not USE_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored' / 'charter.sqlite3'}"
        return
    url = make_url(make_engine(database_url).url)
    name = f"{url.database}_restored"
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    drop()
    admin.dispose()


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CHARTER_DATABASE_URL", url)


def test_a_restored_backup_is_the_database_that_was_backed_up(
    cli: Any,
    world: World,
    engine: Engine,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backup = tmp_path / "charter.backup"
    done = cli("backup", str(backup))
    assert done.exit_code == 0, done.output
    assert f"backed up the database to {backup}" in done.output

    _use(monkeypatch, empty_url)
    restored = cli("restore", str(backup))
    assert restored.exit_code == 0, restored.output

    target = make_engine(empty_url)
    try:
        # Every row of every table: charters, revisions and clause texts, amendments, ballots
        # with their stored results, votes, papers, the audit log and its head.
        assert db_snapshot(target) == db_snapshot(engine)
        with Session(target) as session:
            assert verify_chain(session).ok
            assert vote_discrepancies(session) == []
            head = chain_head(session)
            (result,) = session.execute(
                text("SELECT result FROM ballots WHERE id = :b"), {"b": world.secret_ballot}
            ).one()
        assert head is not None and '"yes": 3' in result
        verified = cli("audit", "verify")
        assert verified.exit_code == 0, verified.output
        assert f"chain head: event {head.seq}, hash {head.hash}" in verified.output
        exported = cli("export", world.slug)
        _use(monkeypatch, str(engine.url.render_as_string(hide_password=False)))
        assert exported.output == cli("export", world.slug).output
    finally:
        target.dispose()


def test_restore_refuses_a_database_that_is_not_empty(
    cli: Any, world: World, tmp_path: Path
) -> None:
    backup = tmp_path / "charter.backup"
    assert cli("backup", str(backup)).exit_code == 0
    refused = cli("restore", str(backup))
    assert refused.exit_code == 1
    assert (
        "is not empty" in refused.output and "restore into a new, empty database" in refused.output
    )
    assert "Traceback" not in refused.output


def test_restore_of_a_missing_file_fails_in_one_line(cli: Any, tmp_path: Path) -> None:
    refused = cli("restore", str(tmp_path / "nothing.backup"))
    assert refused.exit_code == 1 and "no such backup file" in refused.output


def test_without_postgresql_client_tools_the_error_says_what_to_install(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PostgreSQL address on a machine whose PATH holds no pg_dump or pg_restore.
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    _use(monkeypatch, "postgresql://charter@127.0.0.1:1/charter")
    backup = cli("backup", str(tmp_path / "charter.backup"))
    assert backup.exit_code == 1
    assert "pg_dump was not found on the PATH" in backup.output
    assert "postgresql-client" in backup.output
    assert not (tmp_path / "charter.backup").exists()
    (tmp_path / "charter.backup").write_bytes(b"PGDMP")
    restore = cli("restore", str(tmp_path / "charter.backup"))
    assert restore.exit_code == 1
    assert "pg_restore was not found on the PATH" in restore.output
