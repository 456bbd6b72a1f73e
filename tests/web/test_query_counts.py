"""Pages render with a bounded number of SQL queries, however many people there are; this also
shows how to use the query counter."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
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
