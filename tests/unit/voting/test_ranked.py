"""count_ranked on hand-made cases: input checks, ties, Debian's majority and quorum edges."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest

from charter_engine.voting.tally import UNRANKED_MODES, RankedResult, count_ranked


def ballots_from(orders: dict[str, int]) -> list[dict[str, int]]:
    """Expand {"ACB": 5} (5 voters ranking A > C > B) into ballots."""
    result = []
    for order, count in orders.items():
        result += [{option: rank for rank, option in enumerate(order, start=1)}] * count
    return result


def test_wikipedia_schulze_example() -> None:
    # The 45-voter example from the Schulze method article: E wins, E > A > C > B > D.
    ballots = ballots_from(
        {"ACBED": 5, "ADECB": 5, "BEDAC": 8, "CABED": 3, "CAEBD": 7, "CBADE": 2, "DCEBA": 7,
         "EBADC": 8}
    )  # fmt: skip
    result = count_ranked(list("ABCDE"), ballots)
    assert result.winner == "E"
    assert result.ranking == [("E",), ("A",), ("C",), ("B",), ("D",)]
    assert result.pairwise["A", "B"] == 20
    assert result.pairwise["B", "A"] == 25
    assert result.strongest_paths["E", "D"] == (31, 14)
    assert result.strongest_paths["A", "C"] == (28, 17)  # via D; its weakest link is D > C
    assert result.ballot_count == result.total_weight == 45
    assert not result.tied


def test_unresolved_tie_has_no_winner() -> None:
    result = count_ranked(["A", "B", "C"], [{"A": 1, "B": 2}, {"B": 1, "A": 2}])
    assert result.winner is None
    assert result.tied
    assert result.potential_winners == ("A", "B")
    assert result.ranking == [("A", "B"), ("C",)]


def test_cycle_of_equal_strength_is_a_three_way_tie() -> None:
    result = count_ranked(list("ABC"), ballots_from({"ABC": 1, "BCA": 1, "CAB": 1}))
    assert result.winner is None
    assert result.ranking == [("A", "B", "C")]


def test_losing_votes_break_equal_winning_votes() -> None:
    # A cycle A>B (6:3), B>C (6:2), C>A (6:4) with equal winning votes: the weakest defeat is C>A
    # (most opposing votes), so A wins, as Debian A.6.7.1 orders defeats.
    votes = {("A", "B"): (6, 3), ("B", "C"): (6, 2), ("C", "A"): (6, 4)}
    ballots: list[dict[str, int]] = []
    for (x, y), (pro, contra) in votes.items():
        ballots += [{x: 1, y: 2}] * pro + [{y: 1, x: 2}] * contra
    result = count_ranked(list("ABC"), ballots, unranked="ignore")
    assert result.pairwise["C", "A"] == 6 and result.pairwise["A", "C"] == 4
    assert result.winner == "A"
    assert result.ranking == [("A",), ("B",), ("C",)]


def test_unranked_modes() -> None:
    ballots = [{"A": 1}, {"B": 1, "C": 2}]
    below = count_ranked(["A", "B", "C"], ballots)
    assert below.pairwise["A", "B"] == 1
    assert below.pairwise["B", "A"] == 1
    assert below.pairwise["C", "A"] == 1
    ignore = count_ranked(["A", "B", "C"], ballots, unranked="ignore")
    assert ignore.pairwise["A", "B"] == ignore.pairwise["B", "A"] == 0
    assert ignore.pairwise["C", "A"] == 0
    assert ignore.pairwise["B", "C"] == 1
    assert UNRANKED_MODES == ("below", "ignore")


def test_rank_numbers_only_order_options() -> None:
    dense = count_ranked(["A", "B", "C"], [{"A": 1, "B": 2, "C": 2}])
    sparse = count_ranked(["A", "B", "C"], [{"A": 3, "B": 70, "C": 70}])
    assert dense == sparse


def test_weights_count_ballots_several_times() -> None:
    weighted = count_ranked(["A", "B"], [{"A": 1}, {"B": 1}], weights=[3, 2])
    repeated = count_ranked(["A", "B"], [{"A": 1}] * 3 + [{"B": 1}] * 2)
    assert weighted.pairwise == repeated.pairwise
    assert weighted.winner == repeated.winner == "A"
    assert weighted.ballot_count == 2
    assert weighted.total_weight == 5


def test_number_types_follow_the_weights() -> None:
    ints = count_ranked(["A", "B"], [{"A": 1}])
    assert type(ints.pairwise["A", "B"]) is int
    fractions = count_ranked(["A", "B"], [{"A": 1}, {"A": 1}], weights=[Fraction(1, 3)] * 2)
    assert fractions.pairwise["A", "B"] == Fraction(2, 3)
    assert isinstance(fractions.pairwise["A", "B"], Fraction)
    floats = count_ranked(["A", "B"], [{"A": 1}] * 3, weights=[0.1, 0.1, 0.1])
    # Summed exactly, then rounded once: not the 0.30000000000000004 of float addition.
    assert floats.pairwise["A", "B"] == float(3 * Fraction(0.1))
    assert isinstance(floats.pairwise["A", "B"], float)


def test_zero_weight_ballot_counts_for_nothing() -> None:
    result = count_ranked(["A", "B"], [{"A": 1}, {"B": 1}], weights=[0, 1])
    assert result.pairwise["A", "B"] == 0
    assert result.winner == "B"


# ----------------------------------------------------------------------------------------------
# Default option, majority and quorum (Debian constitution A.6)


def _against_default(pro: int, contra: int, **kwargs: Any) -> RankedResult:
    ballots = [{"A": 1, "FD": 2}] * pro + [{"FD": 1, "A": 2}] * contra
    return count_ranked(["A", "FD"], ballots, default="FD", **kwargs)


def test_exact_supermajority_passes() -> None:
    assert _against_default(9, 3, majority={"A": 3}).winner == "A"
    result = _against_default(8, 3, majority={"A": 3})
    assert result.winner == "FD"
    assert result.dropped == {"A": "fails 3:1 majority against 'FD' (V=8:3)"}
    assert result.ranking == [("FD",), ("A",)]


def test_fractional_and_float_ratios() -> None:
    assert _against_default(3, 2, majority={"A": Fraction(3, 2)}).winner == "A"
    assert _against_default(14, 10, majority={"A": 1.5}).winner == "FD"
    assert "fails 1.5:1 majority" in _against_default(14, 10, majority={"A": 1.5}).dropped["A"]


def test_option_must_strictly_beat_the_default() -> None:
    tie = _against_default(4, 4)
    assert tie.dropped == {"A": "does not defeat 'FD' (V=4:4)"}
    assert tie.winner == "FD"
    # 0 >= 3 * 0 holds, but nobody preferred A, so A.6's strict condition drops it.
    assert "A" in _against_default(0, 0, majority={"A": 3}).dropped
    assert _against_default(1, 0, majority={"A": 3}).winner == "A"


def test_quorum_counts_votes_above_the_default() -> None:
    assert _against_default(10, 2, quorum=10).winner == "A"
    result = _against_default(9, 2, quorum=Fraction(19, 2))
    assert result.dropped == {"A": "below quorum of 9.5 votes ranking it above 'FD' (V=9)"}
    both = _against_default(9, 4, quorum=10, majority={"A": 3})
    assert both.dropped["A"].startswith("below quorum of 10 votes")
    assert "fails 3:1 majority against 'FD' (V=9:4)" in both.dropped["A"]


def test_dropped_options_are_ranked_last_among_themselves() -> None:
    ballots = ballots_from({"CBFA": 4, "BCFA": 3, "FABC": 5})
    result = count_ranked(list("ABCF"), ballots, default="F", majority={"B": 3, "C": 3})
    assert set(result.dropped) == {"A", "B", "C"}
    # Among the dropped ones B beats C (8:4) and both beat A (7:5).
    assert result.ranking == [("F",), ("B",), ("C",), ("A",)]
    assert result.winner == "F"
    assert set(result.strongest_paths) == set()


def test_default_wins_when_nothing_is_cast() -> None:
    result = count_ranked(["A", "B", "FD"], [], default="FD")
    assert result.winner == "FD"
    assert result.ranking == [("FD",), ("A", "B")]


def test_no_ballots_without_default_is_a_tie() -> None:
    result = count_ranked(["A", "B"], [])
    assert result.winner is None
    assert result.ranking == [("A", "B")]
    assert count_ranked(["only"], []).winner == "only"


# ----------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("options", "ballots", "kwargs", "message"),
    [
        (["A", "B"], [{"C": 1}], {}, "unknown option 'C'"),
        (["A", "B"], [{"A": 0}], {}, "best rank is 1"),
        (["A", "B"], [{"A": -2}], {}, "best rank is 1"),
        (["A", "B"], [{"A": 1.0}], {}, "whole numbers"),
        (["A", "B"], [{"A": "1"}], {}, "whole numbers"),
        (["A", "B"], [{"A": True}], {}, "whole numbers"),
        (["A", "B"], [{"A": None}], {}, "whole numbers"),
        (["A", "B"], [["A", "B"]], {}, "mapping"),
        (["A", "B"], [{"A": 1}], {"default": "FD"}, "not one of the options"),
        (["A", "B"], [{"A": 1}], {"unranked": "last"}, "unranked must be one of"),
        (["A", "B"], [{"A": 1}], {"weights": [-1]}, "must not be negative"),
        (["A", "B"], [{"A": 1}], {"weights": [math.nan]}, "finite"),
        (["A", "B"], [{"A": 1}], {"weights": ["2"]}, "must be a number"),
        (["A", "B"], [{"A": 1}], {"weights": [1, 1]}, "one weight per ballot"),
        (["A", "B"], [{"A": 1}], {"majority": {"A": 3}}, "needs a default"),
        (["A", "B"], [{"A": 1}], {"quorum": 3}, "needs a default"),
        (["A", "B"], [], {"default": "B", "majority": {"C": 3}}, "unknown option 'C'"),
        (["A", "B"], [], {"default": "B", "majority": {"B": 3}}, "cannot need a majority"),
        (["A", "B"], [], {"default": "B", "majority": {"A": 0}}, "must be positive"),
        (["A", "B"], [], {"default": "B", "quorum": -1}, "must not be negative"),
        (["A", "A"], [], {}, "listed twice"),
        ([], [], {}, "at least one option"),
        ("AB", [], {}, "not a single string"),
    ],
)
def test_bad_input_is_rejected(
    options: Any, ballots: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        count_ranked(options, ballots, **kwargs)


def test_result_is_frozen() -> None:
    result = count_ranked(["A"], [])
    with pytest.raises(AttributeError):
        result.winner = "B"  # type: ignore[misc]
