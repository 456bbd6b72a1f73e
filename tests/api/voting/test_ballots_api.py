"""The ballot, vote and proxy endpoints: every happy path, and every kind of bad input answered
with the documented 4xx and no change."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ApiToken, User
from charter_engine.accounts.operations import revoke_token
from charter_engine.accounts.profiles import deactivate_user
from charter_engine.db import utcnow
from charter_engine.voting.models import Ballot
from tests.api.conftest import Api, assert_error

Create = dict[str, Any]


def _create(api: Api, slug: str, body: Create) -> dict[str, Any]:
    response = api.post(f"charters/{slug}/ballots", json=body)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    assert response.headers["Location"].endswith(f"/ballots/{data['id']}")
    return data


def _open(api: Api, ballot_id: int) -> dict[str, Any]:
    response = api.post(f"ballots/{ballot_id}/open")
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def test_named_amendment_ballot_from_creation_to_roll_call(
    sec_api: Api, api_as: Any, voting_charter: Any, amend: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    alice = api_as("member", name="Alice Able", organisation="=HYPERLINK(evil)")
    bob = api_as("member", name="Bob Baker")
    slug = voting_charter.slug

    ballot = _create(
        sec_api,
        slug,
        {"kind": "amendment", "amendments": [amendment.id], "quorum": {"votes": 2}},
    )
    assert ballot["state"] == "draft" and ballot["rules"]["quorum"] == {"votes": 2}
    assert ballot["options"][0]["changes"][0]["text"].startswith("Decisions")
    listed = sec_api.get(f"charters/{slug}/ballots").get_json()["ballots"]
    assert [b["id"] for b in listed] == [ballot["id"]]

    patched = sec_api.patch(
        f"ballots/{ballot['id']}", json={"threshold": "two_thirds", "version": ballot["version"]}
    )
    assert patched.status_code == 200 and patched.get_json()["rules"]["threshold"] == "two_thirds"
    opened = _open(sec_api, ballot["id"])
    assert opened["state"] == "open" and opened["revision"] == 1 and opened["accepting_votes"]
    assert opened["options"][0]["amendment_state"] == "voting"
    assert opened["options"][0]["fingerprint"]

    first = alice.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"})
    assert first.status_code == 201 and first.get_json()["changed"] is False
    changed = alice.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"})
    assert changed.status_code == 200 and changed.get_json()["changed"] is True
    assert bob.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"}).status_code == 201
    mine = alice.get(f"ballots/{ballot['id']}/votes/mine").get_json()
    assert mine["voted"] and mine["choice"] == "yes" and mine["on_roll"] and mine["weight"] == 1

    assert_error(bob.get(f"ballots/{ballot['id']}/results"), 409)
    assert_error(bob.get(f"ballots/{ballot['id']}/roll-call"), 409)
    running = sec_api.get(f"ballots/{ballot['id']}/results").get_json()
    assert running["final"] is False and running["simple"]["yes"] == 2

    closed = sec_api.post(f"ballots/{ballot['id']}/close")
    assert closed.status_code == 200
    assert closed.get_json()["outcome"] == "adopted" and closed.get_json()["state"] == "closed"
    results = bob.get(f"ballots/{ballot['id']}/results").get_json()
    assert results["final"] is True and results["merged_revision"] == 2
    assert results["simple"]["yes"] == 2 and results["outcome"] == "adopted"

    roll = bob.get(f"ballots/{ballot['id']}/roll-call").get_json()["voters"]
    by_name = {row["name"]: row for row in roll}
    assert by_name["Alice Able"]["choice"] == "yes" and by_name["Bob Baker"]["voted"]
    export = bob.get(f"ballots/{ballot['id']}/roll-call.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    alice_row = next(r for r in rows if r["name"] == "Alice Able")
    assert alice_row["choice"] == "yes" and alice_row["organisation"].startswith("'=")

    late = alice.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"})
    error = assert_error(late, 409, "ballot_closed")
    assert "closed" in error["message"]
    assert_error(bob.get(f"ballots/{ballot['id']}/counted"), 409)
    check = {"receipt": "ABCD-EFGH-IJKL-MNOP"}
    assert_error(bob.post(f"ballots/{ballot['id']}/receipts", json=check), 409)
    assert_error(sec_api.post(f"ballots/{ballot['id']}/close"), 409, "invalid_transition")
    assert_error(sec_api.post(f"ballots/{ballot['id']}/open"), 409, "invalid_transition")


def test_secret_ballot_receipts_through_the_api(
    sec_api: Api, api_as: Any, voting_charter: Any
) -> None:
    alice, bob = api_as("member"), api_as("member")
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption", "secrecy": "secret"})
    _open(sec_api, ballot["id"])
    cast = alice.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"})
    assert cast.status_code == 201
    receipt = cast.get_json()["receipt"]
    assert receipt and "once" in cast.get_json()["receipt_note"]
    assert bob.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"}).status_code == 201

    assert_error(
        alice.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"}), 409, "already_voted"
    )
    assert_error(
        alice.post(f"ballots/{ballot['id']}/votes", json={"choice": "no", "receipt": "XXXX"}),
        422,
    )
    bobs = bob.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes", "receipt": receipt})
    assert_error(bobs, 422, "invalid")  # Alice's receipt does not change Bob's vote, nor hers
    again = alice.post(
        f"ballots/{ballot['id']}/votes", json={"choice": "abstain", "receipt": receipt}
    )
    assert again.status_code == 200 and "receipt" not in again.get_json()
    assert_error(sec_api.get(f"ballots/{ballot['id']}/results"), 409)
    mine = alice.get(f"ballots/{ballot['id']}/votes/mine").get_json()
    assert mine["voted"] and mine["choice"] is None

    assert sec_api.post(f"ballots/{ballot['id']}/close").status_code == 200
    receipts = f"ballots/{ballot['id']}/receipts"
    found = bob.post(receipts, json={"receipt": receipt})
    assert found.status_code == 200 and found.get_json()["choice"] == "abstain"
    counted = bob.get(f"ballots/{ballot['id']}/counted").get_json()["ballots"]
    assert sorted(b["choice"] for b in counted) == ["abstain", "no"]
    assert_error(bob.post(receipts, json={"receipt": "AAAA-BBBB-CCCC-DDDD"}), 404)
    # A receipt never travels in an address: there is no such endpoint.
    assert_error(bob.get(f"{receipts}/{receipt}"), 404)
    assert_error(bob.post(receipts, json={}), 422)
    assert_error(bob.get(f"ballots/{ballot['id']}/roll-call"), 409)
    assert_error(bob.get(f"ballots/{ballot['id']}/roll-call.csv"), 409)


def test_ranked_ballot_through_the_api(
    sec_api: Api, api_as: Any, voting_charter: Any, amend: Any
) -> None:
    first = amend("simple majority", "two-thirds majority")
    second = amend("simple majority", "consensus")
    voters = [api_as("member") for _ in range(3)]
    ballot = _create(
        sec_api,
        voting_charter.slug,
        {
            "kind": "ranked",
            "amendments": [first.id, second.id],
            "majorities": {str(second.id): "2:1"},
        },
    )
    keys = [o["key"] for o in ballot["options"]]
    assert keys[-1] == "keep" and [o["majority"] for o in ballot["options"]][:2] == ["1:1", "2:1"]
    _open(sec_api, ballot["id"])
    a, b = keys[0], keys[1]
    for api, ranking in zip(voters, [{a: 1, b: 2}, {a: 1}, {b: 1, "keep": 2}], strict=True):
        assert (
            api.post(f"ballots/{ballot['id']}/votes", json={"ranking": ranking}).status_code == 201
        )
    assert_error(voters[0].post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"}), 422)
    assert_error(voters[0].post(f"ballots/{ballot['id']}/votes", json={"ranking": {"zz": 1}}), 422)
    closed = sec_api.post(f"ballots/{ballot['id']}/close").get_json()
    assert closed["outcome"] == "adopted"
    results = voters[0].get(f"ballots/{ballot['id']}/results").get_json()
    assert results["ranked"]["winner"] == a
    assert {"for": a, "against": "keep", "votes": 2} in results["ranked"]["pairwise"]


def test_proxies_through_the_api(sec_api: Api, api_as: Any, voting_charter: Any) -> None:
    principal, agent, stranger = api_as("member"), api_as("member"), api_as("member")
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption"})
    _open(sec_api, ballot["id"])
    given = principal.post("proxies", json={"agent_id": agent.user.id, "ballot_id": ballot["id"]})
    assert given.status_code == 201
    proxy = given.get_json()
    assert proxy["active"] and proxy["scope"] == "ballot"
    assert principal.get("proxies").get_json()["given"][0]["id"] == proxy["id"]
    assert agent.get("proxies").get_json()["held"][0]["id"] == proxy["id"]
    held = agent.get(f"ballots/{ballot['id']}/votes/mine").get_json()["proxies_held"]
    assert held[0]["principal_id"] == principal.user.id and not held[0]["voted"]

    assert_error(principal.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"}), 409)
    assert_error(
        stranger.post(
            f"ballots/{ballot['id']}/votes",
            json={"choice": "yes", "on_behalf_of": principal.user.id},
        ),
        403,
    )
    cast = agent.post(
        f"ballots/{ballot['id']}/votes", json={"choice": "yes", "on_behalf_of": principal.user.id}
    )
    assert cast.status_code == 201 and cast.get_json()["voter_id"] == principal.user.id
    assert_error(principal.post(f"proxies/{proxy['id']}/revoke"), 409)
    assert_error(stranger.post(f"proxies/{proxy['id']}/revoke"), 404)

    standing = principal.post("proxies", json={"agent_id": stranger.user.id})
    assert standing.status_code == 201 and standing.get_json()["scope"] == "all"
    assert_error(principal.post("proxies", json={"agent_id": agent.user.id}), 409)
    revoked = principal.post(f"proxies/{standing.get_json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "poll"}, 422),
        ({}, 422),
        ({"kind": "adoption", "colour": "red"}, 422),
        ({"kind": "adoption", "threshold": "most"}, 422),
        ({"kind": "adoption", "quorum": 5}, 422),
        ({"kind": "adoption", "quorum": {"share": 3}}, 422),
        ({"kind": "adoption", "closes_at": "soon"}, 422),
        ({"kind": "adoption", "closes_at": "2001-01-01T00:00:00Z"}, 422),
        ({"kind": "adoption", "secrecy": "secret", "weighting": "organisation"}, 422),
        ({"kind": "adoption", "majority": "3:1"}, 422),
        ({"kind": "adoption", "amendments": [1]}, 422),
        ({"kind": "amendment"}, 422),
        ({"kind": "amendment", "amendments": "1"}, 422),
        ({"kind": "amendment", "amendments": [True]}, 422),
        ({"kind": "amendment", "amendments": [424242]}, 422),
        ({"kind": "ranked", "amendments": [424242]}, 422),
        ({"kind": "adoption", "title": ""}, 422),
        ({"kind": "adoption", "title": "x" * 301}, 422),
        ({"kind": "adoption", "allow_change": "no"}, 422),
    ],
)
def test_bad_ballots_are_refused_and_change_nothing(
    sec_api: Api, voting_charter: Any, voting_state: Any, body: Create, status: int
) -> None:
    before = voting_state()
    assert_error(sec_api.post(f"charters/{voting_charter.slug}/ballots", json=body), status)
    assert voting_state() == before


def test_wrong_roles_and_unknown_objects(
    sec_api: Api,
    member_api: Api,
    observer_api: Api,
    anonymous_api: Api,
    voting_charter: Any,
    voting_state: Any,
) -> None:
    slug = voting_charter.slug
    ballot = _create(sec_api, slug, {"kind": "adoption"})
    bid = ballot["id"]
    before = voting_state()
    assert_error(member_api.post(f"charters/{slug}/ballots", json={"kind": "adoption"}), 403)
    assert_error(member_api.patch(f"ballots/{bid}", json={"title": "Mine"}), 403)
    assert_error(member_api.post(f"ballots/{bid}/open"), 403)
    assert_error(anonymous_api.get(f"ballots/{bid}"), 401)
    assert_error(sec_api.post("charters/nope/ballots", json={"kind": "adoption"}), 404)
    assert_error(sec_api.get("charters/nope/ballots"), 404)
    for path in (
        "",
        "/results",
        "/roll-call",
        "/roll-call.csv",
        "/counted",
        "/votes/mine",
    ):
        assert_error(member_api.get(f"ballots/999999{path}"), 404)
    assert_error(member_api.post("ballots/999999/receipts", json={"receipt": "ABCD-EFGH"}), 404)
    for path in ("/open", "/close", "/votes"):
        assert_error(sec_api.post(f"ballots/999999{path}", json={"choice": "yes"}), 404)
    assert_error(sec_api.patch("ballots/999999", json={"title": "x"}), 404)
    assert_error(sec_api.post("proxies/999999/revoke"), 404)
    # Votes on a draft are refused with the reason.
    error = assert_error(
        member_api.post(f"ballots/{bid}/votes", json={"choice": "yes"}), 409, "ballot_closed"
    )
    assert "not open yet" in error["message"]
    assert_error(member_api.get(f"ballots/{bid}/results"), 409)
    assert voting_state() == before

    _open(sec_api, bid)
    assert_error(observer_api.post(f"ballots/{bid}/votes", json={"choice": "yes"}), 403)
    assert_error(member_api.post(f"ballots/{bid}/close"), 403)
    assert_error(
        sec_api.patch(f"ballots/{bid}", json={"secrecy": "secret"}), 409, "invalid_transition"
    )
    assert_error(observer_api.post("proxies", json={"agent_id": member_api.user.id}), 403)


def test_ids_no_column_can_hold_name_nothing(
    sec_api: Api, member_api: Api, voting_charter: Any, voting_state: Any
) -> None:
    """The same answers on both databases (PostgreSQL would otherwise refuse the comparison)."""
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption"})
    _open(sec_api, ballot["id"])
    huge = 2**40
    before = voting_state()
    for path in ("", "/results", "/roll-call", "/roll-call.csv", "/counted", "/votes/mine"):
        assert_error(member_api.get(f"ballots/{huge}{path}"), 404, "not_found")
    check = {"receipt": "ABCD-EFGH"}
    assert_error(member_api.post(f"ballots/{huge}/receipts", json=check), 404, "not_found")
    for path in ("/open", "/close", "/votes"):
        assert_error(sec_api.post(f"ballots/{huge}{path}", json={"choice": "yes"}), 404)
    assert_error(sec_api.patch(f"ballots/{huge}", json={"title": "x"}), 404)
    assert_error(sec_api.delete(f"ballots/{huge}"), 404)
    assert_error(member_api.post(f"proxies/{huge}/revoke"), 404)
    for body in ({"agent_id": huge}, {"agent_id": sec_api.user.id, "ballot_id": huge}):
        assert_error(member_api.post("proxies", json=body), 422)
    error = assert_error(
        member_api.post(
            f"ballots/{ballot['id']}/votes", json={"choice": "yes", "on_behalf_of": huge}
        ),
        422,
    )
    assert error["field"] == "on_behalf_of"
    assert voting_state() == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"choice": 1},
        {"choice": "YES"},
        {"choice": ["yes"]},
        {"ranking": {"keep": 1}},
        {"choice": "yes", "extra": 1},
        {"choice": "yes", "on_behalf_of": "me"},
        {"choice": "yes", "on_behalf_of": -3},
        {"choice": "yes", "receipt": "ABCD-EFGH"},
        {"choice": "yes", "receipt": 42},
    ],
)
def test_bad_votes_are_refused_and_change_nothing(
    sec_api: Api, member_api: Api, voting_charter: Any, voting_state: Any, body: Create
) -> None:
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption"})
    _open(sec_api, ballot["id"])
    before = voting_state()
    assert_error(member_api.post(f"ballots/{ballot['id']}/votes", json=body), 422)
    assert voting_state() == before


def test_bad_bodies_on_every_write(
    sec_api: Api, member_api: Api, voting_charter: Any, voting_state: Any
) -> None:
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption"})
    before = voting_state()
    for api, path in [
        (sec_api, f"charters/{voting_charter.slug}/ballots"),
        (member_api, f"ballots/{ballot['id']}/votes"),
        (member_api, "proxies"),
    ]:
        assert_error(api.post(path, data="{not json", content_type="application/json"), 400)
        assert_error(api.post(path, data="kind=adoption"), 415)
        assert_error(api.post(path, json=["a", "list"]), 400)
    assert_error(sec_api.patch(f"ballots/{ballot['id']}", json={"version": "1"}), 422)
    assert_error(sec_api.patch(f"ballots/{ballot['id']}", json={"version": 99}), 409, "stale")
    assert_error(sec_api.patch(f"ballots/{ballot['id']}", json={"nope": 1}), 422)
    for body in (
        {},
        {"agent_id": "x"},
        {"agent_id": member_api.user.id},
        {"agent_id": sec_api.user.id, "ballot_id": 999999},
        {"agent_id": sec_api.user.id, "extra": True},
    ):
        assert_error(member_api.post("proxies", json=body), 422)
    assert voting_state() == before


def test_double_vote_without_changes_is_a_conflict(
    sec_api: Api, member_api: Api, voting_charter: Any
) -> None:
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption", "allow_change": False})
    _open(sec_api, ballot["id"])
    assert (
        member_api.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"}).status_code == 201
    )
    error = assert_error(
        member_api.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"}),
        409,
        "already_voted",
    )
    assert "already voted" in error["message"]


def test_a_vote_checks_its_token_before_anything_else(
    sec_api: Api,
    api_as: Any,
    voting_charter: Any,
    voting_state: Any,
    session: Session,
    secretariat: Any,
) -> None:
    """The vote endpoint checks the token in the vote's own statement; a token that does not hold
    is still refused with 401 before the body or the ballot is looked at, and nothing changes."""
    revoked, leaving, voter = api_as("member"), api_as("member"), api_as("member")
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption", "allow_change": True})
    _open(sec_api, ballot["id"])
    holder = session.get(User, revoked.user.id)
    token = session.execute(select(ApiToken).filter_by(user_id=holder.id)).scalar_one()
    revoke_token(session, holder, token.id, actor=holder)
    deactivate_user(session, session.get(User, leaving.user.id), actor=secretariat)
    session.commit()
    before = voting_state()
    path = f"ballots/{ballot['id']}/votes"
    for api in (revoked, leaving, Api(voter.client, "ce_not-a-token"), Api(voter.client, "nope")):
        for target, body in [
            (path, {"choice": "yes"}),
            (path, {"choice": "yes", "extra": 1}),
            (path, {"ranking": {"keep": 1}}),
            ("ballots/999999/votes", {"choice": "yes"}),
            (f"ballots/{2**40}/votes", {"choice": "yes"}),
        ]:
            error = assert_error(api.post(target, json=body), 401, "unauthorized")
            assert "token" in error["message"]
        assert_error(api.post(path, data="{not json", content_type="application/json"), 401)
    assert_error(Api(voter.client, None).post(path, json={"choice": "yes"}), 401)
    assert voting_state() == before

    # The same requests with a token that holds: the answers about the body and the ballot.
    assert_error(voter.post(path, json={"choice": "yes", "extra": 1}), 422)
    assert_error(voter.post("ballots/999999/votes", json={"choice": "yes"}), 404)
    assert_error(voter.post(f"ballots/{2**40}/votes", json={"choice": "yes"}), 404)
    assert voting_state() == before
    first = voter.post(path, json={"choice": "yes"})
    assert first.status_code == 201 and first.get_json()["voter_id"] == voter.user.id
    again = voter.post(path, json={"choice": "no"})
    assert again.status_code == 200 and again.get_json()["changed"] is True


def test_reading_a_ballot_past_its_closing_time_closes_it(
    sec_api: Api, member_api: Api, voting_charter: Any, session: Session
) -> None:
    closes = (utcnow() + timedelta(hours=1)).isoformat()
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption", "closes_at": closes})
    _open(sec_api, ballot["id"])
    assert (
        member_api.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"}).status_code == 201
    )
    # Time passes: the closing time is now behind us and nobody ran the tick command.
    session.execute(
        update(Ballot)
        .where(Ballot.id == ballot["id"])
        .values(closes_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    late = member_api.post(f"ballots/{ballot['id']}/votes", json={"choice": "no"})
    assert_error(late, 409, "ballot_closed")
    seen = member_api.get(f"ballots/{ballot['id']}").get_json()
    assert seen["state"] == "closed" and seen["outcome"] == "adopted"
    assert member_api.get(f"ballots/{ballot['id']}/results").get_json()["simple"]["yes"] == 1


def test_scheduled_opening_happens_on_first_read(
    sec_api: Api, member_api: Api, voting_charter: Any, session: Session
) -> None:
    opens = (utcnow() + timedelta(hours=1)).isoformat()
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption", "opens_at": opens})
    assert_error(sec_api.post(f"ballots/{ballot['id']}/open"), 409, "invalid_transition")
    session.execute(update(Ballot).where(Ballot.id == ballot["id"]).values(opens_at=utcnow()))
    session.commit()
    listed = member_api.get(f"charters/{voting_charter.slug}/ballots").get_json()["ballots"]
    assert listed[0]["state"] == "open"
    assert (
        member_api.post(f"ballots/{ballot['id']}/votes", json={"choice": "yes"}).status_code == 201
    )


def test_a_draft_ballot_is_deleted_with_its_options_and_proxies(
    sec_api: Api,
    api_as: Any,
    voting_charter: Any,
    amend: Any,
    session: Session,
    app: Any,
) -> None:
    from charter_engine.amendments.models import Amendment
    from charter_engine.audit.models import AuditEvent
    from charter_engine.voting.models import BallotOption, Proxy
    from tests.conftest import chain_audit_events

    principal, agent = api_as("member"), api_as("member")
    amendment = amend("simple majority", "two-thirds majority")
    ballot = _create(
        sec_api, voting_charter.slug, {"kind": "amendment", "amendments": [amendment.id]}
    )
    for_this = principal.post(
        "proxies", json={"agent_id": agent.user.id, "ballot_id": ballot["id"]}
    )
    standing = agent.post("proxies", json={"agent_id": principal.user.id})
    assert for_this.status_code == standing.status_code == 201

    assert_error(sec_api.delete(f"ballots/{ballot['id']}", json={"version": 99}), 409, "stale")
    assert_error(sec_api.delete(f"ballots/{ballot['id']}", json={"version": "1"}), 422)
    assert_error(sec_api.delete(f"ballots/{ballot['id']}", json={"why": "typo"}), 422)
    assert_error(principal.delete(f"ballots/{ballot['id']}"), 403)
    deleted = sec_api.delete(f"ballots/{ballot['id']}", json={"version": ballot["version"]})
    assert deleted.status_code == 204 and deleted.get_data() == b""

    assert_error(sec_api.get(f"ballots/{ballot['id']}"), 404)
    assert_error(sec_api.delete(f"ballots/{ballot['id']}"), 404)
    session.expire_all()
    assert session.get(Ballot, ballot["id"]) is None
    assert session.query(BallotOption).filter_by(ballot_id=ballot["id"]).count() == 0
    proxies = session.query(Proxy).all()
    assert [p.id for p in proxies] == [standing.get_json()["id"]]  # the standing one stays
    state = session.get(Amendment, amendment.id)
    assert state is not None and state.state == amendment.state  # free for another ballot
    chain_audit_events(app)
    event = session.query(AuditEvent).filter_by(action="ballot.deleted").one()
    assert event.actor_id == sec_api.user.id and event.object_id == str(ballot["id"])
    payload = json.loads(event.payload)
    assert payload["amendments"] == [amendment.id]
    assert [p["id"] for p in payload["proxies"]] == [for_this.get_json()["id"]]


def test_an_opened_ballot_cannot_be_deleted(
    sec_api: Api, api_as: Any, voting_charter: Any, voting_state: Any
) -> None:
    api_as("member")  # someone on the roll, so that the ballot can open
    ballot = _create(sec_api, voting_charter.slug, {"kind": "adoption"})
    _open(sec_api, ballot["id"])
    before = voting_state()
    error = assert_error(sec_api.delete(f"ballots/{ballot['id']}"), 409)
    assert "draft" in error["message"]
    assert voting_state() == before
