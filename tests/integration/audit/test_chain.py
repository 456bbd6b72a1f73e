"""The audit chain: events are chained at commit, verification names the first broken link."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import record_event, verify_chain


def _record(session: Session, n: int) -> None:
    for i in range(n):
        record_event(
            session,
            "test.event",
            actor_id=None,
            object_type="test",
            object_id=i,
            payload={"i": i, "text": "é"},
        )
    session.commit()


def test_events_are_written_at_commit_and_chain_verifies(session: Session) -> None:
    _record(session, 5)
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert verify_chain(session).ok


def test_rolled_back_events_are_not_written(session: Session) -> None:
    record_event(session, "test.event", actor_id=None, object_type="test", object_id=1)
    session.rollback()
    _record(session, 1)
    assert session.execute(select(AuditEvent.seq)).scalars().all() == [1]


def test_tampered_payload_is_named(session: Session) -> None:
    _record(session, 4)
    session.execute(text("UPDATE audit_events SET payload = '{}' WHERE seq = 3"))
    session.commit()
    result = verify_chain(session)
    assert not result.ok and result.first_broken_seq == 3 and "altered" in (result.reason or "")


def test_deleted_event_is_named(session: Session) -> None:
    _record(session, 4)
    session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    session.commit()
    result = verify_chain(session)
    assert not result.ok and result.first_broken_seq == 2 and "missing" in (result.reason or "")


def test_deleted_last_event_is_named(session: Session, create_user: Any) -> None:
    _record(session, 3)
    session.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    session.commit()
    result = verify_chain(session)
    assert not result.ok and result.first_broken_seq == 3


def test_a_savepoint_rollback_discards_only_the_events_inside_it(session: Session) -> None:
    record_event(session, "kept.before", actor_id=None, object_type="test", object_id=1)
    savepoint = session.begin_nested()
    record_event(session, "discarded.inside", actor_id=None, object_type="test", object_id=2)
    savepoint.rollback()
    with session.begin_nested():
        record_event(session, "kept.inside", actor_id=None, object_type="test", object_id=3)
    record_event(session, "kept.after", actor_id=None, object_type="test", object_id=4)
    session.commit()
    actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars().all()
    assert actions == ["kept.before", "kept.inside", "kept.after"]
    assert verify_chain(session).ok
