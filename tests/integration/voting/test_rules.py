"""The pure ballot rules (no database): parsing rules, weights by organisation, quorum as a number
of votes, frozen rules, the schedule, well-formed votes and the count built on the tally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter_engine.errors import InvalidTransition, ValidationError
from charter_engine.voting.results import CastVote, count_to_json, count_votes
from charter_engine.voting.rules import (
    Eligible,
    Rules,
    due_action,
    ensure_rules_editable,
    is_accepting,
    json_number,
    parse_fraction,
    parse_majorities,
    parse_quorum,
    parse_ranking,
    parse_rules,
    quorum_votes,
    roll_weights,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_member_weighting_gives_every_eligible_voter_one_vote() -> None:
    people = [
        Eligible(1, "member", True, "A"),
        Eligible(2, "secretariat", True, None),
        Eligible(3, "observer", True, "A"),
        Eligible(4, "member", False, "A"),
    ]
    assert roll_weights(people, "member") == {1: 1}
    assert roll_weights(people, "member", "members_and_secretariat") == {1: 1, 2: 1}


def test_the_roll_rule_decides_who_is_on_the_roll() -> None:
    people = [
        Eligible(1, "member", True, "A"),
        Eligible(2, "secretariat", True, None),
        Eligible(3, "observer", True, "A"),
        Eligible(4, "member", False, "A"),
        Eligible(5, "member", True, "B"),
    ]
    assert set(roll_weights(people, "member", "members")) == {1, 5}
    assert set(roll_weights(people, "member", "members_and_secretariat")) == {1, 2, 5}
    # A chosen list holds only those who may vote at all: never an observer or a deactivated one.
    assert set(roll_weights(people, "member", "chosen", [2, 3, 4, 5])) == {2, 5}
    assert roll_weights(people, "member", "chosen", []) == {}
    # Organisation weights are split among those on the roll only.
    assert roll_weights(people, "organisation", "chosen", [1, 5]) == {1: 1, 5: 1}


def test_roll_rules_are_parsed_and_checked() -> None:
    assert parse_rules({}).roll == "members"
    chosen = parse_rules({"roll": "chosen", "roll_members": [9, 3]})
    assert chosen.roll == "chosen" and chosen.roll_members == (3, 9)
    # Leaving a chosen roll drops its list.
    assert parse_rules({"roll": "members"}, chosen).roll_members == ()
    for bad, field in [
        ({"roll": "everyone"}, "roll"),
        ({"roll": "chosen"}, "roll_members"),
        ({"roll": "chosen", "roll_members": []}, "roll_members"),
        ({"roll": "chosen", "roll_members": [1, 1]}, "roll_members"),
        ({"roll": "chosen", "roll_members": ["1"]}, "roll_members"),
        ({"roll": "chosen", "roll_members": 1}, "roll_members"),
        ({"roll_members": [1]}, "roll_members"),
        ({"roll": "members", "roll_members": [1]}, "roll_members"),
    ]:
        with pytest.raises(ValidationError) as caught:
            parse_rules(bad)
        assert caught.value.field == field, bad


def test_organisation_weighting_splits_one_vote_per_organisation() -> None:
    people = [
        Eligible(1, "member", True, "ACME"),
        Eligible(2, "member", True, " acme "),  # same organisation, however typed
        Eligible(3, "member", True, "Acme  Inc"),
        Eligible(4, "member", True, None),
        Eligible(5, "member", True, ""),
        Eligible(6, "observer", True, "ACME"),  # not eligible: does not dilute ACME
        Eligible(7, "member", False, "ACME"),
    ]
    weights = roll_weights(people, "organisation")
    assert weights == {1: Fraction(1, 2), 2: Fraction(1, 2), 3: 1, 4: 1, 5: 1}


@given(st.lists(st.sampled_from(["A", "B", "C", None]), min_size=1, max_size=60))
def test_each_organisation_weighs_exactly_one(orgs: list[str | None]) -> None:
    people = [Eligible(i, "member", True, org) for i, org in enumerate(orgs)]
    weights = roll_weights(people, "organisation")
    distinct = {o for o in orgs if o} | {i for i, o in enumerate(orgs) if not o}
    assert sum(weights.values()) == len(distinct)
    for org in {o for o in orgs if o}:
        assert sum(w for i, w in weights.items() if orgs[i] == org) == 1


def test_quorum_as_share_or_votes() -> None:
    assert parse_quorum(None) == (None, None)
    assert parse_quorum({"share": "1/3"}) == ("share", Fraction(1, 3))
    assert parse_quorum({"share": "25%"}) == ("share", Fraction(1, 4))
    assert parse_quorum({"share": 0.5}) == ("share", Fraction(1, 2))
    assert parse_quorum({"votes": 10}) == ("votes", Fraction(10))
    assert quorum_votes("share", Fraction(1, 3), Fraction(10)) == Fraction(10, 3)
    assert quorum_votes("share", Fraction(1, 2), Fraction(7, 3)) == Fraction(7, 6)
    assert quorum_votes("votes", Fraction(4), Fraction(100)) == 4
    assert quorum_votes(None, None, Fraction(5)) is None
    for bad in (
        {"share": 2},
        {"share": "0"},
        {"votes": 0},
        {"votes": 1.5},
        {"both": 1},
        3,
        "1/2",
        {"share": True},
        {"share": "x"},
        {"share": 1, "votes": 1},
    ):
        with pytest.raises(ValidationError):
            parse_quorum(bad)


def test_fractions_and_ratios() -> None:
    assert parse_fraction("3:1", "majority") == 3
    assert parse_fraction("3:2", "majority") == Fraction(3, 2)
    assert parse_fraction(2, "majority") == 2
    for bad in ("", "abc", "1/0", -1, 0, True, None, [1], "1e400", "nan"):
        with pytest.raises(ValidationError):
            parse_fraction(bad, "majority")
    assert parse_majorities({"majority": "3:1"}, [7, 8]) == {7: 3, 8: 3}
    assert parse_majorities({"majorities": {"8": "2:1"}}, [7, 8]) == {7: 1, 8: 2}
    for data in ({"majority": "1:2"}, {"majorities": {"9": 2}}, {"majorities": [2]}):
        with pytest.raises(ValidationError):
            parse_majorities(data, [7, 8])


def test_parse_rules_defaults_and_errors() -> None:
    rules = parse_rules({})
    assert rules == Rules()
    assert rules.threshold == "simple" and rules.allow_change and rules.secrecy == "named"
    changed = parse_rules({"threshold": "two_thirds", "abstentions_count": True}, rules)
    assert changed.threshold == "two_thirds" and changed.abstentions_count
    for data in (
        {"threshold": "most"},
        {"abstentions_count": "yes"},
        {"allow_change": 1},
        {"secrecy": "anonymous"},
        {"weighting": "country"},
        {"unranked": "above"},
        {"secrecy": "secret", "weighting": "organisation"},
        {"opens_at": "2026-12-02T00:00:00Z", "closes_at": "2026-12-01T00:00:00Z"},
        {"opens_at": 5},
    ):
        with pytest.raises(ValidationError):
            parse_rules(data)


def test_rules_are_frozen_once_open() -> None:
    ensure_rules_editable("draft")
    for state in ("open", "closed"):
        with pytest.raises(InvalidTransition, match="frozen"):
            ensure_rules_editable(state)


def test_schedule() -> None:
    hour = timedelta(hours=1)
    assert due_action("draft", T0, None, T0 - hour) is None
    assert due_action("draft", T0, None, T0) == "open"
    assert due_action("draft", None, T0, T0 + hour) is None  # no opening time: opened by hand
    assert due_action("open", None, T0, T0 - hour) is None
    assert due_action("open", None, T0, T0) == "close"
    assert due_action("closed", T0, T0 + hour, T0 + 2 * hour) is None
    assert is_accepting("open", T0, T0 - hour)
    assert not is_accepting("open", T0, T0)
    assert not is_accepting("draft", None, T0)
    assert is_accepting("open", None, T0)


def test_rankings() -> None:
    keys = ["A1", "A2", "keep"]
    assert parse_ranking({"keep": 2, "A1": 1}, keys) == {"A1": 1, "keep": 2}
    for bad in ({}, [], {"A3": 1}, {"A1": 0}, {"A1": 4}, {"A1": True}, {"A1": "1"}, None):
        with pytest.raises(ValidationError):
            parse_ranking(bad, keys)


def test_count_simple_with_weights_and_quorum() -> None:
    votes = [
        CastVote(Fraction(1, 3), "yes"),
        CastVote(Fraction(1, 3), "yes"),
        CastVote(Fraction(1, 3), "no"),
        CastVote(Fraction(1), "no"),
    ]
    count = count_votes(
        "adoption",
        votes,
        threshold="simple",
        abstentions_count=False,
        quorum=None,
        roll_count=5,
        roll_weight=Fraction(3),
    )
    assert count.outcome == "rejected" and count.simple is not None
    assert count.simple.yes == Fraction(2, 3)
    body = count_to_json(count)
    assert body["simple"]["no"] == "4/3" and body["roll_weight"] == 3
    no_quorum = count_votes(
        "adoption",
        [CastVote(Fraction(1), "yes")],
        threshold="simple",
        abstentions_count=False,
        quorum=Fraction(3, 2),
        roll_count=3,
        roll_weight=Fraction(3),
    )
    assert no_quorum.outcome == "rejected" and "quorum" in no_quorum.reason


def test_count_ranked_outcomes() -> None:
    keys = ["A1", "A2", "keep"]

    def run(rankings: list[dict[str, int]], **kw: object) -> str:
        return count_votes(
            "ranked",
            [CastVote(Fraction(1), ranking=r) for r in rankings],
            threshold="simple",
            abstentions_count=False,
            quorum=None,
            roll_count=len(rankings),
            roll_weight=Fraction(len(rankings)),
            option_keys=keys,
            **kw,  # type: ignore[arg-type]
        ).outcome

    assert run([{"A1": 1}, {"A1": 1, "A2": 2}]) == "adopted"
    assert run([{"keep": 1}, {"keep": 1, "A1": 2}]) == "kept"
    assert run([{"A1": 1, "A2": 2}, {"A2": 1, "A1": 2}]) == "tie"
    assert run([]) == "kept"
    assert run([{"A1": 1}, {"A1": 1}, {"keep": 1}], majorities={"A1": Fraction(3)}) == "kept"


def test_json_numbers() -> None:
    assert json_number(Fraction(6, 3)) == 2
    assert json_number(Fraction(2, 3)) == "2/3"
    assert json_number(None) is None
    assert json_number(3) == 3
