"""Read-only queries behind the drafting pages (charter, amendments, comments, desk).

Each function runs a fixed number of statements whatever the size of the charter, so a page built
from them stays within a bounded number of queries. Nothing here changes data or knows about Flask;
the operations in the domain packages remain the only writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy.orm import Session, selectinload

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment, AmendmentBacker, AmendmentChange
from charter_engine.amendments.workflow import PENDING_STATES, STATES
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.comments.models import Comment
from charter_engine.errors import NotFound
from charter_engine.ids import is_id


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User).where(User.id.in_(wanted))).scalars()
    return {user.id: user for user in rows}


def pending_amendment_counts(session: Session, charter: Charter) -> dict[int, int]:
    """Clause id → number of pending (top-level) amendments that change it or insert after it."""
    direct = (
        select(AmendmentChange.clause_id.label("clause_id"), Amendment.id.label("amendment_id"))
        .join(Amendment, Amendment.id == AmendmentChange.amendment_id)
        .where(
            Amendment.charter_id == charter.id,
            Amendment.state.in_(PENDING_STATES),
            Amendment.parent_id.is_(None),
            AmendmentChange.kind != "insert",
            AmendmentChange.clause_id.is_not(None),
        )
    )
    inserts = (
        select(
            AmendmentChange.after_clause_id.label("clause_id"), Amendment.id.label("amendment_id")
        )
        .join(Amendment, Amendment.id == AmendmentChange.amendment_id)
        .where(
            Amendment.charter_id == charter.id,
            Amendment.state.in_(PENDING_STATES),
            Amendment.parent_id.is_(None),
            AmendmentChange.kind == "insert",
            AmendmentChange.after_clause_id.is_not(None),
        )
    )
    both = union(direct, inserts).subquery()
    rows = session.execute(
        select(both.c.clause_id, func.count(func.distinct(both.c.amendment_id))).group_by(
            both.c.clause_id
        )
    ).all()
    return {clause_id: count for clause_id, count in rows}


def comment_counts(session: Session, charter: Charter) -> dict[int, int]:
    """Clause id → number of comments (replies included) on it."""
    rows = session.execute(
        select(Comment.clause_id, func.count(Comment.id))
        .where(Comment.charter_id == charter.id, Comment.clause_id.is_not(None))
        .group_by(Comment.clause_id)
    ).all()
    return {clause_id: count for clause_id, count in rows if clause_id is not None}


def clause_in_revision(
    session: Session, revision: Revision, clause_id: int
) -> RevisionClause | None:
    return session.execute(
        select(RevisionClause).where(
            RevisionClause.revision_id == revision.id, RevisionClause.clause_id == clause_id
        )
    ).scalar_one_or_none()


def amendments_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Amendment]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Amendment).where(Amendment.id.in_(wanted))).scalars()
    return {a.id: a for a in rows}


def revision_numbers(session: Session, ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Revision.id, Revision.number).where(Revision.id.in_(wanted)))
    return {rid: number for rid, number in rows}


def versions_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, ClauseVersion]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(ClauseVersion).where(ClauseVersion.id.in_(wanted))).scalars()
    return {v.id: v for v in rows}


# --------------------------------------------------------------------------------------------
# amendments


def amendment_by_number(session: Session, charter: Charter, number: int) -> Amendment:
    amendment = (
        session.execute(
            select(Amendment)
            .where(Amendment.charter_id == charter.id, Amendment.number == number)
            .options(selectinload(Amendment.changes), selectinload(Amendment.backers))
        ).scalar_one_or_none()
        if is_id(number)  # numbers are 32-bit columns as ids are
        else None
    )
    if amendment is None:
        raise NotFound(f"There is no amendment #{number} to this charter.")
    return amendment


def amendment_list_query(
    charter: Charter, *, state: str | None, clause_id: int | None, author_id: int | None
) -> Select[Any]:
    stmt = (
        select(Amendment)
        .where(Amendment.charter_id == charter.id)
        .order_by(Amendment.number.desc())
    )
    if state in STATES:
        stmt = stmt.where(Amendment.state == state)
    elif state == "pending":
        stmt = stmt.where(Amendment.state.in_(PENDING_STATES))
    if author_id is not None:
        stmt = stmt.where(Amendment.author_id == author_id)
    if clause_id is not None:
        touching = select(AmendmentChange.amendment_id).where(
            or_(
                and_(AmendmentChange.clause_id == clause_id, AmendmentChange.kind != "insert"),
                AmendmentChange.after_clause_id == clause_id,
            )
        )
        stmt = stmt.where(Amendment.id.in_(touching))
    return stmt


def changes_of(session: Session, amendment_ids: Iterable[int]) -> dict[int, list[AmendmentChange]]:
    wanted = set(amendment_ids)
    out: dict[int, list[AmendmentChange]] = {i: [] for i in wanted}
    if not wanted:
        return out
    rows = session.execute(
        select(AmendmentChange)
        .where(AmendmentChange.amendment_id.in_(wanted))
        .order_by(AmendmentChange.amendment_id, AmendmentChange.position)
    ).scalars()
    for change in rows:
        out[change.amendment_id].append(change)
    return out


def amendment_authors(session: Session, charter: Charter) -> list[User]:
    return list(
        session.execute(
            select(User)
            .where(
                User.id.in_(select(Amendment.author_id).where(Amendment.charter_id == charter.id))
            )
            .order_by(User.name)
        ).scalars()
    )


def sub_amendments(session: Session, parent: Amendment) -> Sequence[Amendment]:
    return (
        session.execute(
            select(Amendment).where(Amendment.parent_id == parent.id).order_by(Amendment.number)
        )
        .scalars()
        .all()
    )


def pending_amendments_on_clause(
    session: Session, charter: Charter, clause_id: int
) -> Sequence[Amendment]:
    return (
        session.execute(
            amendment_list_query(charter, state="pending", clause_id=clause_id, author_id=None)
            .where(Amendment.parent_id.is_(None))
            .order_by(None)
            .order_by(Amendment.number)
        )
        .scalars()
        .all()
    )


def backer_of(amendment: Amendment, user: User | None) -> AmendmentBacker | None:
    if user is None:
        return None
    for backer in amendment.backers:
        if backer.user_id == user.id:
            return backer
    return None


# --------------------------------------------------------------------------------------------
# the desk


@dataclass(frozen=True)
class Participation:
    participants: int
    proposed: int
    commented: int
    voted: int


def state_counts(session: Session, charter: Charter) -> dict[str, int]:
    rows = session.execute(
        select(Amendment.state, func.count(Amendment.id))
        .where(Amendment.charter_id == charter.id)
        .group_by(Amendment.state)
    ).all()
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: count for state, count in rows})
    return counts


def amendments_in_states(
    session: Session, charter: Charter, states: Iterable[str], *, limit: int = 20
) -> Sequence[Amendment]:
    return (
        session.execute(
            select(Amendment)
            .where(Amendment.charter_id == charter.id, Amendment.state.in_(list(states)))
            .order_by(Amendment.updated_at.desc(), Amendment.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def participation(session: Session, charter: Charter) -> Participation:
    """How many members took part: proposed, commented, voted — in 2 queries. The secretariat
    runs the process and is left out, as it is of the roll by default."""
    from charter_engine.voting.models import Ballot, Vote
    from charter_engine.voting.models import Participation as SecretParticipation

    participants = session.execute(
        select(func.count(User.id)).where(User.active.is_(True), User.role == "member")
    ).scalar_one()
    members = select(User.id).where(User.role == "member")
    ballots = select(Ballot.id).where(Ballot.charter_id == charter.id)
    proposed = select(func.count(func.distinct(Amendment.author_id))).where(
        Amendment.charter_id == charter.id, Amendment.author_id.in_(members)
    )
    commented = select(func.count(func.distinct(Comment.author_id))).where(
        Comment.charter_id == charter.id, Comment.author_id.in_(members)
    )
    voters = union(
        select(Vote.voter_id.label("voter")).where(
            Vote.ballot_id.in_(ballots), Vote.voter_id.in_(members)
        ),
        select(SecretParticipation.voter_id.label("voter")).where(
            SecretParticipation.ballot_id.in_(ballots), SecretParticipation.voter_id.in_(members)
        ),
    ).subquery()
    voted = select(func.count()).select_from(voters)
    row = session.execute(
        select(proposed.scalar_subquery(), commented.scalar_subquery(), voted.scalar_subquery())
    ).one()
    return Participation(int(participants), int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True)
class BallotRow:
    id: int
    title: str
    kind: str
    state: str
    opens_at: datetime | None
    closes_at: datetime | None


def ballots_to_handle(session: Session, charter: Charter) -> list[BallotRow]:
    """Draft ballots (to open) and open ballots (to close), soonest deadline first."""
    from charter_engine.voting.models import Ballot

    rows = session.execute(
        select(
            Ballot.id, Ballot.title, Ballot.kind, Ballot.state, Ballot.opens_at, Ballot.closes_at
        )
        .where(Ballot.charter_id == charter.id, Ballot.state.in_(("draft", "open")))
        .order_by(Ballot.closes_at.is_(None), Ballot.closes_at, Ballot.id)
    ).all()
    return [BallotRow(*row) for row in rows]


def merge_failure(session: Session, amendment: Amendment) -> str | None:
    """Why the ballot that adopted ``amendment`` could not merge it, if that is what happened
    (the closing records the reason in the ballot's result)."""
    import json

    from charter_engine.voting.models import Ballot, BallotOption

    result = session.execute(
        select(Ballot.result)
        .join(BallotOption, BallotOption.ballot_id == Ballot.id)
        .where(BallotOption.amendment_id == amendment.id, Ballot.state == "closed")
        .order_by(Ballot.closed_at.desc(), Ballot.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if result is None:
        return None
    error = json.loads(result).get("merge_error")
    return error if isinstance(error, str) else None
