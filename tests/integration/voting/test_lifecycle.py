"""Whole lives of ballots on the real database: create, open (pin the text, freeze the roll), vote,
close, and what closing does to the amendments and the charter — all in one transaction."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.operations import update_amendment
from charter_engine.amendments.queries import get_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import verify_chain
from charter_engine.charters.models import Charter, Revision
from charter_engine.charters.queries import get_revision, revision_text
from charter_engine.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from charter_engine.voting.casting import AlreadyVoted, BallotClosed, cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Ballot, RollEntry, Vote
from charter_engine.voting.operations import create_ballot, open_ballot, update_ballot
from charter_engine.voting.queries import get_ballot, list_ballots, pinned_text
from charter_engine.voting.records import ballot_results, roll_call
from charter_engine.voting.views import ballot_actions, ballot_detail, voter_status
from tests.integration.voting.conftest import CLAUSE, clause_id


def _vote(session: Session, ballot: Ballot, people: list[Any], choices: list[str]) -> None:
    for person, choice in zip(people, choices, strict=True):
        cast_vote(session, ballot, actor=person, choice=choice)
        session.commit()


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
    )


def test_adopted_amendment_merges_and_rebases_the_others_in_the_same_transaction(
    session: Session, charter: Any, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    voted = amend("simple majority", "two-thirds majority")
    elsewhere = amend("recorded in the minutes", "published within a week")
    clashing = amend("simple majority", "consensus")
    people = voters(4)
    ballot = make_ballot("amendment", [voted])

    assert get_amendment(session, voted.id).state == "voting"
    assert ballot.revision_number == 1
    assert ballot.text_sha256 == get_revision(session, charter).text_sha256
    assert ballot.options[0].fingerprint is not None
    _vote(session, ballot, people, ["yes", "yes", "yes", "no"])
    revisions_before = session.execute(select(func.count()).select_from(Revision)).scalar_one()

    close_ballot(session, ballot, actor=secretariat)
    session.commit()

    assert ballot.state == "closed" and ballot.outcome == "adopted"
    merged = get_amendment(session, voted.id)
    assert merged.state == "merged"
    head = get_revision(session, session.get(Charter, charter.id))  # type: ignore[arg-type]
    assert head.number == 2 and head.amendment_id == voted.id
    assert "two-thirds majority" in revision_text(session, head)
    assert json.loads(ballot.result or "{}")["merged_revision"] == 2
    # The rebase of the others happened in the same commit as the close.
    assert session.execute(select(func.count()).select_from(Revision)).scalar_one() == (
        revisions_before + 1
    )
    rebased = get_amendment(session, elsewhere.id)
    assert rebased.state == "submitted" and rebased.base_revision_id == head.id
    text = rebased.changes[0].new_text or ""
    assert "two-thirds majority" in text and "published within a week" in text
    assert get_amendment(session, clashing.id).state == "needs_rebase"
    assert [e.action for e in _events(session, "ballot.closed")] == ["ballot.closed"]
    assert len(_events(session, "vote.cast")) == 4
    assert verify_chain(session).ok


def test_rejected_amendment_is_rejected_and_the_text_stays(
    session: Session, charter: Any, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    people = voters(3)
    ballot = make_ballot("amendment", [amendment], threshold="two_thirds")
    _vote(session, ballot, people, ["yes", "no", "abstain"])
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "rejected"
    assert get_amendment(session, amendment.id).state == "rejected"
    assert session.get(Charter, charter.id).head_revision_number == 1  # type: ignore[union-attr]
    results = ballot_results(session, ballot, viewer=None)
    assert results.final and results.simple is not None
    assert (results.simple.yes, results.simple.no, results.simple.abstain) == (1, 1, 1)
    assert "two-thirds" in results.reason


def test_opening_pins_text_and_freezes_amendment_rules_and_roll(
    session: Session,
    amend: Any,
    voters: Any,
    make_ballot: Any,
    secretariat: Any,
    create_user: Any,
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    people = voters(2)
    create_user("observer")
    create_user("member", name="Gone Member").active = False
    session.commit()
    ballot = make_ballot("amendment", [amendment], open_now=False)
    update_ballot(session, ballot, actor=secretariat, data={"threshold": "two_thirds"})
    session.commit()
    open_ballot(session, ballot, actor=secretariat)
    session.commit()

    roll = set(
        session.execute(select(RollEntry.user_id).where(RollEntry.ballot_id == ballot.id))
        .scalars()
        .all()
    )
    assert roll == {secretariat.id, amendment.author_id, *(p.id for p in people)}
    assert ballot.roll_count == 4
    with pytest.raises(InvalidTransition, match="frozen"):
        update_ballot(session, ballot, actor=secretariat, data={"secrecy": "secret"})
    session.rollback()
    author = session.get(type(people[0]), amendment.author_id)
    with pytest.raises(InvalidTransition):
        update_amendment(
            session,
            get_amendment(session, amendment.id),
            actor=author,
            expected_version=None,
            title="Sneaky change",
        )
    session.rollback()
    with pytest.raises(InvalidTransition, match="already open"):
        open_ballot(session, ballot, actor=secretariat)
    session.rollback()
    # A member who joins after opening is not on the roll.
    late = create_user("member")
    with pytest.raises(PermissionDenied, match="not on the roll"):
        cast_vote(session, ballot, actor=late, choice="yes")
    session.rollback()
    detail = ballot_detail(session, ballot)
    assert detail.options[0].changes[0].text == CLAUSE.replace(
        "simple majority", "two-thirds majority"
    )
    assert detail.revision_number == 1
    assert list_ballots(session, session.get(Charter, ballot.charter_id))[0].id == ballot.id  # type: ignore[arg-type]


def test_only_submitted_amendments_can_be_put_to_the_vote(
    session: Session, amend: Any, make_ballot: Any, secretariat: Any, charter: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    transition_amendment(session, amendment, "reject", actor=secretariat)
    session.commit()
    with pytest.raises(InvalidTransition, match="rejected"):
        create_ballot(
            session, charter, actor=secretariat, kind="amendment", amendments=[amendment.id]
        )
    session.rollback()
    with pytest.raises(ValidationError):
        create_ballot(session, charter, actor=secretariat, kind="amendment", amendments=[])
    session.rollback()
    with pytest.raises(ValidationError, match="no amendment"):
        create_ballot(session, charter, actor=secretariat, kind="amendment", amendments=[9999])
    session.rollback()


def test_a_second_ballot_on_the_same_clauses_cannot_open(
    session: Session, amend: Any, make_ballot: Any, secretariat: Any
) -> None:
    first = amend("simple majority", "two-thirds majority")
    second = amend("simple majority", "consensus")
    make_ballot("amendment", [first])
    other = make_ballot("amendment", [second], open_now=False)
    with pytest.raises(Conflict, match="being voted on"):
        open_ballot(session, other, actor=secretariat)
    session.rollback()
    assert get_amendment(session, second.id).state == "submitted"


def test_ranked_ballot_winner_is_merged_and_the_others_rejected(
    session: Session, charter: Any, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    two_thirds = amend("simple majority", "two-thirds majority")
    consensus = amend("simple majority", "consensus")
    people = voters(5)
    ballot = make_ballot("ranked", [two_thirds, consensus])
    keys = [o.key for o in ballot.options]
    a, b = keys[0], keys[1]
    assert keys[-1] == "keep" and len(keys) == 3
    rankings = [
        {b: 1, a: 2, "keep": 3},
        {b: 1, "keep": 2},
        {a: 1, b: 2, "keep": 3},
        {b: 1, a: 1},
        {"keep": 1, b: 2},
    ]
    for person, ranking in zip(people, rankings, strict=True):
        cast_vote(session, ballot, actor=person, ranking=ranking)
        session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "adopted"
    assert get_amendment(session, consensus.id).state == "merged"
    assert get_amendment(session, two_thirds.id).state == "rejected"
    head = get_revision(session, session.get(Charter, charter.id))  # type: ignore[arg-type]
    assert "by consensus of the votes cast" in revision_text(session, head)
    results = ballot_results(session, ballot, viewer=None)
    assert results.ranked is not None and results.ranked.winner == b
    assert results.ranked.pairwise[(b, "keep")] == 4


def test_ranked_ballot_tie_sends_everything_back_to_discussion(
    session: Session, charter: Any, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    first = amend("simple majority", "two-thirds majority")
    second = amend("simple majority", "consensus")
    people = voters(2)
    ballot = make_ballot("ranked", [first, second])
    a, b = ballot.options[0].key, ballot.options[1].key
    cast_vote(session, ballot, actor=people[0], ranking={a: 1, b: 2, "keep": 3})
    cast_vote(session, ballot, actor=people[1], ranking={b: 1, a: 2, "keep": 3})
    session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "tie"
    assert "tie" in json.loads(ballot.result or "{}")["reason"].lower()
    assert get_amendment(session, first.id).state == "discussion"
    assert get_amendment(session, second.id).state == "discussion"
    assert session.get(Charter, charter.id).head_revision_number == 1  # type: ignore[union-attr]


def test_ranked_majority_ratio_keeps_the_current_text(
    session: Session, charter: Any, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    competing = amend("simple majority", "consensus")
    people = voters(3)
    ballot = make_ballot("ranked", [amendment, competing], majority="3:1")
    key = ballot.options[0].key
    assert ballot.options[0].majority_num == 3
    for person, ranking in zip(
        people, [{key: 1, "keep": 2}, {key: 1, "keep": 2}, {"keep": 1, key: 2}], strict=True
    ):
        cast_vote(session, ballot, actor=person, ranking=ranking)
    session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "kept"
    results = ballot_results(session, ballot, viewer=None)
    assert results.ranked is not None and key in results.ranked.dropped
    assert "3:1" in results.ranked.dropped[key]
    assert get_amendment(session, amendment.id).state == "rejected"


def test_ranked_quorum_is_votes_preferring_the_option_to_keep(
    session: Session, amend: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    competing = amend("simple majority", "consensus")
    people = voters(5)
    # Roll: 5 voters + 2 authors + secretariat = 8; a share of 1/2 means 4 votes above "keep".
    ballot = make_ballot("ranked", [amendment, competing], quorum={"share": "1/2"})
    key = ballot.options[0].key
    for person in people[:3]:
        cast_vote(session, ballot, actor=person, ranking={key: 1, "keep": 2})
    session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    results = ballot_results(session, ballot, viewer=None)
    assert results.quorum == Fraction(4)
    assert ballot.outcome == "kept"
    assert results.ranked is not None and "quorum" in results.ranked.dropped[key]


def test_adoption_ballot_adopts_the_pinned_revision(
    session: Session, charter: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    people = voters(3)
    ballot = make_ballot("adoption", threshold="three_quarters", abstentions_count=False)
    _vote(session, ballot, people, ["yes", "yes", "abstain"])
    cast_vote(session, ballot, actor=secretariat, choice="yes")
    session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    fresh = session.get(Charter, charter.id)
    assert fresh is not None
    assert ballot.outcome == "adopted"
    assert fresh.status == "adopted" and fresh.adopted_revision_number == ballot.revision_number
    assert _events(session, "charter.adopted")
    with pytest.raises(InvalidTransition, match="already adopted"):
        create_ballot(session, fresh, actor=secretariat, kind="adoption")
    session.rollback()


def test_adoption_consensus_is_blocked_by_one_no(
    session: Session, charter: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    people = voters(4)
    ballot = make_ballot("adoption", threshold="consensus")
    _vote(session, ballot, people, ["yes", "yes", "yes", "no"])
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "rejected"
    assert session.get(Charter, charter.id).status == "drafting"  # type: ignore[union-attr]


def test_adoption_is_void_when_the_text_changed_during_the_ballot(
    session: Session, charter: Any, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    people = voters(2)
    ballot = make_ballot("adoption")
    _vote(session, ballot, people, ["yes", "yes"])
    editorial_change(
        session,
        charter,
        clause_id=clause_id(session, charter, "This charter"),
        text="This charter may be amended by the Core Group.\n",
        reason="clarity",
        actor=secretariat,
    )
    session.commit()
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "void"
    assert "changed" in json.loads(ballot.result or "{}")["reason"]
    assert session.get(Charter, charter.id).status == "drafting"  # type: ignore[union-attr]


def test_adoption_waits_for_open_amendment_ballots_and_the_reverse(
    session: Session, amend: Any, make_ballot: Any, secretariat: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    make_ballot("amendment", [amendment])
    adoption = make_ballot("adoption", open_now=False)
    with pytest.raises(Conflict, match="Close them first"):
        open_ballot(session, adoption, actor=secretariat)
    session.rollback()


def test_organisation_weighting_splits_each_organisation_evenly(
    session: Session, charter: Any, create_user: Any, make_ballot: Any, secretariat: Any
) -> None:
    acme = [create_user("member", organisation="ACME") for _ in range(3)]
    solo = create_user("member", organisation="Solo Org")
    # the secretariat has no organisation: it counts as an organisation of one
    ballot = make_ballot("adoption", weighting="organisation")
    weights = {
        r.user_id: Fraction(r.weight_num, r.weight_den)
        for r in session.execute(select(RollEntry).where(RollEntry.ballot_id == ballot.id))
        .scalars()
        .all()
    }
    assert weights[acme[0].id] == Fraction(1, 3) and weights[solo.id] == 1
    assert sum(weights.values()) == 3
    _vote(session, ballot, [*acme, solo], ["yes", "yes", "no", "no"])
    results = ballot_results(session, ballot, viewer=secretariat)
    assert not results.final and results.simple is not None
    assert results.simple.yes == Fraction(2, 3) and results.simple.no == Fraction(4, 3)
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "rejected"
    assert json.loads(ballot.result or "{}")["simple"]["yes"] == "2/3"
    rows = {r.voter_id: r for r in roll_call(session, ballot)}
    assert rows[acme[0].id].weight == Fraction(1, 3) and rows[acme[0].id].choice == "yes"
    assert rows[secretariat.id].voted is False


def test_quorum_share_of_the_roll(
    session: Session, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    people = voters(5)
    ballot = make_ballot("adoption", quorum={"share": "1/2"})  # roll 6 → 3 votes
    _vote(session, ballot, people[:2], ["yes", "yes"])
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot.outcome == "rejected"
    assert "quorum" in json.loads(ballot.result or "{}")["reason"]


def test_votes_can_change_only_when_the_rules_allow(
    session: Session, voters: Any, make_ballot: Any, secretariat: Any, create_charter: Any
) -> None:
    (person,) = voters(1)
    fixed = make_ballot("adoption", allow_change=False)
    cast_vote(session, fixed, actor=person, choice="yes")
    session.commit()
    with pytest.raises(AlreadyVoted, match="does not allow changing"):
        cast_vote(session, fixed, actor=person, choice="no")
    session.rollback()

    other = create_charter(title="Second")
    free = make_ballot("adoption", target=other)
    first = cast_vote(session, free, actor=person, choice="yes")
    second = cast_vote(session, free, actor=person, choice="no")
    session.commit()
    assert not first.changed and second.changed
    vote = session.execute(select(Vote).where(Vote.ballot_id == free.id)).scalar_one()
    assert vote.choice == "no" and vote.change_count == 1
    assert [e.action for e in _events(session, "vote.changed")] == ["vote.changed"]


def test_vote_after_close_is_refused_and_results_are_hidden_before(
    session: Session, voters: Any, make_ballot: Any, secretariat: Any
) -> None:
    people = voters(2)
    ballot = make_ballot("adoption")
    cast_vote(session, ballot, actor=people[0], choice="yes")
    session.commit()
    with pytest.raises(Conflict, match="published when the ballot closes"):
        ballot_results(session, ballot, viewer=people[1])
    with pytest.raises(Conflict, match="roll call is published"):
        roll_call(session, ballot)
    running = ballot_results(session, ballot, viewer=secretariat)
    assert not running.final and running.simple is not None and running.simple.yes == 1
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    with pytest.raises(BallotClosed, match="closed; votes are no longer accepted"):
        cast_vote(session, ballot, actor=people[1], choice="no")
    session.rollback()
    with pytest.raises(InvalidTransition, match="already closed"):
        close_ballot(session, ballot, actor=secretariat)
    session.rollback()
    assert ballot_results(session, ballot, viewer=people[1]).final


def test_bad_votes_are_refused_and_change_nothing(
    session: Session, voters: Any, make_ballot: Any, create_user: Any
) -> None:
    (person,) = voters(1)
    ballot = make_ballot("adoption")
    observer = create_user("observer")
    for kwargs, error in [
        ({"choice": "maybe"}, ValidationError),
        ({"choice": None}, ValidationError),
        ({"ranking": {"keep": 1}}, ValidationError),
        ({"choice": "yes", "receipt": "ABCD"}, ValidationError),
        ({"choice": "yes", "on_behalf_of": "x"}, ValidationError),
    ]:
        with pytest.raises(error):
            cast_vote(session, ballot, actor=person, **kwargs)
        session.rollback()
    with pytest.raises(PermissionDenied):
        cast_vote(session, ballot, actor=observer, choice="yes")
    session.rollback()
    assert session.execute(select(func.count()).select_from(Vote)).scalar_one() == 0


def test_voter_status_tells_a_member_where_they_stand(
    session: Session, voters: Any, make_ballot: Any
) -> None:
    from charter_engine.db import utcnow

    (person,) = voters(1)
    ballot = make_ballot("adoption", allow_change=False)
    status = voter_status(session, ballot, person, now=utcnow())
    assert status.on_roll and not status.voted and status.can_vote_now and status.weight == 1
    cast_vote(session, ballot, actor=person, choice="abstain")
    session.commit()
    status = voter_status(session, ballot, person, now=utcnow())
    assert status.voted and status.choice == "abstain" and not status.can_vote_now
    assert get_ballot(session, ballot.id).state == "open"


def test_pages_know_which_actions_to_offer(
    session: Session,
    charter: Any,
    voters: Any,
    make_ballot: Any,
    secretariat: Any,
    create_user: Any,
) -> None:
    from charter_engine.db import utcnow

    (member,) = voters(1)
    observer = create_user("observer")
    ballot = make_ballot("adoption", open_now=False)
    now = utcnow()
    assert ballot_actions(secretariat, ballot, now=now) == ["edit", "open"]
    assert ballot_actions(member, ballot, now=now) == []
    assert pinned_text(session, ballot) is None
    open_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot_actions(secretariat, ballot, now=now) == ["close", "vote", "results"]
    assert ballot_actions(member, ballot, now=now) == ["vote"]
    assert ballot_actions(observer, ballot, now=now) == []
    assert pinned_text(session, ballot) == revision_text(
        session,
        get_revision(session, session.get(Charter, charter.id)),  # type: ignore[arg-type]
    )
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    assert ballot_actions(observer, ballot, now=now) == ["results", "roll_call"]
