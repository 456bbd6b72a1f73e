"""What a person sees of a ballot: its detail with the exactly pinned changes, the buttons they may
press (:func:`ballot_actions`, with the same ``can`` that enforces them), and their own status —
on the roll, voted, proxies given and held. Built from :mod:`.queries` for the pages and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import changes_of
from charter_engine.charters.models import Charter
from charter_engine.voting.models import Ballot, Participation, Proxy, RollEntry, Vote, load_ranking
from charter_engine.voting.queries import (
    accepting_votes,
    applicable_proxy,
    ballots_voters,
    rules_of,
    votes_cast,
)
from charter_engine.voting.rules import DEFAULT_OPTION, Rules, is_eligible


@dataclass(frozen=True)
class PinnedChange:
    kind: str
    clause_id: int | None
    after_clause_id: int | None
    text: str | None


@dataclass(frozen=True)
class OptionView:
    key: str
    label: str
    position: int
    is_default: bool
    amendment_id: int | None
    amendment_number: int | None
    amendment_state: str | None
    fingerprint: str | None
    majority: Fraction
    changes: tuple[PinnedChange, ...]


@dataclass(frozen=True)
class BallotDetail:
    ballot: Ballot
    charter_slug: str
    rules: Rules
    options: tuple[OptionView, ...]
    revision_number: int | None
    text_sha256: str | None
    roll_count: int | None
    votes_cast: int


def ballot_detail(session: Session, ballot: Ballot) -> BallotDetail:
    """A ballot with its options and, for amendments, exactly the changes they propose."""
    charter = session.get(Charter, ballot.charter_id)
    assert charter is not None
    amendment_ids = [o.amendment_id for o in ballot.options if o.amendment_id is not None]
    amendments = (
        {
            a.id: a
            for a in session.execute(select(Amendment).where(Amendment.id.in_(amendment_ids)))
            .scalars()
            .all()
        }
        if amendment_ids
        else {}
    )
    changes = changes_of(session, amendment_ids)
    options = []
    for option in ballot.options:
        amendment = amendments.get(option.amendment_id or -1)
        options.append(
            OptionView(
                key=option.key,
                label=option.label,
                position=option.position,
                is_default=option.key == DEFAULT_OPTION,
                amendment_id=option.amendment_id,
                amendment_number=amendment.number if amendment else None,
                amendment_state=amendment.state if amendment else None,
                fingerprint=option.fingerprint,
                majority=Fraction(option.majority_num, option.majority_den),
                changes=tuple(
                    PinnedChange(c.kind, c.clause_id, c.after_clause_id, c.new_text)
                    for c in changes.get(option.amendment_id or -1, ())
                ),
            )
        )
    return BallotDetail(
        ballot=ballot,
        charter_slug=charter.slug,
        rules=rules_of(ballot),
        options=tuple(options),
        revision_number=ballot.revision_number,
        text_sha256=ballot.text_sha256,
        roll_count=ballot.roll_count,
        votes_cast=votes_cast(session, ballot) if ballot.state != "draft" else 0,
    )


def ballot_actions(user: User | None, ballot: Ballot, *, now: datetime) -> list[str]:
    """What ``user`` may do with the ballot now — the buttons and links a page shows.

    Among: ``edit`` and ``open`` (draft, secretariat), ``close`` (open, secretariat), ``vote``
    (open and accepting, for participants: whether *they* can vote is in :func:`voter_status`),
    ``results`` (closed, or running results of a named ballot for the secretariat),
    ``roll_call`` (closed named ballot) and ``counted`` (closed secret ballot).
    """
    actions = []
    if ballot.state == "draft":
        actions += [a for a in ("edit", "open") if can(user, f"ballot:{a}", ballot)]
    if ballot.state == "open":
        if can(user, "ballot:close", ballot):
            actions.append("close")
        if accepting_votes(ballot, now) and can(user, "vote:cast", ballot):
            actions.append("vote")
        if ballot.secrecy == "named" and can(user, "ballot:results_early", ballot):
            actions.append("results")
    if ballot.state == "closed" and can(user, "ballot:read", ballot):
        actions.append("results")
        actions.append("roll_call" if ballot.secrecy == "named" else "counted")
    return actions


@dataclass(frozen=True)
class HeldProxy:
    proxy_id: int
    principal_id: int
    principal_name: str
    on_roll: bool
    voted: bool


@dataclass(frozen=True)
class VoterStatus:
    """What a person sees on a ballot page: may I vote, have I, who votes for me, for whom do I."""

    on_roll: bool
    weight: Fraction | None
    voted: bool
    choice: str | None
    ranking: dict[str, int] | None
    cast_by_id: int | None
    proxy_given: Proxy | None
    proxy_agent_name: str | None
    proxies_held: tuple[HeldProxy, ...]
    can_vote_now: bool
    reason: str | None


def held_proxies(session: Session, ballot: Ballot, agent_id: int) -> list[HeldProxy]:
    """The members whose vote on ``ballot`` ``agent_id`` casts, as the cast operation decides it:
    a proxy given for this ballot wins over a standing one given to someone else."""
    relevant = or_(Proxy.ballot_id == ballot.id, Proxy.ballot_id.is_(None))
    held = session.execute(
        select(Proxy, User)
        .join(User, User.id == Proxy.principal_id)
        .where(Proxy.agent_id == agent_id, Proxy.revoked_at.is_(None), relevant)
        .order_by(User.name, Proxy.id)
    ).all()
    if not held:
        return []
    principal_ids = sorted({p.principal_id for p, _u in held})
    applicable: dict[int, Proxy] = {}
    for proxy in session.execute(
        select(Proxy)
        .where(
            Proxy.principal_id.in_(principal_ids),
            Proxy.revoked_at.is_(None),
            relevant,
        )
        .order_by(Proxy.ballot_id.is_(None), Proxy.id)
    ).scalars():
        applicable.setdefault(proxy.principal_id, proxy)
    on_roll = set(
        session.execute(
            select(RollEntry.user_id).where(
                RollEntry.ballot_id == ballot.id, RollEntry.user_id.in_(principal_ids)
            )
        ).scalars()
    )
    voted = ballots_voters(session, ballot, principal_ids)
    out = []
    for proxy, principal in held:
        chosen = applicable.get(principal.id)
        if chosen is None or chosen.id != proxy.id:
            continue
        out.append(
            HeldProxy(
                proxy_id=proxy.id,
                principal_id=principal.id,
                principal_name=principal.name,
                on_roll=principal.id in on_roll,
                voted=principal.id in voted,
            )
        )
    return out


def voter_status(session: Session, ballot: Ballot, user: User, *, now: datetime) -> VoterStatus:
    roll = session.get(RollEntry, (ballot.id, user.id))
    named = ballot.secrecy == "named"
    vote = None
    participation = None
    if named:
        vote = session.execute(
            select(Vote).where(Vote.ballot_id == ballot.id, Vote.voter_id == user.id)
        ).scalar_one_or_none()
    else:
        participation = session.execute(
            select(Participation).where(
                Participation.ballot_id == ballot.id, Participation.voter_id == user.id
            )
        ).scalar_one_or_none()
    cast = vote or participation
    proxy = applicable_proxy(session, ballot.id, user.id)
    agent = session.get(User, proxy.agent_id) if proxy else None
    held = held_proxies(session, ballot, user.id)
    reason = None
    if not accepting_votes(ballot, now):
        reason = "The ballot is not open for votes."
    elif ballot.state == "open" and roll is None:
        reason = "You are not on the roll of this ballot."
    elif proxy is not None:
        reason = f"You gave your vote to {agent.name if agent else 'another member'} (proxy)."
    elif cast is not None and not ballot.allow_change:
        reason = "You have voted; this ballot does not allow changing a vote."
    return VoterStatus(
        on_roll=roll is not None,
        weight=Fraction(roll.weight_num, roll.weight_den) if roll else None,
        voted=cast is not None,
        choice=vote.choice if vote else None,
        ranking=load_ranking(vote.ranking) if vote else None,
        cast_by_id=cast.cast_by_id if cast else None,
        proxy_given=proxy,
        proxy_agent_name=agent.name if agent else None,
        proxies_held=tuple(held),
        can_vote_now=reason is None,
        reason=reason,
    )


def on_roll(session: Session, ballot: Ballot, user: User) -> bool:
    """Whether ``user`` is on the ballot's roll: the frozen roll once it opened, and on a draft
    whether its roll rule would put them there if it opened now."""
    if ballot.state != "draft":
        return session.get(RollEntry, (ballot.id, user.id)) is not None
    rules = rules_of(ballot)
    return is_eligible(user.role, user.active, rules.roll, frozenset(rules.roll_members), user.id)


def chosen_names(session: Session, rules: Rules) -> list[str]:
    """The names of the people on a chosen roll, by name."""
    if not rules.roll_members:
        return []
    return list(
        session.execute(
            select(User.name).where(User.id.in_(rules.roll_members)).order_by(User.name, User.id)
        ).scalars()
    )
