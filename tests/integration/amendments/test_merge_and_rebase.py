"""Merging an amendment rebases every other pending amendment on the same clauses: clean ones keep
exactly the edit their author made, overlapping ones go to needs_rebase and show the conflict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import (
    propose_amendment,
    resolve_amendment,
    update_amendment,
)
from charter_engine.amendments.queries import amendment_conflicts, get_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.charters.models import Revision
from charter_engine.charters.queries import current_entries, get_revision, revision_text
from charter_engine.errors import Conflict, InvalidTransition, PermissionDenied, StaleVersion
from charter_engine.text import diff_words

CLAUSE = (
    "Decisions of the Core Group are taken by simple majority of the votes cast, provided that "
    "at least half of the members take part in the vote. Decisions are recorded in the minutes.\n\n"
)
DOC = "# Charter\n\n## Decisions\n\n" + CLAUSE + "## Amendments\n\nThis charter may be amended.\n"


def _clause_id(session: Session, charter: Any, startswith: str) -> int:
    for clause_id, version in current_entries(session, charter):
        if version.text.startswith(startswith):
            return clause_id
    raise AssertionError(startswith)


def _replace(session: Session, charter: Any, actor: Any, old: str, new: str) -> Amendment:
    clause_id = _clause_id(session, charter, "Decisions")
    return propose_amendment(
        session,
        charter,
        actor=actor,
        title=f"{old} → {new}",
        changes=[{"kind": "replace", "clause_id": clause_id, "text": CLAUSE.replace(old, new)}],
        submit=True,
    )


def _edits(diff: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [piece for piece in diff if piece[0] != 0]


def test_clean_rebase_keeps_exactly_the_authors_edit(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    alice, bob = create_user(), create_user()
    first = _replace(session, charter, alice, "simple majority", "two-thirds majority")
    second = _replace(session, charter, bob, "recorded in the minutes", "published within a week")
    before = _edits(diff_words(CLAUSE, second.changes[0].new_text or ""))
    session.commit()

    merge_amendment(session, first, actor=secretariat, editorial=True)
    session.commit()

    second = get_amendment(session, second.id)
    head = get_revision(session, charter)
    assert second.state == "submitted"
    assert second.base_revision_id == head.id
    current = revision_text(session, head)
    assert "two-thirds majority" in current
    new_text = second.changes[0].new_text or ""
    assert "two-thirds majority" in new_text and "published within a week" in new_text
    # The diff against the new text is exactly what Bob wrote against the old one.
    merged_clause = CLAUSE.replace("simple majority", "two-thirds majority")
    assert _edits(diff_words(merged_clause, new_text)) == before
    # And it merges on top.
    transition_amendment(session, second, "open_discussion", actor=secretariat)
    merge_amendment(session, second, actor=secretariat, editorial=True)
    session.commit()
    assert "published within a week" in revision_text(session, get_revision(session, charter))


def test_a_merge_leaves_the_amendments_on_other_clauses_as_they_are(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    alice, bob = create_user(), create_user()
    merged = _replace(session, charter, alice, "simple majority", "two-thirds majority")
    same_clause = _replace(session, charter, bob, "recorded in the minutes", "published")
    other_clause_id = _clause_id(session, charter, "This charter")
    elsewhere = propose_amendment(
        session,
        charter,
        actor=bob,
        title="Elsewhere",
        changes=[{"kind": "replace", "clause_id": other_clause_id, "text": "It may be amended.\n"}],
        submit=True,
    )
    inserted = propose_amendment(
        session,
        charter,
        actor=bob,
        title="A new clause",
        changes=[{"kind": "insert", "after_clause_id": other_clause_id, "text": "\nNew.\n"}],
        submit=True,
    )
    session.commit()
    base = get_revision(session, charter)
    untouched = {
        a.id: (a.version, a.updated_at, [(c.base_version_id, c.new_text) for c in a.changes])
        for a in (elsewhere, inserted)
    }

    merge_amendment(session, merged, actor=secretariat, editorial=True)
    session.commit()

    head = get_revision(session, charter)
    # The amendment on the merged clause is carried onto the new revision ...
    assert get_amendment(session, same_clause.id).base_revision_id == head.id
    # ... the others apply to it exactly as written: not one of their rows was rewritten.
    for amendment_id, before in untouched.items():
        amendment = get_amendment(session, amendment_id)
        assert amendment.state == "submitted" and amendment.base_revision_id == base.id
        after = [(c.base_version_id, c.new_text) for c in amendment.changes]
        assert (amendment.version, amendment.updated_at, after) == before
    # And they merge onto it as they are.
    for amendment in (elsewhere, inserted):
        merge_amendment(
            session, get_amendment(session, amendment.id), actor=secretariat, editorial=True
        )
        session.commit()
    text = revision_text(session, get_revision(session, charter))
    assert "two-thirds majority" in text and text.endswith("It may be amended.\n\nNew.\n")


def test_overlapping_amendment_needs_rebase_and_its_author_resolves_it(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    alice, bob = create_user(), create_user()
    first = _replace(session, charter, alice, "simple majority", "two-thirds majority")
    second = _replace(session, charter, bob, "simple majority", "consensus")
    session.commit()
    proposed_before = second.changes[0].new_text

    merge_amendment(session, first, actor=secretariat, editorial=True)
    session.commit()

    second = get_amendment(session, second.id)
    assert second.state == "needs_rebase"
    assert second.changes[0].new_text == proposed_before  # never silently rewritten
    conflicts = amendment_conflicts(second)
    assert conflicts and conflicts[0]["passages"]
    passage = conflicts[0]["passages"][0]
    assert "simple" in passage["base"] and "consensus" in passage["ours"]
    assert "two-thirds" in passage["theirs"]
    # The author is told which sentence the merged amendment also changed, and how it reads.
    first_sentence = CLAUSE.split(". ")[0]
    assert passage["message"] == (
        f"Amendment #{first.number} also changed this sentence: “{first_sentence}.” "
        f"It now reads: “{first_sentence.replace('simple', 'two-thirds')}.”."
    )
    # It cannot be merged or edited as if nothing happened.
    with pytest.raises(InvalidTransition):
        merge_amendment(session, second, actor=secretariat, editorial=True)
    session.rollback()
    with pytest.raises(PermissionDenied):
        resolve_amendment(session, second, actor=alice, changes=[])
    session.rollback()
    clause_id = _clause_id(session, charter, "Decisions")
    resolved_text = CLAUSE.replace(
        "simple majority", "consensus, or failing that two-thirds majority"
    )
    resolved = resolve_amendment(
        session,
        second,
        actor=bob,
        expected_version=second.version,
        changes=[{"kind": "replace", "clause_id": clause_id, "text": resolved_text}],
    )
    session.commit()
    assert resolved.state == "submitted" and resolved.conflicts is None
    merge_amendment(session, resolved, actor=secretariat, editorial=True)
    session.commit()
    assert "consensus, or failing that" in revision_text(session, get_revision(session, charter))


def test_a_proposal_on_an_old_revision_that_overlaps_is_refused_with_the_sentence(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    alice, bob = create_user(), create_user()
    first = _replace(session, charter, alice, "simple majority", "two-thirds majority")
    merge_amendment(session, first, actor=secretariat, editorial=True)
    session.commit()
    clause_id = _clause_id(session, charter, "Decisions")
    with pytest.raises(Conflict) as refused:
        propose_amendment(
            session,
            charter,
            actor=bob,
            title="Consensus",
            base_revision=1,
            changes=[
                {
                    "kind": "replace",
                    "clause_id": clause_id,
                    "text": CLAUSE.replace("simple majority", "consensus"),
                }
            ],
        )
    session.rollback()
    (conflict,) = refused.value.details["conflicts"]
    (passage,) = conflict["passages"]
    assert passage["message"].startswith(
        "A change merged since revision 1 also changed this sentence: “Decisions of the Core "
        "Group are taken by simple majority"
    )


def test_deleting_a_changed_clause_conflicts_and_edits_after_deleted_clause_conflict(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    alice = create_user()
    clause_id = _clause_id(session, charter, "Decisions")
    delete = propose_amendment(
        session,
        charter,
        actor=alice,
        title="Delete",
        changes=[{"kind": "delete", "clause_id": clause_id}],
        submit=True,
    )
    insert_after = propose_amendment(
        session,
        charter,
        actor=alice,
        title="Insert after",
        changes=[{"kind": "insert", "after_clause_id": clause_id, "text": "New clause.\n\n"}],
        submit=True,
    )
    edit = _replace(session, charter, alice, "simple majority", "absolute majority")
    session.commit()
    merge_amendment(session, edit, actor=secretariat, editorial=True)
    session.commit()
    assert get_amendment(session, delete.id).state == "needs_rebase"
    assert get_amendment(session, insert_after.id).state == "submitted"


def test_merging_with_two_hundred_pending_amendments_rebases_them_all(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    # One clause of 220 sentences; each amendment rewrites one word of one sentence.
    clause = " ".join(f"Rule w{i} applies." for i in range(220)) + "\n\n"
    charter = create_charter("# Charter\n\n" + clause + "End.\n")
    author = create_user()
    clause_id = _clause_id(session, charter, "Rule w0 ")
    pending = []
    for i in range(200):
        # Amendments 0..149 edit their own word (clean); 150..199 edit word 5 (conflicting).
        target = f"w{i + 10}" if i < 150 else "w5"
        replacement = f"W{i}x"
        text = clause.replace(f" {target} ", f" {replacement} ", 1)
        amendment = propose_amendment(
            session,
            charter,
            actor=author,
            title=f"Edit {i}",
            changes=[{"kind": "replace", "clause_id": clause_id, "text": text}],
            submit=True,
        )
        pending.append((amendment.id, target, replacement))
    merger = propose_amendment(
        session,
        charter,
        actor=author,
        title="Edit w5",
        changes=[
            {"kind": "replace", "clause_id": clause_id, "text": clause.replace(" w5 ", " five ")}
        ],
        submit=True,
    )
    session.commit()
    merge_amendment(session, merger, actor=secretariat, editorial=True)
    session.commit()

    head_clause = clause.replace(" w5 ", " five ")
    states = dict(
        session.execute(
            select(Amendment.id, Amendment.state).where(Amendment.id.in_([p[0] for p in pending]))
        ).all()
    )
    for amendment_id, target, replacement in pending:
        amendment = get_amendment(session, amendment_id)
        if target == "w5":
            assert states[amendment_id] == "needs_rebase"
            conflict = json.loads(amendment.conflicts or "[]")[0]["passages"][0]
            assert "w5" in conflict["base"] and replacement in conflict["ours"]
            assert "five" in conflict["theirs"]
        else:
            assert states[amendment_id] == "submitted"
            assert _edits(diff_words(head_clause, amendment.changes[0].new_text or "")) == [
                (-1, target),
                (1, replacement),
            ]
    assert session.execute(select(func.count()).select_from(Revision)).scalar_one() == 2


def test_stale_edit_is_refused_and_a_voting_amendment_blocks_merges_on_its_clause(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    alice = create_user()
    first = _replace(session, charter, alice, "simple majority", "two-thirds majority")
    other = _replace(session, charter, alice, "recorded in the minutes", "minuted")
    session.commit()
    with pytest.raises(StaleVersion):
        update_amendment(session, first, actor=alice, expected_version=first.version + 5, title="X")
    session.rollback()
    transition_amendment(session, other, "start_voting", actor=secretariat)
    session.commit()
    with pytest.raises(Conflict, match="being voted on"):
        merge_amendment(session, first, actor=secretariat, editorial=True)
    session.rollback()
    assert get_amendment(session, first.id).state == "submitted"
    # Nor may the secretariat edit that clause directly while the ballot is open.
    from charter_engine.amendments.editorial import editorial_change

    clause_id = _clause_id(session, charter, "Decisions")
    with pytest.raises(Conflict, match="being voted on"):
        editorial_change(
            session,
            charter,
            clause_id=clause_id,
            text=CLAUSE.replace("minutes", "record"),
            reason="typo",
            actor=secretariat,
        )
    session.rollback()


def test_sub_amendment_changes_the_parents_proposed_text(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    from charter_engine.amendments.sub_amendments import propose_sub_amendment

    charter = create_charter(DOC)
    alice, bob = create_user(), create_user()
    parent = _replace(session, charter, alice, "simple majority", "two-thirds majority")
    change = parent.changes[0]
    sub = propose_sub_amendment(
        session,
        parent,
        actor=bob,
        title="Three quarters instead",
        changes=[
            {
                "change_id": change.id,
                "text": (change.new_text or "").replace("two-thirds", "three-quarters"),
            }
        ],
        submit=True,
    )
    session.commit()
    version_before = parent.version
    assert merge_amendment(session, sub, actor=secretariat, editorial=True) is None
    session.commit()
    parent = get_amendment(session, parent.id)
    assert "three-quarters majority" in (parent.changes[0].new_text or "")
    assert parent.version > version_before
    assert get_amendment(session, sub.id).state == "merged"
    merge_amendment(session, parent, actor=secretariat, editorial=True)
    session.commit()
    assert "three-quarters majority" in revision_text(session, get_revision(session, charter))
