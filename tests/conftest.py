"""Test fixtures: a real database per test (SQLite or PostgreSQL), the app, and builders.

The backend is chosen by ``CHARTER_TEST_DATABASE_URL``: unset means SQLite (a fresh file per test,
copied from a template migrated once per run); a ``postgresql://`` URL means that database, migrated
once per run and emptied after each test. When PostgreSQL is asked for but not reachable, the tests
that need a database skip with a clear message, or fail when ``CHARTER_REQUIRE_POSTGRES=1``.

Builders named ``create_*`` go through the operations, so test data obeys the rules real data obeys.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import charter_engine.models  # noqa: F401
from charter_engine import migrate
from charter_engine.db import Base, make_engine, make_session_factory

TEST_DATABASE_URL = os.environ.get("CHARTER_TEST_DATABASE_URL", "")
USE_POSTGRES = TEST_DATABASE_URL.startswith("postgres")
GENESIS = "0" * 64


def _ensure_pg_database(url: str) -> None:
    """Create the test database if it does not exist yet."""
    from sqlalchemy.engine import make_url

    parsed = make_url(make_engine(url).url)
    admin = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the run: the SQLite template file, or the PostgreSQL URL."""
    if USE_POSTGRES:
        try:
            _ensure_pg_database(TEST_DATABASE_URL)
            engine = make_engine(TEST_DATABASE_URL)
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as exc:
            message = f"PostgreSQL not reachable at {TEST_DATABASE_URL}: {exc.__class__.__name__}"
            if os.environ.get("CHARTER_REQUIRE_POSTGRES") == "1":
                pytest.fail(message + " (CHARTER_REQUIRE_POSTGRES=1)")
            pytest.skip(message)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        migrate.upgrade(engine)
        engine.dispose()
        yield TEST_DATABASE_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    yield str(path)


def _empty_postgres(engine: Engine) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "audit_head"]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": GENESIS})


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if USE_POSTGRES:
        yield database_template
        engine = make_engine(database_template)
        _empty_postgres(engine)
        engine.dispose()
        return
    path = tmp_path / "charter.sqlite3"
    shutil.copyfile(database_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Callable[[], Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: Callable[[], Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    from charter_engine.app import create_app

    app = create_app(
        {
            "database_url": database_url,
            "secret_key": "test-secret",
            "instance_dir": tmp_path / "instance",
            "testing": True,
        }
    )
    yield app
    app.extensions["charter_engine"].close()


def chain_audit_events(app: Any) -> int:
    """Chain the audit events the app's requests recorded to be chained later (votes), as its
    chainer does moments after each commit; a test calls it before it reads the audit log or
    compares database snapshots. Returns how many events were chained."""
    chained: int = app.extensions["charter_engine"].chainer.flush()
    return chained


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


# --- builders ----------------------------------------------------------------------------------


@pytest.fixture
def create_user(session: Session) -> Callable[..., Any]:
    from charter_engine.accounts.operations import create_user as _create

    counter = {"n": 0}

    def build(role: str = "member", **kwargs: Any) -> Any:
        counter["n"] += 1
        kwargs.setdefault("email", f"{role}{counter['n']}@example.org")
        kwargs.setdefault("name", f"{role.title()} {counter['n']}")
        user = _create(session, role=role, **kwargs)
        session.commit()
        return user

    return build


@pytest.fixture
def secretariat(create_user: Callable[..., Any]) -> Any:
    return create_user("secretariat", name="Sam Secretariat", email="sec@example.org")


@pytest.fixture
def create_charter(session: Session, secretariat: Any) -> Callable[..., Any]:
    from charter_engine.charters.operations import import_charter

    def build(text: str = "", title: str = "Test Charter", **kwargs: Any) -> Any:
        charter = import_charter(
            session, title=title, text=text or SAMPLE_CHARTER, actor=secretariat, **kwargs
        )
        session.commit()
        return charter

    return build


SAMPLE_CHARTER = """# Charter of the Core Group

## Article 1 — Purpose

The Core Group brings together innovators from many countries to draft a shared charter.

## Article 2 — Membership

Members are nominated by their organisations and confirmed by the secretariat.

Each organisation has one vote.

## Article 3 — Decisions

Decisions are taken by simple majority of the votes cast.
"""
