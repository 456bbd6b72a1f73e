"""Recording, chaining and verifying the audit log.

Operations call :func:`record_event`; the events wait in the session and are written just before the
transaction commits, so an event is written if and only if the change it describes is committed.

**The chain — one algorithm.** Events are always inserted *unchained* (``seq``, ``prev_hash`` and
``hash`` NULL). :func:`chain_pending` links them: it locks the chain's single head row, reads the
events still waiting, in id order, gives each the next sequence number and the SHA-256 of its
content with the hash before it, and moves the head. It runs in one of two places:

* **in the writer's own transaction**, just before COMMIT (the default): the events are chained
  before anyone sees them. The head lock is then the transaction's last lock, but it is held until
  the COMMIT is durable, so such writers take turns;
* **moments after the commit** (``record_event(..., chain_later=True)``, for votes), when the
  session carries a chainer (``session.info[AUDIT_CHAINER]``, an
  :class:`~charter_engine.audit.chainer.AuditChainer`) and every event of the transaction asks
  for it: the transaction only inserts its events, never touches the head, and pokes the chainer
  after the commit, which chains what waits in batches, in its own short transactions.

Measured on the vote benchmark, chaining each vote in its own transaction made concurrent voters
queue for the head lock (each holder waits for its COMMIT, and for Python's GIL between round trips)
and cut the votes per second tenfold (``docs/benchmarks.md``); hence the second place, for votes
only. Whoever chains also chains every committed event that waits, so events reach the chain
however they were written. ``docs/architecture.md`` ("The audit chain") says what the window
between a vote's commit and its chaining means.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction

from charter_engine.audit.models import AuditEvent, AuditHead
from charter_engine.db import utcnow

GENESIS_HASH = "0" * 64
# ``session.info`` key of the chainer that links the events a session recorded with chain_later.
AUDIT_CHAINER = "charter_engine.audit_chainer"
_PENDING = "charter_engine.pending_audit"
_POKE_AFTER_COMMIT = "charter_engine.audit_poke_after_commit"

# What an event's hash covers besides its place in the chain (seq, prev_hash).
_MATERIAL = ("occurred_at", "actor_id", "action", "object_type", "object_id", "payload")


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


@dataclass(frozen=True, slots=True)
class _Queued:
    row: dict[str, Any]
    chain_later: bool


def _event_row(
    action: str,
    *,
    actor_id: int | None,
    object_type: str,
    object_id: int | str | None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of an event as it is written (before it is chained)."""
    return {
        "occurred_at": utcnow(),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "payload": canonical_json(payload or {}),
    }


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None,
    object_type: str,
    object_id: int | str | None,
    payload: dict[str, Any] | None = None,
    chain_later: bool = False,
) -> None:
    """Queue an audit event; it is written when the session commits.

    ``chain_later`` lets the event be chained moments after the commit instead of in it (see the
    module docstring). It takes effect only when the session has a chainer and every event of the
    transaction asks for it.
    """
    row = _event_row(
        action, actor_id=actor_id, object_type=object_type, object_id=object_id, payload=payload
    )
    # Tie the event to a transaction, so that a rollback (which ends it) discards the event.
    session.connection()
    session.info.setdefault(_PENDING, []).append(_Queued(row, chain_later=chain_later))


# Chaining uses Core statements on the tables, not ORM entities: the chainer's thread may start
# while the app's models are still being imported, before the ORM's mappers can be configured.
_EVENTS = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)


Subscriber = Callable[[Session, list[dict[str, Any]]], None]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(callback: Subscriber) -> Subscriber:
    """Call ``callback(session, events)`` with a transaction's events just before they are written.

    This is how side effects that follow from changes (notifications, mail in the outbox) are
    added to the same transaction without the operations knowing about them. Events chained later
    are passed too, before they are written.
    """
    if callback not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(callback)
    return callback


def _append_pending(session: Session) -> None:
    pending: list[_Queued] = session.info.pop(_PENDING, [])
    if not pending:
        return
    events = [queued.row for queued in pending]
    for callback in _SUBSCRIBERS:
        callback(session, events)
    # Everything else first: the head lock, when taken, is the last lock of this transaction.
    session.flush()
    session.execute(insert(_EVENTS), events)
    if session.info.get(AUDIT_CHAINER) is not None and all(q.chain_later for q in pending):
        session.info[_POKE_AFTER_COMMIT] = True
    else:
        chain_pending(session, limit=None)


def has_waiting(session: Session) -> bool:
    """Whether any event waits to be chained (a read that takes no lock)."""
    waiting = select(_EVENTS.c.id).where(_EVENTS.c.seq.is_(None)).exists()
    return bool(session.execute(select(waiting)).scalar())


def chain_pending(session: Session, *, limit: int | None = 1000) -> int:
    """Chain up to ``limit`` (None: all) events that are recorded but not chained yet, oldest (by
    id) first; returns how many. The head stays locked until the caller commits.

    The head is locked by one statement and the waiting events read by the next: on PostgreSQL each
    statement sees what was committed before it began, so after waiting for the lock this one sees
    the events the previous holder has just chained as chained, and never links one twice.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    head = session.execute(
        select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
    ).first()
    if head is None:
        raise RuntimeError("the audit chain's head row is missing")
    waiting = session.execute(
        select(_EVENTS.c.id, *(_EVENTS.c[name] for name in _MATERIAL))
        .where(_EVENTS.c.seq.is_(None))
        .order_by(_EVENTS.c.id)
        .limit(limit)
    ).all()
    if not waiting:
        return 0
    seq, prev = head.seq, head.hash
    links = []
    for row in waiting:
        seq += 1
        digest = event_hash(seq=seq, prev_hash=prev, **{n: row._mapping[n] for n in _MATERIAL})
        links.append(
            {"event_id": row.id, "link_seq": seq, "link_prev_hash": prev, "link_hash": digest}
        )
        prev = digest
    session.execute(_SET_LINK, links)
    session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(seq=seq, hash=prev))
    return len(waiting)


# A Core statement, run as one executemany, outside the ORM's unit of work.
_SET_LINK = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("event_id"))
    .values(
        seq=bindparam("link_seq"),
        prev_hash=bindparam("link_prev_hash"),
        hash=bindparam("link_hash"),
    )
)


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
    session.info.pop(_POKE_AFTER_COMMIT, None)


def _poke_chainer(session: Session) -> None:
    """After the transaction that wrote events to be chained later commits, wake the chainer."""
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is visible to the chainer before the COMMIT
    if session.info.pop(_POKE_AFTER_COMMIT, False):
        chainer = session.info.get(AUDIT_CHAINER)
        if chainer is not None:
            chainer.poke()


event.listen(Session, "before_commit", _append_pending)
event.listen(Session, "after_commit", _poke_chainer)
event.listen(Session, "after_transaction_create", _mark_savepoint)
event.listen(Session, "after_soft_rollback", _discard_pending)


@dataclass(frozen=True)
class ChainLink:
    """Where an event stands in the chain: its sequence number and hash. The hash covers the event
    and, through the hash before it, every event before it, so publishing it lets anyone holding a
    later copy of the log check that nothing up to it was changed."""

    seq: int
    hash: str


def chain_head(session: Session) -> ChainLink | None:
    """The chain's last link, or None while the chain is empty."""
    row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).first()
    return None if row is None or row.seq == 0 else ChainLink(row.seq, row.hash)


# The events whose place in the chain the pages show (indexed by object: see AuditEvent).
PUBLISHED_LINKS = ("ballot.closed", "release.published")


def event_link(
    session: Session,
    action: str,
    object_type: str,
    object_id: int | str,
    *,
    payload: dict[str, Any] | None = None,
) -> ChainLink | None:
    """The link of the latest chained ``action`` event about an object whose payload holds
    ``payload`` (None when there is none, or it is not chained yet)."""
    rows = session.execute(
        select(_EVENTS.c.seq, _EVENTS.c.hash, _EVENTS.c.payload)
        .where(
            _EVENTS.c.action == action,
            _EVENTS.c.object_type == object_type,
            _EVENTS.c.object_id == str(object_id),
            _EVENTS.c.seq.is_not(None),
        )
        .order_by(_EVENTS.c.seq.desc())
    )
    for row in rows:
        found = json.loads(row.payload)
        if payload is None or all(found.get(k) == v for k, v in payload.items()):
            return ChainLink(row.seq, row.hash)
    return None


def link_at(session: Session, seq: int) -> ChainLink | None:
    """The link of event ``seq`` as stored now (to compare with a link published earlier)."""
    row = session.execute(select(_EVENTS.c.seq, _EVENTS.c.hash).where(_EVENTS.c.seq == seq)).first()
    return None if row is None or row.hash is None else ChainLink(row.seq, row.hash)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    # Events recorded but not chained yet: not covered by the chain until the chainer links them.
    unchained: int = 0


def verify_chain(session: Session, *, batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and name the first event that was altered, removed or inserted.

    Events that are recorded but not chained yet are not part of the walk; their number is
    reported. Run it in one snapshot (see ``charter-engine audit verify``) when others write.
    """
    unchained = session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
    ).scalar_one()
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0

    def broken(seq: int | None, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, reason, unchained)

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
                return broken(expected_seq, f"event {expected_seq} is missing")
            assert ev.prev_hash is not None and ev.hash is not None  # the CHECK constraint
            seq = expected_seq
            if ev.prev_hash != prev:
                return broken(seq, f"event {seq} does not link to event {seq - 1}")
            digest = event_hash(
                seq=seq,
                occurred_at=ev.occurred_at,
                actor_id=ev.actor_id,
                action=ev.action,
                object_type=ev.object_type,
                object_id=ev.object_id,
                payload=ev.payload,
                prev_hash=ev.prev_hash,
            )
            if digest != ev.hash:
                return broken(seq, f"event {seq} was altered")
            prev = ev.hash
            expected_seq += 1
            checked += 1
        session.expunge_all()
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        return broken(None, "the chain head row is missing")
    if head.seq != checked or head.hash != prev:
        missing = checked + 1
        return broken(missing, f"event {missing} is missing (the chain head is at {head.seq})")
    return VerifyResult(True, checked, unchained=unchained)
