"""Proxies: a member gives their vote to another member for one ballot or, until revoked, for all
ballots; a proxy for the ballot wins over a standing one. The agent casts for the principal with the
principal's weight. Proxies are not transitive. While a proxy applies, the principal does not vote
directly (they revoke it first), and the agent never overrides a vote the principal cast
themselves. A proxy for one ballot cannot be revoked once it was used (the vote stands); a standing
proxy can always be revoked, and votes it already cast stand.

Like every operation these check permission and state, change rows, queue the audit event and
never commit; the caller is the unit of work. Casting for a principal is in :mod:`.casting`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.audit.operations import record
from charter_engine.db import lock_row
from charter_engine.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from charter_engine.ids import is_id
from charter_engine.voting.casting import AlreadyVoted
from charter_engine.voting.models import Ballot, Proxy, RollEntry
from charter_engine.voting.operations import current_time
from charter_engine.voting.queries import get_ballot, has_voted, rules_of
from charter_engine.voting.rules import is_eligible, parse_id


def give_proxy(
    session: Session,
    *,
    actor: User,
    agent_id: int,
    ballot_id: int | None = None,
    now: datetime | None = None,
) -> Proxy:
    """``actor`` gives their vote to ``agent_id`` for one ballot, or for all ballots (None)."""
    ensure_can(actor, "proxy:give")
    agent_key = parse_id(agent_id, "agent_id")
    if agent_key == actor.id:
        raise ValidationError("You cannot give a proxy to yourself.", field="agent_id")
    agent = session.get(User, agent_key)
    if agent is None:
        raise ValidationError(f"There is no member {agent_key}.", field="agent_id")
    if not can(agent, "vote:cast"):
        raise ValidationError(
            f"{agent.name} cannot vote, so cannot hold a proxy.", field="agent_id"
        )
    ballot: Ballot | None = None
    if ballot_id is not None:
        try:
            ballot = get_ballot(session, parse_id(ballot_id, "ballot_id"), lock="share")
        except NotFound:
            raise ValidationError(f"There is no ballot {ballot_id}.", field="ballot_id") from None
        if ballot.state == "closed":
            raise InvalidTransition("This ballot is closed.")
        if ballot.state == "open" and session.get(RollEntry, (ballot.id, actor.id)) is None:
            raise PermissionDenied("You are not on the roll of this ballot.")
        rules = rules_of(ballot)
        if ballot.state == "draft" and not is_eligible(
            actor.role, actor.active, rules.roll, frozenset(rules.roll_members), actor.id
        ):
            raise PermissionDenied(
                "You will not be on the roll of this ballot (its rules say who votes), so you "
                "have no vote to give."
            )
        if ballot.state == "open" and has_voted(session, ballot, actor.id):
            raise AlreadyVoted(
                "You have already voted on this ballot; a proxy would change nothing."
            )
    scope = "all" if ballot is None else f"ballot:{ballot.id}"
    current = session.execute(
        select(Proxy).where(
            Proxy.principal_id == actor.id, Proxy.scope == scope, Proxy.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if current is not None:
        raise _proxy_exists(session, current, ballot)
    proxy = Proxy(
        principal_id=actor.id,
        agent_id=agent.id,
        ballot_id=ballot.id if ballot else None,
        scope=scope,
        created_at=current_time(now),
    )
    try:
        with session.begin_nested():
            session.add(proxy)
            session.flush()
    except IntegrityError:
        raise Conflict("You already gave a proxy for this; revoke it first.") from None
    _record_proxy_event(session, "proxy.given", proxy, actor)
    return proxy


def _proxy_exists(session: Session, current: Proxy, ballot: Ballot | None) -> Conflict:
    agent = session.get(User, current.agent_id)
    name = agent.name if agent else "another member"
    what = "this ballot" if ballot else "all ballots"
    return Conflict(f"You already gave your vote on {what} to {name}; revoke that proxy first.")


def revoke_proxy(
    session: Session, proxy_id: object, *, actor: User, now: datetime | None = None
) -> Proxy:
    """The principal takes their vote back. Refused for a one-ballot proxy already used."""
    if not is_id(proxy_id):
        raise NotFound(f"You have no proxy {proxy_id!r}.")
    missing = f"You have no proxy {proxy_id}."
    proxy = lock_row(session, Proxy, proxy_id, missing=missing)
    if proxy.principal_id != actor.id:
        raise NotFound(missing)
    if proxy.revoked_at is not None:
        raise InvalidTransition("This proxy is already revoked.")
    if proxy.ballot_id is not None:
        ballot = get_ballot(session, proxy.ballot_id)
        if has_voted(session, ballot, actor.id):
            agent = session.get(User, proxy.agent_id)
            raise Conflict(
                f"Your vote on this ballot has already been cast"
                f"{' by ' + agent.name if agent else ''}; a proxy cannot be revoked once it has "
                "been used."
            )
    proxy.revoked_at = current_time(now)
    session.flush()
    _record_proxy_event(session, "proxy.revoked", proxy, actor)
    return proxy


def _record_proxy_event(session: Session, event: str, proxy: Proxy, actor: User) -> None:
    record(
        session,
        event,
        proxy,
        actor=actor,
        payload={"agent": proxy.agent_id, "ballot": proxy.ballot_id},
    )
