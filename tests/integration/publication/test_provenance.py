"""Provenance, blame and the changelog of a charter amended by vote, editorially and directly."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.backers import add_backer
from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.models import Charter
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.db import make_engine, make_session_factory
from charter_engine.errors import NotFound
from charter_engine.publication.provenance import changelog, clause_provenance, revision_blame
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.operations import create_ballot, open_ballot

DOC = (
    "# Charter\n\n## Decisions\n\nDecisions are taken by simple majority of the votes cast.\n\n"
    "## Amendments\n\nThis charter may be amended.\n"
)


def _clause(session: Session, charter: Charter, startswith: str) -> int:
    return next(c for c, v in current_entries(session, charter) if v.text.startswith(startswith))


@pytest.fixture
def history(
    session: Session, secretariat: Any, create_user: Callable[..., Any]
) -> tuple[Charter, dict[str, Any]]:
    """Revision 2: amendment #1 adopted by a vote; 3: an editorial change; 4: amendment #2
    merged editorially, adding a clause."""
    ada = create_user(name="Ada Author")
    bob = create_user(name="Bob Backer")
    voters = [create_user() for _ in range(3)]
    charter = import_charter(session, title="Provenance", text=DOC, actor=secretariat)
    decisions = _clause(session, charter, "Decisions")
    voted = propose_amendment(
        session,
        charter,
        actor=ada,
        title="Two-thirds for decisions",
        rationale="A *larger* majority protects minorities.",
        changes=[
            {
                "kind": "replace",
                "clause_id": decisions,
                "text": "Decisions are taken by a two-thirds majority of the votes cast.\n\n",
            }
        ],
        submit=True,
    )
    add_backer(session, voted, actor=bob, kind="cosponsor")
    ballot = create_ballot(
        session, charter, actor=secretariat, kind="amendment", amendments=[voted.id]
    )
    open_ballot(session, ballot, actor=secretariat)
    session.commit()
    for person, choice in zip(
        [ada, bob, *voters], ["yes", "yes", "yes", "no", "abstain"], strict=True
    ):
        cast_vote(session, ballot, actor=person, choice=choice)
    close_ballot(session, ballot, actor=secretariat)
    session.commit()
    editorial_change(
        session,
        charter,
        clause_id=_clause(session, charter, "This charter"),
        text="This charter may be amended by the members.\n",
        reason="Say who amends it",
        actor=secretariat,
    )
    editorial = propose_amendment(
        session,
        charter,
        actor=bob,
        title="Quorum",
        text=DOC.replace("simple majority", "a two-thirds majority").replace(
            "This charter may be amended.\n",
            "This charter may be amended by the members.\n\nA quorum is half the members.\n",
        ),
        submit=True,
    )
    merge_amendment(session, editorial, actor=secretariat, editorial=True)
    session.commit()
    return charter, {"decisions": decisions, "ada": ada, "bob": bob}


def test_the_changelog_lists_every_change_with_its_vote(
    session: Session, history: tuple[Charter, dict[str, Any]]
) -> None:
    charter, _ = history
    entries = changelog(session, charter, 1, 4)
    assert [(e.revision, e.cause, e.editorial) for e in entries] == [
        (2, "amendment", False),
        (3, "editorial", True),
        (4, "amendment", True),
    ]
    voted, direct, editorial = entries
    assert voted.amendment is not None and voted.amendment.number == 1
    assert voted.amendment.author == "Ada Author"
    assert voted.amendment.cosponsors == ("Bob Backer",)
    assert voted.amendment.rationale == "A *larger* majority protects minorities."
    ballot = voted.amendment.ballot
    assert ballot is not None and ballot.outcome == "adopted"
    assert ballot.tally == {"yes": 3, "no": 1, "abstain": 1}
    assert ballot.summary == "Adopted: 3 yes, 1 no, 1 abstaining (5 voters)"
    assert direct.amendment is None and direct.note == "Say who amends it"
    assert direct.actor == "Sam Secretariat" and direct.label == "Editorial change"
    assert editorial.amendment is not None and editorial.amendment.ballot is None
    assert editorial.label == "Amendment #2: Quorum"
    # Between any two revisions, in either order; revisions that do not exist are refused.
    assert [e.revision for e in changelog(session, charter, 4, 2)] == [3, 4]
    assert changelog(session, charter, 4, 4) == []
    with pytest.raises(NotFound):
        changelog(session, charter, 1, 5)
    json.dumps([e.to_json() for e in entries])


def test_blame_and_provenance_name_who_wrote_what(
    session: Session, history: tuple[Charter, dict[str, Any]]
) -> None:
    charter, people = history
    result = revision_blame(session, charter)
    decisions = result.clause(people["decisions"])
    assert [(p.text, p.origin) for p in decisions.passages] == [
        ("Decisions are taken by ", 1),
        ("a two-thirds", 2),
        (" majority of the votes cast.\n\n", 1),
    ]
    assert decisions.history == (1, 2)
    last = result.clauses[-1]
    # Whitespace is attributed like words: the old clause's line end is now the last one's.
    assert [(p.text, p.origin) for p in last.passages] == [
        ("A quorum is half the members.", 4),
        ("\n", 1),
    ]
    amended = result.clauses[-2]
    assert [(p.text, p.origin) for p in amended.passages] == [
        ("This charter may be amended", 1),
        (" by the members", 3),
        (".", 1),
        ("\n\n", 4),
    ]
    assert set(result.origins) == {1, 2, 3, 4}
    assert result.origins[2].amendment is not None
    assert result.origins[2].amendment.ballot is not None
    # An older revision is blamed as it stood.
    before = revision_blame(session, charter, 2)
    assert before.clause(people["decisions"]).passages == decisions.passages
    assert set(before.origins) == {1, 2}

    provenance = clause_provenance(session, charter, people["decisions"])
    assert [o.label for o in provenance.shaped_by] == [
        "Imported",
        "Amendment #1: Two-thirds for decisions",
    ]
    assert provenance.blame == decisions
    body = json.loads(json.dumps(result.to_json()))
    assert body["origins"]["2"]["amendment"]["ballot"]["tally"]["yes"] == 3
    with pytest.raises(NotFound):
        clause_provenance(session, charter, 10**6)


def test_a_charter_blamed_before_a_merge_is_blamed_again_after_it(
    session: Session, secretariat: Any
) -> None:
    """Blame is kept per revision once worked out: a new revision is a new blame."""
    charter = import_charter(session, title="Kept", text=DOC, actor=secretariat)
    decisions = _clause(session, charter, "Decisions")
    first = clause_provenance(session, charter, decisions)
    assert first.blame is not None and {p.origin for p in first.blame.passages} == {1}
    editorial_change(
        session,
        charter,
        clause_id=decisions,
        text="Decisions are taken by consensus.\n\n",
        reason="Consensus",
        actor=secretariat,
    )
    session.commit()
    after = clause_provenance(session, charter, decisions)
    assert after.blame is not None
    assert [(p.text, p.origin) for p in after.blame.passages] == [
        ("Decisions are taken by ", 1),
        ("consensus", 2),
        (".\n\n", 1),
    ]
    assert [o.revision for o in after.shaped_by] == [1, 2]
    # The revision asked for before is still blamed as it stood.
    assert clause_provenance(session, charter, decisions, 1).blame == first.blame


def test_a_copy_of_the_database_changed_otherwise_keeps_its_own_blame(
    tmp_path: Path, database_url: str, secretariat: Any, session: Session
) -> None:
    """Revision 2 of the same charter, made in two copies of one database, is two histories."""
    if not database_url.startswith("sqlite:///"):
        pytest.skip("the copy of the database is made by copying its SQLite file")
    charter = import_charter(session, title="One", text=DOC, actor=secretariat)
    session.commit()
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(database_url.removeprefix("sqlite:///"), copy)

    def decide_by(word: str, session: Session) -> list[tuple[str, Any]]:
        here = session.get(Charter, charter.id)
        assert here is not None
        decisions = _clause(session, here, "Decisions")
        editorial_change(
            session,
            here,
            clause_id=decisions,
            text=f"Decisions are taken by {word}.\n\n",
            reason=word,
            actor=session.merge(secretariat),
        )
        session.commit()
        blame = revision_blame(session, here).clause(decisions)
        return [(p.text, p.origin) for p in blame.passages]

    engine = make_engine(f"sqlite:///{copy}")
    try:
        with make_session_factory(engine)() as other:
            assert decide_by("unanimity", other)[1] == ("unanimity", 2)
    finally:
        engine.dispose()
    assert decide_by("consensus", session)[1] == ("consensus", 2)
