"""The charter endpoints: import, read, exact text, revisions, compare, clause history and
editorial changes, as a script using the API would see them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, assert_error, clause_by_text
from tests.conftest import SAMPLE_CHARTER


def _old(pieces: list[dict[str, str]]) -> str:
    return "".join(p["text"] for p in pieces if p["op"] != "insert")


def _new(pieces: list[dict[str, str]]) -> str:
    return "".join(p["text"] for p in pieces if p["op"] != "delete")


def test_secretariat_imports_a_charter_and_reads_it_back_exactly(sec_api: Api) -> None:
    text = "# Charte\r\n\r\nLes membres — « égaux » — décident ensemble.\r\n\r\n1. un\r\n2. deux"
    response = sec_api.post("charters", json={"title": "Charte d'essai", "text": text})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {"slug": "charte-d-essai", "head_revision": 1}
    assert response.headers["Location"].endswith("/api/v1/charters/charte-d-essai")

    exported = sec_api.get("charters/charte-d-essai/text")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert exported.get_data() == text.encode("utf-8")

    listed = sec_api.get("charters").get_json()["charters"]
    assert [c["slug"] for c in listed] == ["charte-d-essai"]
    assert listed[0]["head_revision"] == 1


def test_charter_shows_its_clause_tree(member_api: Api, charter_slug: str) -> None:
    body = member_api.get(f"charters/{charter_slug}").get_json()
    assert body["slug"] == charter_slug and body["head_revision"] == 1
    assert body["status"] == "drafting" and body["title"] == "Test Charter"
    clauses = body["clauses"]
    assert "".join(c["text"] for c in clauses) == SAMPLE_CHARTER
    article2 = next(c for c in clauses if c["heading"] and "Article 2" in c["heading"])
    assert article2["kind"] == "heading"
    members = next(c for c in clauses if c["text"].startswith("Members are"))
    assert members["parent_id"] == article2["id"]
    assert members["depth"] == article2["depth"] + 1
    assert members["number"].startswith(article2["number"] + ".")
    for clause in clauses:
        assert set(clause) >= {"id", "number", "heading", "text", "kind", "depth", "parent_id"}


def test_editorial_change_makes_a_revision_and_old_revisions_stay_readable(
    sec_api: Api, charter_slug: str
) -> None:
    clause = clause_by_text(sec_api, charter_slug, "simple majority")
    new_text = clause["text"].replace("simple majority", "two-thirds majority")
    response = sec_api.post(
        f"charters/{charter_slug}/editorial",
        json={
            "clause_id": clause["id"],
            "text": new_text,
            "reason": "Typo",
            "expected_revision": 1,
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"revision": 2}

    head = sec_api.get(f"charters/{charter_slug}/text").get_data(as_text=True)
    assert head == SAMPLE_CHARTER.replace("simple majority", "two-thirds majority")
    first = sec_api.get(f"charters/{charter_slug}/text?revision=1").get_data(as_text=True)
    assert first == SAMPLE_CHARTER
    old = sec_api.get(f"charters/{charter_slug}?revision=1").get_json()
    assert old["revision"] == 1 and old["head_revision"] == 2
    assert any("simple majority" in c["text"] for c in old["clauses"])

    revisions = sec_api.get(f"charters/{charter_slug}/revisions").get_json()["revisions"]
    assert [(r["number"], r["cause"]) for r in revisions] == [(1, "import"), (2, "editorial")]
    assert revisions[1]["note"] == "Typo"
    assert revisions[1]["actor"]["name"] == "Sam Secretariat"
    assert revisions[1]["editorial"] is True
    import hashlib

    assert revisions[1]["sha256"] == hashlib.sha256(head.encode()).hexdigest()


def test_editorial_change_against_a_stale_revision_is_refused(
    sec_api: Api, charter_slug: str, snapshot: Callable[[], dict[str, Any]]
) -> None:
    clause = clause_by_text(sec_api, charter_slug, "simple majority")
    body = {"clause_id": clause["id"], "text": "New.\n", "reason": "why"}
    assert sec_api.post(f"charters/{charter_slug}/editorial", json=body).status_code == 201
    before = snapshot()
    stale = {**body, "text": "Newer.\n", "expected_revision": 1}
    assert_error(sec_api.post(f"charters/{charter_slug}/editorial", json=stale), 409, "stale")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"clause_id": 999999, "text": "x\n", "reason": "r"}, 422),
        ({"clause_id": "CLAUSE_AS_TEXT", "text": "x\n", "reason": "r"}, 422),
        ({"clause_id": "CLAUSE", "text": "x\n", "reason": ""}, 422),
        ({"clause_id": "CLAUSE", "text": "x\n"}, 422),
        ({"clause_id": 2**40, "text": "x\n", "reason": "r"}, 422),
        ({"clause_id": "CLAUSE", "text": "x\n", "reason": "r", "extra": 1}, 422),
        ({"clause_id": "CLAUSE", "text": "", "reason": "r"}, 422),
        ({"clause_id": "CLAUSE", "text": 5, "reason": "r"}, 422),
        ({"clause_id": True, "text": "x\n", "reason": "r"}, 422),
        ({"clause_id": "CLAUSE", "text": "x\n", "reason": "r", "expected_revision": "1"}, 422),
    ],
)
def test_bad_editorial_changes_change_nothing(
    sec_api: Api,
    charter_slug: str,
    snapshot: Callable[[], dict[str, Any]],
    body: dict[str, Any],
    status: int,
) -> None:
    clause = clause_by_text(sec_api, charter_slug, "simple majority")
    fill = {"CLAUSE": clause["id"], "CLAUSE_AS_TEXT": str(clause["id"])}
    body = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = snapshot()
    assert_error(sec_api.post(f"charters/{charter_slug}/editorial", json=body), status)
    assert snapshot() == before


def test_members_and_observers_cannot_import_or_edit(
    member_api: Api, observer_api: Api, charter_slug: str, snapshot: Callable[[], dict[str, Any]]
) -> None:
    clause = clause_by_text(member_api, charter_slug, "simple majority")
    before = snapshot()
    for api in (member_api, observer_api):
        assert_error(api.post("charters", json={"title": "T", "text": "Body\n"}), 403, "forbidden")
        edit = {"clause_id": clause["id"], "text": "Mine.\n", "reason": "because"}
        assert_error(api.post(f"charters/{charter_slug}/editorial", json=edit), 403, "forbidden")
    assert snapshot() == before


def test_reading_needs_a_valid_token(anonymous_api: Api, charter_slug: str, client: Any) -> None:
    assert_error(anonymous_api.get(f"charters/{charter_slug}"), 401, "unauthorized")
    bad = Api(client, "ce_not-a-token")
    assert_error(bad.get(f"charters/{charter_slug}"), 401, "unauthorized")
    basic = anonymous_api.get(f"charters/{charter_slug}", headers={"Authorization": "Basic eDp5"})
    assert_error(basic, 401, "unauthorized")


def test_unknown_charters_and_revisions_are_404(member_api: Api, charter_slug: str) -> None:
    for path in (
        "charters/no-such-charter",
        "charters/no-such-charter/text",
        "charters/no-such-charter/revisions",
        "charters/NO%00SUCH",
        f"charters/{charter_slug}/text?revision=2",
        f"charters/{charter_slug}?revision=7",
        f"charters/{charter_slug}/compare?from=1&to=9",
        f"charters/{charter_slug}/clauses/999999/history",
        f"charters/{charter_slug}/clauses/99999999999999999999/history",
    ):
        assert_error(member_api.get(path), 404)


@pytest.mark.parametrize(
    "query",
    [
        "revision=abc",
        "revision=0",
        "revision=-1",
        "revision=1.0",
        "revision=1_0",
        "revision=99999999999999999999",
        "revision=%00",
        "revision=%D9%A1",
    ],
)
def test_malformed_revision_numbers_are_400(member_api: Api, charter_slug: str, query: str) -> None:
    assert_error(member_api.get(f"charters/{charter_slug}/text?{query}"), 400, "bad_request")
    assert_error(member_api.get(f"charters/{charter_slug}?{query}"), 400, "bad_request")


def test_compare_reports_each_clause_with_word_changes(sec_api: Api, charter_slug: str) -> None:
    edited = (
        SAMPLE_CHARTER.replace("simple majority", "two-thirds majority")
        .replace("Each organisation has one vote.\n\n", "")
        .replace("## Article 3", "Observers may attend.\n\n## Article 3")
    )
    proposed = sec_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "Stricter", "text": edited, "submit": True},
    )
    assert proposed.status_code == 201, proposed.get_json()
    merged = sec_api.post(f"amendments/{proposed.get_json()['id']}/merge", json={"editorial": True})
    assert merged.get_json()["revision"] == 2

    body = sec_api.get(f"charters/{charter_slug}/compare?from=1&to=2").get_json()
    assert body["from"] == 1 and body["to"] == 2
    by_status: dict[str, list[dict[str, Any]]] = {}
    for clause in body["clauses"]:
        by_status.setdefault(clause["status"], []).append(clause)
    assert body["counts"]["changed"] == 1 and body["counts"]["deleted"] == 1
    (changed,) = by_status["changed"]
    assert {"op": "delete", "text": "simple"} in changed["pieces"]
    assert {"op": "insert", "text": "two-thirds"} in changed["pieces"]
    assert _old(changed["pieces"]) == changed["old_text"]
    assert _new(changed["pieces"]) == changed["new_text"]
    (deleted,) = by_status["deleted"]
    assert (
        deleted["old_text"] == "Each organisation has one vote.\n\n"
        and deleted["new_number"] is None
    )
    assert any(c["new_text"] == "Observers may attend.\n\n" for c in by_status["inserted"])
    # The pieces of all clauses are the redline of the whole document.
    redline = [p for c in body["clauses"] for p in c["pieces"]]
    assert _old(redline) == SAMPLE_CHARTER and _new(redline) == edited

    # The defaults compare the head with the revision before it.
    assert sec_api.get(f"charters/{charter_slug}/compare").get_json()["clauses"] == body["clauses"]
    same = sec_api.get(f"charters/{charter_slug}/compare?from=2&to=2").get_json()
    assert {c["status"] for c in same["clauses"]} == {"unchanged"}


def test_compare_tells_a_move_from_a_change(sec_api: Api, charter_slug: str) -> None:
    clauses = sec_api.get(f"charters/{charter_slug}").get_json()["clauses"]
    vote = next(c for c in clauses if c["text"].startswith("Each organisation"))
    purpose = next(c for c in clauses if c["text"].startswith("The Core Group"))
    amendment = sec_api.post(
        f"charters/{charter_slug}/amendments",
        json={
            "title": "Move",
            "submit": True,
            "changes": [
                {"kind": "move", "clause_id": vote["id"], "after_clause_id": purpose["id"]}
            ],
        },
    ).get_json()
    assert (
        sec_api.post(f"amendments/{amendment['id']}/merge", json={"editorial": True}).status_code
        == 200
    )
    body = sec_api.get(f"charters/{charter_slug}/compare?from=1&to=2").get_json()
    statuses = {c["clause_id"]: c["status"] for c in body["clauses"]}
    assert statuses[vote["id"]] == "moved"
    assert [s for s in statuses.values() if s != "unchanged"] == ["moved"]
    moved = next(c for c in body["clauses"] if c["clause_id"] == vote["id"])
    assert moved["text_changed"] is False and moved["old_number"] != moved["new_number"]


def test_clause_history_lists_each_version_with_its_diff(sec_api: Api, charter_slug: str) -> None:
    clause = clause_by_text(sec_api, charter_slug, "simple majority")
    texts = [clause["text"]]
    for word in ("two-thirds", "three-quarters"):
        texts.append(texts[0].replace("simple", word))
        response = sec_api.post(
            f"charters/{charter_slug}/editorial",
            json={"clause_id": clause["id"], "text": texts[-1], "reason": f"to {word}"},
        )
        assert response.status_code == 201
    history = sec_api.get(f"charters/{charter_slug}/clauses/{clause['id']}/history").get_json()
    versions = history["versions"]
    assert [v["text"] for v in versions] == texts
    assert [v["revision"] for v in versions] == [1, 2, 3]
    assert versions[0]["diff"] is None and versions[0]["cause"] == "import"
    assert versions[2]["note"] == "to three-quarters"
    assert _old(versions[2]["diff"]) == texts[1] and _new(versions[2]["diff"]) == texts[2]
    assert {"op": "insert", "text": "three-quarters"} in versions[2]["diff"]


def test_clause_of_another_charter_is_not_found(
    sec_api: Api, charter_slug: str, create_charter: Callable[..., Any]
) -> None:
    other = create_charter(title="Other")
    clause = sec_api.get(f"charters/{other.slug}").get_json()["clauses"][0]
    assert_error(sec_api.get(f"charters/{charter_slug}/clauses/{clause['id']}/history"), 404)
