"""Builders shared by the tests of the drafting pages (charter, amendments, comments, desk).

``build_sized_charter`` makes a charter of a given size — sections, pending amendments, backers,
comments (on a clause and on an amendment), and versions of one clause — through the operations,
so the query-count tests can render each page on a small and a ten times larger charter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.amendments.backers import add_backer
from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.comments.operations import AnchorSpec, create_comment


def charter_text(sections: int) -> str:
    parts = ["# A Charter of Many Articles\n\n"]
    for n in range(1, sections + 1):
        parts.append(f"## Article {n}\n\n")
        parts.append(f"Article {n} says the members of the group agree on point {n}.\n\n")
        parts.append(f"A second paragraph of article {n} adds a detail about point {n}.\n\n")
    return "".join(parts)


@dataclass
class SizedCharter:
    slug: str
    clause_id: int
    amendment_number: int
    comment_id: int


def build_sized_charter(session: Session, world: Any, scale: int, *, title: str) -> SizedCharter:
    """A charter with ``3 * scale`` articles, ``2 * scale`` pending amendments (the first backed
    by ``scale`` people), ``3 * scale`` comments and ``scale`` editorial versions of one clause."""
    from charter_engine.accounts.operations import create_user

    charter = import_charter(
        session, title=title, text=charter_text(3 * scale), actor=world.secretariat
    )
    rows = list(revision_clauses(session, get_revision(session, charter)))
    paragraphs = [rc for rc in rows if rc.version.kind == "paragraph"]
    target = paragraphs[0]
    for n in range(scale):
        editorial_change(
            session,
            charter,
            clause_id=target.clause_id,
            text=f"Article 1 says the members of the group agree on point 1, version {n}.\n\n",
            reason="Wording",
            actor=world.secretariat,
        )
    amendments = []
    for n in range(2 * scale):
        clause = paragraphs[1 + n % (len(paragraphs) - 1)]
        amendments.append(
            propose_amendment(
                session,
                charter,
                actor=world.member if n % 2 == 0 else world.other_member,
                title=f"Amendment {n}",
                rationale="Because it reads *better*.",
                changes=[
                    {
                        "kind": "replace",
                        "clause_id": clause.clause_id,
                        "text": f"{clause.version.text.strip()} Amended {n}.\n\n",
                    }
                ],
                submit=True,
            )
        )
    first = amendments[0]
    for n in range(scale):
        backer = create_user(
            session, email=f"backer{title[:3].lower()}{n}@example.org", name=f"Backer {n}"
        )
        add_backer(session, first, actor=backer, kind="cosponsor" if n % 2 else "supporter")
    head_text = (
        f"Article 1 says the members of the group agree on point 1, version {scale - 1}.\n\n"
    )
    comment = None
    for n in range(scale):
        comment = create_comment(
            session,
            charter,
            actor=world.member,
            body=f"Comment {n} on the clause, with **Markdown**.",
            clause_id=target.clause_id,
            anchor=AnchorSpec(0, 9, head_text[:9]),
        )
        create_comment(
            session, charter, actor=world.other_member, body=f"Reply {n}.", parent_id=comment.id
        )
        create_comment(
            session, charter, actor=world.other_member, body=f"On #{first.number}", amendment=first
        )
    assert comment is not None
    session.flush()
    return SizedCharter(charter.slug, target.clause_id, first.number, comment.id)
