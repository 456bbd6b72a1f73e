"""Notifications: who hears about what, the inbox, preferences and the daily digest.

Domain events become notifications through :func:`notify_from_events`, an audit subscriber: it runs
inside the transaction that made the change, so a notification exists if and only if its cause was
committed. It acts in the sessions of the factories given to :func:`install` (the web app's and the
command line's, see :mod:`charter_engine.subscribers`), never in others. Rules:

* nobody is notified about their own action;
* every notification lands in the inbox; the member's preference for its *kind* decides the mail:
  ``immediate`` (queued in the outbox now), ``digest`` (in the next daily digest) or ``off``;
* the default is ``immediate`` for kinds that need the member's action (a conflict to resolve, a
  ballot to vote in) and ``digest`` for the rest;
* each notification has a *topic* (the amendment, ballot or charter it is about): the inbox shows
  one entry per topic with its newest notification and the earlier ones under it, and a digest
  lists each topic once (:func:`inbox_groups`, :func:`mark_topic_read`).

Invitations and password resets are mailed directly by their operations (they carry a link, and a
person without a password has no inbox yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, insert, literal, select, update
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.accounts.models import User
from charter_engine.audit.operations import subscribe
from charter_engine.db import utcnow
from charter_engine.errors import NotFound, PermissionDenied, ValidationError
from charter_engine.ids import is_id
from charter_engine.mail.outbox import BASE_URL_MARK, queue_mail
from charter_engine.notifications.drafts import Draft, drafts_for
from charter_engine.notifications.models import (
    MODES,
    Notification,
    NotificationPreference,
)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    description: str
    default: str
    needs_action: bool = False


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "amendment_conflict",
            "Your amendment needs a rebase",
            "A merge changed the text your amendment edits; only you can resolve it.",
            "immediate",
            needs_action=True,
        ),
        Kind(
            "ballot_opened",
            "A ballot you may vote in opened",
            "Voting started on something you are on the roll for.",
            "immediate",
            needs_action=True,
        ),
        Kind(
            "amendment_update",
            "News about your amendments",
            "Your amendment moved on in the workflow, got support or a comment.",
            "digest",
        ),
        Kind(
            "comment_reply",
            "Replies to your comments",
            "Someone answered a comment you wrote.",
            "digest",
        ),
        Kind(
            "new_amendment",
            "New amendments",
            "An amendment was submitted for the charter.",
            "digest",
        ),
        Kind(
            "charter_update",
            "Changes to the charter",
            "A charter was imported, or its text changed by a merge or an editorial change.",
            "digest",
        ),
        Kind(
            "ballot_closed",
            "Results of ballots",
            "A ballot closed and its result is known.",
            "digest",
        ),
        Kind(
            "proxy_update",
            "Proxies",
            "A member gave you their vote or took it back, or a draft ballot that a proxy of "
            "yours was for was deleted.",
            "immediate",
        ),
    )
}


def notify_from_events(session: Session, events: list[dict[str, Any]]) -> None:
    """Audit subscriber: turn a transaction's events into notifications (and immediate mail)."""
    drafts: list[tuple[Draft, int | None]] = []
    for event in events:
        for draft in drafts_for(session, event):
            drafts.append((draft, event.get("actor_id")))
    if drafts:
        deliver_drafts(session, drafts)


def deliver_drafts(session: Session, drafts: Sequence[tuple[Draft, int | None]]) -> None:
    """Write the notifications, skipping each actor, and queue the immediate mails.

    The statements do not grow with the number of recipients: their preferences are read in one
    query, and the notifications nobody is mailed about now are written in one multi-row INSERT.
    Those mailed now are written as objects, because the mail links to each by its id.
    """
    values: list[dict[str, Any]] = []
    seen: set[tuple[int, str, str | None, str]] = set()
    now = utcnow()
    for draft, actor_id in drafts:
        kind = KINDS[draft.kind]
        for user_id in draft.recipients:
            key = (user_id, draft.kind, draft.object_id, draft.title)
            if user_id == actor_id or key in seen:
                continue
            seen.add(key)
            values.append(
                {
                    "user_id": user_id,
                    "kind": draft.kind,
                    "title": draft.title[:300],
                    "body": draft.body,
                    "object_type": draft.object_type,
                    "object_id": draft.object_id,
                    "topic": draft.topic,
                    "actor_id": actor_id,
                    "needs_action": kind.needs_action,
                    "created_at": now,
                }
            )
    if not values:
        return
    load_preferences(session, {v["user_id"] for v in values})
    now_mailed = [v for v in values if mode_for(session, v["user_id"], v["kind"]) == "immediate"]
    later = [v for v in values if mode_for(session, v["user_id"], v["kind"]) != "immediate"]
    if later:
        session.execute(insert(Notification), later)
    if not now_mailed:
        return
    immediate = [Notification(**v) for v in now_mailed]
    session.add_all(immediate)
    session.flush()
    users = {
        u.id: u
        for u in session.execute(
            select(User).where(User.id.in_({r.user_id for r in immediate}), User.active.is_(True))
        ).scalars()
    }
    for row in immediate:
        user = users.get(row.user_id)
        if user is None:
            continue
        queue_mail(
            session,
            to=user.email,
            subject=row.title,
            kind=row.kind,
            user_id=user.id,
            body=_mail_body(user, [row]),
        )
        row.mailed_at = now


def _link(row: Notification) -> str:
    return f"{BASE_URL_MARK}/notifications/{row.id}"


def _by_topic(rows: Sequence[Notification]) -> list[list[Notification]]:
    """The rows grouped by topic (a row without one stands alone), newest first in each group,
    groups in the order of their newest row."""
    groups: dict[object, list[Notification]] = {}
    for row in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True):
        groups.setdefault(row.topic or ("row", row.id), []).append(row)
    return list(groups.values())


def _mail_body(user: User, rows: Sequence[Notification]) -> str:
    lines = [f"Hello {user.name},", ""]
    for group in _by_topic(rows):
        row = group[0]
        lines.append(f"* {row.title}")
        if row.body:
            lines.append(f"  {row.body}")
        for earlier in group[1:]:
            lines.append(f"  - earlier: {earlier.title}")
        lines.append(f"  {_link(row)}")
        lines.append("")
    lines.append(f"Choose what we mail you: {BASE_URL_MARK}/notifications/preferences")
    return "\n".join(lines) + "\n"


# --- preferences -------------------------------------------------------------------------------

_PREFS_CACHE = "charter_engine.notification_prefs"


def preferences(session: Session, user_id: int) -> dict[str, str]:
    """The member's mode per kind (defaults filled in)."""
    rows = session.execute(
        select(NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.user_id == user_id
        )
    )
    chosen = {kind: mode for kind, mode in rows}
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


def load_preferences(session: Session, user_ids: Iterable[int]) -> None:
    """Read the preferences of all of ``user_ids`` not read yet in this session, in one query,
    so that deciding the mail of an event costs the same for three recipients as for three
    hundred."""
    cache: dict[int, dict[str, str]] = session.info.setdefault(_PREFS_CACHE, {})
    missing = sorted(set(user_ids) - cache.keys())
    if not missing:
        return
    chosen: dict[int, dict[str, str]] = {user_id: {} for user_id in missing}
    for chunk in _chunks(missing, 1000):
        rows = session.execute(
            select(
                NotificationPreference.user_id,
                NotificationPreference.kind,
                NotificationPreference.mode,
            ).where(NotificationPreference.user_id.in_(chunk))
        )
        for user_id, kind, mode in rows:
            chosen[user_id][kind] = mode
    for user_id, modes in chosen.items():
        cache[user_id] = {name: modes.get(name, k.default) for name, k in KINDS.items()}


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def mode_for(session: Session, user_id: int, kind: str) -> str:
    cache: dict[int, dict[str, str]] = session.info.setdefault(_PREFS_CACHE, {})
    if user_id not in cache:
        cache[user_id] = preferences(session, user_id)
    return cache[user_id].get(kind, KINDS[kind].default if kind in KINDS else "digest")


def set_preferences(session: Session, user: User, modes: dict[str, str], *, actor: User) -> None:
    if actor.id != user.id:
        raise PermissionDenied("You may only change your own notification settings.")
    for kind, mode in modes.items():
        if kind not in KINDS:
            raise ValidationError(f"Unknown kind of notification: {kind}.", field=kind)
        if mode not in MODES:
            raise ValidationError("Choose immediately, in the daily digest, or never.", field=kind)
    existing = {
        p.kind: p
        for p in session.execute(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        ).scalars()
    }
    for kind, mode in modes.items():
        if kind in existing:
            existing[kind].mode = mode
        else:
            session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
    session.info.pop(_PREFS_CACHE, None)


# --- inbox -------------------------------------------------------------------------------------


def unread_count(session: Session, user: User) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        ).scalar_one()
    )


@dataclass(frozen=True)
class InboxGroup:
    """The notifications of one topic (or one on its own), newest first."""

    items: Sequence[Notification]
    count: int
    unread: int

    @property
    def latest(self) -> Notification:
        return self.items[0]

    def needs_you(self, still_needed: Container[tuple[str | None, str | None]]) -> bool:
        """Whether one of its notifications asks for something that still waits for the member
        (``still_needed``: the (object type, object id) of what does)."""
        return any(
            n.needs_action and (n.object_type, n.object_id) in still_needed for n in self.items
        )


# Earlier notifications of a topic listed under its newest one (the rest are counted).
GROUP_SHOWN = 20


def _group_key() -> Any:
    return func.coalesce(Notification.topic, literal("n:") + cast(Notification.id, String))


def inbox_groups(
    session: Session, user: User, *, unread_only: bool = False, offset: int = 0, limit: int = 30
) -> tuple[list[InboxGroup], int]:
    """One page of the inbox as groups (one per amendment, ballot or charter), newest group
    first, and how many groups there are in all."""
    key = _group_key().label("key")
    where = [Notification.user_id == user.id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    summary = (
        select(
            key,
            func.max(Notification.created_at).label("latest"),
            func.max(Notification.id).label("last_id"),
            func.count().label("rows"),
            func.sum(case((Notification.read_at.is_(None), 1), else_=0)).label("unread"),
        )
        .where(*where)
        .group_by(key)
    )
    total = int(session.execute(select(func.count()).select_from(summary.subquery())).scalar_one())
    page = session.execute(
        summary.order_by(func.max(Notification.created_at).desc(), func.max(Notification.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    if not page:
        return [], total
    keys = [row.key for row in page]
    rows = session.execute(
        select(Notification, _group_key())
        .where(*where, _group_key().in_(keys))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    ).all()
    items: dict[str, list[Notification]] = {k: [] for k in keys}
    for notification, group in rows:
        if len(items[group]) < GROUP_SHOWN:
            items[group].append(notification)
    groups = [
        InboxGroup(items[row.key], int(row.rows), int(row.unread or 0))
        for row in page
        if items[row.key]
    ]
    return groups, total


def mark_topic_read(session: Session, row: Notification, *, now: datetime | None = None) -> int:
    """Mark the notification and every other unread one of its topic as read."""
    if row.topic is None:
        mark_read(session, row, now=now)
        return 1
    result = session.execute(
        update(Notification)
        .where(
            Notification.user_id == row.user_id,
            Notification.topic == row.topic,
            Notification.read_at.is_(None),
        )
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_notification(session: Session, notification_id: int, user: User) -> Notification:
    row = session.get(Notification, notification_id) if is_id(notification_id) else None
    if row is None or row.user_id != user.id:
        raise NotFound("There is no such notification in your inbox.")
    return row


def mark_read(session: Session, row: Notification, *, now: datetime | None = None) -> None:
    if row.read_at is None:
        row.read_at = now or utcnow()


def mark_unread(session: Session, row: Notification) -> None:
    row.read_at = None


def mark_all_read(session: Session, user: User, *, now: datetime | None = None) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- digest ------------------------------------------------------------------------------------


def send_digest(session: Session, now: datetime) -> int:
    """Queue one digest mail per member with unmailed, unread ``digest`` notifications.

    Returns the number of digests queued. The caller commits, then delivers the outbox. Running
    it twice mails nothing twice: included notifications get ``mailed_at``.
    """
    pending = (
        session.execute(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.mailed_at.is_(None),
                Notification.read_at.is_(None),
                Notification.created_at <= now,
                User.active.is_(True),
            )
            .order_by(Notification.user_id, Notification.created_at, Notification.id)
        )
        .scalars()
        .all()
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    load_preferences(session, {row.user_id for row in pending})
    for row in pending:
        if mode_for(session, row.user_id, row.kind) == "digest":
            by_user[row.user_id].append(row)
    if not by_user:
        return 0
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(by_user))).scalars()}
    for user_id, rows in by_user.items():
        user = users[user_id]
        count = len(rows)
        subject = f"Charter Engine: {count} update" + ("" if count == 1 else "s") + " for you"
        queue_mail(
            session,
            to=user.email,
            subject=subject,
            kind="digest",
            user_id=user.id,
            body=_mail_body(user, rows),
        )
        for row in rows:
            row.mailed_at = now
    return len(by_user)


def install(sessions: sessionmaker[Session]) -> None:
    """Make the sessions of ``sessions``, and only those, notify from their audit events."""
    subscribe(sessions, notify_from_events)
