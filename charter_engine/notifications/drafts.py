"""Who hears about what: the notifications each kind of audit event calls for.

:func:`drafts_for` turns one event into drafts (recipients, kind, title, body, the object to link
to); :func:`~charter_engine.notifications.operations.notify_from_events` writes them, skipping the
member who acted. Notifications sit above every feature package, so this module imports their
models directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment
from charter_engine.charters.models import Charter
from charter_engine.comments.models import Comment
from charter_engine.db import Base
from charter_engine.voting.models import Ballot, RollEntry

Row = TypeVar("Row", bound=Base)


def _participants(session: Session) -> list[int]:
    return list(
        session.execute(
            select(User.id).where(User.active.is_(True), User.role.in_(("member", "secretariat")))
        ).scalars()
    )


def _everyone(session: Session) -> list[int]:
    return list(session.execute(select(User.id).where(User.active.is_(True))).scalars())


@dataclass
class Draft:
    """A notification to write for each recipient; ``kind`` is a key of ``operations.KINDS``."""

    recipients: Iterable[int]
    kind: str
    title: str
    body: str = ""
    object_type: str | None = None
    object_id: str | None = None
    # What it is about, for grouping (``amendment:12``); by default the object it links to.
    topic: str | None = None

    def __post_init__(self) -> None:
        if self.topic is None and self.object_type in TOPIC_TYPES and self.object_id:
            self.topic = f"{self.object_type}:{self.object_id}"


TOPIC_TYPES = ("amendment", "ballot", "charter")


def _load(model: type[Row], session: Session, object_id: str | None) -> Row | None:
    """The row an event names by its object id (a string of digits), or None."""
    if object_id is None or not object_id.isdigit():
        return None
    return session.get(model, int(object_id))


def _amendment_label(amendment: Amendment) -> str:
    return f"Amendment #{amendment.number}: {amendment.title}"


STATE_WORDS = {
    "submit": "was submitted",
    "open_discussion": "is open for discussion",
    "reject": "was rejected",
    "withdraw": "was withdrawn",
    "supersede": "was superseded",
    "merged": "was merged into the charter",
    "resolve": "was resolved",
    "start_voting": "is being voted on",
    "adopt": "was adopted",
}


def drafts_for(session: Session, event: dict[str, Any]) -> list[Draft]:
    """The notifications one audit event calls for (none for most events)."""
    action: str = event["action"]
    payload = json.loads(event.get("payload") or "{}")
    object_id = event.get("object_id")
    drafts: list[Draft] = []
    if action.startswith("amendment."):
        amendment = _load(Amendment, session, object_id)
        if amendment is None:
            return []
        verb = action.split(".", 1)[1]
        label = _amendment_label(amendment)
        if verb == "flag_conflict":
            drafts.append(
                Draft(
                    [amendment.author_id],
                    "amendment_conflict",
                    f"{label} needs a rebase",
                    "A merge changed the text your amendment edits. Open it to see "
                    "the conflicting passages and restate your change.",
                    "amendment",
                    object_id,
                )
            )
        elif verb == "backed":
            drafts.append(
                Draft(
                    [amendment.author_id],
                    "amendment_update",
                    f"{label} got support",
                    "",
                    "amendment",
                    object_id,
                )
            )
        elif verb in STATE_WORDS:
            drafts.append(
                Draft(
                    [amendment.author_id],
                    "amendment_update",
                    f"{label} {STATE_WORDS[verb]}",
                    "",
                    "amendment",
                    object_id,
                )
            )
            if verb == "submit":
                drafts.append(
                    Draft(
                        _participants(session),
                        "new_amendment",
                        f"New: {label}",
                        "",
                        "amendment",
                        object_id,
                    )
                )
            if verb == "merged":
                drafts.append(
                    Draft(
                        _everyone(session),
                        "charter_update",
                        f"The charter changed: {label} was merged",
                        "",
                        "amendment",
                        object_id,
                    )
                )
    elif action == "comment.created":
        drafts.extend(_comment_drafts(session, object_id))
    elif action in ("charter.imported", "charter.editorial_change"):
        charter = _load(Charter, session, object_id)
        if charter is not None:
            title = (
                f"New charter to draft: {charter.title}"
                if action == "charter.imported"
                else f"Editorial change to {charter.title}"
            )
            body = payload.get("reason", "") if action == "charter.editorial_change" else ""
            drafts.append(
                Draft(_everyone(session), "charter_update", title, str(body), "charter", object_id)
            )
    elif action in ("ballot.opened", "ballot.closed"):
        ballot = _load(Ballot, session, object_id)
        if ballot is not None:
            if action == "ballot.opened":
                drafts.append(
                    Draft(
                        _roll(session, ballot.id),
                        "ballot_opened",
                        f"Vote now: {ballot.title}",
                        "A ballot you are on the roll for is open.",
                        "ballot",
                        object_id,
                    )
                )
            else:
                drafts.append(
                    Draft(
                        _everyone(session),
                        "ballot_closed",
                        f"Result: {ballot.title}",
                        "",
                        "ballot",
                        object_id,
                    )
                )
    elif action in ("proxy.given", "proxy.revoked"):
        drafts.extend(_proxy_drafts(session, event, payload))
    elif action == "ballot.deleted":
        # Proxies given for that ballot alone went with it: both sides are told.
        ended = [p for p in payload.get("proxies", []) if p.get("active")]
        if ended:
            people = {p["principal"] for p in ended} | {p["agent"] for p in ended}
            drafts.append(
                Draft(
                    sorted(people),
                    "proxy_update",
                    f"Ballot deleted: {payload.get('title', '')}",
                    "The secretariat deleted this ballot before it opened, and with it the proxy "
                    "given for it. Nothing was voted.",
                )
            )
    return drafts


def _comment_drafts(session: Session, object_id: str | None) -> list[Draft]:
    """The author of the comment answered and the author of the amendment commented on are told,
    each with an excerpt of the new comment."""
    comment = _load(Comment, session, object_id)
    if comment is None:
        return []
    topic = (
        f"amendment:{comment.amendment_id}"
        if comment.amendment_id is not None
        else f"charter:{comment.charter_id}"
    )
    told: list[tuple[int, str, str]] = []  # (recipient, kind, title)
    if comment.parent_id is not None:
        parent = _load(Comment, session, str(comment.parent_id))
        if parent is not None:
            told.append((parent.author_id, "comment_reply", "Someone replied to your comment"))
    if comment.amendment_id is not None:
        amendment = _load(Amendment, session, str(comment.amendment_id))
        if amendment is not None:
            title = f"New comment on {_amendment_label(amendment)}"
            told.append((amendment.author_id, "amendment_update", title))
    excerpt = _excerpt(comment.body)
    return [
        Draft([recipient], kind, title, excerpt, "comment", object_id, topic)
        for recipient, kind, title in told
    ]


def _proxy_drafts(session: Session, event: dict[str, Any], payload: dict[str, Any]) -> list[Draft]:
    """The agent learns that a member gave them their vote, or took it back."""
    principal = session.get(User, event.get("actor_id") or 0)
    agent_id = payload.get("agent")
    if principal is None or not isinstance(agent_id, int):
        return []
    ballot = _load(Ballot, session, str(payload.get("ballot")))
    where = f"on “{ballot.title}”" if ballot is not None else "on every ballot"
    if event["action"] == "proxy.given":
        title = f"{principal.name} gave you their vote {where}"
        page = "the ballot's page" if ballot is not None else "each ballot's page"
        body = (
            "You may vote for them until they take it back or vote themselves, under “Votes you "
            f"cast for others” on {page}."
        )
    else:
        title = f"{principal.name} took back the vote they gave you {where}"
        body = "You no longer vote for them."
    if ballot is not None:
        return [Draft([agent_id], "proxy_update", title, body, "ballot", str(ballot.id))]
    return [Draft([agent_id], "proxy_update", title, body)]


def _roll(session: Session, ballot_id: int) -> list[int]:
    return list(
        session.execute(select(RollEntry.user_id).where(RollEntry.ballot_id == ballot_id)).scalars()
    )


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
