"""The provenance endpoints: the changelog between two revisions and where a clause's text comes
from, built through the API as a script would build a history (an amendment adopted by ballot,
then an editorial change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api, assert_error, clause_by_text
from tests.conftest import SAMPLE_CHARTER
from tests.web.support import app_engine, count_queries

DECISIONS = "Decisions are taken by simple majority of the votes cast.\n"


@pytest.fixture
def history(sec_api: Api, api_as: Callable[..., Api], charter_slug: str) -> dict[str, Any]:
    """Revision 2: an amendment adopted by ballot (two yes, one no); revision 3: an editorial
    change to the same clause."""
    author = api_as("member", name="Ada Author")
    voters = [api_as("member") for _ in range(3)]
    clause = clause_by_text(sec_api, charter_slug, "Decisions are taken")
    proposed = author.post(
        f"charters/{charter_slug}/amendments",
        json={
            "title": "Clearer majority",
            "rationale": "A majority of the members, not of the votes cast.",
            "text": SAMPLE_CHARTER.replace("of the votes cast", "of the members"),
            "submit": True,
        },
    )
    assert proposed.status_code == 201, proposed.get_json()
    amendment = proposed.get_json()
    ballot = sec_api.post(
        f"charters/{charter_slug}/ballots",
        json={"kind": "amendment", "amendments": [amendment["id"]]},
    ).get_json()
    assert sec_api.post(f"ballots/{ballot['id']}/open").status_code == 200
    for voter, choice in zip(voters, ("yes", "yes", "no"), strict=True):
        cast = voter.post(f"ballots/{ballot['id']}/votes", json={"choice": choice})
        assert cast.status_code == 201, cast.get_json()
    closed = sec_api.post(f"ballots/{ballot['id']}/close").get_json()
    assert closed["outcome"] == "adopted"
    edited = sec_api.post(
        f"charters/{charter_slug}/editorial",
        json={
            "clause_id": clause["id"],
            "text": "Decisions are taken by a simple majority of the members.\n",
            "reason": "Article added",
        },
    )
    assert edited.status_code == 201, edited.get_json()
    assert edited.get_json()["revision"] == 3
    return {"clause_id": clause["id"], "amendment": amendment, "ballot": ballot}


def test_the_changelog_names_each_revision_with_what_made_it(
    member_api: Api, charter_slug: str, history: dict[str, Any]
) -> None:
    body = member_api.get(f"charters/{charter_slug}/changelog").get_json()
    assert (body["slug"], body["from"], body["to"]) == (charter_slug, 1, 3)
    adopted, editorial = body["revisions"]

    assert adopted["revision"] == 2 and adopted["cause"] == "amendment"
    assert adopted["editorial"] is False
    amendment = adopted["amendment"]
    assert amendment["number"] == history["amendment"]["number"]
    assert amendment["author"] == "Ada Author"
    assert amendment["rationale"] == "A majority of the members, not of the votes cast."
    ballot = amendment["ballot"]
    assert ballot["id"] == history["ballot"]["id"] and ballot["outcome"] == "adopted"
    assert ballot["tally"] == {"yes": 2, "no": 1, "abstain": 0} and ballot["voters"] == 3

    assert editorial["revision"] == 3 and editorial["cause"] == "editorial"
    assert editorial["editorial"] is True and editorial["amendment"] is None
    assert editorial["note"] == "Article added"

    # A range, in either order; an empty one is an empty list.
    for query in ("from=2&to=3", "from=3&to=2"):
        ranged = member_api.get(f"charters/{charter_slug}/changelog?{query}").get_json()
        assert (ranged["from"], ranged["to"]) == (2, 3)
        assert [r["revision"] for r in ranged["revisions"]] == [3]
    first = member_api.get(f"charters/{charter_slug}/changelog?to=1").get_json()
    assert first["revisions"] == []


def test_a_clause_names_the_revisions_that_shaped_it_and_who_wrote_each_passage(
    member_api: Api, charter_slug: str, history: dict[str, Any]
) -> None:
    clause_id = history["clause_id"]
    body = member_api.get(f"charters/{charter_slug}/clauses/{clause_id}/provenance").get_json()
    assert body["clause_id"] == clause_id and body["revision"] == 3
    assert [o["revision"] for o in body["shaped_by"]] == [1, 2, 3]
    assert body["shaped_by"][1]["amendment"]["title"] == "Clearer majority"
    blame = body["blame"]
    assert blame["history"] == [1, 2, 3]
    current = member_api.get(f"charters/{charter_slug}").get_json()["clauses"]
    text = next(c["text"] for c in current if c["id"] == clause_id)
    assert "".join(p["text"] for p in blame["passages"]) == text
    introduced = {
        revision: "".join(p["text"] for p in blame["passages"] if p["revision"] == revision)
        for revision in (1, 2, 3)
    }
    assert "Decisions" in introduced[1] and "cast" not in text
    assert introduced[2].split() == ["members"] and introduced[3].split() == ["a"]

    # As the clause read in revision 1: only the import, every word from it.
    then = member_api.get(
        f"charters/{charter_slug}/clauses/{clause_id}/provenance?revision=1"
    ).get_json()
    assert then["revision"] == 1 and [o["revision"] for o in then["shaped_by"]] == [1]
    assert then["blame"]["passages"] == [{"text": DECISIONS, "revision": 1}]


def test_a_clause_added_later_has_no_blame_in_an_earlier_revision(
    sec_api: Api, charter_slug: str
) -> None:
    text = SAMPLE_CHARTER + "\n## Article 4 — Amendments\n\nThis charter may be amended.\n"
    proposed = sec_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "Article 4", "text": text, "submit": True},
    ).get_json()
    merged = sec_api.post(f"amendments/{proposed['id']}/merge", json={"editorial": True})
    assert merged.get_json()["revision"] == 2
    added = clause_by_text(sec_api, charter_slug, "This charter may be amended")

    path = f"charters/{charter_slug}/clauses/{added['id']}/provenance"
    before = sec_api.get(f"{path}?revision=1").get_json()
    assert before["blame"] is None and before["shaped_by"] == []
    after = sec_api.get(path).get_json()
    passages = after["blame"]["passages"]
    assert "".join(p["text"] for p in passages) == added["text"]
    assert {p["revision"] for p in passages if not p["text"].isspace()} == {2}
    assert after["shaped_by"][0]["editorial"] is True


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("charters/no-such-charter/changelog", 404),
        ("charters/{slug}/changelog?to=9", 404),
        ("charters/{slug}/changelog?from=0", 400),
        ("charters/{slug}/changelog?from=x", 400),
        ("charters/{slug}/clauses/999999/provenance", 404),
        ("charters/{slug}/clauses/{clause}/provenance?revision=9", 404),
        ("charters/{slug}/clauses/{clause}/provenance?revision=", 400),
        ("charters/{slug}/clauses/99999999999999999999/provenance", 404),
    ],
)
def test_bad_requests_are_refused_with_a_clear_error(
    member_api: Api, charter_slug: str, path: str, status: int
) -> None:
    clause = clause_by_text(member_api, charter_slug, "Decisions are taken")
    assert_error(member_api.get(path.format(slug=charter_slug, clause=clause["id"])), status)


def test_a_clause_of_another_charter_is_not_found(
    member_api: Api, charter_slug: str, create_charter: Callable[..., Any]
) -> None:
    other = create_charter(title="Other charter")
    clause = clause_by_text(member_api, other.slug, "Decisions are taken")
    assert_error(member_api.get(f"charters/{charter_slug}/clauses/{clause['id']}/provenance"), 404)


def test_provenance_needs_a_token(anonymous_api: Api, charter_slug: str) -> None:
    assert_error(anonymous_api.get(f"charters/{charter_slug}/changelog"), 401)
    assert_error(anonymous_api.get(f"charters/{charter_slug}/clauses/1/provenance"), 401)


def test_provenance_costs_the_same_statements_with_3_and_30_revisions(
    app: Any, sec_api: Api, member_api: Api, charter_slug: str
) -> None:
    clause = clause_by_text(sec_api, charter_slug, "Decisions are taken")
    paths = (
        f"charters/{charter_slug}/changelog",
        f"charters/{charter_slug}/clauses/{clause['id']}/provenance",
    )
    counter = iter(range(1, 100))

    def edit(n: int) -> None:
        for _ in range(n):
            body = {"clause_id": clause["id"], "text": f"Edited {next(counter)}.\n", "reason": "r"}
            assert sec_api.post(f"charters/{charter_slug}/editorial", json=body).status_code == 201

    def statements(path: str) -> int:
        with count_queries(app_engine(app)) as queries:
            response = member_api.get(path)
        assert response.status_code == 200, response.get_json()
        return len(queries.statements)

    edit(3)
    small = [statements(path) for path in paths]
    edit(27)
    assert [statements(path) for path in paths] == small
