"""The amendment endpoints: proposing, reading with diffs, editing with versions, the workflow,
merging with rebase and conflicts, resolving, and backing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, assert_error, clause_by_text
from tests.conftest import SAMPLE_CHARTER

Snapshot = Callable[[], dict[str, Any]]


def _propose(api: Api, slug: str, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "An amendment")
    response = api.post(f"charters/{slug}/amendments", json=body)
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _majority(api: Api, slug: str) -> dict[str, Any]:
    return clause_by_text(api, slug, "simple majority")


def test_whole_document_proposal_derives_clause_changes(member_api: Api, charter_slug: str) -> None:
    edited = SAMPLE_CHARTER.replace("simple majority", "two-thirds majority")
    response = member_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "Two thirds", "rationale": "Safer", "base_revision": 1, "text": edited},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "draft" and body["number"] == 1 and body["version"] >= 1
    assert response.headers["Location"].endswith(f"/api/v1/amendments/{body['id']}")
    (change,) = body["changes"]
    clause = _majority(member_api, charter_slug)
    assert change["kind"] == "replace" and change["clause_id"] == clause["id"]
    assert change["text"] == clause["text"].replace("simple", "two-thirds")
    assert {"op": "delete", "text": "simple"} in change["diff"]
    assert {"op": "insert", "text": "two-thirds"} in change["diff"]
    assert body["author"]["id"] == member_api.user.id
    assert set(body["actions"]) == {"submit", "withdraw"}
    assert len(body["fingerprint"]) == 64


def test_change_list_proposal_with_every_kind(sec_api: Api, charter_slug: str) -> None:
    clauses = sec_api.get(f"charters/{charter_slug}").get_json()["clauses"]
    majority = next(c for c in clauses if "simple majority" in c["text"])
    vote = next(c for c in clauses if c["text"].startswith("Each organisation"))
    purpose = next(c for c in clauses if c["text"].startswith("The Core Group"))
    members = next(c for c in clauses if c["text"].startswith("Members are"))
    body = _propose(
        sec_api,
        charter_slug,
        submit=True,
        changes=[
            {"kind": "replace", "clause_id": majority["id"], "text": "Decisions need consensus.\n"},
            {"kind": "delete", "clause_id": vote["id"]},
            {
                "kind": "insert",
                "after_clause_id": purpose["id"],
                "text": "Meetings are public.\n\n",
            },
            {"kind": "move", "clause_id": members["id"], "after_clause_id": None},
        ],
    )
    assert body["state"] == "submitted"
    ops = [(c["kind"], {p["op"] for p in c["diff"]}) for c in body["changes"]]
    assert ops == [
        ("replace", {"equal", "delete", "insert"}),
        ("delete", {"delete"}),
        ("insert", {"insert"}),
        ("move", {"equal"}),
    ]
    merged = sec_api.post(f"amendments/{body['id']}/merge", json={"editorial": True})
    assert merged.status_code == 200, merged.get_json()
    text = sec_api.get(f"charters/{charter_slug}/text").get_data(as_text=True)
    assert text.startswith(members["text"])
    assert "Meetings are public." in text and "Each organisation" not in text
    assert "Decisions need consensus.\n" in text
    shown = sec_api.get(f"amendments/{body['id']}").get_json()
    assert shown["state"] == "merged" and shown["merged_revision"] == 2


def test_listing_filters_by_state_clause_and_author(
    member_api: Api, other_member_api: Api, charter_slug: str
) -> None:
    majority = _majority(member_api, charter_slug)
    first = _propose(
        member_api,
        charter_slug,
        submit=True,
        text=SAMPLE_CHARTER.replace("simple majority", "consensus"),
    )
    second = _propose(
        other_member_api,
        charter_slug,
        text=SAMPLE_CHARTER.replace("Members are", "Members shall be"),
    )

    def ids(query: str) -> list[int]:
        response = member_api.get(f"charters/{charter_slug}/amendments{query}")
        assert response.status_code == 200, response.get_json()
        return [a["id"] for a in response.get_json()["amendments"]]

    assert ids("") == [first["id"], second["id"]]
    assert ids("?state=submitted") == [first["id"]]
    assert ids("?state=draft") == [second["id"]]
    assert ids(f"?clause={majority['id']}") == [first["id"]]
    assert ids(f"?author={other_member_api.user.id}") == [second["id"]]
    assert ids("?state=merged") == []
    assert_error(member_api.get(f"charters/{charter_slug}/amendments?state=bogus"), 400)
    assert_error(member_api.get(f"charters/{charter_slug}/amendments?clause=x"), 400)
    assert_error(member_api.get(f"charters/{charter_slug}/amendments?author=%00"), 400)


def test_edit_with_the_version_seen_and_stale_edits_are_refused(
    member_api: Api, charter_slug: str, snapshot: Snapshot
) -> None:
    created = _propose(
        member_api, charter_slug, text=SAMPLE_CHARTER.replace("simple majority", "consensus")
    )
    path = f"amendments/{created['id']}"
    edited = member_api.patch(
        path,
        json={
            "version": created["version"],
            "title": "Consensus",
            "text": SAMPLE_CHARTER.replace("simple majority", "full consensus"),
        },
    )
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert body["title"] == "Consensus" and body["version"] > created["version"]
    assert "full consensus" in body["changes"][0]["text"]

    before = snapshot()
    stale = member_api.patch(path, json={"version": created["version"], "title": "Late"})
    error = assert_error(stale, 409, "stale")
    assert error["details"]["version"] == body["version"]
    assert_error(member_api.patch(path, json={"title": "No version"}), 422)
    assert_error(member_api.patch(path, json={"version": "1", "title": "x"}), 422)
    both = {"version": body["version"], "text": SAMPLE_CHARTER + "x\n", "changes": []}
    assert_error(member_api.patch(path, json=both), 422)
    assert snapshot() == before


def test_only_the_author_may_edit(
    member_api: Api, other_member_api: Api, charter_slug: str, snapshot: Snapshot
) -> None:
    created = _propose(member_api, charter_slug, text=SAMPLE_CHARTER + "\nNew clause.\n")
    before = snapshot()
    response = other_member_api.patch(
        f"amendments/{created['id']}", json={"version": created["version"], "title": "Mine"}
    )
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def test_workflow_actions_and_their_refusals(
    member_api: Api, other_member_api: Api, sec_api: Api, charter_slug: str, snapshot: Snapshot
) -> None:
    created = _propose(member_api, charter_slug, text=SAMPLE_CHARTER + "\nNew clause.\n")
    actions = f"amendments/{created['id']}/actions"

    before = snapshot()
    assert_error(member_api.post(actions, json={"action": "fly"}), 422, "invalid")
    assert_error(member_api.post(actions, json={"action": "merge"}), 422, "invalid")
    assert_error(member_api.post(actions, json={"action": "adopt"}), 422, "invalid")
    assert_error(member_api.post(actions, json={"action": ["submit"]}), 422, "invalid")
    assert_error(member_api.post(actions, json={}), 422, "invalid")
    # Not in this state (a draft cannot go to discussion), then not for this user.
    assert_error(
        sec_api.post(actions, json={"action": "open_discussion"}), 409, "invalid_transition"
    )
    assert_error(other_member_api.post(actions, json={"action": "submit"}), 403, "forbidden")
    assert_error(member_api.post(actions, json={"action": "submit", "version": 999}), 409, "stale")
    assert snapshot() == before

    response = member_api.post(actions, json={"action": "submit"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "submitted"
    assert member_api.post(actions, json={"action": "open_discussion"}).status_code == 403
    assert sec_api.post(actions, json={"action": "open_discussion"}).get_json()["state"] == (
        "discussion"
    )
    assert member_api.post(actions, json={"action": "withdraw"}).get_json()["state"] == "withdrawn"

    before = snapshot()
    assert_error(member_api.post(actions, json={"action": "withdraw"}), 409, "invalid_transition")
    assert_error(member_api.post(actions, json={"action": "submit"}), 409, "invalid_transition")
    assert_error(sec_api.post(f"amendments/{created['id']}/merge", json={"editorial": True}), 409)
    assert snapshot() == before


def test_merge_rebases_the_others_and_a_conflict_is_shown_and_resolved(
    member_api: Api, other_member_api: Api, sec_api: Api, charter_slug: str, snapshot: Snapshot
) -> None:
    majority = _majority(sec_api, charter_slug)
    two_sentences = majority["text"].replace(".\n", ". Votes are counted in public.\n")
    sec_api.post(
        f"charters/{charter_slug}/editorial",
        json={"clause_id": majority["id"], "text": two_sentences, "reason": "Counting"},
    )
    base = sec_api.get(f"charters/{charter_slug}/text").get_data(as_text=True)
    first = _propose(
        member_api,
        charter_slug,
        submit=True,
        text=base.replace("simple majority", "two-thirds majority"),
    )
    clash = _propose(
        other_member_api,
        charter_slug,
        submit=True,
        text=base.replace("simple majority", "consensus"),
    )
    clean = _propose(
        other_member_api,
        charter_slug,
        submit=True,
        text=base.replace("counted in public", "counted openly in public"),
    )

    before = snapshot()
    assert_error(member_api.post(f"amendments/{first['id']}/merge", json={"editorial": True}), 403)
    assert_error(sec_api.post(f"amendments/{first['id']}/merge", json={"editorial": "yes"}), 422)
    # Not adopted, so not mergeable without the editorial flag.
    assert_error(sec_api.post(f"amendments/{first['id']}/merge", json={}), 409)
    assert snapshot() == before

    merged = sec_api.post(f"amendments/{first['id']}/merge", json={"editorial": True})
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["revision"] == 3

    # Still exactly what its author meant, now on top of the merged text.
    rebased = sec_api.get(f"amendments/{clean['id']}").get_json()
    assert rebased["state"] == "submitted" and rebased["base_revision"] == 3
    (change,) = rebased["changes"]
    assert "two-thirds majority" in change["current_text"]
    assert change["text"] == change["current_text"].replace("counted in", "counted openly in")
    inserted = "".join(p["text"] for p in change["diff"] if p["op"] == "insert")
    assert inserted.strip() == "openly"
    assert not [p for p in change["diff"] if p["op"] == "delete"]

    conflicted = other_member_api.get(f"amendments/{clash['id']}").get_json()
    assert conflicted["state"] == "needs_rebase"
    assert conflicted["conflicts"] and conflicted["conflicts"][0]["passages"]
    assert "resolve" in conflicted["actions"]

    before = snapshot()
    refused = sec_api.post(f"amendments/{clash['id']}/merge", json={"editorial": True})
    error = assert_error(refused, 409)
    assert error["details"]["conflicts"] == conflicted["conflicts"]
    assert snapshot() == before

    current = sec_api.get(f"charters/{charter_slug}/text").get_data(as_text=True)
    resolution = current.replace("two-thirds majority", "consensus")
    resolve_path = f"amendments/{clash['id']}/resolve"
    before = snapshot()
    assert_error(
        member_api.post(resolve_path, json={"version": conflicted["version"], "text": resolution}),
        403,
    )
    assert_error(
        other_member_api.post(resolve_path, json={"version": 1, "text": resolution}), 409, "stale"
    )
    assert snapshot() == before
    resolved = other_member_api.post(
        resolve_path, json={"version": conflicted["version"], "text": resolution}
    )
    assert resolved.status_code == 200, resolved.get_json()
    body = resolved.get_json()
    assert body["state"] == "submitted" and body["conflicts"] == []
    assert (
        sec_api.post(f"amendments/{clash['id']}/merge", json={"editorial": True}).status_code == 200
    )
    assert sec_api.get(f"charters/{charter_slug}/text").get_data(as_text=True) == resolution


def test_backing_an_amendment(
    member_api: Api,
    other_member_api: Api,
    observer_api: Api,
    charter_slug: str,
    snapshot: Snapshot,
) -> None:
    created = _propose(member_api, charter_slug, text=SAMPLE_CHARTER + "\nNew clause.\n")
    path = f"amendments/{created['id']}/backers"
    response = other_member_api.post(path, json={"kind": "cosponsor"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["backers"] == [
        {
            "user": {"id": other_member_api.user.id, "name": other_member_api.user.name},
            "kind": "cosponsor",
        }
    ]
    shown = member_api.get(f"amendments/{created['id']}").get_json()
    assert [b["kind"] for b in shown["backers"]] == ["cosponsor"]

    before = snapshot()
    assert_error(member_api.post(path, json={"kind": "cosponsor"}), 403)  # the author
    assert_error(observer_api.post(path, json={"kind": "supporter"}), 403)
    assert_error(other_member_api.post(path, json={"kind": "fan"}), 422)
    assert_error(other_member_api.post(path, json={"kind": 1}), 422)
    assert_error(member_api.delete(path), 404)  # not backing it
    assert snapshot() == before

    assert other_member_api.delete(path).get_json()["backers"] == []

    # Once the amendment is no longer pending, its backers are part of its record.
    assert other_member_api.post(path, json={"kind": "supporter"}).status_code == 201
    actions = f"amendments/{created['id']}/actions"
    assert member_api.post(actions, json={"action": "withdraw"}).status_code == 200
    before = snapshot()
    assert_error(other_member_api.delete(path), 409, "invalid_transition")
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "text": SAMPLE_CHARTER + "x\n"},
        {"title": 5, "text": SAMPLE_CHARTER + "x\n"},
        {"title": "T"},
        {"title": "T", "text": SAMPLE_CHARTER},
        {"title": "T", "text": ""},
        {"title": "T", "text": ["a"]},
        {"title": "T", "changes": []},
        {"title": "T", "changes": {"kind": "delete"}},
        {"title": "T", "changes": [{"kind": "delete"}]},
        {"title": "T", "changes": [{"kind": "delete", "clause_id": "1"}]},
        {"title": "T", "changes": [{"kind": "delete", "clause_id": True}]},
        {"title": "T", "changes": [{"kind": "delete", "clause_id": 10**30}]},
        {"title": "T", "changes": [{"kind": "delete", "clause_id": 2.5}]},
        {"title": "T", "changes": [{"kind": "explode", "clause_id": 1}]},
        {"title": "T", "changes": [{"kind": "insert", "after_clause_id": 10**30, "text": "x"}]},
        {"title": "T", "changes": [{"kind": "replace", "clause_id": 1, "text": None}]},
        {"title": "T", "changes": ["delete 1"]},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "changes": [{"kind": "delete"}]},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "base_revision": 99},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "base_revision": 10**30},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "base_revision": True},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "base_revision": "1"},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "submit": "true"},
        {"title": "T" * 301, "text": SAMPLE_CHARTER + "x\n"},
        {"title": "T", "rationale": {"why": 1}, "text": SAMPLE_CHARTER + "x\n"},
        {"title": "T", "text": SAMPLE_CHARTER + "x\n", "author_id": 1},
    ],
)
def test_bad_proposals_are_4xx_and_change_nothing(
    member_api: Api, charter_slug: str, snapshot: Snapshot, body: dict[str, Any]
) -> None:
    before = snapshot()
    response = member_api.post(f"charters/{charter_slug}/amendments", json=body)
    status = response.status_code
    assert 400 <= status < 500 and status != 401, response.get_data(as_text=True)
    assert_error(response, status)
    assert snapshot() == before


def test_observers_cannot_propose(observer_api: Api, charter_slug: str, snapshot: Snapshot) -> None:
    before = snapshot()
    body = {"title": "T", "text": SAMPLE_CHARTER + "x\n"}
    assert_error(observer_api.post(f"charters/{charter_slug}/amendments", json=body), 403)
    assert snapshot() == before


def test_unknown_amendments_are_404(member_api: Api) -> None:
    for method, path in [
        ("GET", "amendments/424242"),
        ("PATCH", "amendments/424242"),
        ("POST", "amendments/424242/actions"),
        ("POST", "amendments/424242/merge"),
        ("POST", "amendments/424242/resolve"),
        ("POST", "amendments/424242/backers"),
        ("DELETE", "amendments/424242/backers"),
        ("GET", "amendments/99999999999999999999999"),
        ("GET", "amendments/0"),
        ("GET", "amendments/-1"),
        ("GET", "charters/nope/amendments"),
    ]:
        body = {"action": "submit", "version": 1, "kind": "supporter", "text": "x\n"}
        if method in ("GET", "DELETE"):
            response = member_api.request(method, path)
        else:
            # Only the fields each endpoint knows, so that the 404 is about the id.
            allowed = {
                "actions": {"action"},
                "merge": set(),
                "resolve": {"version", "text"},
                "backers": {"kind"},
            }.get(path.rsplit("/", 1)[-1], {"version"})
            response = member_api.request(
                method, path, json={k: v for k, v in body.items() if k in allowed}
            )
        assert_error(response, 404)


def test_sub_amendment_through_the_api(
    member_api: Api, other_member_api: Api, sec_api: Api, charter_slug: str, snapshot: Any
) -> None:
    clauses = member_api.get(f"charters/{charter_slug}").get_json()["clauses"]
    majority = next(c for c in clauses if "simple majority" in c["text"])
    parent = _propose(
        member_api,
        charter_slug,
        submit=True,
        changes=[
            {
                "kind": "replace",
                "clause_id": majority["id"],
                "text": majority["text"].replace("simple", "two-thirds"),
            }
        ],
    )
    change_id = parent["changes"][0]["id"]
    before = snapshot()
    for bad in ({"title": "X", "changes": "nope"}, {"title": "X", "changes": [{"change_id": 999}]}):
        assert_error(
            other_member_api.post(f"amendments/{parent['id']}/sub-amendments", json=bad), 422
        )
    assert snapshot() == before
    created = other_member_api.post(
        f"amendments/{parent['id']}/sub-amendments",
        json={
            "title": "Three quarters",
            "submit": True,
            "changes": [
                {
                    "change_id": change_id,
                    "text": majority["text"].replace("simple", "three-quarters"),
                }
            ],
        },
    )
    assert created.status_code == 201, created.get_json()
    sub = created.get_json()
    assert sub["parent_id"] == parent["id"] and sub["state"] == "submitted"
    merged = sec_api.post(f"amendments/{sub['id']}/merge", json={"editorial": True})
    assert merged.status_code == 200 and merged.get_json() == {
        "revision": None,
        "merged_into": parent["id"],
    }
    shown = member_api.get(f"amendments/{parent['id']}").get_json()
    assert "three-quarters" in shown["changes"][0]["text"]
