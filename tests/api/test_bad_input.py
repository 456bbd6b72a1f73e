"""Bad input of any kind, sent to every endpoint that changes something: always a 4xx with the
error object, never a 500, and the database is exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, assert_error
from tests.conftest import SAMPLE_CHARTER

Snapshot = Callable[[], dict[str, Any]]

# (method, path template, a valid body): {slug}, {clause}, {amendment} are filled in.
WRITES = [
    ("POST", "charters", {"title": "T", "text": "Body\n"}),
    ("POST", "charters/{slug}/editorial", {"clause_id": "{clause}", "text": "x\n", "reason": "r"}),
    ("POST", "charters/{slug}/amendments", {"title": "T", "text": SAMPLE_CHARTER + "x\n"}),
    ("PATCH", "amendments/{amendment}", {"version": 1, "title": "New"}),
    ("POST", "amendments/{amendment}/actions", {"action": "submit"}),
    ("POST", "amendments/{amendment}/merge", {"editorial": True}),
    ("POST", "amendments/{amendment}/resolve", {"version": 1, "text": SAMPLE_CHARTER + "y\n"}),
    ("POST", "amendments/{amendment}/backers", {"kind": "supporter"}),
    ("POST", "charters/{slug}/clauses/{clause}/comments", {"body": "Hello"}),
    ("POST", "amendments/{amendment}/comments", {"body": "Hello"}),
]

JSON = "application/json"
RAW_BODIES: list[tuple[str, bytes, str | None]] = [
    ("array", b"[]", JSON),
    ("array of objects", b'[{"title": "T"}]', JSON),
    ("string", b'"hello"', JSON),
    ("number", b"42", JSON),
    ("null", b"null", JSON),
    ("empty", b"", JSON),
    ("not json", b"title=T&text=x", JSON),
    ("truncated", b'{"title": "T", "text": ', JSON),
    ("invalid utf-8", b'{"title": "\xff\xfe", "text": "x"}', JSON),
    ("utf-16", '{"title": "T"}'.encode("utf-16"), JSON),
    ("bom", b'\xef\xbb\xbf{"title": "T"}', JSON),
    ("nul", b'{"title": "a\\u0000b", "body": "a\\u0000b", "text": "x\\u0000"}', JSON),
    ("surrogate", b'{"title": "\\ud800", "body": "\\udfff", "kind": "\\ud800"}', JSON),
    ("surrogate key", b'{"\\ud800": 1}', JSON),
    ("encoded surrogate", b'{"title": "\xed\xa0\x80"}', JSON),
    ("deep", b"[" * 100_000 + b"]" * 100_000, JSON),
    ("deep object", b'{"a":' * 5000 + b"1" + b"}" * 5000, JSON),
    ("huge integer", b'{"version": 1' + b"0" * 5000 + b', "clause_id": 1}', JSON),
    ("infinite", b'{"version": 1e400, "clause_id": 1e400, "editorial": NaN}', JSON),
    ("form", b"title=T&text=x", "application/x-www-form-urlencoded"),
    ("no type", b'{"title": "T"}', None),
    ("plain text", b'{"title": "T"}', "text/plain"),
]

WRONG_SHAPES: list[dict[str, Any]] = [
    {},
    {"title": ["T"], "text": {"a": 1}, "version": "1", "action": 1, "kind": None, "body": []},
    {"clause_id": True, "version": True, "editorial": 1, "action": True, "parent_id": True},
    {"clause_id": 2**63, "version": 2**63, "parent_id": 2**63, "base_revision": 2**63},
    {"clause_id": -1, "version": 0, "parent_id": 0, "base_revision": -5},
    {"clause_id": 1.5, "version": 1.0, "parent_id": "1"},
    {"unexpected": "field"},
]


@pytest.fixture
def world(sec_api: Api, member_api: Api, charter_slug: str) -> dict[str, Any]:
    clause = member_api.get(f"charters/{charter_slug}").get_json()["clauses"][-1]
    amendment = member_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "A", "text": SAMPLE_CHARTER + "Added.\n"},
    ).get_json()
    return {"slug": charter_slug, "clause": clause["id"], "amendment": amendment["id"]}


def _fill(template: Any, world: dict[str, Any]) -> Any:
    if isinstance(template, str):
        if template in ("{clause}", "{amendment}"):
            return world[template[1:-1]]
        return template.format(**world)
    if isinstance(template, dict):
        return {k: _fill(v, world) for k, v in template.items()}
    return template


@pytest.mark.parametrize(
    ("method", "path", "valid"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES]
)
def test_malformed_bodies_are_refused_and_change_nothing(
    sec_api: Api, world: dict[str, Any], snapshot: Snapshot, method: str, path: str, valid: Any
) -> None:
    url = _fill(path, world)
    before = snapshot()
    for name, raw, content_type in RAW_BODIES:
        headers = {"Content-Type": content_type} if content_type else {}
        response = sec_api.request(method, url, data=raw, headers=headers)
        if path.endswith("/merge") and name == "empty":
            # The merge body is optional: an empty body merges with the defaults, which this
            # draft amendment refuses.
            assert_error(response, 409)
            continue
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert_error(response, response.status_code)
        assert snapshot() == before, name


@pytest.mark.parametrize(
    ("method", "path", "valid"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES]
)
def test_wrong_shapes_are_refused_and_change_nothing(
    sec_api: Api, world: dict[str, Any], snapshot: Snapshot, method: str, path: str, valid: Any
) -> None:
    url = _fill(path, world)
    before = snapshot()
    for shape in WRONG_SHAPES:
        body = {**_fill(valid, world), **shape} if shape else {}
        if path.endswith("/merge") and not shape:
            continue  # {} is a valid merge request
        response = sec_api.request(method, url, json=body)
        assert 400 <= response.status_code < 500, (shape, response.get_data(as_text=True))
        assert_error(response, response.status_code)
        assert snapshot() == before, shape


NAMED = [w for w in WRITES if "{" in w[1]]


@pytest.mark.parametrize(("method", "path", "valid"), NAMED, ids=[f"{m} {p}" for m, p, _ in NAMED])
def test_unknown_objects_are_404_and_change_nothing(
    sec_api: Api, world: dict[str, Any], snapshot: Snapshot, method: str, path: str, valid: Any
) -> None:
    missing = {"slug": "no-such-charter", "clause": 424242, "amendment": 424242}
    huge = {"slug": "x" * 500, "clause": 10**20, "amendment": 10**20}
    before = snapshot()
    for names in (missing, huge):
        url = path.format(**names)
        body = _fill(valid, world)
        response = sec_api.request(method, url, json=body)
        assert_error(response, 404)
    assert snapshot() == before


def test_unknown_routes_and_methods_answer_json(member_api: Api, anonymous_api: Api) -> None:
    assert_error(member_api.get("no/such/endpoint"), 404, "not_found")
    assert_error(anonymous_api.get("no/such/endpoint"), 404, "not_found")
    response = member_api.request("PUT", "charters")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    assert_error(member_api.request("DELETE", "openapi.json"), 405)


def test_a_body_over_the_size_limit_is_refused(sec_api: Api, snapshot: Snapshot) -> None:
    before = snapshot()
    big = b'{"title": "T", "text": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    response = sec_api.request("POST", "charters", data=big, headers={"Content-Type": JSON})
    assert_error(response, 413)
    assert snapshot() == before
