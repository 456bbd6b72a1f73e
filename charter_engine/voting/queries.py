"""Reading ballots: a ballot (optionally locked), the lists, the rules, proxies and who has voted,
and the votes as the tally takes them.

These functions read and never change anything. What a page shows of a ballot is built in
:mod:`.views`; the published records (results, roll call, counted secret ballots) in
:mod:`.records`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Literal, NamedTuple

from sqlalchemy import ColumnElement, Integer, bindparam, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from charter_engine.accounts.models import User
from charter_engine.charters.models import Charter
from charter_engine.errors import NotFound
from charter_engine.ids import is_id
from charter_engine.voting.models import (
    Ballot,
    BallotOption,
    Participation,
    Proxy,
    RollEntry,
    SecretBallot,
    Vote,
    load_ranking,
)
from charter_engine.voting.results import CastVote, Count, count_votes
from charter_engine.voting.rules import DEFAULT_OPTION, Rules, is_accepting, quorum_votes

Lock = Literal["share", "update"] | None


def get_ballot(session: Session, ballot_id: object, *, lock: Lock = None) -> Ballot:
    """The ballot, optionally locked: ``"share"`` while casting, ``"update"`` to change it
    (the locks: ``docs/architecture.md``, "Locks")."""
    if not is_id(ballot_id):
        raise NotFound(f"There is no ballot {ballot_id!r}.")
    stmt = select(Ballot).where(Ballot.id == ballot_id)
    if lock is not None:
        stmt = stmt.with_for_update(read=lock == "share").execution_options(populate_existing=True)
    ballot = session.execute(stmt).scalar_one_or_none()
    if ballot is None:
        raise NotFound(f"There is no ballot {ballot_id}.")
    return ballot


class CastingTerms(NamedTuple):
    """What a vote needs to know of its ballot."""

    id: int
    state: str
    kind: str
    secrecy: str
    allow_change: bool
    opens_at: datetime | None
    closes_at: datetime | None


# The ballot row FOR SHARE of every vote, with the columns of CastingTerms in its order. A vote
# reads these rather than the mapped Ballot: loading its thirty columns into an object cost about
# as much CPU again as the statement (0.8 against 0.4 ms per vote, measured in one process).
_CASTING_TERMS = (
    select(*(Ballot.__table__.c[name] for name in CastingTerms._fields))
    .where(Ballot.id == bindparam("ballot_id", type_=Integer))
    .with_for_update(read=True)
)


def casting_terms(session: Session, ballot_id: object) -> CastingTerms:
    """The ballot's terms for a vote, with the ballot row locked ``FOR SHARE`` until the
    transaction ends (the locks: ``docs/architecture.md``, "Locks")."""
    if not is_id(ballot_id):
        raise NotFound(f"There is no ballot {ballot_id!r}.")
    row = session.execute(_CASTING_TERMS, {"ballot_id": ballot_id}).first()
    if row is None:
        raise NotFound(f"There is no ballot {ballot_id}.")
    return CastingTerms(*row)


def list_ballots(
    session: Session, charter: Charter, *, limit: int | None = None, offset: int = 0
) -> Sequence[Ballot]:
    """The charter's ballots, newest first, with their options; ``limit`` and ``offset`` cut out
    one page."""
    stmt = (
        select(Ballot)
        .where(Ballot.charter_id == charter.id)
        .options(selectinload(Ballot.options))
        .order_by(Ballot.id.desc())
    )
    return session.execute(stmt.limit(limit).offset(offset)).scalars().all()


def ballots_on_amendment(session: Session, amendment_id: int) -> Sequence[Ballot]:
    """The ballots an amendment is (or was) on, oldest first (one query)."""
    return (
        session.execute(
            select(Ballot)
            .join(BallotOption, BallotOption.ballot_id == Ballot.id)
            .where(BallotOption.amendment_id == amendment_id)
            .order_by(Ballot.id)
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
        roll=ballot.roll_rule,
        # Loaded only for a chosen roll, so other ballots cost no query.
        roll_members=(
            tuple(v.user_id for v in ballot.chosen_voters) if ballot.roll_rule == "chosen" else ()
        ),
    )


def accepting_votes(ballot: Ballot, now: datetime) -> bool:
    return is_accepting(ballot.state, ballot.closes_at, now)


def votes_cast(session: Session, ballot: Ballot) -> int:
    table = Participation if ballot.secrecy == "secret" else Vote
    return session.execute(
        select(func.count()).select_from(table).where(table.ballot_id == ballot.id)
    ).scalar_one()


def option_keys(ballot: Ballot) -> list[str]:
    return [o.key for o in ballot.options]


def option_keys_of(session: Session, ballot_id: int) -> list[str]:
    """:func:`option_keys` of a ballot that is not loaded."""
    return list(
        session.execute(
            select(BallotOption.key)
            .where(BallotOption.ballot_id == ballot_id)
            .order_by(BallotOption.position)
        ).scalars()
    )


def pinned_text(session: Session, ballot: Ballot) -> str | None:
    """The full charter text the ballot pinned when it opened (None while it is a draft)."""
    if ballot.revision_number is None:
        return None
    from charter_engine.charters.queries import get_revision, revision_text

    charter = session.get(Charter, ballot.charter_id)
    assert charter is not None
    return revision_text(session, get_revision(session, charter, ballot.revision_number))


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


def _applicable(ballot_id: object, principal_id: object) -> tuple[ColumnElement[bool], ...]:
    """The active proxies that may decide who casts ``principal_id``'s vote on this ballot."""
    return (
        Proxy.principal_id == principal_id,
        Proxy.revoked_at.is_(None),
        or_(Proxy.ballot_id == ballot_id, Proxy.ballot_id.is_(None)),
    )


# The one that applies comes first: one given for this ballot wins over a standing one.
_APPLICABLE_FIRST = (Proxy.ballot_id.is_(None), Proxy.id)


def applicable_proxy(session: Session, ballot_id: int, principal_id: int) -> Proxy | None:
    """The active proxy that decides who casts ``principal_id``'s vote on this ballot: one given
    for this ballot wins over a standing one."""
    stmt = select(Proxy).where(*_applicable(ballot_id, principal_id)).order_by(*_APPLICABLE_FIRST)
    return session.execute(stmt).scalars().first()


# The agents of the proxies that may apply, locked FOR SHARE against a concurrent revocation:
# the proxy check of every vote.
_APPLICABLE_AGENTS = (
    select(Proxy.agent_id)
    .where(
        *_applicable(
            bindparam("ballot_id", type_=Integer), bindparam("principal_id", type_=Integer)
        )
    )
    .order_by(*_APPLICABLE_FIRST)
    .with_for_update(read=True)
)


def applicable_agent(session: Session, ballot_id: int, principal_id: int) -> int | None:
    """Who holds the proxy that decides who casts ``principal_id``'s vote on this ballot (see
    :func:`applicable_proxy`), or None; the proxies are locked ``FOR SHARE`` until the transaction
    ends, so a revocation waits for the vote."""
    params = {"ballot_id": ballot_id, "principal_id": principal_id}
    agent_id: int | None = session.execute(_APPLICABLE_AGENTS, params).scalars().first()
    return agent_id


def list_proxies(
    session: Session, user: User, *, limit: int | None = None, offset: int = 0
) -> tuple[Sequence[Proxy], Sequence[Proxy]]:
    """(proxies ``user`` gave, proxies ``user`` holds), active ones first, newest first;
    ``limit`` and ``offset`` cut out one page of each."""

    def page(party: InstrumentedAttribute[int]) -> Sequence[Proxy]:
        stmt = (
            select(Proxy)
            .where(party == user.id)
            .order_by(Proxy.revoked_at.is_not(None), Proxy.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return session.execute(stmt).scalars().all()

    return page(Proxy.principal_id), page(Proxy.agent_id)


def has_voted(session: Session, ballot: Ballot, voter_id: int) -> bool:
    table = Participation if ballot.secrecy == "secret" else Vote
    return (
        session.execute(
            select(table.id).where(table.ballot_id == ballot.id, table.voter_id == voter_id)
        ).first()
        is not None
    )


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
        return [CastVote(Fraction(1), r.choice, load_ranking(r.ranking)) for r in rows]
    weights, _n, _total = _roll_totals(session, ballot)
    named = session.execute(
        select(Vote.voter_id, Vote.choice, Vote.ranking)
        .where(Vote.ballot_id == ballot.id)
        .order_by(Vote.voter_id)
    ).all()
    return [CastVote(weights[r.voter_id], r.choice, load_ranking(r.ranking)) for r in named]


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
        labels={o.key: o.label for o in ballot.options},
    )
