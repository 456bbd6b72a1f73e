"""Comment anchors follow their passage through merges, and go outdated when it is rewritten."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.queries import current_entries
from charter_engine.comments.operations import (
    AnchorSpec,
    anchor_for_version,
    create_comment,
    list_comments,
)
from charter_engine.errors import ValidationError

CLAUSE = "Members meet four times a year. The chair is elected for two years by the members.\n\n"
DOC = "# Charter\n\n" + CLAUSE


def _clause(session: Session, charter: Any) -> tuple[int, Any]:
    return current_entries(session, charter)[1]


def _merge(session: Session, charter: Any, actor: Any, sec: Any, new_text: str) -> None:
    clause_id, _ = _clause(session, charter)
    amendment = propose_amendment(
        session,
        charter,
        actor=actor,
        title="Edit",
        submit=True,
        changes=[{"kind": "replace", "clause_id": clause_id, "text": new_text}],
    )
    merge_amendment(session, amendment, actor=sec, editorial=True)
    session.commit()


def test_anchor_moves_with_its_passage_then_goes_outdated_when_rewritten(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    member = create_user()
    clause_id, version = _clause(session, charter)
    start = CLAUSE.index("elected for two years")
    end = start + len("elected for two years")
    comment = create_comment(
        session,
        charter,
        actor=member,
        clause_id=clause_id,
        body="Why two?",
        anchor=AnchorSpec(start, end, "elected for two years"),
    )
    session.commit()

    # Text inserted before the passage: the anchor shifts and still quotes the same words.
    _merge(
        session, charter, member, secretariat, CLAUSE.replace("Members meet", "All members meet")
    )
    _, version = _clause(session, charter)
    anchor = anchor_for_version(list_comments(session, charter, clause_id=clause_id)[0], version.id)
    assert anchor is not None and not anchor.outdated
    assert version.text[anchor.start_offset : anchor.end_offset] == "elected for two years"
    assert anchor.start_offset == start + len("All ")

    # The passage itself is rewritten: outdated, never re-attached to other words.
    _merge(
        session,
        charter,
        member,
        secretariat,
        version.text.replace("elected for two years", "appointed for three years"),
    )
    _, version = _clause(session, charter)
    anchor = anchor_for_version(list_comments(session, charter, clause_id=clause_id)[0], version.id)
    assert anchor is not None and anchor.outdated and anchor.quote == "elected for two years"
    assert comment.id == anchor.comment_id


def test_replies_thread_under_their_parent_and_bad_anchors_are_refused(
    session: Session, create_charter: Any, create_user: Any
) -> None:
    charter = create_charter(DOC)
    member = create_user()
    clause_id, _ = _clause(session, charter)
    parent = create_comment(session, charter, actor=member, clause_id=clause_id, body="First")
    reply = create_comment(session, charter, actor=member, parent_id=parent.id, body="Reply")
    assert reply.clause_id == clause_id and reply.parent_id == parent.id
    for bad in (AnchorSpec(5, 2), AnchorSpec(0, 10_000), AnchorSpec(0, 7, "not what is there")):
        with pytest.raises(ValidationError):
            create_comment(
                session, charter, actor=member, clause_id=clause_id, body="x", anchor=bad
            )
    with pytest.raises(ValidationError):
        create_comment(session, charter, actor=member, clause_id=clause_id, body="   ")
