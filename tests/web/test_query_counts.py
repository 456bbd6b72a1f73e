"""Pages render with a bounded number of SQL queries, however many people there are; this also
shows how to use the query counter."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user
from charter_engine.notifications.models import Notification
from tests.web.support import login


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


def _grow(session: Session, world: SimpleNamespace, start: int, n: int) -> None:
    for i in range(start, start + n):
        create_user(
            session,
            email=f"extra{i}@example.org",
            name=f"Extra {i:03}",
            country=("FR", "KE", "BR", "IN")[i % 4],
            organisation="Org",
        )
        session.add(
            Notification(user_id=world.member.id, kind="charter_update", title=f"Update {i}")
        )
    session.commit()


PAGES = [
    "/",
    "/people/",
    "/people/map",
    "/people/?q=extra&country=FR",
    "/notifications/",
    "/notifications/preferences",
]


def test_pages_need_the_same_number_of_queries_for_a_small_and_a_large_group(
    app: Any, world: SimpleNamespace, session: Session, query_counter: Any
) -> None:
    client = app.test_client()
    login(client, world.member)

    def counts() -> dict[str, int]:
        result = {}
        for page in PAGES:
            with query_counter() as queries:
                assert client.get(page).status_code == 200
            result[page] = queries.count
        return result

    _grow(session, world, 0, 5)
    small = counts()
    _grow(session, world, 5, 60)
    large = counts()
    assert large == small
    assert max(small.values()) <= 12, small


def _charter_business(session: Session, world: SimpleNamespace, n: int) -> str:
    """A charter with ``n`` submitted amendments, ``n`` ballots (one open in three) and ``n``
    comments, built through the operations; returns its slug."""
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import current_entries
    from charter_engine.comments.operations import create_comment
    from charter_engine.voting.operations import create_ballot, open_ballot

    text = "# Charter\n\n" + "".join(f"## Part {i}\n\nRule {i} holds.\n\n" for i in range(n))
    charter = import_charter(session, title=f"Charter of {n}", text=text, actor=world.secretariat)
    rules = [(cid, v.text) for cid, v in current_entries(session, charter) if v.text[0] == "R"]
    for i, (clause_id, clause) in enumerate(rules):
        amendment = propose_amendment(
            session,
            charter,
            actor=world.other_member,
            title=f"Amend rule {i}",
            changes=[
                {"kind": "replace", "clause_id": clause_id, "text": f"{clause[:-2]}, mostly.\n\n"}
            ],
            submit=True,
        )
        create_comment(session, charter, actor=world.other_member, body="Why?", clause_id=clause_id)
        ballot = create_ballot(
            session, charter, actor=world.secretariat, kind="amendment", amendments=[amendment.id]
        )
        session.commit()
        if i % 3 == 0:
            open_ballot(session, ballot, actor=world.secretariat)
    session.commit()
    return charter.slug


def _first_rule(session: Session, slug: str) -> int:
    from charter_engine.charters.models import Charter
    from charter_engine.charters.queries import current_entries

    charter = session.scalars(select(Charter).where(Charter.slug == slug)).one()
    return next(cid for cid, v in current_entries(session, charter) if v.text[0] == "R")


def test_main_pages_need_the_same_statements_for_3_and_30_amendments_ballots_and_members(
    app: Any, world: SimpleNamespace, session: Session, query_counter: Any
) -> None:
    pages = [
        "/",
        "/charters/",
        "/charters/{slug}/",
        "/charters/{slug}/amendments/",
        "/desk/?charter={slug}",
        "/ballots/",
        "/charters/{slug}/ballots",
        "/notifications/",
        "/charters/{slug}/clauses/{clause}",
    ]
    client = app.test_client()
    login(client, world.secretariat)
    counts = {}
    for n in (3, 30):
        _grow(session, world, 1000 + n, n)
        slug = _charter_business(session, world, n)
        clause = _first_rule(session, slug)
        for page in pages:
            url = page.format(slug=slug, clause=clause)
            assert client.get(url).status_code == 200, url
            with query_counter() as queries:
                assert client.get(url).status_code == 200, url
            counts[(n, page)] = queries.count
    assert {p: counts[(30, p)] for p in pages} == {p: counts[(3, p)] for p in pages}
