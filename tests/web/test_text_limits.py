"""Length limits in the browser forms: the page declares them (maxlength), a text over the limit is
answered with the message next to its field and stores nothing, and a line break counts as one
character, as the browser counts it (it sends CR LF)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine import limits
from tests.web.support import app_engine, db_snapshot, post


def _field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def _proposal(world: SimpleNamespace, rationale: str) -> dict[str, Any]:
    return {
        "title": "Meet in person",
        "clause": world.clause_id,
        "base_revision": world.charter.head_revision_number,
        "text": "The Core Group meets in person.",
        "rationale": rationale,
        "intent": "draft",
    }


def test_an_overlong_rationale_is_answered_next_to_its_field(
    app: Any, world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("member")
    url = f"/charters/{world.charter.slug}/amendments/new?kind=edit&clause={world.clause_id}"
    assert f'maxlength="{limits.RATIONALE}"' in client.get(url).get_data(as_text=True)
    before = db_snapshot(app_engine(app))
    response = post(client, url, _proposal(world, "w" * (limits.RATIONALE + 1)))
    assert response.status_code == 200
    error = _field_error(response.get_data(as_text=True), "rationale")
    assert error == "Error: This is longer than 20,000 characters (20,001 given)."
    assert db_snapshot(app_engine(app)) == before


def test_a_line_break_counts_as_one_character(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    from charter_engine.amendments.models import Amendment

    client = client_as("member")
    url = f"/charters/{world.charter.slug}/amendments/new?kind=edit&clause={world.clause_id}"
    # Exactly the limit once each CR LF is one line break, as the browser let the person type it.
    rationale = "a\r\n" * (limits.RATIONALE // 2)
    response = post(client, url, _proposal(world, rationale))
    assert response.status_code == 302
    number = int(response.headers["Location"].rsplit("/", 1)[1])
    amendment = session.execute(
        select(Amendment).where(
            Amendment.charter_id == world.charter.id, Amendment.number == number
        )
    ).scalar_one()
    assert len(amendment.rationale) == limits.RATIONALE - 1  # the last line break is trimmed


def test_an_overlong_biography_and_comment_are_answered_next_to_their_fields(
    app: Any, world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("member")
    before = db_snapshot(app_engine(app))
    profile = post(client, "/people/me/edit", {"name": "Mia Member", "bio": "b" * (limits.BIO + 1)})
    assert profile.status_code == 200
    assert "longer than 2,000 characters" in _field_error(profile.get_data(as_text=True), "bio")
    comments = f"/charters/{world.charter.slug}/clauses/{world.clause_id}/comments"
    comment = post(client, comments, {"body": "c" * (limits.COMMENT + 1)})
    assert comment.status_code == 200
    assert "longer than 20,000 characters" in _field_error(comment.get_data(as_text=True), "body")
    assert db_snapshot(app_engine(app)) == before
