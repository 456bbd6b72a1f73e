"""The passages that comments quote are marked inside the clause's text, for those who comment
(where they select a passage) and for readers; escaped, and never for an outdated quote."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.comments.operations import AnchorSpec, create_comment
from tests.web.ballot_world import CLAUSES, clause_ids


def main_of(response: Any) -> str:
    page = str(response.get_data(as_text=True))
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_quoted_passages_are_marked_in_the_clause(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    clause = clause_ids(session, world.vb_charter)["purpose"]
    text = CLAUSES["purpose"]
    start = text.index("innovators")
    first = create_comment(
        session,
        world.vb_charter,
        actor=world.member,
        body="Who counts as one?",
        clause_id=clause,
        anchor=AnchorSpec(start, start + len("innovators"), "innovators"),
    )
    wide = text.index("from many countries")
    second = create_comment(
        session,
        world.vb_charter,
        actor=world.other_member,
        body="How many?",
        clause_id=clause,
        anchor=AnchorSpec(wide, wide + len("from many countries"), "from many countries"),
    )
    session.commit()
    url = f"/charters/{world.vb_charter.slug}/clauses/{clause}"
    for role in ("member", "observer"):
        page = main_of(client_as(role).get(url))
        assert (
            f'<mark class="comment-quote-mark" data-comments="{first.id}" '
            'title="Quoted in comment">innovators</mark>'
        ) in page, role
        assert (
            f'data-comments="{second.id}" title="Quoted in comment">from many countries</mark>'
            in (page)
        )
    editable = main_of(client_as("member").get(url))
    source = editable.split('id="clause-current"', 1)[1].split("</div>", 1)[0]
    assert "<mark" in source and source.count("<mark") == 2
