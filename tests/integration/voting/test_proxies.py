"""Proxies: a member gives their vote for one ballot or until revoked; the agent casts for them;
the principal does not vote while the proxy applies; a used one-ballot proxy cannot be revoked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from charter_engine.voting.casting import AlreadyVoted, cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Proxy, Vote
from charter_engine.voting.proxies import give_proxy, revoke_proxy
from charter_engine.voting.queries import list_proxies
from charter_engine.voting.records import roll_call
from charter_engine.voting.views import voter_status


def test_agent_casts_for_the_principal_with_the_principals_weight(
    session: Session, create_user: Any, make_ballot: Any, secretariat: Any
) -> None:
    principal = create_user("member", organisation="Big Org")
    create_user("member", organisation="Big Org")
    agent = create_user("member", organisation="Small Org")
    ballot = make_ballot("adoption", weighting="organisation")
    proxy = give_proxy(session, actor=principal, agent_id=agent.id, ballot_id=ballot.id)
    session.commit()

    with pytest.raises(Conflict, match="Revoke the proxy to vote yourself"):
        cast_vote(session, ballot, actor=principal, choice="no")
    session.rollback()
    result = cast_vote(session, ballot, actor=agent, choice="yes", on_behalf_of=principal.id)
    cast_vote(session, ballot, actor=agent, choice="no")
    session.commit()
    assert result.voter_id == principal.id and result.cast_by_id == agent.id

    from charter_engine.db import utcnow

    status = voter_status(session, ballot, agent, now=utcnow())
    assert [h.principal_id for h in status.proxies_held] == [principal.id]
    assert status.proxies_held[0].voted

    with pytest.raises(Conflict, match="cannot be revoked once it has been used"):
        revoke_proxy(session, proxy.id, actor=principal)
    session.rollback()

    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    rows = {r.voter_id: r for r in roll_call(session, ballot)}
    assert rows[principal.id].choice == "yes" and rows[principal.id].cast_by_id == agent.id
    assert str(rows[principal.id].weight) == "1/2"


def test_revoking_before_use_gives_the_vote_back(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    principal, agent = voters(2)
    ballot = make_ballot("adoption")
    proxy = give_proxy(session, actor=principal, agent_id=agent.id, ballot_id=ballot.id)
    session.commit()
    revoke_proxy(session, proxy.id, actor=principal)
    session.commit()
    with pytest.raises(PermissionDenied, match="no proxy"):
        cast_vote(session, ballot, actor=agent, choice="yes", on_behalf_of=principal.id)
    session.rollback()
    cast_vote(session, ballot, actor=principal, choice="no")
    session.commit()
    with pytest.raises(InvalidTransition, match="already revoked"):
        revoke_proxy(session, proxy.id, actor=principal)
    session.rollback()


def test_standing_proxy_applies_to_every_ballot_until_revoked(
    session: Session, voters: Any, make_ballot: Any, create_charter: Any
) -> None:
    principal, agent, other = voters(3)
    standing = give_proxy(session, actor=principal, agent_id=agent.id)
    session.commit()
    first = make_ballot("adoption")
    second = make_ballot("adoption", target=create_charter(title="Second"))
    cast_vote(session, first, actor=agent, choice="yes", on_behalf_of=principal.id)
    session.commit()
    # A proxy for one ballot wins over the standing one.
    give_proxy(session, actor=principal, agent_id=other.id, ballot_id=second.id)
    session.commit()
    with pytest.raises(PermissionDenied):
        cast_vote(session, second, actor=agent, choice="yes", on_behalf_of=principal.id)
    session.rollback()
    cast_vote(session, second, actor=other, choice="no", on_behalf_of=principal.id)
    session.commit()
    # A standing proxy can be revoked at any time; the votes it cast stand.
    revoke_proxy(session, standing.id, actor=principal)
    session.commit()
    vote = session.execute(
        select(Vote).where(Vote.ballot_id == first.id, Vote.voter_id == principal.id)
    ).scalar_one()
    assert vote.choice == "yes" and vote.cast_by_id == agent.id
    given, held = list_proxies(session, principal)
    assert len(given) == 2 and held == []


def test_a_proxy_never_overrides_a_vote_the_principal_cast(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    principal, agent = voters(2)
    ballot = make_ballot("adoption")
    cast_vote(session, ballot, actor=principal, choice="no")
    session.commit()
    with pytest.raises(AlreadyVoted, match="already voted"):
        give_proxy(session, actor=principal, agent_id=agent.id, ballot_id=ballot.id)
    session.rollback()
    give_proxy(session, actor=principal, agent_id=agent.id)  # standing
    session.commit()
    with pytest.raises(AlreadyVoted, match="voted themselves"):
        cast_vote(session, ballot, actor=agent, choice="yes", on_behalf_of=principal.id)
    session.rollback()


def test_one_active_proxy_per_scope_enforced_by_the_database(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    principal, agent, other = voters(3)
    ballot = make_ballot("adoption")
    give_proxy(session, actor=principal, agent_id=agent.id, ballot_id=ballot.id)
    session.commit()
    with pytest.raises(Conflict, match="revoke that proxy first"):
        give_proxy(session, actor=principal, agent_id=other.id, ballot_id=ballot.id)
    session.rollback()
    session.add(
        Proxy(
            principal_id=principal.id,
            agent_id=other.id,
            ballot_id=ballot.id,
            scope=f"ballot:{ballot.id}",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_bad_proxies_are_refused(
    session: Session, voters: Any, make_ballot: Any, create_user: Any, secretariat: Any
) -> None:
    (principal,) = voters(1)
    observer = create_user("observer")
    ballot = make_ballot("adoption")
    for kwargs, error in [
        ({"agent_id": principal.id}, ValidationError),
        ({"agent_id": 99999}, ValidationError),
        ({"agent_id": observer.id}, ValidationError),
        ({"agent_id": "two"}, ValidationError),
        ({"agent_id": secretariat.id, "ballot_id": 99999}, ValidationError),
    ]:
        with pytest.raises(error):
            give_proxy(session, actor=principal, **kwargs)
        session.rollback()
    with pytest.raises(PermissionDenied):
        give_proxy(session, actor=observer, agent_id=principal.id)
    session.rollback()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    with pytest.raises(InvalidTransition, match="closed"):
        give_proxy(session, actor=principal, agent_id=secretariat.id, ballot_id=ballot.id)
    session.rollback()
    with pytest.raises(NotFound):
        revoke_proxy(session, 12345, actor=principal)
    session.rollback()


def test_proxy_on_a_secret_ballot_hands_the_receipt_to_the_agent(
    session: Session, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    principal, agent = voters(2)
    ballot = make_ballot("adoption", secrecy="secret")
    give_proxy(session, actor=principal, agent_id=agent.id, ballot_id=ballot.id)
    result = cast_vote(session, ballot, actor=agent, choice="yes", on_behalf_of=principal.id)
    session.commit()
    assert result.receipt
    changed = cast_vote(
        session,
        ballot,
        actor=agent,
        choice="no",
        on_behalf_of=principal.id,
        receipt=result.receipt,
    )
    session.commit()
    assert changed.changed
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "rejected"
