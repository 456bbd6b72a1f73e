"""A revision as readers see it (display numbers, rendered clauses) and the redline of two."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.display import display_revision, revision_redline
from charter_engine.charters.operations import import_charter

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
