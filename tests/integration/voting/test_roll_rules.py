"""Who is on a ballot's roll is one of its rules: members only (the default), members and the
secretariat, or a chosen list. It is checked when set, edited only while the ballot is a draft,
and frozen into the roll when the ballot opens."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.models import Ballot, ChosenVoter, RollEntry
from charter_engine.voting.operations import create_ballot, open_ballot, update_ballot
from charter_engine.voting.proxies import give_proxy
from charter_engine.voting.queries import rules_of


def roll_of(session: Session, ballot: Ballot) -> set[int]:
    return set(
        session.execute(select(RollEntry.user_id).where(RollEntry.ballot_id == ballot.id)).scalars()
    )


def test_members_only_by_default_the_secretariat_is_not_on_the_roll(
    session: Session, charter: Any, voters: Any, secretariat: Any, create_user: Any
) -> None:
    people = voters(2)
    create_user("observer")
    ballot = create_ballot(session, charter, actor=secretariat, kind="adoption")
    assert ballot.roll_rule == "members" and rules_of(ballot).roll == "members"
    open_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert roll_of(session, ballot) == {p.id for p in people}
    assert ballot.roll_count == 2
    with pytest.raises(PermissionDenied, match="not on the roll"):
        cast_vote(session, ballot, actor=secretariat, choice="yes")
    session.rollback()


def test_members_and_secretariat(
    session: Session, charter: Any, voters: Any, secretariat: Any
) -> None:
    people = voters(2)
    ballot = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="adoption",
        rules={"roll": "members_and_secretariat"},
    )
    open_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert roll_of(session, ballot) == {secretariat.id, *(p.id for p in people)}


def test_a_chosen_roll_is_checked_editable_while_draft_and_frozen_at_opening(
    session: Session, charter: Any, voters: Any, secretariat: Any, create_user: Any
) -> None:
    a, b, c = voters(3)
    observer = create_user("observer")
    session.commit()
    with pytest.raises(ValidationError, match="cannot vote") as refused:
        create_ballot(
            session,
            charter,
            actor=secretariat,
            kind="adoption",
            rules={"roll": "chosen", "roll_members": [a.id, observer.id]},
        )
    assert refused.value.field == "roll_members"
    session.rollback()
    with pytest.raises(ValidationError, match="no member"):
        create_ballot(
            session,
            charter,
            actor=secretariat,
            kind="adoption",
            rules={"roll": "chosen", "roll_members": [a.id, 999_999]},
        )
    session.rollback()
    assert session.execute(select(Ballot)).first() is None

    ballot = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="adoption",
        rules={"roll": "chosen", "roll_members": [b.id, a.id, secretariat.id]},
    )
    session.commit()
    assert rules_of(ballot).roll_members == tuple(sorted([a.id, b.id, secretariat.id]))
    update_ballot(session, ballot, actor=secretariat, data={"roll_members": [a.id, c.id]})
    session.commit()
    assert [v.user_id for v in ballot.chosen_voters] == sorted([a.id, c.id])
    # Someone chosen who leaves before the opening is not on the roll.
    c.active = False
    session.commit()
    open_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert roll_of(session, ballot) == {a.id}
    with pytest.raises(InvalidTransition, match="frozen"):
        update_ballot(session, ballot, actor=secretariat, data={"roll_members": [a.id, b.id]})
    session.rollback()
    with pytest.raises(InvalidTransition, match="frozen"):
        update_ballot(session, ballot, actor=secretariat, data={"roll": "members"})
    session.rollback()
    assert roll_of(session, ballot) == {a.id} and ballot.roll_rule == "chosen"


def test_leaving_a_chosen_roll_drops_the_list_and_an_empty_roll_cannot_open(
    session: Session, charter: Any, voters: Any, secretariat: Any
) -> None:
    (a,) = voters(1)
    ballot = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="adoption",
        rules={"roll": "chosen", "roll_members": [a.id]},
    )
    session.commit()
    update_ballot(session, ballot, actor=secretariat, data={"roll": "members"})
    session.commit()
    assert ballot.roll_rule == "members"
    assert session.execute(select(ChosenVoter)).first() is None
    a.active = False
    session.commit()
    with pytest.raises(Conflict, match="members only"):
        open_ballot(session, ballot, actor=secretariat)
    session.rollback()
    assert ballot.state == "draft"


def test_nobody_gives_a_proxy_for_a_ballot_whose_roll_leaves_them_out(
    session: Session, charter: Any, voters: Any, secretariat: Any
) -> None:
    a, b = voters(2)
    ballot = create_ballot(session, charter, actor=secretariat, kind="adoption")
    session.commit()
    with pytest.raises(PermissionDenied, match="will not be on the roll"):
        give_proxy(session, actor=secretariat, agent_id=a.id, ballot_id=ballot.id)
    session.rollback()
    assert give_proxy(session, actor=a, agent_id=b.id, ballot_id=ballot.id).agent_id == b.id
