"""Events recorded with ``chain_later``: written without the head lock, linked by the chainer.

The chain a verifier walks must be the same whichever way its events arrived: contiguous sequence
numbers, each hash covering the one before, the head on the last event, and no event left out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.audit.chainer import AUDIT_CHAINER, AuditChainer
from charter_engine.audit.models import AuditEvent, AuditHead
from charter_engine.audit.operations import chain_pending, record_event, subscribe, verify_chain
from charter_engine.db import make_session_factory


class CountingChainer:
    """Stands in for the chainer where a test wants to see the pokes, not the chaining."""

    def __init__(self) -> None:
        self.pokes = 0

    def poke(self) -> None:
        self.pokes += 1


@pytest.fixture
def fake_chainer() -> CountingChainer:
    return CountingChainer()


@pytest.fixture
def deferring_session(engine: Engine, fake_chainer: CountingChainer) -> Iterator[Session]:
    """A session as the web app makes them: it may leave events to be chained later."""
    with make_session_factory(engine, info={AUDIT_CHAINER: fake_chainer})() as s:
        yield s


@pytest.fixture
def chainer(session_factory: sessionmaker[Session]) -> Iterator[AuditChainer]:
    chainer = AuditChainer(session_factory)
    yield chainer
    chainer.close()


def _record(session: Session, name: str, *, chain_later: bool = True, n: int = 1) -> None:
    for i in range(n):
        record_event(
            session,
            name,
            actor_id=None,
            object_type="test",
            object_id=i,
            payload={"i": i, "text": "é"},
            chain_later=chain_later,
        )


def _events(session: Session) -> list[tuple[int, int | None, str]]:
    """(id, seq, action) of every event in id order, in a transaction of its own (on SQLite an
    open transaction would hold the chainer back)."""
    session.rollback()
    rows = session.execute(select(AuditEvent.id, AuditEvent.seq, AuditEvent.action)).all()
    session.rollback()
    return sorted((r.id, r.seq, r.action) for r in rows)


def _verify(session: Session) -> Any:
    session.rollback()
    result = verify_chain(session)
    session.rollback()
    return result


def _assert_chain_whole(session: Session, expected: int) -> None:
    """Verified, nothing waiting, seq 1..expected in id order, the head on the last event."""
    result = _verify(session)
    assert result.ok and result.checked == expected and result.unchained == 0, result
    head = session.get(AuditHead, 1, populate_existing=True)
    last = session.execute(select(AuditEvent).where(AuditEvent.seq == expected)).scalar_one()
    assert head is not None and (head.seq, head.hash) == (expected, last.hash)
    session.rollback()


def test_deferred_events_are_written_unchained_then_the_chainer_links_them_in_id_order(
    deferring_session: Session, fake_chainer: CountingChainer, chainer: AuditChainer
) -> None:
    _record(deferring_session, "vote.cast", n=3)
    deferring_session.commit()
    _record(deferring_session, "vote.cast", n=2)
    deferring_session.commit()

    events = _events(deferring_session)
    assert [seq for _id, seq, _action in events] == [None] * 5
    assert fake_chainer.pokes == 2
    waiting = _verify(deferring_session)
    assert waiting.ok and waiting.checked == 0 and waiting.unchained == 5

    assert chainer.flush() == 5
    assert [seq for _id, seq, _action in _events(deferring_session)] == [1, 2, 3, 4, 5]
    _assert_chain_whole(deferring_session, 5)
    assert chainer.flush() == 0


def test_the_chainer_thread_links_events_soon_after_it_is_poked(
    engine: Engine, chainer: AuditChainer, session: Session
) -> None:
    with make_session_factory(engine, info={AUDIT_CHAINER: chainer})() as s:
        _record(s, "vote.cast", n=4)
        s.commit()
    assert chainer.running
    _wait_until(lambda: _verify(session).unchained == 0)
    _assert_chain_whole(session, 4)


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for the chainer's thread (this waits for a result; it asserts nothing about time)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the chainer did not chain the events")


def test_a_transaction_with_any_event_to_chain_at_once_chains_them_all_at_once(
    deferring_session: Session, fake_chainer: CountingChainer
) -> None:
    _record(deferring_session, "vote.cast")
    _record(deferring_session, "ballot.closed", chain_later=False)
    deferring_session.commit()
    assert [seq for _id, seq, _action in _events(deferring_session)] == [1, 2]
    assert fake_chainer.pokes == 0
    _assert_chain_whole(deferring_session, 2)


def test_without_a_chainer_events_are_chained_at_once(session: Session) -> None:
    _record(session, "vote.cast", n=2)
    session.commit()
    assert [seq for _id, seq, _action in _events(session)] == [1, 2]
    _assert_chain_whole(session, 2)


def test_chaining_at_once_first_chains_the_events_that_wait(
    deferring_session: Session, session: Session
) -> None:
    _record(deferring_session, "vote.cast", n=2)
    deferring_session.commit()
    _record(session, "amendment.merged", chain_later=False)
    session.commit()
    assert _events(session) == [
        (1, 1, "vote.cast"),
        (2, 2, "vote.cast"),
        (3, 3, "amendment.merged"),
    ]
    _assert_chain_whole(session, 3)


def test_a_rollback_discards_deferred_events_and_pokes_nobody(
    deferring_session: Session, fake_chainer: CountingChainer
) -> None:
    _record(deferring_session, "vote.cast", n=2)
    deferring_session.rollback()
    _record(deferring_session, "vote.cast")
    deferring_session.commit()
    assert len(_events(deferring_session)) == 1
    assert fake_chainer.pokes == 1


def test_a_commit_that_fails_after_the_events_were_written_pokes_nobody(
    deferring_session: Session, fake_chainer: CountingChainer
) -> None:
    def add_conflicting_row(session: Session) -> None:
        # Runs after the audit listener has written the events; flushed later by the commit.
        session.add(AuditHead(id=1, seq=0, hash="x"))

    event.listen(deferring_session, "before_commit", add_conflicting_row)
    _record(deferring_session, "vote.cast")
    with pytest.raises(IntegrityError):
        deferring_session.commit()
    event.remove(deferring_session, "before_commit", add_conflicting_row)
    deferring_session.rollback()
    assert fake_chainer.pokes == 0
    assert _events(deferring_session) == []
    _record(deferring_session, "vote.cast")
    deferring_session.commit()
    assert fake_chainer.pokes == 1


def test_a_savepoint_rollback_discards_only_the_deferred_events_inside_it(
    deferring_session: Session, fake_chainer: CountingChainer, chainer: AuditChainer
) -> None:
    _record(deferring_session, "kept.before")
    savepoint = deferring_session.begin_nested()
    _record(deferring_session, "discarded.inside")
    savepoint.rollback()
    with deferring_session.begin_nested():
        _record(deferring_session, "kept.inside")
    assert fake_chainer.pokes == 0  # a released savepoint is not a commit
    _record(deferring_session, "kept.after")
    deferring_session.commit()
    assert fake_chainer.pokes == 1
    chainer.flush()
    actions = [action for _id, _seq, action in _events(deferring_session)]
    assert actions == ["kept.before", "kept.inside", "kept.after"]
    _assert_chain_whole(deferring_session, 3)


def test_subscribers_see_deferred_events_in_the_same_transaction(
    engine: Engine, fake_chainer: CountingChainer
) -> None:
    seen: list[tuple[str, bool]] = []

    def subscriber(session: Session, events: list[dict[str, Any]]) -> None:
        seen.extend((e["action"], session.in_transaction()) for e in events)

    sessions = make_session_factory(engine, info={AUDIT_CHAINER: fake_chainer})
    subscribe(sessions, subscriber)
    with sessions() as deferring_session:
        _record(deferring_session, "vote.cast", n=2)
        deferring_session.commit()
        _record(deferring_session, "vote.cast")
        _record(deferring_session, "ballot.closed", chain_later=False)
        deferring_session.commit()
    assert seen == [("vote.cast", True)] * 3 + [("ballot.closed", True)]


def test_chain_pending_chains_at_most_its_limit_oldest_first(
    deferring_session: Session, session: Session
) -> None:
    _record(deferring_session, "vote.cast", n=5)
    deferring_session.commit()
    assert chain_pending(session, limit=2) == 2
    session.commit()
    assert [seq for _id, seq, _action in _events(session)] == [1, 2, None, None, None]
    partial = _verify(session)
    assert partial.ok and partial.checked == 2 and partial.unchained == 3
    assert chain_pending(session, limit=10) == 3
    session.commit()
    assert chain_pending(session) == 0
    session.commit()
    _assert_chain_whole(session, 5)


def test_flush_chains_everything_waiting_in_batches(
    deferring_session: Session, session_factory: sessionmaker[Session], session: Session
) -> None:
    _record(deferring_session, "vote.cast", n=7)
    deferring_session.commit()
    assert AuditChainer(session_factory, batch_size=3).flush() == 7
    _assert_chain_whole(session, 7)


def test_an_altered_event_is_named_once_it_is_chained(
    deferring_session: Session, chainer: AuditChainer, session: Session
) -> None:
    _record(deferring_session, "vote.cast", n=3)
    deferring_session.commit()
    chainer.flush()
    session.execute(text("UPDATE audit_events SET payload = '{}' WHERE seq = 2"))
    session.commit()
    result = _verify(session)
    assert not result.ok and result.first_broken_seq == 2 and "altered" in (result.reason or "")


def test_the_schema_refuses_a_half_chained_event(session: Session) -> None:
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO audit_events (seq, occurred_at, action, object_type, payload)"
                " VALUES (1, CURRENT_TIMESTAMP, 'x', 'test', '{}')"
            )
        )
    session.rollback()


def test_a_closed_chainer_starts_no_thread(session_factory: sessionmaker[Session]) -> None:
    chainer = AuditChainer(session_factory)
    chainer.close()
    chainer.poke()
    assert not chainer.running


def test_the_chainer_thread_survives_an_error_and_tries_again(
    engine: Engine, session: Session
) -> None:
    failures = {"left": 1}
    factory = make_session_factory(engine)

    def flaky_factory() -> Session:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("database restarting")
        return factory()

    chainer = AuditChainer(flaky_factory, retry_delay=0.05)
    try:
        with make_session_factory(engine, info={AUDIT_CHAINER: chainer})() as s:
            _record(s, "vote.cast", n=2)
            s.commit()
        _wait_until(lambda: _verify(session).unchained == 0)
    finally:
        chainer.close()
    assert failures["left"] == 0
    _assert_chain_whole(session, 2)


def test_with_nothing_waiting_the_chainer_takes_no_lock(
    chainer: AuditChainer, session: Session
) -> None:
    """Every app pokes its chainer once when it starts; with nothing to chain that must not take
    the head lock (on SQLite, the database): a request that read and then writes would be refused
    at once. Here a writer holds the lock, and the chainer must not wait for it."""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    outcome: list[int] = []
    worker = threading.Thread(target=lambda: outcome.append(chainer.flush()), daemon=True)
    worker.start()
    worker.join(10)
    finished_while_locked = list(outcome)
    session.rollback()
    worker.join(30)
    assert finished_while_locked == [0]
