"""Every free text the API takes has a length limit (charter_engine/limits.py): one character over
it is a 422 naming the field, and changes nothing; the limit itself is accepted; the OpenAPI
document states the same limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine import limits
from tests.api.conftest import Api, assert_error, clause_by_text
from tests.conftest import USE_POSTGRES

Snapshot = Callable[[], dict[str, Any]]


@dataclass
class Place:
    """Where a text goes: ``send(texts)`` makes the request with ``texts`` for its fields."""

    name: str
    field: str  # the field the error names
    limit: int
    send: Callable[[str], Any]


@pytest.fixture
def places(
    sec_api: Api, member_api: Api, charter_slug: str, create_user: Callable[..., Any]
) -> dict[str, Place]:
    slug = charter_slug
    clause = clause_by_text(member_api, slug, "simple majority")
    proposed = member_api.post(
        f"charters/{slug}/amendments",
        json={
            "title": "Two thirds",
            "submit": True,
            "changes": [
                {"kind": "replace", "clause_id": clause["id"], "text": "Two thirds decide.\n"}
            ],
        },
    ).get_json()
    amendment, version = proposed["id"], proposed["version"]
    change_id = proposed["changes"][0]["id"]

    def propose(**fields: Any) -> Any:
        body = {"title": "A title", "rationale": "Why", **fields}
        body.setdefault("changes", [{"kind": "delete", "clause_id": clause["id"]}])
        return member_api.post(f"charters/{slug}/amendments", json=body)

    def change(new_text: str) -> list[dict[str, Any]]:
        return [{"kind": "replace", "clause_id": clause["id"], "text": new_text}]

    def comment_with_quote(quote: str) -> Any:
        return member_api.post(
            f"charters/{slug}/clauses/{clause['id']}/comments",
            json={"body": "Look", "anchor": {"start": 0, "end": 9, "quote": quote}},
        )

    def imported(**fields: Any) -> Any:
        return sec_api.post("charters", json={"title": "T", "text": "# T\n\nText.\n", **fields})

    def editorial(**fields: Any) -> Any:
        body = {"clause_id": clause["id"], "text": "Typo fixed.\n", "reason": "Typo", **fields}
        return sec_api.post(f"charters/{slug}/editorial", json=body)

    found = [
        Place("amendment title", "title", limits.TITLE, lambda t: propose(title=t)),
        Place("amendment rationale", "rationale", limits.RATIONALE, lambda t: propose(rationale=t)),
        Place(
            "proposed clause text",
            "changes",
            limits.CLAUSE_TEXT,
            lambda t: propose(changes=change(t)),
        ),
        Place(
            "edited document",
            "text",
            limits.DOCUMENT,
            lambda t: propose(changes=None, text=t),
        ),
        Place(
            "edited rationale",
            "rationale",
            limits.RATIONALE,
            lambda t: member_api.patch(
                f"amendments/{amendment}", json={"version": version, "rationale": t}
            ),
        ),
        Place(
            "sub-amendment title",
            "title",
            limits.TITLE,
            lambda t: member_api.post(
                f"amendments/{amendment}/sub-amendments",
                json={"title": t, "changes": [{"change_id": change_id, "text": "Other.\n"}]},
            ),
        ),
        Place(
            "sub-amendment text",
            "changes",
            limits.CLAUSE_TEXT,
            lambda t: member_api.post(
                f"amendments/{amendment}/sub-amendments",
                json={"title": "Sub", "changes": [{"change_id": change_id, "text": t}]},
            ),
        ),
        Place(
            "comment",
            "body",
            limits.COMMENT,
            lambda t: member_api.post(f"amendments/{amendment}/comments", json={"body": t}),
        ),
        Place("quoted passage", "anchor", limits.QUOTE, comment_with_quote),
        Place("charter title", "title", limits.CHARTER_TITLE, lambda t: imported(title=t)),
        Place("file name", "filename", limits.FILENAME, lambda t: imported(filename=t)),
        Place("imported charter", "text", limits.DOCUMENT, lambda t: imported(text=t)),
        Place("editorial reason", "reason", limits.REASON, lambda t: editorial(reason=t)),
        Place("editorial text", "text", limits.CLAUSE_TEXT, lambda t: editorial(text=t)),
        Place(
            "ballot title",
            "title",
            limits.TITLE,
            lambda t: sec_api.post(
                f"charters/{slug}/ballots",
                json={"kind": "amendment", "amendments": [amendment], "title": t},
            ),
        ),
    ]
    return {place.name: place for place in found}


PLACES = [
    "amendment title",
    "amendment rationale",
    "proposed clause text",
    "edited document",
    "edited rationale",
    "sub-amendment title",
    "sub-amendment text",
    "comment",
    "quoted passage",
    "charter title",
    "file name",
    "imported charter",
    "editorial reason",
    "editorial text",
    "ballot title",
]


@pytest.mark.parametrize("name", PLACES)
def test_one_character_over_the_limit_is_a_422_that_changes_nothing(
    name: str, places: dict[str, Place], snapshot: Snapshot
) -> None:
    place = places[name]
    before = snapshot()
    error = assert_error(place.send("x" * place.limit + "\n"), 422, "invalid")
    assert error["field"] == place.field
    assert f"longer than {place.limit:,} characters" in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    [
        "amendment title",
        "amendment rationale",
        "edited rationale",
        "comment",
        "charter title",
        "file name",
        "editorial reason",
        "ballot title",
    ],
)
def test_a_text_as_long_as_the_limit_is_accepted(name: str, places: dict[str, Place]) -> None:
    place = places[name]
    response = place.send("y" * place.limit)
    assert response.status_code in (200, 201), response.get_json()


def test_the_rationale_of_a_million_characters_is_refused(
    places: dict[str, Place], snapshot: Snapshot
) -> None:
    before = snapshot()
    error = assert_error(places["amendment rationale"].send("why " * 250_000), 422)
    assert error["message"] == ("The rationale is longer than 20,000 characters (1,000,000 given).")
    assert snapshot() == before


def test_the_openapi_document_states_the_limits(anonymous_api: Api) -> None:
    schemas = anonymous_api.get("openapi.json").get_json()["components"]["schemas"]
    proposal = schemas["AmendmentProposal"]["properties"]
    assert proposal["title"]["maxLength"] == limits.TITLE
    assert proposal["rationale"]["maxLength"] == limits.RATIONALE
    assert proposal["text"]["maxLength"] == limits.DOCUMENT
    assert schemas["ChangeSpec"]["properties"]["text"]["maxLength"] == limits.CLAUSE_TEXT
    assert schemas["ClauseCommentInput"]["properties"]["body"]["maxLength"] == limits.COMMENT
    assert schemas["CharterImport"]["properties"]["text"]["maxLength"] == limits.DOCUMENT
    assert schemas["EditorialChange"]["properties"]["reason"]["maxLength"] == limits.REASON
    assert schemas["BallotUpdate"]["properties"]["title"]["maxLength"] == limits.TITLE


@pytest.mark.skipif(not USE_POSTGRES, reason="the length CHECKs are PostgreSQL's")
@pytest.mark.parametrize(
    ("table", "column", "limit"),
    [
        ("amendments", "rationale", limits.RATIONALE),
        ("comments", "body", limits.COMMENT),
        ("revisions", "note", limits.REASON),
        ("users", "bio", limits.BIO),
    ],
)
def test_the_schema_guards_the_long_texts_too(
    session: Session, places: dict[str, Place], table: str, column: str, limit: int
) -> None:
    """Past the operations, the database itself refuses a text over the limit."""
    places["comment"].send("A comment")
    session.execute(text(f"UPDATE {table} SET {column} = :ok"), {"ok": "z" * limit})
    with pytest.raises(IntegrityError, match=f"{table}_{column}_length"):
        session.execute(text(f"UPDATE {table} SET {column} = :long"), {"long": "z" * (limit + 1)})
    session.rollback()
