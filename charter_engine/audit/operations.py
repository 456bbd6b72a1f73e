"""Recording, chaining and verifying the audit log.

Operations call :func:`record_event`; the events wait in the session and are written just before the
transaction commits, so an event is written if and only if the change it describes is committed.
They reach the hash chain in one of two ways:

* **At once** (the default). Under a lock on the chain's single head row, each event gets the next
  sequence number and the hash of the event before it. Appending last keeps that lock short, but
  every writer still holds it until its COMMIT is durable, so these writers run one at a time.
* **Later** (``record_event(..., chain_later=True)``, for the hot path: votes). When the session
  carries a chainer (``session.info[AUDIT_CHAINER]``, an
  :class:`~charter_engine.audit.chainer.AuditChainer`) and every event of the transaction asks for
  it, the events are inserted with no sequence number and no hashes, without touching the head;
  after the commit the chainer is poked and links them moments later, in batches
  (:func:`chain_pending`). Sessions without a chainer (the command line, scripts) always chain at
  once.

Whoever chains at once first chains the events that are waiting, so every event reaches the chain in
one of the two ways and the chain's order follows the order of the commits as closely as it can.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Insert,
    Integer,
    Row,
    Select,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    true,
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
    # Inserted (unchained) by the operation's own statement; see ``insert_event_from``.
    written: bool = False


def event_row(
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

    ``chain_later`` lets the event be written without waiting for the chain's lock, to be chained
    moments after the commit. It takes effect only when the session has a chainer and every event of
    the transaction asks for it; otherwise the event is chained at once, as always.
    """
    row = event_row(
        action, actor_id=actor_id, object_type=object_type, object_id=object_id, payload=payload
    )
    record_row(session, row, chain_later=chain_later)


def record_row(
    session: Session, row: dict[str, Any], *, chain_later: bool = False, written: bool = False
) -> None:
    """Queue an event made with :func:`event_row`, as :func:`record_event` does.

    ``written`` says the operation's own statement already inserted it, unchained, in this
    transaction (see :func:`insert_event_from`): subscribers still see it at commit, and it is
    chained with the waiting events — at once when the session has no chainer, moments later when
    it has.
    """
    # Tie the event to a transaction, so that a rollback (which ends it) discards the event.
    session.connection()
    queued = _Queued(row, chain_later=chain_later or written, written=written)
    session.info.setdefault(_PENDING, []).append(queued)


_EVENTS = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)
# The head moved past newly chained events: built once, run by every chaining.
_SET_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)


def insert_event_from(source: FromClause, **computed: ColumnElement[Any]) -> Insert:
    """``INSERT INTO audit_events (...) SELECT <the event> FROM source RETURNING id``: one unchained
    event for each row of ``source`` (a CTE of the operation's own statement, which returns at most
    one row).

    For a hot path on PostgreSQL that writes its change and its event in one round trip. Execute it
    with ``event_params(row)`` (``row`` from :func:`event_row`); when it returns a row, queue the
    event with ``record_row(session, row, written=True)``. A column named in ``computed`` takes
    that expression (of ``source``'s columns) instead of its parameter; the row queued must then
    hold the value the statement computed.
    """
    unknown = set(computed) - set(_MATERIAL)
    if unknown:
        raise ValueError(f"not columns of an event: {sorted(unknown)}")
    values = select(
        *(
            computed.get(name, bindparam(f"event_{name}", type_=_EVENTS.c[name].type))
            for name in _MATERIAL
        )
    )
    return (
        insert(_EVENTS)
        .from_select(list(_MATERIAL), values.select_from(source))
        .returning(_EVENTS.c.id)
    )


def event_params(row: dict[str, Any]) -> dict[str, Any]:
    """The parameters of :func:`insert_event_from` for an event row."""
    return {f"event_{name}": row[name] for name in _MATERIAL}


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
    unwritten = [queued.row for queued in pending if not queued.written]
    # Everything else first: the head lock, when taken, is the last lock of this transaction.
    session.flush()
    if session.info.get(AUDIT_CHAINER) is not None and all(q.chain_later for q in pending):
        # No lock and one statement: the columns of the chain stay NULL until the chainer runs.
        if unwritten:
            session.connection().execute(_INSERT_UNCHAINED, unwritten)
        session.info[_POKE_AFTER_COMMIT] = True
        return
    _append_chained(session, unwritten)


# Built once: the path of every vote.
_INSERT_UNCHAINED = insert(_EVENTS)


def _append_chained(session: Session, events: list[dict[str, Any]]) -> None:
    """Chain the waiting events, then ``events``, and move the head past them (head lock held).

    Every writer waits for the lock, so it is held for as few round trips as possible: the lock,
    then on PostgreSQL one statement for the events and the head (two on SQLite), and one more
    when events wait. Events this transaction wrote itself (``record_row(..., written=True)``)
    are among the waiting ones.
    """
    seq, prev, waiting = _lock_head(session, limit=None)
    prev = _link_waiting(session, seq, prev, waiting)
    seq += len(waiting)
    rows = []
    for item in events:
        seq += 1
        digest = event_hash(seq=seq, prev_hash=prev, **item)
        rows.append({"seq": seq, "prev_hash": prev, "hash": digest, **item})
        prev = digest
    if not waiting and not rows:
        return
    head = {"head_seq": seq, "head_hash": prev}
    if not rows:
        session.connection().execute(_SET_HEAD, head)
        return
    insert_events = insert(_EVENTS).values(rows)
    if session.get_bind().dialect.name == "postgresql":
        # One round trip for both: a data-modifying CTE.
        session.connection().execute(_SET_HEAD.add_cte(insert_events.cte("appended")), head)
    else:
        session.connection().execute(insert_events)
        session.connection().execute(_SET_HEAD, head)


_ANY_WAITING = select(select(_EVENTS.c.id).where(_EVENTS.c.seq.is_(None)).exists())


def has_waiting(session: Session) -> bool:
    """Whether any event waits to be chained (a read that takes no lock)."""
    return bool(session.connection().execute(_ANY_WAITING).scalar())


def chain_pending(session: Session, *, limit: int = 1000) -> int:
    """Chain up to ``limit`` events that were recorded but not chained yet, oldest (by id) first.

    Takes the head lock until the caller commits, which it should do at once. Returns how many
    events were chained (0 when none were waiting).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    seq, prev, waiting = _lock_head(session, limit=limit)
    if not waiting:
        return 0
    prev = _link_waiting(session, seq, prev, waiting)
    session.connection().execute(_SET_HEAD, {"head_seq": seq + len(waiting), "head_hash": prev})
    return len(waiting)


_LOCK_HEAD: dict[bool, Select[Any]] = {}


def _lock_head_stmt(*, limited: bool) -> Select[Any]:
    """The statement of :func:`_lock_head`, built once (with or without a ``limit`` parameter)."""
    found = _LOCK_HEAD.get(limited)
    if found is not None:
        return found
    events, head = _EVENTS, _HEAD
    seen = head.alias("head_before_lock")
    waiting = (
        select(events.c.id, *(events.c[name] for name in _MATERIAL))
        .where(events.c.seq.is_(None))
        .order_by(events.c.id)
        .limit(bindparam("limit", type_=Integer) if limited else None)
        .subquery("waiting")
    )
    stmt = (
        select(
            head.c.seq,
            head.c.hash,
            select(seen.c.seq).where(seen.c.id == 1).scalar_subquery().label("seq_before_lock"),
            *waiting.c,
        )
        .select_from(head.outerjoin(waiting, true()))
        .where(head.c.id == 1)
        .order_by(waiting.c.id)
        .with_for_update(of=head, key_share=True)
    )
    _LOCK_HEAD[limited] = stmt
    return stmt


def _lock_head(session: Session, *, limit: int | None) -> tuple[int, str, Sequence[Row[Any]]]:
    """Lock the head; return its seq and hash and the first ``limit`` waiting events (id order).

    One statement locks the head and reads the waiting events. On PostgreSQL a statement that had
    to wait for the lock read the events from the snapshot it took *before* waiting, in which some
    may still look unchained although the previous holder has just chained them. Chaining always
    moves the head, so the statement also reads the head as of that snapshot: when it differs from
    the head it locked, the events are read again, now under the lock. SQLite writers hold the
    database from BEGIN IMMEDIATE, so there the two always agree.
    """
    stmt = _lock_head_stmt(limited=limit is not None)
    params = {} if limit is None else {"limit": limit}
    for _attempt in range(2):
        rows = session.connection().execute(stmt, params).all()
        if not rows:
            raise RuntimeError("the audit chain's head row is missing")
        first = rows[0]
        if first.seq == first.seq_before_lock:
            return first.seq, first.hash, [row for row in rows if row.id is not None]
    # Unreachable: the second read runs under the lock, when nobody can move the head.
    raise RuntimeError("the audit chain's head moved while it was locked")


# A Core statement, run as one executemany (psycopg pipelines it), outside the ORM's unit of work.
_SET_LINK = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("event_id"))
    .values(
        seq=bindparam("link_seq"),
        prev_hash=bindparam("link_prev_hash"),
        hash=bindparam("link_hash"),
    )
)


def _link_waiting(session: Session, seq: int, prev: str, waiting: Sequence[Row[Any]]) -> str:
    """Give the waiting events the places after (seq, prev) in one executemany; the last hash."""
    if not waiting:
        return prev
    links = []
    for row in waiting:
        seq += 1
        material = {name: row._mapping[name] for name in _MATERIAL}
        digest = event_hash(seq=seq, prev_hash=prev, **material)
        links.append(
            {"event_id": row.id, "link_seq": seq, "link_prev_hash": prev, "link_hash": digest}
        )
        prev = digest
    session.execute(_SET_LINK, links)
    return prev


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
