"""The schema itself refuses what must never happen, whatever the Python code does: a second vote
by one voter, a vote by someone not on the roll, a closed ballot without a result."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.voting.casting import cast_vote
from charter_engine.voting.models import Ballot, Participation, Vote


def _refused(session: Session, row: Any) -> None:
    session.add(row)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_one_vote_per_voter_per_ballot(
    session: Session, voters: Any, make_ballot: Any, create_user: Any
) -> None:
    (person,) = voters(1)
    ballot = make_ballot("adoption")
    cast_vote(session, ballot, actor=person, choice="yes")
    session.commit()
    _refused(
        session, Vote(ballot_id=ballot.id, voter_id=person.id, cast_by_id=person.id, choice="no")
    )
    late = create_user("member")
    _refused(session, Vote(ballot_id=ballot.id, voter_id=late.id, cast_by_id=late.id, choice="no"))
    _refused(session, Vote(ballot_id=ballot.id, voter_id=person.id, cast_by_id=person.id))


def test_one_participation_per_voter_on_secret_ballots(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    (person,) = voters(1)
    ballot = make_ballot("adoption", secrecy="secret")
    cast_vote(session, ballot, actor=person, choice="yes")
    session.commit()
    _refused(session, Participation(ballot_id=ballot.id, voter_id=person.id, cast_by_id=person.id))


def test_state_invariants_are_checked(session: Session, make_ballot: Any) -> None:
    ballot = make_ballot("adoption")
    for values in (
        {"state": "closed"},  # closed without a result
        {"revision_number": None},  # open without its pinned text
        {"secrecy": "secret", "weighting": "organisation"},
        {"quorum_kind": "share", "quorum_num": 3, "quorum_den": 2},
    ):
        with pytest.raises(IntegrityError):
            session.execute(update(Ballot).where(Ballot.id == ballot.id).values(**values))
        session.rollback()
