"""Many writers, real commits: events chained later and events chained at once end up in one chain.

Writers that defer their events commit without the head lock while the chainer's thread links them,
a second chainer flushes next to it, and other writers chain at once (chaining what waits first).
Whatever the interleaving, the chain verifies, its numbers run 1..N without a gap, and every
committed event is in it exactly once while no rolled-back event is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from charter_engine.audit.chainer import AUDIT_CHAINER, AuditChainer
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import chain_pending, record_event, verify_chain
from charter_engine.db import make_engine, make_session_factory
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.slow

DEFERRING_WRITERS = 12
DEFERRED_ROUNDS = 25
PLAIN_WRITERS = 4
PLAIN_ROUNDS = 10
FLUSHES = 10


@pytest.fixture
def threaded_engine(database_url: str) -> Iterator[Engine]:
    """An engine with a connection for every thread (SQLite opens one per use anyway)."""
    kwargs: dict[str, Any] = {"pool_size": 30, "max_overflow": 0} if USE_POSTGRES else {}
    engine = make_engine(database_url, **kwargs)
    yield engine
    engine.dispose()


def _run_together(work: list[Callable[[], None]]) -> list[BaseException]:
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    return errors


def _record(session: Session, key: str, *, chain_later: bool) -> None:
    record_event(
        session,
        "test.event",
        actor_id=None,
        object_type="test",
        object_id=key,
        payload={"key": key},
        chain_later=chain_later,
    )


def test_deferred_and_immediate_writers_and_two_chainers_make_one_whole_chain(
    threaded_engine: Engine,
) -> None:
    factory = make_session_factory(threaded_engine)
    chainer = AuditChainer(factory, batch_size=50)
    deferring = make_session_factory(threaded_engine, info={AUDIT_CHAINER: chainer})
    committed: list[str] = []
    lock = threading.Lock()

    def deferring_writer(w: int) -> Callable[[], None]:
        def job() -> None:
            for r in range(DEFERRED_ROUNDS):
                keys = [f"d{w}-{r}-{k}" for k in range(1 + (w + r) % 3)]
                with deferring() as s:
                    for key in keys:
                        _record(s, key, chain_later=True)
                    if r % 7 == 6:
                        s.rollback()  # these events must never appear
                        continue
                    s.commit()
                with lock:
                    committed.extend(keys)

        return job

    def plain_writer(w: int) -> Callable[[], None]:
        def job() -> None:
            for r in range(PLAIN_ROUNDS):
                key = f"p{w}-{r}"
                # Half of them through sessions that could defer: one event not deferred is enough
                # for the whole transaction to be chained at once.
                with (deferring if r % 2 else factory)() as s:
                    _record(s, key, chain_later=False)
                    s.commit()
                with lock:
                    committed.append(key)

        return job

    def second_chainer() -> None:
        other = AuditChainer(factory, batch_size=7)
        for _ in range(FLUSHES):
            other.flush()

    try:
        errors = _run_together(
            [deferring_writer(w) for w in range(DEFERRING_WRITERS)]
            + [plain_writer(w) for w in range(PLAIN_WRITERS)]
            + [second_chainer]
        )
        assert errors == []
        chainer.flush()
    finally:
        chainer.close()

    with factory() as s:
        result = verify_chain(s)
        assert result.ok and result.unchained == 0, result
        rows = s.execute(select(AuditEvent.seq, AuditEvent.object_id)).all()
    assert result.checked == len(committed)
    assert sorted(seq for seq, _key in rows) == list(range(1, len(committed) + 1))
    keys = [key for _seq, key in rows]
    assert sorted(keys) == sorted(committed)  # each committed event once, nothing else


@pytest.mark.skipif(not USE_POSTGRES, reason="SQLite writers never wait for a row lock")
def test_a_chainer_that_waited_for_the_lock_does_not_chain_again_what_the_holder_chained(
    threaded_engine: Engine,
) -> None:
    """The waiter's statement read the waiting events before the holder committed; it must see
    that the head moved and read them again rather than give them a second place."""

    class Silent:
        def poke(self) -> None:
            pass

    factory = make_session_factory(threaded_engine)
    with make_session_factory(threaded_engine, info={AUDIT_CHAINER: Silent()})() as s:
        for i in range(3):
            _record(s, f"k{i}", chain_later=True)
        s.commit()

    holder = factory()
    assert chain_pending(holder) == 3  # holds the head lock until it commits
    outcome: list[Any] = []

    def waiter() -> None:
        with factory() as s:
            try:
                outcome.append(chain_pending(s))
                s.commit()
            except Exception as exc:
                outcome.append(exc)

    thread = threading.Thread(target=waiter)
    thread.start()
    _wait_for_a_lock_wait(factory)
    holder.commit()
    holder.close()
    thread.join(30)
    assert outcome == [0]
    with factory() as s:
        result = verify_chain(s)
    assert result.ok and result.checked == 3 and result.unchained == 0, result


def _wait_for_a_lock_wait(factory: Callable[[], Session], timeout: float = 30.0) -> None:
    """Until some backend of this database waits for a row lock (the waiter's statement)."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.01)):
        with factory() as s:
            waiting = s.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        if waiting:
            return
        pause.wait(0.01)
    raise AssertionError("the second chainer never waited for the head lock")
