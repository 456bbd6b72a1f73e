"""Two members propose the same fix: merging one amendment leaves the other flagged, or carried
onto the new text with the fix recognised as already there — the charter never holds it twice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.amendments.queries import amendment_conflicts, get_amendment
from charter_engine.charters.queries import current_entries, get_revision, revision_text
from charter_engine.text import diff_words

FIRST = (
    "Decisions of the Core Group are taken by simple majority of the votes cast, provided that "
    "at least half of the members take part in the vote."
)
SECOND = "Decisions are recorded in the minutes."
THIRD = "The minutes are public."
CLAUSE = f"{FIRST} {SECOND} {THIRD}\n\n"
DOC = "# Charter\n\n## Decisions\n\n" + CLAUSE + "## Amendments\n\nThis charter may be amended.\n"
FIX = "Abstentions do not count as votes cast."

# Alice's amendment is merged first: the fix after the first sentence.
ALICE = f"{FIRST} {FIX} {SECOND} {THIRD}\n\n"

# Bob's amendment, written against the same text, each time a little differently.
BOBS = {
    # Letter for letter Alice's: once merged, nothing of Bob's is left to do.
    "the same edit": ALICE,
    # The same fix, and a change of his own in a sentence Alice's amendment does not touch.
    "the same fix and more": ALICE.replace("are public", "are published within a week"),
    # The same fix after the next sentence.
    "after the next sentence": f"{FIRST} {SECOND} {FIX} {THIRD}\n\n",
    # The same fix as a paragraph of its own after the blank line.
    "as its own paragraph": f"{CLAUSE}{FIX}\n\n",
    # Nearly the same fix, one word different, at the end.
    "nearly the same": f"{FIRST} {SECOND} {THIRD} Abstentions do not count as votes.\n\n",
}


def _clause_id(session: Session, charter: Any) -> int:
    for clause_id, version in current_entries(session, charter):
        if version.text.startswith("Decisions"):
            return clause_id
    raise AssertionError("clause not found")


def _propose(session: Session, charter: Any, actor: Any, text: str) -> Amendment:
    return propose_amendment(
        session,
        charter,
        actor=actor,
        title="Say how abstentions count",
        changes=[{"kind": "replace", "clause_id": _clause_id(session, charter), "text": text}],
        submit=True,
    )


def _charter_text(session: Session, charter: Any) -> str:
    return revision_text(session, get_revision(session, charter))


@pytest.mark.parametrize("bob_text", list(BOBS.values()), ids=list(BOBS))
def test_the_same_fix_from_two_members_is_merged_once(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any, bob_text: str
) -> None:
    charter = create_charter(DOC)
    alice, bob = create_user(), create_user()
    first = _propose(session, charter, alice, ALICE)
    second = _propose(session, charter, bob, bob_text)
    session.commit()

    merge_amendment(session, first, actor=secretariat, editorial=True)
    session.commit()
    assert _charter_text(session, charter).count("Abstentions do not count") == 1

    second = get_amendment(session, second.id)
    if second.state == "needs_rebase":
        # Flagged: Bob's text is untouched, and he is told what the merged amendment did.
        assert second.changes[0].new_text == bob_text
        (conflict,) = amendment_conflicts(second)
        (passage,) = conflict["passages"]
        assert passage["message"].startswith(f"Amendment #{first.number} also ")
        assert FIX in passage["message"]
        return
    # Carried onto the new text: the fix is recognised as there already, and what is left of
    # Bob's amendment is only what Alice's did not do.
    assert second.state == "submitted"
    new_text = second.changes[0].new_text or ""
    assert new_text.count("Abstentions do not count") == 1
    current = ALICE
    left = [piece for piece in diff_words(current, new_text) if piece[0] != 0]
    assert all("Abstentions" not in text for _, text in left)
    merge_amendment(session, second, actor=secretariat, editorial=True)
    session.commit()
    text = _charter_text(session, charter)
    assert text.count("Abstentions do not count") == 1
    assert new_text in text


def test_which_bobs_are_flagged(
    session: Session, create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    # The same edit and the same fix with more carry over; every other placement is flagged.
    charter = create_charter(DOC)
    alice = create_user()
    first = _propose(session, charter, alice, ALICE)
    others = {name: _propose(session, charter, create_user(), text) for name, text in BOBS.items()}
    session.commit()
    merge_amendment(session, first, actor=secretariat, editorial=True)
    session.commit()
    states = {name: get_amendment(session, a.id).state for name, a in others.items()}
    assert states == {
        "the same edit": "submitted",
        "the same fix and more": "submitted",
        "after the next sentence": "needs_rebase",
        "as its own paragraph": "needs_rebase",
        "nearly the same": "needs_rebase",
    }
