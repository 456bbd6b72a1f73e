"""Before a member writes: the pending amendments already on the clause, with links; and an
observer who follows a "propose" link is told why they cannot."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from tests.web.ballot_world import clause_ids


def main_of(response: Any) -> str:
    page = str(response.get_data(as_text=True))
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_proposing_on_a_clause_with_pending_amendments_says_so_first(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    ids = clause_ids(session, world.vb_charter)
    session.commit()
    slug = world.vb_charter.slug
    member = client_as("member")
    busy = main_of(
        member.get(f"/charters/{slug}/amendments/new?kind=edit&clause={ids['meetings']}")
    )
    meetings = world.vb_amendments["meetings"]
    assert "1 pending amendment already changes" in busy
    link = f'href="/charters/{slug}/amendments/{meetings.number}"'
    assert link in busy and f"Amendment #{meetings.number}: More meetings" in busy
    # The notice comes before the text the member writes.
    assert busy.index("pending amendment") < busy.index('name="text"')

    free = main_of(member.get(f"/charters/{slug}/amendments/new?kind=edit&clause={ids['purpose']}"))
    assert "pending amendment" not in free and 'name="text"' in free


def test_an_observer_is_told_why_they_cannot_propose(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    ids = clause_ids(session, world.vb_charter)
    session.commit()
    response = client_as("observer").get(
        f"/charters/{world.vb_charter.slug}/amendments/new?clause={ids['purpose']}"
    )
    assert response.status_code == 403
    page = main_of(response)
    assert "Only members and the secretariat may propose amendments" in page
    assert "this amendment" not in page
