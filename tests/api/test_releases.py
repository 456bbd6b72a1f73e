"""The release and export endpoints: publishing (secretariat only, one label per charter, bad
bodies refused), listing, and exports whose bytes and SHA-256 match what a release recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, assert_error
from tests.shared_data import require_shared_data


def test_publishing_answers_the_hashes_of_the_text_and_every_file(
    sec_api: Api, charter_slug: str
) -> None:
    response = sec_api.post(
        f"charters/{charter_slug}/releases", json={"label": "1.0", "notes": "First edition"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"label", "revision", "sha256", "files"}
    assert (body["label"], body["revision"]) == ("1.0", 1)
    assert sorted(body["files"]) == ["docx", "html", "json", "md", "pdf"]
    assert response.headers["Location"] == f"/published/{charter_slug}/1.0"
    text = sec_api.get(f"charters/{charter_slug}/text").data
    assert body["sha256"] == hashlib.sha256(text).hexdigest() == body["files"]["md"]
    for fmt, sha in body["files"].items():
        exported = sec_api.get(f"charters/{charter_slug}/export?format={fmt}&release=1.0")
        assert exported.status_code == 200
        assert hashlib.sha256(exported.data).hexdigest() == sha
        assert exported.headers["X-Content-SHA256"] == sha

    listed = sec_api.get(f"charters/{charter_slug}/releases").get_json()["releases"]
    assert [r["label"] for r in listed] == ["1.0"]
    assert listed[0]["files"] == body["files"] and listed[0]["notes"] == "First edition"
    assert listed[0]["url"] == f"/published/{charter_slug}/1.0"


def test_a_named_revision_is_released(
    sec_api: Api, charter_slug: str, create_charter: Callable[..., Any]
) -> None:
    response = sec_api.post(
        f"charters/{charter_slug}/releases", json={"label": "0.1", "revision": 1}
    )
    assert response.status_code == 201 and response.get_json()["revision"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "label"),
        ({"label": 1}, "label"),
        ({"label": ""}, "label"),
        ({"label": "bad label"}, "label"),
        ({"label": "1.0.pdf"}, "label"),
        ({"label": "1.0", "revision": 0}, "revision"),
        ({"label": "1.0", "revision": "1"}, "revision"),
        ({"label": "1.0", "revision": 99}, "revision"),
        ({"label": "1.0", "notes": 5}, "notes"),
        ({"label": "1.0", "notes": "x" * 20_001}, "notes"),
        ({"label": "1.0", "title": "x"}, "title"),
    ],
)
def test_bad_bodies_are_422_and_change_nothing(
    sec_api: Api, charter_slug: str, snapshot: Callable[[], Any], body: Any, field: str
) -> None:
    before = snapshot()
    error = assert_error(sec_api.post(f"charters/{charter_slug}/releases", json=body), 422)
    assert error.get("field") == field
    assert snapshot() == before


def test_a_label_used_before_is_409(
    sec_api: Api, charter_slug: str, snapshot: Callable[[], Any]
) -> None:
    assert (
        sec_api.post(f"charters/{charter_slug}/releases", json={"label": "1.0"}).status_code == 201
    )
    before = snapshot()
    assert_error(
        sec_api.post(f"charters/{charter_slug}/releases", json={"label": "1.0"}), 409, "conflict"
    )
    assert snapshot() == before


@pytest.mark.parametrize("who", ["member_api", "observer_api"])
def test_only_the_secretariat_publishes(
    request: pytest.FixtureRequest, charter_slug: str, snapshot: Callable[[], Any], who: str
) -> None:
    api: Api = request.getfixturevalue(who)
    before = snapshot()
    assert_error(
        api.post(f"charters/{charter_slug}/releases", json={"label": "1.0"}), 403, "forbidden"
    )
    assert snapshot() == before


def test_without_a_token_or_charter(anonymous_api: Api, sec_api: Api, charter_slug: str) -> None:
    assert_error(anonymous_api.get(f"charters/{charter_slug}/releases"), 401)
    assert_error(anonymous_api.post(f"charters/{charter_slug}/releases", json={"label": "1"}), 401)
    assert_error(sec_api.post("charters/nope/releases", json={"label": "1.0"}), 404)
    assert_error(sec_api.post(f"charters/{charter_slug}/releases", data="x"), 415)


def test_the_markdown_export_is_the_imported_file_byte_for_byte(sec_api: Api) -> None:
    raw = require_shared_data("histories", "pep-0013", "v031.rst").read_text(encoding="utf-8")
    slug = sec_api.post("charters", json={"title": "PEP 13", "text": raw}).get_json()["slug"]
    exported = sec_api.get(f"charters/{slug}/export")
    assert exported.data == raw.encode("utf-8")
    assert exported.headers["Content-Type"] == "text/markdown; charset=utf-8"
    pdf = sec_api.get(f"charters/{slug}/export?format=pdf&revision=1&line_numbers=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("format=odt", 400),
        ("format=pdf&revision=x", 400),
        ("format=pdf&revision=0", 400),
        ("format=pdf&line_numbers=maybe", 400),
        ("format=pdf&revision=9", 404),
        ("format=pdf&release=9.9", 404),
        ("format=pdf&release=..", 404),
        ("format=pdf&revision=1&release=1.0", 422),
    ],
)
def test_bad_export_queries(member_api: Api, charter_slug: str, query: str, status: int) -> None:
    assert_error(member_api.get(f"charters/{charter_slug}/export?{query}"), status)


def test_the_redline_between_two_revisions(sec_api: Api, charter_slug: str) -> None:
    charter = sec_api.get(f"charters/{charter_slug}").get_json()
    clause = next(c for c in charter["clauses"] if c["text"].startswith("Decisions"))
    sec_api.post(
        f"charters/{charter_slug}/editorial",
        json={"clause_id": clause["id"], "text": "Decisions need two thirds.\n", "reason": "r"},
    )
    docx = sec_api.get(f"charters/{charter_slug}/redline?format=docx&from_revision=1")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")
    assert docx.headers["X-Charter-Revision"] == "2"
    assert_error(sec_api.get(f"charters/{charter_slug}/redline?format=pdf"), 400)
    assert_error(sec_api.get(f"charters/{charter_slug}/redline?format=json&from_revision=1"), 400)


def test_the_charter_says_when_and_at_which_revision_it_was_adopted(
    sec_api: Api, charter_slug: str, session: Any
) -> None:
    from sqlalchemy import select

    from charter_engine.charters.models import Charter
    from charter_engine.db import utcnow

    summary = sec_api.get(f"charters/{charter_slug}").get_json()
    assert (summary["adopted_revision"], summary["adopted_at"]) == (None, None)
    charter = session.execute(select(Charter).where(Charter.slug == charter_slug)).scalar_one()
    charter.status, charter.adopted_revision_number, charter.adopted_at = "adopted", 1, utcnow()
    session.commit()
    listed = sec_api.get("charters").get_json()["charters"][0]
    assert listed["adopted_revision"] == 1 and listed["adopted_at"].startswith("20")
