"""Reading ballots: lists, detail with the pinned texts, a voter's status, results, the roll call,
the published list of counted secret ballots and receipt checks.

These functions read and never change anything; the web pages and the API call them. Results are
recounted from the stored votes with the same function that decided the ballot at close, so the UI
gets the tally's own result objects (``SimpleResult`` / ``RankedResult``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.charters.models import Charter
from charter_engine.errors import Conflict, NotFound
from charter_engine.ids import is_id
from charter_engine.voting.models import (
    Ballot,
    Participation,
    Proxy,
    RollEntry,
    SecretBallot,
    Vote,
)
from charter_engine.voting.results import CastVote, Count, count_to_json, count_votes
from charter_engine.voting.rules import (
    DEFAULT_OPTION,
    Rules,
    is_accepting,
    quorum_votes,
)

if TYPE_CHECKING:
    from charter_engine.voting.tally import RankedResult, SimpleResult

Lock = Literal["share", "update"] | None


# --------------------------------------------------------------------------------------------
# ballots


# The first key of the ballots' advisory locks on PostgreSQL ("ball" in ASCII).
BALLOT_LOCK_SPACE = 0x62616C6C


def get_ballot(session: Session, ballot_id: object, *, lock: Lock = None) -> Ballot:
    """The ballot, optionally locked: ``"share"`` while casting, ``"update"`` to change it.

    On PostgreSQL the row lock is preceded by the ballot's advisory lock in the same mode. Row
    share locks do not queue behind a waiting update: a new caster joins the current ones, so a
    steady stream of votes could keep a close waiting forever. Advisory locks queue fairly: once a
    close waits, later votes wait behind it (and are then refused, the ballot being closed).
    """
    if not is_id(ballot_id):
        raise NotFound(f"There is no ballot {ballot_id!r}.")
    if lock is not None and session.get_bind().dialect.name == "postgresql":
        gate = func.pg_advisory_xact_lock_shared if lock == "share" else func.pg_advisory_xact_lock
        session.execute(select(gate(BALLOT_LOCK_SPACE, ballot_id)))
    stmt = select(Ballot).where(Ballot.id == ballot_id)
    if lock is not None:
        stmt = stmt.with_for_update(read=lock == "share").execution_options(populate_existing=True)
    ballot = session.execute(stmt).scalar_one_or_none()
    if ballot is None:
        raise NotFound(f"There is no ballot {ballot_id}.")
    return ballot


def list_ballots(session: Session, charter: Charter) -> Sequence[Ballot]:
    """The charter's ballots, newest first."""
    return (
        session.execute(
            select(Ballot).where(Ballot.charter_id == charter.id).order_by(Ballot.id.desc())
        )
        .scalars()
        .all()
    )


def rules_of(ballot: Ballot) -> Rules:
    quorum = (
        None
        if ballot.quorum_num is None or ballot.quorum_den is None
        else Fraction(ballot.quorum_num, ballot.quorum_den)
    )
    return Rules(
        threshold=ballot.threshold,
        abstentions_count=ballot.abstentions_count,
        quorum_kind=ballot.quorum_kind,
        quorum_value=quorum,
        opens_at=ballot.opens_at,
        closes_at=ballot.closes_at,
        allow_change=ballot.allow_change,
        secrecy=ballot.secrecy,
        weighting=ballot.weighting,
        unranked=ballot.unranked,
    )


def accepting_votes(ballot: Ballot, now: datetime) -> bool:
    return is_accepting(ballot.state, ballot.closes_at, now)


def votes_cast(session: Session, ballot: Ballot) -> int:
    table = Participation if ballot.secrecy == "secret" else Vote
    return session.execute(
        select(func.count()).select_from(table).where(table.ballot_id == ballot.id)
    ).scalar_one()


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
    changes: dict[int, list[PinnedChange]] = {}
    if amendment_ids:
        rows = session.execute(
            select(AmendmentChange)
            .where(AmendmentChange.amendment_id.in_(amendment_ids))
            .order_by(AmendmentChange.amendment_id, AmendmentChange.position)
        ).scalars()
        for c in rows:
            changes.setdefault(c.amendment_id, []).append(
                PinnedChange(c.kind, c.clause_id, c.after_clause_id, c.new_text)
            )
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
                changes=tuple(changes.get(option.amendment_id or -1, ())),
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


def option_keys(ballot: Ballot) -> list[str]:
    return [o.key for o in ballot.options]


def pinned_text(session: Session, ballot: Ballot) -> str | None:
    """The full charter text the ballot pinned when it opened (None while it is a draft)."""
    if ballot.revision_number is None:
        return None
    from charter_engine.charters.queries import get_revision, revision_text

    charter = session.get(Charter, ballot.charter_id)
    assert charter is not None
    return revision_text(session, get_revision(session, charter, ballot.revision_number))


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


def proxies_for_ballot(session: Session, ballot: Ballot) -> Sequence[Proxy]:
    """Active proxies that apply to this ballot (for the secretariat's overview)."""
    return (
        session.execute(
            select(Proxy)
            .where(
                Proxy.revoked_at.is_(None),
                or_(Proxy.ballot_id == ballot.id, Proxy.ballot_id.is_(None)),
            )
            .order_by(Proxy.principal_id, Proxy.id)
        )
        .scalars()
        .all()
    )


# --------------------------------------------------------------------------------------------
# proxies and a voter's status


def applicable_proxy(
    session: Session, ballot_id: int, principal_id: int, *, lock: bool = False
) -> Proxy | None:
    """The active proxy that decides who casts ``principal_id``'s vote on this ballot: one given
    for this ballot wins over a standing one."""
    stmt = (
        select(Proxy)
        .where(
            Proxy.principal_id == principal_id,
            Proxy.revoked_at.is_(None),
            or_(Proxy.ballot_id == ballot_id, Proxy.ballot_id.is_(None)),
        )
        .order_by(Proxy.ballot_id.is_(None), Proxy.id)
    )
    if lock:
        stmt = stmt.with_for_update(read=True).execution_options(populate_existing=True)
    proxies = session.execute(stmt).scalars().all()
    return proxies[0] if proxies else None


def list_proxies(session: Session, user: User) -> tuple[Sequence[Proxy], Sequence[Proxy]]:
    """(proxies ``user`` gave, proxies ``user`` holds), active ones first, newest first."""
    order = (Proxy.revoked_at.is_not(None), Proxy.id.desc())
    given = (
        session.execute(select(Proxy).where(Proxy.principal_id == user.id).order_by(*order))
        .scalars()
        .all()
    )
    held = (
        session.execute(select(Proxy).where(Proxy.agent_id == user.id).order_by(*order))
        .scalars()
        .all()
    )
    return given, held


def has_voted(session: Session, ballot: Ballot, voter_id: int) -> bool:
    table = Participation if ballot.secrecy == "secret" else Vote
    return (
        session.execute(
            select(table.id).where(table.ballot_id == ballot.id, table.voter_id == voter_id)
        ).first()
        is not None
    )


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


def ballots_voters(session: Session, ballot: Ballot, voter_ids: Sequence[int]) -> set[int]:
    """Which of ``voter_ids`` have a vote on ``ballot`` (one query)."""
    table = Participation if ballot.secrecy == "secret" else Vote
    return set(
        session.execute(
            select(table.voter_id).where(
                table.ballot_id == ballot.id, table.voter_id.in_(list(voter_ids))
            )
        ).scalars()
    )


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
        ranking=json.loads(vote.ranking) if vote and vote.ranking else None,
        cast_by_id=cast.cast_by_id if cast else None,
        proxy_given=proxy,
        proxy_agent_name=agent.name if agent else None,
        proxies_held=tuple(held),
        can_vote_now=reason is None,
        reason=reason,
    )


# --------------------------------------------------------------------------------------------
# counting and results


def _roll_totals(session: Session, ballot: Ballot) -> tuple[dict[int, Fraction], int, Fraction]:
    rows = session.execute(
        select(RollEntry.user_id, RollEntry.weight_num, RollEntry.weight_den).where(
            RollEntry.ballot_id == ballot.id
        )
    ).all()
    weights = {r.user_id: Fraction(r.weight_num, r.weight_den) for r in rows}
    return weights, len(weights), sum(weights.values(), Fraction(0))


def cast_votes(session: Session, ballot: Ballot) -> list[CastVote]:
    """Every vote of the ballot with its weight, as the tally takes them."""
    if ballot.secrecy == "secret":
        rows = session.execute(
            select(SecretBallot.choice, SecretBallot.ranking)
            .where(SecretBallot.ballot_id == ballot.id)
            .order_by(SecretBallot.id)
        ).all()
        # Secret ballots are always counted one vote per member (see rules.check_rules).
        return [
            CastVote(Fraction(1), r.choice, json.loads(r.ranking) if r.ranking else None)
            for r in rows
        ]
    weights, _n, _total = _roll_totals(session, ballot)
    named = session.execute(
        select(Vote.voter_id, Vote.choice, Vote.ranking)
        .where(Vote.ballot_id == ballot.id)
        .order_by(Vote.voter_id)
    ).all()
    return [
        CastVote(weights[r.voter_id], r.choice, json.loads(r.ranking) if r.ranking else None)
        for r in named
    ]


def count_ballot(session: Session, ballot: Ballot) -> Count:
    """Count the ballot's votes now under its rules (at close, or running for the secretariat)."""
    _weights, roll_count, roll_weight = _roll_totals(session, ballot)
    rules = rules_of(ballot)
    return count_votes(
        ballot.kind,
        cast_votes(session, ballot),
        threshold=rules.threshold,
        abstentions_count=rules.abstentions_count,
        quorum=quorum_votes(rules.quorum_kind, rules.quorum_value, roll_weight),
        roll_count=roll_count,
        roll_weight=roll_weight,
        option_keys=option_keys(ballot),
        majorities={
            o.key: Fraction(o.majority_num, o.majority_den)
            for o in ballot.options
            if o.key != DEFAULT_OPTION
        },
        unranked=rules.unranked,
    )


@dataclass(frozen=True)
class BallotResults:
    """Results as shown to a person. ``final`` is False for running results (secretariat only)."""

    ballot_id: int
    kind: str
    final: bool
    outcome: str
    reason: str
    simple: SimpleResult | None
    ranked: RankedResult | None
    voters: int
    roll_count: int
    roll_weight: Fraction
    quorum: Fraction | None
    data: dict[str, Any]


def ballot_results(session: Session, ballot: Ballot, *, viewer: User | None) -> BallotResults:
    """Results of a closed ballot for everyone; running results of an open named ballot for those
    who may see them early (the secretariat). Otherwise a Conflict that says when they appear."""
    if ballot.state == "closed":
        count = count_ballot(session, ballot)
        stored = json.loads(ballot.result) if ballot.result else None
        return BallotResults(
            ballot_id=ballot.id,
            kind=ballot.kind,
            final=True,
            outcome=ballot.outcome or count.outcome,
            reason=(stored or {}).get("reason", count.reason),
            simple=count.simple,
            ranked=count.ranked,
            voters=count.voters,
            roll_count=count.roll_count,
            roll_weight=count.roll_weight,
            quorum=count.quorum,
            data=stored or count_to_json(count),
        )
    if ballot.state == "draft":
        raise Conflict("This ballot has not opened yet; there are no results.")
    if not can(viewer, "ballot:results_early", ballot):
        raise Conflict("Results are published when the ballot closes.")
    if ballot.secrecy == "secret":
        # Watching a running tally next to the list of who has voted would reveal single votes.
        raise Conflict("A secret ballot shows no running results; they are published at close.")
    count = count_ballot(session, ballot)
    return BallotResults(
        ballot_id=ballot.id,
        kind=ballot.kind,
        final=False,
        outcome=count.outcome,
        reason="Running count (the ballot is still open): " + count.reason,
        simple=count.simple,
        ranked=count.ranked,
        voters=count.voters,
        roll_count=count.roll_count,
        roll_weight=count.roll_weight,
        quorum=count.quorum,
        data={**count_to_json(count), "running": True},
    )


# --------------------------------------------------------------------------------------------
# published records


@dataclass(frozen=True)
class RollCallRow:
    voter_id: int
    name: str
    organisation: str | None
    weight: Fraction
    voted: bool
    choice: str | None
    ranking: dict[str, int] | None
    cast_by_id: int | None
    cast_by_name: str | None
    cast_at: datetime | None


def roll_call(session: Session, ballot: Ballot) -> list[RollCallRow]:
    """Every voter on the roll of a closed named ballot and how they voted (or that they didn't)."""
    if ballot.secrecy != "named":
        raise Conflict("A secret ballot has no roll call; see the list of counted ballots.")
    if ballot.state != "closed":
        raise Conflict("The roll call is published when the ballot closes.")
    rows = session.execute(
        select(RollEntry, User, Vote)
        .join(User, User.id == RollEntry.user_id)
        .outerjoin(Vote, (Vote.ballot_id == RollEntry.ballot_id) & (Vote.voter_id == User.id))
        .where(RollEntry.ballot_id == ballot.id)
        .order_by(User.name, User.id)
    ).all()
    agent_ids = {v.cast_by_id for _r, _u, v in rows if v is not None}
    names: dict[int, str] = {}
    if agent_ids:
        for uid, name in session.execute(select(User.id, User.name).where(User.id.in_(agent_ids))):
            names[uid] = name
    out = []
    for entry, user, vote in rows:
        out.append(
            RollCallRow(
                voter_id=user.id,
                name=user.name,
                organisation=entry.organisation,
                weight=Fraction(entry.weight_num, entry.weight_den),
                voted=vote is not None,
                choice=vote.choice if vote else None,
                ranking=json.loads(vote.ranking) if vote and vote.ranking else None,
                cast_by_id=vote.cast_by_id if vote else None,
                cast_by_name=names.get(vote.cast_by_id) if vote else None,
                cast_at=vote.cast_at if vote else None,
            )
        )
    return out


def receipt_hash(ballot_id: int, code: str) -> str:
    """The stored form of a receipt: SHA-256 of the ballot id and the normalised code."""
    normal = normalise_receipt(code)
    return hashlib.sha256(f"{ballot_id}:{normal}".encode()).hexdigest()


def normalise_receipt(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class CountedBallot:
    receipt_hash: str
    choice: str | None
    ranking: dict[str, int] | None


def counted_ballots(session: Session, ballot: Ballot) -> list[CountedBallot]:
    """The published list of a closed secret ballot: each counted ballot by its receipt hash."""
    if ballot.secrecy != "secret":
        raise Conflict("Only secret ballots have a list of counted ballots; see the roll call.")
    if ballot.state != "closed":
        raise Conflict("The list of counted ballots is published when the ballot closes.")
    rows = session.execute(
        select(SecretBallot.receipt_hash, SecretBallot.choice, SecretBallot.ranking)
        .where(SecretBallot.ballot_id == ballot.id)
        .order_by(SecretBallot.receipt_hash)
    ).all()
    return [
        CountedBallot(r.receipt_hash, r.choice, json.loads(r.ranking) if r.ranking else None)
        for r in rows
    ]


def verify_receipt(session: Session, ballot: Ballot, code: str) -> CountedBallot:
    """Find the ballot a receipt belongs to in the published list (after close)."""
    if ballot.secrecy != "secret":
        raise Conflict("Receipts belong to secret ballots; this ballot is named.")
    if ballot.state != "closed":
        raise Conflict("Receipts can be checked once the ballot closes and its list is published.")
    if not isinstance(code, str) or not 8 <= len(normalise_receipt(code)) <= 64:
        raise NotFound("That is not a receipt code of this ballot.")
    row = session.execute(
        select(SecretBallot).where(
            SecretBallot.ballot_id == ballot.id,
            SecretBallot.receipt_hash == receipt_hash(ballot.id, code),
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("No counted ballot has this receipt.")
    return CountedBallot(
        row.receipt_hash, row.choice, json.loads(row.ranking) if row.ranking else None
    )
