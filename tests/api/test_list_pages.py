"""Every API list comes in pages (``?page=&per_page=``, a ``next`` link, at most 100 a page), and
reading a page runs the same number of SQL statements whatever the size of the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.voting.proxies import give_proxy
from tests.api.conftest import Api, assert_error, clause_ids
from tests.conftest import SAMPLE_CHARTER
from tests.web.support import app_engine, count_queries

Grow = Callable[[int], None]


def _statements(app: Any, api: Api, path: str) -> int:
    engine = app_engine(app)
    with count_queries(engine) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.get_json()
    return len(queries.statements)


@pytest.fixture
def lists(
    sec_api: Api,
    member_api: Api,
    charter_slug: str,
    session: Session,
    create_user: Callable[..., Any],
) -> dict[str, tuple[Api, str, Grow]]:
    """For each list: who reads it, its path, and how to add ``n`` items to it."""
    slug = charter_slug
    clause = clause_ids(sec_api, slug)[-1]
    amendment = member_api.post(
        f"charters/{slug}/amendments",
        json={"title": "Base", "text": SAMPLE_CHARTER + "Added.\n", "submit": True},
    ).get_json()["id"]
    counter = iter(range(1, 10_000))

    def charters(n: int) -> None:
        for _ in range(n):
            title = f"Charter {next(counter)}"
            answer = sec_api.post("charters", json={"title": title, "text": "# T\n\nText.\n"})
            assert answer.status_code == 201, answer.get_json()

    def revisions(n: int) -> None:
        for _ in range(n):
            body = {"clause_id": clause, "text": f"Edited {next(counter)}.\n", "reason": "r"}
            answer = sec_api.post(f"charters/{slug}/editorial", json=body)
            assert answer.status_code == 201, answer.get_json()

    def amendments(n: int) -> None:
        for _ in range(n):
            text = SAMPLE_CHARTER + f"Clause {next(counter)}.\n"
            answer = member_api.post(
                f"charters/{slug}/amendments", json={"title": "More", "text": text}
            )
            assert answer.status_code == 201, answer.get_json()

    def clause_comments(n: int) -> None:
        text = sec_api.get(f"charters/{slug}").get_json()["clauses"][-1]["text"]
        for index in range(n):
            body: dict[str, Any] = {"body": f"Comment {next(counter)}"}
            if index % 2:
                body["anchor"] = {"start": 0, "end": 3, "quote": text[:3]}
            answer = member_api.post(f"charters/{slug}/clauses/{clause}/comments", json=body)
            assert answer.status_code == 201, answer.get_json()

    def amendment_comments(n: int) -> None:
        for _ in range(n):
            body = {"body": f"Comment {next(counter)}"}
            answer = member_api.post(f"amendments/{amendment}/comments", json=body)
            assert answer.status_code == 201, answer.get_json()

    def ballots(n: int) -> None:
        for _ in range(n):
            body = {"kind": "amendment", "amendments": [amendment], "title": f"B{next(counter)}"}
            answer = sec_api.post(f"charters/{slug}/ballots", json=body)
            assert answer.status_code == 201, answer.get_json()

    def proxies(n: int) -> None:
        agent = session.get(User, member_api.user.id)
        for _ in range(n):
            give_proxy(session, actor=create_user("member"), agent_id=agent.id)
        session.commit()

    return {
        "charters": (member_api, "charters", charters),
        "revisions": (member_api, f"charters/{slug}/revisions", revisions),
        "amendments": (member_api, f"charters/{slug}/amendments", amendments),
        "clause comments": (
            member_api,
            f"charters/{slug}/clauses/{clause}/comments",
            clause_comments,
        ),
        "amendment comments": (member_api, f"amendments/{amendment}/comments", amendment_comments),
        "ballots": (member_api, f"charters/{slug}/ballots", ballots),
        "proxies": (member_api, "proxies", proxies),
    }


@pytest.mark.parametrize(
    "name",
    [
        "charters",
        "revisions",
        "amendments",
        "clause comments",
        "amendment comments",
        "ballots",
        "proxies",
    ],
)
def test_a_page_costs_the_same_statements_with_3_and_30_items(
    app: Any, lists: dict[str, tuple[Api, str, Grow]], name: str
) -> None:
    api, path, grow = lists[name]
    grow(3)
    small = _statements(app, api, path)
    grow(27)
    big = _statements(app, api, path)
    assert big == small, (name, small, big)


def test_releases_cost_the_same_statements_with_few_and_more(
    app: Any, sec_api: Api, member_api: Api, charter_slug: str
) -> None:
    """Publishing renders every file format (seconds each), so 3 and 6 releases here."""
    path = f"charters/{charter_slug}/releases"

    def publish(labels: range) -> None:
        for label in labels:
            answer = sec_api.post(path, json={"label": f"1.{label}"})
            assert answer.status_code == 201, answer.get_json()

    publish(range(3))
    small = _statements(app, member_api, path)
    publish(range(3, 6))
    assert _statements(app, member_api, path) == small


def test_pages_follow_next_to_the_end(
    lists: dict[str, tuple[Api, str, Grow]], member_api: Api, charter_slug: str
) -> None:
    _api, path, grow = lists["amendments"]
    grow(5)
    everything = [a["id"] for a in member_api.get(path).get_json()["amendments"]]
    assert len(everything) == 6 and member_api.get(path).get_json()["next"] is None
    seen: list[int] = []
    url: str | None = f"/api/v1/{path}?per_page=4&state=draft"
    pages = 0
    while url is not None:
        page = member_api.get(url).get_json()
        seen += [a["id"] for a in page["amendments"]]
        url, pages = page["next"], pages + 1
        assert url is None or ("state=draft" in url and "per_page=4" in url)
    drafts = [a["id"] for a in member_api.get(f"{path}?state=draft").get_json()["amendments"]]
    assert seen == drafts and len(drafts) == 5 and pages == 2


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=", "page=1.5"])
def test_a_page_out_of_bounds_is_a_400(member_api: Api, charter_slug: str, query: str) -> None:
    for path in ("charters", f"charters/{charter_slug}/amendments", "proxies"):
        assert_error(member_api.get(f"{path}?{query}"), 400, "bad_request")


def test_a_page_past_the_end_is_empty(member_api: Api, charter_slug: str) -> None:
    answer = member_api.get(f"charters/{charter_slug}/revisions?page=99").get_json()
    assert answer == {"revisions": [], "next": None}
