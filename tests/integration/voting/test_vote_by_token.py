"""The usual vote cast by the statement that checks the API token too.

The voter is whoever holds the token, found by the statement itself: the active account of the
unrevoked token, if its role may vote. Whatever that statement does not cast — a token that does
not hold, a change, a proxy, a ballot that takes no such vote — it leaves untouched, so that the
caller checks the token and casts the general way, which says why.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ApiToken
from charter_engine.accounts.operations import issue_token, revoke_token, token_hash
from charter_engine.accounts.permissions import roles_that_can
from charter_engine.accounts.profiles import change_role, deactivate_user
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import canonical_json, verify_chain
from charter_engine.errors import PermissionDenied
from charter_engine.voting.casting import CastResult, cast_own_vote_with_token, cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Vote
from charter_engine.voting.proxies import give_proxy


def _hashed(session: Session, user: Any) -> str:
    token = issue_token(session, user)
    session.commit()
    hashed = token_hash(token)
    assert hashed is not None
    return hashed


def _written(session: Session) -> tuple[int, int]:
    session.expire_all()
    votes = session.execute(select(func.count()).select_from(Vote)).scalar_one()
    events = session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("vote.%"))
    ).scalar_one()
    return votes, events


def test_the_token_holders_vote_is_written_as_any_usual_vote(
    session: Session, voters: Any, make_ballot: Any, subscribed_events: list[dict[str, Any]]
) -> None:
    alice, bob = voters(2)
    ballot = make_ballot("adoption")
    hashed = _hashed(session, alice)

    result = cast_own_vote_with_token(session, ballot.id, token_hash=hashed, choice="no")
    session.commit()
    assert result == CastResult(ballot.id, alice.id, alice.id, changed=False)
    cast_vote(session, ballot.id, actor=bob, choice="yes")  # the same vote, by a known actor
    session.commit()

    vote = session.execute(select(Vote).where(Vote.voter_id == alice.id)).scalar_one()
    assert (vote.ballot_id, vote.cast_by_id, vote.choice, vote.ranking) == (
        ballot.id,
        alice.id,
        "no",
        None,
    )
    events = list(
        session.execute(
            select(AuditEvent).where(AuditEvent.action == "vote.cast").order_by(AuditEvent.id)
        ).scalars()
    )
    expected = {
        alice.id: {"ballot": ballot.id, "voter": alice.id, "choice": "no", "ranking": None},
        bob.id: {"ballot": ballot.id, "voter": bob.id, "choice": "yes", "ranking": None},
    }
    assert [e.actor_id for e in events] == [alice.id, bob.id]
    for event in events:
        # Byte for byte what the general path writes: the chain hashes this text.
        assert event.payload == canonical_json(expected[event.actor_id])
        assert (event.object_type, event.object_id) == ("ballot", str(ballot.id))
    # Subscribers were given the values the statement wrote.
    cast_events = [e for e in subscribed_events if e["action"] == "vote.cast"]
    assert [(e["actor_id"], e["payload"]) for e in cast_events] == [
        (e.actor_id, e.payload) for e in events
    ]
    assert verify_chain(session).ok


def test_a_token_that_does_not_hold_casts_nothing(
    session: Session,
    voters: Any,
    make_ballot: Any,
    secretariat: Any,
) -> None:
    revoked, leaving, demoted = voters(3)
    ballot = make_ballot("adoption")
    tokens = {who: _hashed(session, who) for who in (revoked, leaving, demoted)}
    revoke_token(
        session, session.execute(select(ApiToken).filter_by(user_id=revoked.id)).scalar_one()
    )
    deactivate_user(session, leaving, actor=secretariat)
    change_role(session, demoted, role="observer", actor=secretariat)  # still on the roll
    session.commit()
    assert "observer" not in roles_that_can("vote:cast")
    before = _written(session)

    for who in (revoked, leaving, demoted):
        assert (
            cast_own_vote_with_token(session, ballot.id, token_hash=tokens[who], choice="yes")
            is None
        )
    assert cast_own_vote_with_token(session, ballot.id, token_hash="0" * 64, choice="yes") is None
    session.commit()
    assert _written(session) == before


@pytest.mark.parametrize("case", ["second vote", "proxy given", "closed", "ranked", "secret"])
def test_votes_of_other_kinds_are_left_to_the_general_path(
    session: Session,
    voters: Any,
    make_ballot: Any,
    amend: Any,
    secretariat: Any,
    case: str,
) -> None:
    alice, agent = voters(2)
    if case == "ranked":
        ballot = make_ballot("ranked", [amend("simple", "absolute"), amend("half", "a third")])
    elif case == "secret":
        ballot = make_ballot("adoption", secrecy="secret")
    else:
        ballot = make_ballot("adoption", allow_change=True)
    hashed = _hashed(session, alice)
    if case == "second vote":
        assert cast_own_vote_with_token(session, ballot.id, token_hash=hashed, choice="yes")
        session.commit()
    elif case == "proxy given":
        give_proxy(session, actor=alice, agent_id=agent.id, ballot_id=ballot.id)
        session.commit()
    elif case == "closed":
        close_ballot(session, ballot, actor=secretariat)
        session.commit()
    before = _written(session)

    assert cast_own_vote_with_token(session, ballot.id, token_hash=hashed, choice="no") is None
    session.commit()
    assert _written(session) == before
    if case == "second vote":  # the general path makes it a change
        changed = cast_vote(session, ballot.id, actor=alice, choice="no")
        session.commit()
        assert changed.changed
        vote = session.execute(select(Vote).filter_by(voter_id=alice.id)).scalar_one()
        assert vote.choice == "no"


def test_a_holder_not_on_the_roll_is_told_so(
    session: Session, make_ballot: Any, create_user: Any
) -> None:
    ballot = make_ballot("adoption")
    late = create_user("member")  # joined after the roll was frozen
    hashed = _hashed(session, late)
    with pytest.raises(PermissionDenied, match="not on the roll"):
        cast_own_vote_with_token(session, ballot.id, token_hash=hashed, choice="yes")
    session.rollback()
    assert _written(session) == (0, 0)


def test_a_choice_that_is_not_one_is_left_to_the_general_path(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    (alice,) = voters(1)
    ballot = make_ballot("adoption")
    hashed = _hashed(session, alice)
    for choice in ("maybe", None, 1, ["yes"]):
        assert (
            cast_own_vote_with_token(session, ballot.id, token_hash=hashed, choice=choice) is None
        )
    session.commit()
    assert _written(session) == (0, 0)
