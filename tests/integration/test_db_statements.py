"""``statements_on_their_own``: on PostgreSQL, at the start of a transaction, each statement commits
by itself (no BEGIN and COMMIT round trips) — writes only in a session whose unit of work
``commits_at_once``; anywhere else the statements join the session's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.db import commits_at_once, statements_on_their_own
from tests.conftest import USE_POSTGRES

INSERT = text("INSERT INTO statements_probe (n) VALUES (:n)")


@pytest.fixture
def probe(engine: Engine) -> Iterator[Callable[[], list[int]]]:
    """A scratch table, and a function that reads what is committed in it."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE statements_probe (n INTEGER PRIMARY KEY)"))

    def committed() -> list[int]:
        # A deferred BEGIN on SQLite: a read that does not wait for the session's write lock.
        with engine.execution_options(sqlite_begin="DEFERRED").connect() as conn:
            return list(conn.execute(text("SELECT n FROM statements_probe ORDER BY n")).scalars())

    yield committed
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE statements_probe"))


def test_a_write_commits_by_itself_only_when_the_unit_of_work_commits_at_once(
    session: Session, probe: Callable[[], list[int]]
) -> None:
    with statements_on_their_own(session) as conn:
        conn.execute(INSERT, {"n": 1})
    session.rollback()
    assert probe() == []  # the caller could still undo it

    commits_at_once(session)
    with statements_on_their_own(session) as conn:
        conn.execute(INSERT, {"n": 2})
        # Visible to everyone before the session commits: it committed by itself.
        assert probe() == ([2] if USE_POSTGRES else [])
    # After the block, the session's transaction is a transaction again.
    session.execute(INSERT, {"n": 3})
    assert probe() == ([2] if USE_POSTGRES else [])
    session.rollback()
    assert probe() == ([2] if USE_POSTGRES else [])
    session.execute(INSERT, {"n": 4})
    session.commit()
    assert probe() == ([2, 4] if USE_POSTGRES else [4])


def test_a_read_is_a_transaction_of_its_own_and_the_writes_after_it_are_not(
    session: Session, probe: Callable[[], list[int]]
) -> None:
    with statements_on_their_own(session, reading=True) as conn:
        assert conn.execute(text("SELECT count(*) FROM statements_probe")).scalar_one() == 0
    session.execute(INSERT, {"n": 1})
    assert probe() == []
    session.commit()
    assert probe() == [1]


def test_within_a_transaction_under_way_the_statements_join_it(
    session: Session, probe: Callable[[], list[int]]
) -> None:
    commits_at_once(session)
    session.execute(INSERT, {"n": 1})
    with statements_on_their_own(session) as conn:
        conn.execute(INSERT, {"n": 2})
    assert probe() == []
    session.rollback()
    assert probe() == []


def test_a_statement_that_fails_leaves_the_session_usable(
    session: Session, probe: Callable[[], list[int]]
) -> None:
    commits_at_once(session)
    session.execute(INSERT, {"n": 1})
    session.commit()
    with pytest.raises(IntegrityError), statements_on_their_own(session) as conn:
        conn.execute(INSERT, {"n": 1})
    session.rollback()
    session.execute(INSERT, {"n": 2})
    session.rollback()
    with statements_on_their_own(session) as conn:
        conn.execute(INSERT, {"n": 3})
    session.commit()
    assert probe() == [1, 3]
