"""Comment endpoints: threads on clauses and amendments, anchors that follow the text and turn
outdated when their passage is rewritten, and refusals that change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, assert_error, clause_by_text
from tests.conftest import SAMPLE_CHARTER

Snapshot = Callable[[], dict[str, Any]]


def _anchor(text: str, quote: str) -> dict[str, Any]:
    start = text.index(quote)
    return {"start": start, "end": start + len(quote), "quote": quote}


def test_anchored_comments_follow_the_text_and_turn_outdated(
    member_api: Api, sec_api: Api, charter_slug: str
) -> None:
    clause = clause_by_text(member_api, charter_slug, "simple majority")
    path = f"charters/{charter_slug}/clauses/{clause['id']}/comments"
    on_majority = member_api.post(
        path, json={"body": "Too low?", "anchor": _anchor(clause["text"], "simple majority")}
    )
    assert on_majority.status_code == 201, on_majority.get_json()
    on_votes = member_api.post(
        path, json={"body": "Cast or present?", "anchor": _anchor(clause["text"], "votes cast")}
    ).get_json()
    reply = member_api.post(path, json={"body": "Cast.", "parent_id": on_votes["id"]})
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["parent_id"] == on_votes["id"]

    # Rewrite the first passage only; the second moves but keeps its words.
    new_text = clause["text"].replace(
        "Decisions are taken by simple majority", "We decide by consensus"
    )
    edit = sec_api.post(
        f"charters/{charter_slug}/editorial",
        json={"clause_id": clause["id"], "text": new_text, "reason": "Consensus"},
    )
    assert edit.status_code == 201
    body = member_api.get(path).get_json()
    assert body["current_version_id"] != clause["version_id"]
    by_body = {c["body"]: c for c in body["comments"]}
    assert by_body["Too low?"]["anchor"]["outdated"] is True
    assert by_body["Too low?"]["anchor"]["quote"] == "simple majority"
    moved = by_body["Cast or present?"]["anchor"]
    assert moved["outdated"] is False and moved["version_id"] == body["current_version_id"]
    assert new_text[moved["start"] : moved["end"]] == "votes cast"
    assert by_body["Cast."]["anchor"] is None
    assert [c["body"] for c in body["comments"]] == ["Too low?", "Cast or present?", "Cast."]


def test_comments_on_an_amendment(
    member_api: Api, other_member_api: Api, charter_slug: str
) -> None:
    created = member_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "T", "text": SAMPLE_CHARTER + "\nMore.\n"},
    ).get_json()
    path = f"amendments/{created['id']}/comments"
    first = other_member_api.post(path, json={"body": "Why?"})
    assert first.status_code == 201, first.get_json()
    answer = member_api.post(path, json={"body": "Because.", "parent_id": first.get_json()["id"]})
    assert answer.status_code == 201
    comments = member_api.get(path).get_json()["comments"]
    assert [(c["body"], c["author"]["id"]) for c in comments] == [
        ("Why?", other_member_api.user.id),
        ("Because.", member_api.user.id),
    ]
    assert all(c["amendment_id"] == created["id"] and c["anchor"] is None for c in comments)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "body"),
        ({"body": ""}, 422, "body"),
        ({"body": "   "}, 422, "body"),
        ({"body": 42}, 422, "body"),
        ({"body": "x" * 20_001}, 422, "body"),
        ({"body": "ok", "anchor": {"start": 0, "end": 999}}, 422, "anchor"),
        ({"body": "ok", "anchor": {"start": 5, "end": 2}}, 422, "anchor"),
        ({"body": "ok", "anchor": {"start": "0", "end": 3}}, 422, "anchor"),
        ({"body": "ok", "anchor": {"start": True, "end": 3}}, 422, "anchor"),
        ({"body": "ok", "anchor": {"start": 0, "end": 10**30}}, 422, "anchor"),
        ({"body": "ok", "anchor": {"start": 0, "end": 3, "quote": "not it"}}, 422, "anchor"),
        ({"body": "ok", "anchor": [0, 3]}, 422, "anchor"),
        ({"body": "ok", "parent_id": 424242}, 404, None),
        ({"body": "ok", "parent_id": 10**30}, 422, "parent_id"),
        ({"body": "ok", "parent_id": "1"}, 422, "parent_id"),
        ({"body": "ok", "parent_id": "OTHER"}, 422, "parent_id"),
        ({"body": "ok", "clause_id": 1}, 422, "clause_id"),
    ],
)
def test_bad_clause_comments_change_nothing(
    member_api: Api,
    charter_slug: str,
    snapshot: Snapshot,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    clauses = member_api.get(f"charters/{charter_slug}").get_json()["clauses"]
    here, elsewhere = clauses[-1], clauses[1]
    other = member_api.post(
        f"charters/{charter_slug}/clauses/{elsewhere['id']}/comments", json={"body": "Elsewhere"}
    ).get_json()
    if body.get("parent_id") == "OTHER":
        body = {**body, "parent_id": other["id"]}
    before = snapshot()
    response = member_api.post(f"charters/{charter_slug}/clauses/{here['id']}/comments", json=body)
    assert assert_error(response, status).get("field") == field
    assert snapshot() == before


def test_who_may_comment_and_where(
    observer_api: Api,
    member_api: Api,
    charter_slug: str,
    create_charter: Callable[..., Any],
    snapshot: Snapshot,
) -> None:
    clause = clause_by_text(member_api, charter_slug, "simple majority")
    other = create_charter(title="Other charter")
    foreign = member_api.get(f"charters/{other.slug}").get_json()["clauses"][0]
    created = member_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "T", "text": SAMPLE_CHARTER + "\nMore.\n"},
    ).get_json()
    before = snapshot()
    ok = {"body": "Hello"}
    assert_error(
        observer_api.post(f"charters/{charter_slug}/clauses/{clause['id']}/comments", json=ok), 403
    )
    assert_error(observer_api.post(f"amendments/{created['id']}/comments", json=ok), 403)
    assert_error(
        member_api.post(f"charters/{charter_slug}/clauses/{foreign['id']}/comments", json=ok), 404
    )
    assert_error(member_api.post("charters/nope/clauses/1/comments", json=ok), 404)
    assert_error(member_api.post("amendments/424242/comments", json=ok), 404)
    anchored = {"body": "x", "anchor": {"start": 0, "end": 1}}
    assert_error(member_api.post(f"amendments/{created['id']}/comments", json=anchored), 422)
    assert snapshot() == before
    # Observers still read.
    listed = observer_api.get(f"charters/{charter_slug}/clauses/{clause['id']}/comments")
    assert listed.status_code == 200 and listed.get_json()["comments"] == []


def test_comments_on_a_deleted_clause_stay_readable_and_outdated(
    member_api: Api, sec_api: Api, charter_slug: str, snapshot: Snapshot
) -> None:
    clause = clause_by_text(member_api, charter_slug, "Each organisation")
    path = f"charters/{charter_slug}/clauses/{clause['id']}/comments"
    anchored = {"body": "One vote?", "anchor": _anchor(clause["text"], "one vote")}
    assert member_api.post(path, json=anchored).status_code == 201
    amendment = sec_api.post(
        f"charters/{charter_slug}/amendments",
        json={
            "title": "Drop",
            "submit": True,
            "changes": [{"kind": "delete", "clause_id": clause["id"]}],
        },
    ).get_json()
    assert (
        sec_api.post(f"amendments/{amendment['id']}/merge", json={"editorial": True}).status_code
        == 200
    )
    body = member_api.get(path).get_json()
    assert body["current_version_id"] is None
    assert body["comments"][0]["anchor"]["outdated"] is True
    before = snapshot()
    assert_error(member_api.post(path, json={"body": "Late"}), 404)
    assert snapshot() == before
