"""A revision as readers see it (display numbers, rendered clauses) and the redline of two."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.display import display_revision, revision_redline
from charter_engine.charters.models import Charter
from charter_engine.charters.operations import import_charter
from charter_engine.db import make_engine, make_session_factory

TEXT = (
    "# Charter of the Core Group\n\n"
    "## Article 1 — Purpose\n\nThe Core Group drafts\na shared charter.\n\n"
    "## Article 2 — Members\n\nMembers are:\n\n- (a) nominated;\n\n- (b) confirmed.\n"
)


def test_a_revision_with_its_own_numbers_and_rendered_text(
    session: Session, secretariat: Any
) -> None:
    charter = import_charter(session, title="Shown", text=TEXT, actor=secretariat)
    clauses = display_revision(session, charter)
    assert [(c.number, c.label) for c in clauses] == [
        ("", "Charter of the Core Group"),
        ("Article 1", "Article 1"),
        ("Article 1 ¶1", "Article 1 ¶1"),
        ("Article 2", "Article 2"),
        ("Article 2 ¶1", "Article 2 ¶1"),
        ("Article 2.a", "Article 2.a"),
        ("Article 2.b", "Article 2.b"),
    ]
    assert [c.structural_number for c in clauses][:3] == ["", "1", "1.1"]
    assert clauses[1].kind == "heading" and clauses[1].level == 2
    assert clauses[1].html == "Article 1 — Purpose"
    assert clauses[2].html == "<p>The Core Group drafts\na shared charter.</p>\n"
    assert clauses[2].text == "The Core Group drafts a shared charter."
    assert "".join(c.source for c in clauses) == TEXT


def test_the_redline_of_two_revisions(session: Session, secretariat: Any) -> None:
    charter = import_charter(session, title="Redlined", text=TEXT, actor=secretariat)
    amended = TEXT.replace("a shared charter", "one shared charter").replace(
        "- (b) confirmed.\n", "- (b) confirmed.\n\n- (c) listed.\n"
    )
    amendment = propose_amendment(
        session,
        charter,
        actor=secretariat,
        title="Wording",
        base_revision=1,
        text=amended,
        submit=True,
    )
    merge_amendment(session, amendment, actor=secretariat, editorial=True)
    session.flush()
    changes = revision_redline(session, charter, 1, 2)
    assert changes.redline.counts() == {
        "unchanged": 5,
        "changed": 2,  # the wording, and the blank line now after (b)
        "inserted": 1,
        "deleted": 0,
        "moved": 0,
    }
    shown = [(e.status, e.shown.number, b.html) for e, b in changes.rendered(only_changed=True)]
    assert shown == [
        (
            "changed",
            "Article 1 ¶1",
            '<p>The Core Group drafts\n<del class="diff-del">a</del>'
            '<span class="diff-sep"> </span><ins class="diff-ins">one</ins>'
            " shared charter.</p>\n",
        ),
        (
            "changed",
            "Article 2.b",
            '<ul>\n<li>(b) confirmed.<del class="diff-del diff-ws">↵</del>'
            '<ins class="diff-ins diff-ws">¶</ins></li>\n</ul>\n',
        ),
        (
            "inserted",
            "Article 2.c",
            '<ul>\n<li><ins class="diff-ins">(c) listed.</ins></li>\n</ul>\n',
        ),
    ]


def test_each_revision_is_shown_as_it_stands_when_shown_before(
    session: Session, secretariat: Any, tmp_path: Path, database_url: str
) -> None:
    """A revision's display is kept once worked out; a new revision, or the same revision id in
    a copy of the database changed otherwise, is shown from its own clauses."""
    charter = import_charter(session, title="Kept", text=TEXT, actor=secretariat)
    session.commit()
    first = display_revision(session, charter)
    if database_url.startswith("sqlite:///"):
        copy = tmp_path / "copy.sqlite3"
        shutil.copyfile(database_url.removeprefix("sqlite:///"), copy)
        engine = make_engine(f"sqlite:///{copy}")
        try:
            with make_session_factory(engine)() as other:
                theirs = other.get(Charter, charter.id)
                assert theirs is not None
                staff = other.get(User, secretariat.id)
                _purpose_becomes(other, theirs, "The Core Group writes a charter.\n\n", staff)
                assert display_revision(other, theirs)[2].text == "The Core Group writes a charter."
        finally:
            engine.dispose()
    _purpose_becomes(session, charter, "The Core Group agrees a charter.\n\n", secretariat)
    assert display_revision(session, charter)[2].text == "The Core Group agrees a charter."
    assert display_revision(session, charter, 1) == first
    changes = revision_redline(session, charter, 1, 2)
    assert [e.status for e in changes.redline.changed] == ["changed"]


def _purpose_becomes(session: Session, charter: Charter, text: str, actor: Any) -> None:
    purpose = display_revision(session, charter)[2].clause_id
    editorial_change(session, charter, clause_id=purpose, text=text, reason="Plainer", actor=actor)
    session.commit()
