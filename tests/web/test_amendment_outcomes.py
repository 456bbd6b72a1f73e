"""From an amendment: its ballots and their results, why it was rejected or superseded, and the
secretariat's way to put it to the vote."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from tests.web.ballot_world import propose
from tests.web.support import post


def main_of(response: Any) -> str:
    page = str(response.get_data(as_text=True))
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_rejected_amendment_links_its_ballot_and_says_why(
    world: SimpleNamespace, client_as: Any
) -> None:
    amendment = world.vb_amendments["votes"]  # rejected by vb_closed
    slug = world.vb_charter.slug
    page = main_of(client_as("member").get(f"/charters/{slug}/amendments/{amendment.number}"))
    assert f'href="/ballots/{world.vb_closed.id}/results"' in page
    assert f"Rejected by the ballot “{world.vb_closed.title}”." in visible(page)
    assert "Put to vote" not in page


def test_the_secretariat_puts_an_amendment_to_the_vote_and_sets_one_aside(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    slug = world.vb_charter.slug
    amendment = propose(
        session, world.vb_charter, world.member, "purpose", "The group meets.\n\n", "Meet"
    )
    session.commit()
    url = f"/charters/{slug}/amendments/{amendment.number}"
    secretariat = client_as("secretariat")
    page = main_of(secretariat.get(url))
    link = f'href="/charters/{slug}/ballots/new?amendment={amendment.id}"'
    assert link in page and "Put to vote" in page
    form = main_of(secretariat.get(f"/charters/{slug}/ballots/new?amendment={amendment.id}"))
    assert re.search(rf'<input checked[^>]*value="{amendment.id}"', form)
    assert "Put to vote" not in main_of(client_as("member").get(url))

    answer = post(secretariat, f"{url}/act/supersede", {"confirmed": "yes"})
    assert answer.status_code == 302
    text = visible(main_of(client_as("member").get(url)))
    assert "Set aside as superseded by Sam Secretariat (secretariat) on " in text
    assert "Put to vote" not in text
