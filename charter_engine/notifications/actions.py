"""What waits for a member now: ballots to vote in and amendments to bring up to date.

Derived from the current state at every call, never from old notifications: a notification says
what happened ("a ballot opened"), while this says what is still to do, so a ballot that closed, a
vote already cast (by the member or their proxy) or a conflict already resolved drops off at once.
Home lists these; the inbox marks a notification "needs you" only while its object is among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment
from charter_engine.voting.models import Ballot, Participation, Proxy, RollEntry, Vote


@dataclass(frozen=True)
class ActionItem:
    title: str
    object_type: str  # "ballot" or "amendment", for the link (charter_engine.web.links)
    target: Any  # the ballot or the amendment
    since: datetime | None

    @property
    def key(self) -> tuple[str, str]:
        return self.object_type, str(self.target.id)


def pending_actions(session: Session, user: User, *, now: datetime) -> list[ActionItem]:
    """Open ballots the member is on the roll of and has not voted in (nor given a proxy for),
    then the member's amendments that need a rebase; oldest first within each."""
    own_vote = or_(
        exists().where(Vote.ballot_id == Ballot.id, Vote.voter_id == user.id),
        exists().where(Participation.ballot_id == Ballot.id, Participation.voter_id == user.id),
    )
    proxy_given = exists().where(
        Proxy.principal_id == user.id,
        Proxy.revoked_at.is_(None),
        or_(Proxy.ballot_id == Ballot.id, Proxy.ballot_id.is_(None)),
    )
    ballots = session.execute(
        select(Ballot)
        .join(RollEntry, and_(RollEntry.ballot_id == Ballot.id, RollEntry.user_id == user.id))
        .where(
            Ballot.state == "open",
            or_(Ballot.closes_at.is_(None), Ballot.closes_at > now),
            ~own_vote,
            ~proxy_given,
        )
        .order_by(Ballot.opened_at, Ballot.id)
    ).scalars()
    items = [ActionItem(f"Vote now: {b.title}", "ballot", b, b.opened_at) for b in ballots]
    amendments = session.execute(
        select(Amendment)
        .where(Amendment.author_id == user.id, Amendment.state == "needs_rebase")
        .order_by(Amendment.updated_at, Amendment.id)
    ).scalars()
    items += [
        ActionItem(f"Amendment #{a.number}: {a.title} needs a rebase", "amendment", a, a.updated_at)
        for a in amendments
    ]
    return items
