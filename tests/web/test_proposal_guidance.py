"""Before a member writes: the pending amendments already on the clause, with links; and an
observer who follows a "propose" link is told why they cannot."""

from __future__ import annotations

import re
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


def test_a_clause_with_many_pending_amendments_lists_the_first_and_links_to_all(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.amendments.queries import PENDING_LISTED

    ids = clause_ids(session, world.vb_charter)
    for i in range(PENDING_LISTED + 2):
        propose_amendment(
            session,
            world.vb_charter,
            actor=world.other_member,
            title=f"Meetings variant {i}",
            changes=[{"kind": "replace", "clause_id": ids["meetings"], "text": f"Meet {i}.\n\n"}],
            submit=True,
        )
    session.commit()
    total = PENDING_LISTED + 3  # with the amendment of the world
    slug = world.vb_charter.slug
    member = client_as("member")
    all_link = f"/charters/{slug}/amendments/?state=pending&amp;clause={ids['meetings']}"

    clause_page = main_of(member.get(f"/charters/{slug}/clauses/{ids['meetings']}"))
    pending = clause_page.split('id="pending-heading"', 1)[1].split("</section>", 1)[0]
    assert f"({total})" in pending
    assert pending.count('href="/charters/' + slug + "/amendments/") == PENDING_LISTED + 1
    assert all_link in pending and f"All {total} pending amendments" in pending

    proposing = main_of(
        member.get(f"/charters/{slug}/amendments/new?kind=edit&clause={ids['meetings']}")
    )
    assert f"{total} pending amendments already change" in proposing
    assert all_link in proposing and "3 more than listed here" in proposing

    listed = main_of(member.get(all_link.replace("&amp;", "&")))
    shown = {int(n) for n in re.findall(r'href="/charters/[^/"]+/amendments/(\d+)"', listed)}
    assert len(shown) == total
