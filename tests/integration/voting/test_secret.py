"""Secret ballots: who voted is kept apart from what was voted, receipts find a ballot in the
published list, changing a secret vote needs its receipt, and nothing leaks the choice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from charter_engine.audit.models import AuditEvent
from charter_engine.errors import Conflict, NotFound, ValidationError
from charter_engine.voting.casting import AlreadyVoted, cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Participation, SecretBallot, Vote
from charter_engine.voting.operations import create_ballot
from charter_engine.voting.receipts import receipt_hash
from charter_engine.voting.records import ballot_results, counted_ballots, roll_call, verify_receipt


def test_secret_ballot_keeps_who_apart_from_what(
    session: Session, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    people = voters(3)
    ballot = make_ballot("adoption", secrecy="secret")
    receipts = {}
    for person, choice in zip(people, ["yes", "no", "yes"], strict=True):
        result = cast_vote(session, ballot, actor=person, choice=choice)
        session.commit()
        assert result.receipt is not None and len(result.receipt) == 19
        receipts[person.id] = (result.receipt, choice)

    assert session.execute(select(Vote)).first() is None
    participations = session.execute(select(Participation)).scalars().all()
    assert {p.voter_id for p in participations} == {p.id for p in people}
    rows = session.execute(select(SecretBallot)).scalars().all()
    assert len(rows) == 3
    columns = {c.name for c in inspect(SecretBallot).columns}
    assert columns == {"id", "ballot_id", "receipt_hash", "choice", "ranking"}
    # Random keys: nothing orders the ballots like the participations.
    assert all(len(r.id) == 32 for r in rows)
    # The receipt itself is never stored.
    stored = {r.receipt_hash for r in rows}
    assert not {code for code, _c in receipts.values()} & stored

    # The audit log records that each person voted, never how.
    events = (
        session.execute(select(AuditEvent).where(AuditEvent.action.like("vote.%"))).scalars().all()
    )
    assert len(events) == 3
    for event in events:
        assert '"secret":true' in event.payload
        assert "yes" not in event.payload and "no" not in event.payload.replace('"', " ").split()

    # No running results, not even for the secretariat.
    with pytest.raises(Conflict, match="secret ballot shows no running results"):
        ballot_results(session, ballot, viewer=secretariat)
    with pytest.raises(Conflict, match="once the ballot closes"):
        verify_receipt(session, ballot, receipts[people[0].id][0])

    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "adopted"
    published = counted_ballots(session, ballot)
    assert len(published) == 3
    for code, choice in receipts.values():
        found = verify_receipt(session, ballot, code.lower().replace("-", " "))
        assert found.choice == choice
        assert found.receipt_hash == receipt_hash(ballot.id, code)
        assert found in published
    with pytest.raises(NotFound):
        verify_receipt(session, ballot, "AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(Conflict, match="no roll call"):
        roll_call(session, ballot)


def test_changing_a_secret_vote_needs_the_receipt(
    session: Session, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    alice, bob = voters(2)
    ballot = make_ballot("adoption", secrecy="secret")
    code = cast_vote(session, ballot, actor=alice, choice="yes").receipt
    bob_code = cast_vote(session, ballot, actor=bob, choice="no").receipt
    session.commit()
    assert code and bob_code

    with pytest.raises(AlreadyVoted, match="send the receipt"):
        cast_vote(session, ballot, actor=alice, choice="no")
    session.rollback()
    for wrong in ("WRONG-CODE-1234-5678", bob_code):  # made up, or another voter's
        with pytest.raises(ValidationError, match="not the receipt you were given"):
            cast_vote(session, ballot, actor=alice, choice="no", receipt=wrong)
        session.rollback()

    changed = cast_vote(session, ballot, actor=alice, choice="no", receipt=code)
    session.commit()
    assert changed.changed and changed.receipt is None
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert verify_receipt(session, ballot, code).choice == "no"
    assert ballot.outcome == "rejected"
    assert len(counted_ballots(session, ballot)) == 2


def test_a_receipt_before_any_vote_is_refused(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    (person,) = voters(1)
    ballot = make_ballot("adoption", secrecy="secret")
    with pytest.raises(ValidationError, match="no vote to change"):
        cast_vote(session, ballot, actor=person, choice="yes", receipt="ABCD-EFGH-IJKL-MNOP")
    session.rollback()


def test_secret_ballots_refuse_to_change_when_the_rules_say_so(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    (person,) = voters(1)
    ballot = make_ballot("adoption", secrecy="secret", allow_change=False)
    code = cast_vote(session, ballot, actor=person, choice="yes").receipt
    session.commit()
    with pytest.raises(AlreadyVoted, match="does not allow changing"):
        cast_vote(session, ballot, actor=person, choice="no", receipt=code)
    session.rollback()


def test_secret_ballots_count_one_vote_per_member(
    session: Session, charter: Any, secretariat: Any
) -> None:
    with pytest.raises(ValidationError, match="reveal"):
        create_ballot(
            session,
            charter,
            actor=secretariat,
            kind="adoption",
            rules={"secrecy": "secret", "weighting": "organisation"},
        )
    session.rollback()


def test_secret_ranked_ballot(
    session: Session, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    first = amend("simple majority", "two-thirds majority")
    second = amend("simple majority", "consensus")
    people = voters(3)
    ballot = make_ballot("ranked", [first, second], secrecy="secret")
    a, b = ballot.options[0].key, ballot.options[1].key
    codes = [
        cast_vote(session, ballot, actor=p, ranking=r).receipt
        for p, r in zip(people, [{a: 1, b: 2}, {a: 1, "keep": 2}, {b: 1}], strict=True)
    ]
    session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "adopted"
    assert verify_receipt(session, ballot, codes[2] or "").ranking == {b: 1}
