"""Roll rules through the API: the default (members only), members and the secretariat, a chosen
list; shown in the ballot's rules, refused when wrong (422, nothing changed), frozen at opening.
And a ranked ballot of a single amendment, refused."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, assert_error


def test_roll_rules_through_the_api(
    sec_api: Api, api_as: Any, voting_charter: Any, voting_state: Any
) -> None:
    slug = voting_charter.slug
    alice, bob = api_as("member"), api_as("member")
    observer = api_as("observer")

    default = sec_api.post(f"charters/{slug}/ballots", json={"kind": "adoption"}).get_json()
    assert default["rules"]["roll"] == "members" and default["rules"]["roll_members"] == []
    opened = sec_api.post(f"ballots/{default['id']}/open").get_json()
    assert opened["roll_count"] == 2  # Alice and Bob; not the secretariat
    mine = sec_api.get(f"ballots/{default['id']}/votes/mine").get_json()
    assert mine["on_roll"] is False
    assert_error(sec_api.post(f"ballots/{default['id']}/votes", json={"choice": "yes"}), 403)
    assert alice.post(f"ballots/{default['id']}/votes", json={"choice": "no"}).status_code == 201
    assert sec_api.post(f"ballots/{default['id']}/close").status_code == 200

    before = voting_state()
    for body in (
        {"kind": "adoption", "roll": "everyone"},
        {"kind": "adoption", "roll": "chosen"},
        {"kind": "adoption", "roll": "chosen", "roll_members": []},
        {"kind": "adoption", "roll": "chosen", "roll_members": [alice.user.id, alice.user.id]},
        {"kind": "adoption", "roll": "chosen", "roll_members": [observer.user.id]},
        {"kind": "adoption", "roll": "chosen", "roll_members": [424242]},
        {"kind": "adoption", "roll": "members", "roll_members": [alice.user.id]},
        {"kind": "adoption", "roll_members": "everyone"},
    ):
        error = assert_error(sec_api.post(f"charters/{slug}/ballots", json=body), 422)
        assert error["field"] in ("roll", "roll_members"), body
    assert voting_state() == before

    chosen = sec_api.post(
        f"charters/{slug}/ballots",
        json={"kind": "adoption", "roll": "chosen", "roll_members": [bob.user.id]},
    ).get_json()
    assert chosen["rules"]["roll"] == "chosen"
    assert chosen["rules"]["roll_members"] == [bob.user.id]
    patched = sec_api.patch(
        f"ballots/{chosen['id']}",
        json={"roll_members": [alice.user.id, sec_api.user.id], "version": chosen["version"]},
    ).get_json()
    assert patched["rules"]["roll_members"] == sorted([alice.user.id, sec_api.user.id])
    opened = sec_api.post(f"ballots/{chosen['id']}/open").get_json()
    assert opened["roll_count"] == 2
    assert sec_api.get(f"ballots/{chosen['id']}/votes/mine").get_json()["on_roll"] is True
    assert bob.get(f"ballots/{chosen['id']}/votes/mine").get_json()["on_roll"] is False
    frozen = sec_api.patch(
        f"ballots/{chosen['id']}", json={"roll": "members", "version": opened["version"]}
    )
    assert_error(frozen, 409)


def test_a_ranked_ballot_of_one_amendment_is_refused(
    sec_api: Api, voting_charter: Any, amend: Any, voting_state: Any
) -> None:
    amendment = amend("simple majority", "two-thirds majority")
    before = voting_state()
    error = assert_error(
        sec_api.post(
            f"charters/{voting_charter.slug}/ballots",
            json={"kind": "ranked", "amendments": [amendment.id]},
        ),
        422,
    )
    assert "two or more competing amendments" in error["message"]
    assert error["field"] == "amendments"
    assert voting_state() == before
