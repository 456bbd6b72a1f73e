"""Recording and verifying the audit log.

Operations call :func:`record_event`; the events wait in the session and are appended to the chain
just before the transaction commits, under a lock on the chain's head row. Appending last keeps that
lock short (it serialises only the final step of concurrent writers) and guarantees that an event is
written if and only if the change it describes is committed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from charter_engine.audit.models import AuditEvent, AuditHead
from charter_engine.db import utcnow

GENESIS_HASH = "0" * 64
_PENDING = "charter_engine.pending_audit"


def canonical_json(payload: Any) -> str:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def event_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str | None,
    payload: str,
    prev_hash: str,
) -> str:
    material = canonical_json(
        {
            "seq": seq,
            "occurred_at": occurred_at.isoformat(),
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "payload": payload,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None,
    object_type: str,
    object_id: int | str | None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Queue an audit event; it is chained and written when the session commits."""
    # Tie the event to a transaction, so that a rollback (which ends it) discards the event.
    session.connection()
    session.info.setdefault(_PENDING, []).append(
        {
            "occurred_at": utcnow(),
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "payload": canonical_json(payload or {}),
        }
    )


Subscriber = Callable[[Session, list[dict[str, Any]]], None]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(callback: Subscriber) -> Subscriber:
    """Call ``callback(session, events)`` with a transaction's events just before they are written.

    This is how side effects that follow from changes (notifications, mail in the outbox) are
    added to the same transaction without the operations knowing about them.
    """
    if callback not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(callback)
    return callback


def _append_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    for callback in _SUBSCRIBERS:
        callback(session, pending)
    # Everything else first, so the head lock is the last lock this transaction takes, and it is
    # held for as few round trips as possible: every writer waits for it.
    session.flush()
    # Taking the lock and reserving the sequence numbers is one statement; the old hash comes back.
    last, prev = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + len(pending))
        .returning(AuditHead.seq, AuditHead.hash)
    ).one()
    seq = last - len(pending)
    rows = []
    for item in pending:
        seq += 1
        digest = event_hash(seq=seq, prev_hash=prev, **item)
        rows.append({"seq": seq, "prev_hash": prev, "hash": digest, **item})
        prev = digest
    insert_events = insert(AuditEvent).values(rows)
    set_head = update(AuditHead).where(AuditHead.id == 1).values(hash=prev)
    if session.get_bind().dialect.name == "postgresql":
        # One round trip for both: a data-modifying CTE.
        session.execute(set_head.add_cte(insert_events.cte("appended")))
    else:
        session.execute(insert_events)
        session.execute(set_head)


_SAVEPOINTS = "charter_engine.pending_audit_savepoints"


def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(_SAVEPOINTS, {})
        marks[id(transaction)] = len(session.info.get(_PENDING, []))


def _discard_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback discards the events of the work it undoes, and only those.

    Rolling back a savepoint (``begin_nested``) keeps the events queued before it began.
    """
    if previous_transaction.nested:
        mark = session.info.get(_SAVEPOINTS, {}).pop(id(previous_transaction), None)
        if mark is not None and _PENDING in session.info:
            del session.info[_PENDING][mark:]
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_SAVEPOINTS, None)


event.listen(Session, "before_commit", _append_pending)
event.listen(Session, "after_transaction_create", _mark_savepoint)
event.listen(Session, "after_soft_rollback", _discard_pending)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_chain(session: Session, *, batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and name the first event that was altered, removed or inserted."""
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.seq >= expected_seq)
                .order_by(AuditEvent.seq)
                .limit(batch_size)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return VerifyResult(
                    False, checked, expected_seq, f"event {expected_seq} is missing"
                )
            if ev.prev_hash != prev:
                return VerifyResult(
                    False, checked, ev.seq, f"event {ev.seq} does not link to event {ev.seq - 1}"
                )
            digest = event_hash(
                seq=ev.seq,
                occurred_at=ev.occurred_at,
                actor_id=ev.actor_id,
                action=ev.action,
                object_type=ev.object_type,
                object_id=ev.object_id,
                payload=ev.payload,
                prev_hash=ev.prev_hash,
            )
            if digest != ev.hash:
                return VerifyResult(False, checked, ev.seq, f"event {ev.seq} was altered")
            prev = ev.hash
            expected_seq += 1
            checked += 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is None:
        return VerifyResult(False, checked, None, "the chain head row is missing")
    if head.seq != checked or head.hash != prev:
        missing = checked + 1
        return VerifyResult(
            False, checked, missing, f"event {missing} is missing (the chain head is at {head.seq})"
        )
    return VerifyResult(True, checked)
