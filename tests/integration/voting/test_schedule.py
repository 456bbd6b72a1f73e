"""Scheduled ballots open and close on time: by the tick command, and on every access, so that a
late request can never vote after the closing time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.queries import get_amendment
from charter_engine.db import utcnow
from charter_engine.errors import InvalidTransition, ValidationError
from charter_engine.voting.casting import BallotClosed, cast_vote
from charter_engine.voting.closing import ballot_due, settle_ballot, tick_ballots
from charter_engine.voting.operations import create_ballot, open_ballot
from charter_engine.voting.queries import get_ballot


def test_tick_opens_and_closes_on_time(
    session: Session, charter: Any, amend: Any, voters: Any, secretariat: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    people = voters(2)
    start = utcnow() + timedelta(hours=1)
    end = start + timedelta(days=2)
    ballot = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="amendment",
        amendments=[amendment.id],
        rules={"opens_at": start.isoformat(), "closes_at": end.isoformat()},
    )
    session.commit()
    with pytest.raises(InvalidTransition, match="scheduled to open"):
        open_ballot(session, ballot, actor=secretariat)
    session.rollback()
    with pytest.raises(BallotClosed, match="not open yet"):
        cast_vote(session, ballot, actor=people[0], choice="yes")
    session.rollback()

    assert tick_ballots(session, now=start - timedelta(seconds=1)) == []
    assert tick_ballots(session, now=start) == [(ballot.id, "opened")]
    session.commit()
    assert get_ballot(session, ballot.id).state == "open"
    assert get_amendment(session, amendment.id).state == "voting"

    for person in people:
        cast_vote(session, ballot, actor=person, choice="yes", now=start + timedelta(hours=1))
    session.commit()
    assert tick_ballots(session, now=end - timedelta(seconds=1)) == []
    assert tick_ballots(session, now=end) == [(ballot.id, "closed")]
    session.commit()
    closed = get_ballot(session, ballot.id)
    assert closed.state == "closed" and closed.outcome == "adopted"
    assert closed.opened_by_id is None and closed.closed_by_id is None
    assert get_amendment(session, amendment.id).state == "merged"


def test_a_late_vote_is_refused_even_if_nobody_ran_tick(
    session: Session, charter: Any, voters: Any, secretariat: Any
) -> None:
    (person,) = voters(1)
    end = utcnow() + timedelta(minutes=5)
    ballot = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="adoption",
        rules={"closes_at": end.isoformat()},
    )
    session.commit()
    open_ballot(session, ballot, actor=secretariat)
    session.commit()
    with pytest.raises(BallotClosed, match="Voting closed at"):
        cast_vote(session, ballot, actor=person, choice="yes", now=end)
    session.rollback()
    assert get_ballot(session, ballot.id).state == "open"
    # Reading it after its time closes it first.
    assert ballot_due(get_ballot(session, ballot.id), end)
    assert settle_ballot(session, ballot.id, now=end) == "closed"
    session.commit()
    assert get_ballot(session, ballot.id).outcome == "rejected"


def test_a_missed_window_is_reported_not_opened(
    session: Session, charter: Any, amend: Any, secretariat: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    start = utcnow() + timedelta(hours=1)
    ballot = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="amendment",
        amendments=[amendment.id],
        rules={
            "opens_at": start.isoformat(),
            "closes_at": (start + timedelta(hours=1)).isoformat(),
        },
    )
    session.commit()
    report = tick_ballots(session, now=start + timedelta(hours=2))
    session.commit()
    assert report == [
        (
            ballot.id,
            "failed: The closing time of this ballot is already past; "
            "set a new closing time first.",
        )
    ]
    assert get_ballot(session, ballot.id).state == "draft"
    assert get_amendment(session, amendment.id).state == "submitted"


def test_schedule_must_make_sense(session: Session, charter: Any, secretariat: Any) -> None:
    now = utcnow()
    for rules, message in [
        ({"closes_at": (now - timedelta(minutes=1)).isoformat()}, "already past"),
        (
            {
                "opens_at": (now + timedelta(hours=2)).isoformat(),
                "closes_at": (now + timedelta(hours=1)).isoformat(),
            },
            "after the opening time",
        ),
        ({"closes_at": "tomorrow"}, "ISO 8601"),
        ({"closes_at": "2030-01-01T00:00:00"}, "time zone"),
    ]:
        with pytest.raises(ValidationError, match=message):
            create_ballot(session, charter, actor=secretariat, kind="adoption", rules=rules)
        session.rollback()
