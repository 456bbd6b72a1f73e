"""What the voting pages read, each in a fixed number of queries whatever the size of the roll.

- :func:`ballot_text`: the exact text a ballot is about — the clauses of the pinned revision (the
  head while the ballot is a draft) and, per option, each change of its amendment next to the
  clause text it replaces;
- :func:`ballots_voted`: which of several ballots a person has voted on;
- :func:`possible_agents` and :func:`votable_amendments`: the choices offered by the forms.

Nothing here changes data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import change_texts, top_level_amendments
from charter_engine.charters.models import Charter, Revision, RevisionClause
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.voting.models import Ballot, Participation, Vote
from charter_engine.voting.rules import ELIGIBLE_ROLES
from charter_engine.voting.views import BallotDetail, OptionView

VOTABLE_STATES = ("submitted", "discussion")


@dataclass(frozen=True)
class ClauseText:
    clause_id: int
    number: str
    heading: str | None
    text: str


@dataclass(frozen=True)
class ChangeText:
    """One change of an amendment, with the clause text it applies to in the revision shown."""

    kind: str  # replace | insert | delete | move
    clause: ClauseText | None  # the clause replaced, deleted or moved
    after: ClauseText | None  # insert and move: the clause it goes after (None: at the start)
    old_text: str  # the clause's text in the revision ("" for an insert)
    new_text: str  # the text proposed ("" for a delete; the clause's text for a move)


@dataclass(frozen=True)
class OptionText:
    option: OptionView
    changes: tuple[ChangeText, ...]


@dataclass(frozen=True)
class BallotText:
    revision: Revision
    pinned: bool  # False while the ballot is a draft: the text shown is today's head
    clauses: tuple[ClauseText, ...]
    options: tuple[OptionText, ...]

    @property
    def full_text(self) -> str:
        return "".join(c.text for c in self.clauses)


def _clause(rc: RevisionClause) -> ClauseText:
    return ClauseText(rc.clause_id, rc.number, rc.version.heading, rc.version.text)


def ballot_text(session: Session, charter: Charter, detail: BallotDetail) -> BallotText:
    """The text voted on: the ballot's pinned revision (or the head of a draft) and the changes."""
    pinned = detail.revision_number is not None
    revision = get_revision(session, charter, detail.revision_number)
    clauses = tuple(_clause(rc) for rc in revision_clauses(session, revision))
    by_id = {c.clause_id: c for c in clauses}
    options = []
    for option in detail.options:
        changes = []
        for change in option.changes:
            clause = by_id.get(change.clause_id or -1) if change.kind != "insert" else None
            after = by_id.get(change.after_clause_id or -1)
            # The pinned revision is the text the options were written against (rebased onto).
            old, new = change_texts(change.kind, clause.text if clause else None, change.text)
            changes.append(ChangeText(change.kind, clause, after, old or "", new or ""))
        options.append(OptionText(option, tuple(changes)))
    return BallotText(revision, pinned, clauses, tuple(options))


def ballots_voted(session: Session, ballot_ids: Sequence[int], user_id: int) -> set[int]:
    """Which of ``ballot_ids`` ``user_id`` has voted on, named or secret (two queries)."""
    if not ballot_ids:
        return set()
    ids = list(ballot_ids)
    named = session.execute(
        select(Vote.ballot_id).where(Vote.voter_id == user_id, Vote.ballot_id.in_(ids))
    ).scalars()
    secret = session.execute(
        select(Participation.ballot_id).where(
            Participation.voter_id == user_id, Participation.ballot_id.in_(ids)
        )
    ).scalars()
    return set(named) | set(secret)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    organisation: str | None


def possible_agents(session: Session, *, exclude_id: int) -> list[Person]:
    """Everyone who can hold a proxy (active members and the secretariat), by name."""
    rows = session.execute(
        select(User.id, User.name, User.organisation)
        .where(User.active.is_(True), User.role.in_(sorted(ELIGIBLE_ROLES)), User.id != exclude_id)
        .order_by(User.name, User.id)
    ).all()
    return [Person(r.id, r.name, r.organisation) for r in rows]


def votable_amendments(session: Session, charter: Charter) -> Sequence[Amendment]:
    """Amendments of the charter that can be put to the vote now, by number."""
    return top_level_amendments(session, charter, VOTABLE_STATES)


def votes_cast_by_ballot(session: Session, ballot_ids: Sequence[int]) -> dict[int, int]:
    """How many voters have voted on each ballot, named or secret (two queries)."""
    counts: dict[int, int] = dict.fromkeys(ballot_ids, 0)
    if not ballot_ids:
        return counts
    for table in (Vote, Participation):
        for ballot_id, n in session.execute(
            select(table.ballot_id, func.count())
            .where(table.ballot_id.in_(list(ballot_ids)))
            .group_by(table.ballot_id)
        ).all():
            counts[ballot_id] += n
    return counts


def list_all_ballots(session: Session) -> list[tuple[Ballot, Charter]]:
    """Every ballot with its charter, newest first (one query)."""
    rows = session.execute(
        select(Ballot, Charter)
        .join(Charter, Charter.id == Ballot.charter_id)
        .order_by(Ballot.id.desc())
    ).all()
    return [(b, c) for b, c in rows]
