"""Every vote leaves exactly one audit event, and the chain covers it: with a chainer (as in the web
app) moments after the commit, without one in the vote's own transaction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.audit.chainer import AUDIT_CHAINER, AuditChainer
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import verify_chain
from charter_engine.db import make_session_factory
from charter_engine.errors import PermissionDenied
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.models import Vote


def _vote_events(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.execute(
            select(AuditEvent).where(AuditEvent.action.like("vote.%")).order_by(AuditEvent.id)
        ).scalars()
    )


class CountingChainer:
    """Takes the chainer's place in the sessions, to see the pokes before anything is chained."""

    def __init__(self) -> None:
        self.pokes = 0

    def poke(self) -> None:
        self.pokes += 1


def test_without_a_chainer_votes_are_chained_in_their_transaction(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    alice, bob = voters(2)
    ballot = make_ballot("adoption")
    cast_vote(session, ballot.id, actor=alice, choice="yes")
    cast_vote(session, ballot.id, actor=bob, choice="abstain")
    session.commit()
    events = _vote_events(session)
    assert [(e.action, e.actor_id) for e in events] == [
        ("vote.cast", alice.id),
        ("vote.cast", bob.id),
    ]
    assert all(e.seq is not None and e.hash is not None for e in events)
    assert json.loads(events[0].payload) == {
        "ballot": ballot.id,
        "voter": alice.id,
        "choice": "yes",
        "ranking": None,
    }
    assert verify_chain(session).ok


def test_with_a_chainer_votes_wait_unchained_until_it_runs(
    engine: Engine, voters: Any, make_ballot: Any
) -> None:
    alice, bob = voters(2)
    ballot = make_ballot("adoption", allow_change=True)
    pokes = CountingChainer()
    with make_session_factory(engine, info={AUDIT_CHAINER: pokes})() as s:
        cast_vote(s, ballot.id, actor=alice, choice="yes")
        s.commit()
        cast_vote(s, ballot.id, actor=alice, choice="no")  # a change
        s.commit()
        cast_vote(s, ballot.id, actor=bob, choice="no")
        s.commit()
        assert pokes.pokes == 3
        events = _vote_events(s)
        assert [e.action for e in events] == ["vote.cast", "vote.changed", "vote.cast"]
        assert all(e.seq is None and e.hash is None for e in events)
        waiting = verify_chain(s)
        assert waiting.ok and waiting.unchained == 3
    chainer = AuditChainer(make_session_factory(engine))
    try:
        assert chainer.flush() == 3
    finally:
        chainer.close()
    with make_session_factory(engine)() as s:
        assert all(e.seq is not None for e in _vote_events(s))
        result = verify_chain(s)
        assert result.ok and result.unchained == 0


def test_subscribers_see_the_vote_event(
    session_factory: sessionmaker[Session],
    voters: Any,
    make_ballot: Any,
    subscribed_events: list[dict[str, Any]],
) -> None:
    (alice,) = voters(1)
    ballot = make_ballot("adoption")
    with session_factory() as subscribed:
        cast_vote(subscribed, ballot.id, actor=alice, choice="no")
        subscribed.commit()
    votes = [
        (e["action"], e["actor_id"]) for e in subscribed_events if e["action"].startswith("vote.")
    ]
    assert votes == [("vote.cast", alice.id)]


def test_a_rolled_back_vote_leaves_no_event(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    (alice,) = voters(1)
    ballot = make_ballot("adoption")
    cast_vote(session, ballot.id, actor=alice, choice="yes")
    session.rollback()
    assert _vote_events(session) == []
    assert session.execute(select(Vote)).first() is None
    cast_vote(session, ballot.id, actor=alice, choice="no")
    session.commit()
    assert [e.action for e in _vote_events(session)] == ["vote.cast"]
    assert verify_chain(session).ok


def test_a_member_not_on_the_roll_is_refused_and_nothing_is_written(
    session: Session, voters: Any, make_ballot: Any, create_user: Any
) -> None:
    ballot = make_ballot("adoption")
    late = create_user("member")  # joined after the roll was frozen
    with pytest.raises(PermissionDenied, match="not on the roll"):
        cast_vote(session, ballot.id, actor=late, choice="yes")
    session.rollback()
    assert _vote_events(session) == []
    assert session.execute(select(Vote)).first() is None
    assert verify_chain(session).ok
