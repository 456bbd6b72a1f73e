"""One way of naming each thing: "Amendment #7: Title" wherever an amendment is listed, and
sentences that read as sentences (spaces between them, verbs agreeing with their counts)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from tests.web.ballot_world import clause_ids


def main_of(response: Any) -> str:
    page = str(response.get_data(as_text=True))
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_sentences_are_separated(world: SimpleNamespace, client_as: Any) -> None:
    page = visible(main_of(client_as("secretariat").get(f"/ballots/{world.vb_open.id}/close")))
    assert "brought up to date or flagged. This cannot be undone." in page
    assert not re.search(r"[a-z]\.[A-Z]", page)


def test_amendments_are_named_alike_in_lists(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    amendment = world.vb_amendments["meetings"]
    clause = clause_ids(session, world.vb_charter)["meetings"]
    session.commit()
    url = f"/charters/{world.vb_charter.slug}/clauses/{clause}"
    page = visible(main_of(client_as("member").get(url)))
    assert f"Amendment #{amendment.number}: {amendment.title}" in page
    assert not re.search(rf"(?<!Amendment )#{amendment.number} {amendment.title}", page)
