"""What the secretariat's desk reads about a charter besides its amendments: how many people took
part, the ballots to open or close, and why an adopted amendment was not merged. A fixed number
of queries each; nothing here changes data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment
from charter_engine.charters.models import Charter
from charter_engine.comments.models import Comment
from charter_engine.voting.models import Ballot, BallotOption, Vote
from charter_engine.voting.models import Participation as SecretParticipation


@dataclass(frozen=True)
class Participation:
    participants: int
    proposed: int
    commented: int
    voted: int


def participation(session: Session, charter: Charter) -> Participation:
    """How many members took part: proposed, commented, voted — in 2 queries. The secretariat
    runs the process and is left out, as it is of the roll by default."""
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
