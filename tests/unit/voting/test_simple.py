"""count_simple: every threshold at and around its boundary, abstentions, quorum, zero votes."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter_engine.voting.tally import THRESHOLDS, count_simple


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "passed"),
    [
        ("simple", 11, 10, True),
        ("simple", 10, 10, False),
        ("simple", 10, 11, False),
        ("simple", 1, 0, True),
        ("two_thirds", 14, 7, True),  # exactly 2/3
        ("two_thirds", 13, 7, False),  # 65%
        ("two_thirds", 14, 6, True),
        ("two_thirds", 2, 1, True),
        ("two_thirds", 199, 100, False),  # 66.56%
        ("three_quarters", 15, 5, True),  # exactly 3/4
        ("three_quarters", 14, 5, False),  # 73.7%
        ("three_quarters", 3, 1, True),
        ("three_quarters", 299, 100, False),
        ("consensus", 5, 0, True),
        ("consensus", 50, 1, False),
        ("consensus", 0, 0, False),
    ],
)
def test_threshold_boundaries(threshold: str, yes: int, no: int, passed: bool) -> None:
    result = count_simple(yes, no, 0, threshold=threshold)
    assert result.passed is passed, result.reason
    assert result.reason.startswith("Adopted" if passed else "Not adopted")


def test_exact_arithmetic_at_the_boundary() -> None:
    # Compared as fractions: exactly two thirds passes, a hair less does not.
    assert count_simple(2.0, 1.0, 0, threshold="two_thirds").passed
    assert not count_simple(1.999999, 1.0, 0, threshold="two_thirds").passed
    assert count_simple(Fraction(2, 3), Fraction(1, 3), 0, threshold="two_thirds").passed
    assert count_simple(0.75, 0.25, 0, threshold="three_quarters").passed
    assert not count_simple(Fraction(1, 2), Fraction(1, 2), 0).passed
    assert count_simple(Fraction(1, 2), Fraction(1, 3), 0).passed


def test_abstentions_counted_or_not() -> None:
    ignored = count_simple(11, 9, 2)
    assert ignored.passed
    assert ignored.base == 20
    counted = count_simple(11, 9, 2, abstentions_count=True)
    assert not counted.passed
    assert counted.base == 22
    assert counted.required == 12
    assert counted.reason == (
        "Not adopted: 11 yes of 22 counted votes (50%) are not more than half (12 yes needed)."
    )
    two_thirds = count_simple(14, 1, 6, threshold="two_thirds", abstentions_count=True)
    assert two_thirds.passed
    assert two_thirds.share_yes == pytest.approx(14 / 21)


def test_reason_sentences() -> None:
    assert count_simple(14, 6, 0, threshold="two_thirds").reason == (
        "Adopted: 14 yes of 20 counted votes (70%) reach the two-thirds threshold."
    )
    assert count_simple(3, 3, 1, quorum=10).reason == (
        "Not adopted: quorum of 10 votes not reached (7 voted)."
    )
    assert count_simple(13, 7, 0, threshold="two_thirds").reason == (
        "Not adopted: 13 yes of 20 counted votes (65%) fall short of the two-thirds threshold "
        "(14 yes needed)."
    )
    assert count_simple(2, 1, 0, threshold="two_thirds").reason == (
        "Adopted: 2 yes of 3 counted votes (66.7%) reach the two-thirds threshold."
    )


def test_required_yes_votes() -> None:
    assert count_simple(0, 20, 0).required == 11
    assert count_simple(0, 21, 0).required == 11
    assert count_simple(7, 14, 0, threshold="two_thirds").required == 14
    assert count_simple(7, 13, 0, threshold="two_thirds").required == 14
    assert count_simple(7, 13, 0, threshold="three_quarters").required == 15
    assert count_simple(Fraction(1, 2), 1, 0).required == "more than 0.75"
    assert "no votes against" in str(count_simple(1, 0, 0, threshold="consensus").required)


def test_quorum_counts_every_vote_cast() -> None:
    assert count_simple(3, 3, 4, quorum=10).quorum_met
    assert count_simple(4, 3, 3, quorum=10).passed
    short = count_simple(9, 0, 0, quorum=10)
    assert not short.passed
    assert not short.quorum_met
    assert count_simple(9, 0, 0, quorum=9.5).reason == (
        "Not adopted: quorum of 9.5 votes not reached (9 voted)."
    )
    assert count_simple(1, 0, 0, quorum=1).reason.startswith("Adopted")
    assert count_simple(1, 0, 0, quorum=1).reason == (
        "Adopted: 1 yes of 1 counted vote (100%) are more than half."
    )


def test_zero_participation_never_passes() -> None:
    for threshold in THRESHOLDS:
        for quorum in (None, 0):
            result = count_simple(0, 0, 0, threshold=threshold, quorum=quorum)
            assert not result.passed
            assert result.reason == "Not adopted: no votes were cast."
            assert result.share_yes is None
            assert result.quorum_met


def test_only_abstentions_never_pass() -> None:
    for threshold in THRESHOLDS:
        for counted in (False, True):
            result = count_simple(0, 0, 5, threshold=threshold, abstentions_count=counted)
            assert not result.passed, (threshold, counted)
    assert count_simple(0, 0, 5, threshold="two_thirds").reason == (
        "Not adopted: no yes or no votes were cast (5 abstentions)."
    )


def test_consensus_ignores_abstentions() -> None:
    result = count_simple(3, 0, 5, threshold="consensus", abstentions_count=True)
    assert result.passed
    assert result.reason == "Adopted by consensus: 3 yes, no votes against (5 abstentions)."
    blocked = count_simple(30, 1, 0, threshold="consensus")
    assert blocked.reason == "Not adopted: consensus blocked by 1 vote against."
    assert count_simple(0, 0, 2, threshold="consensus").reason == (
        "Not adopted: consensus needs at least one yes vote (2 abstentions)."
    )


def test_result_fields() -> None:
    result = count_simple(Fraction(3, 2), 1, Fraction(1, 2), abstentions_count=True, quorum=2)
    assert result.yes == Fraction(3, 2)
    assert result.base == 3
    assert result.participation == 3
    assert result.share_yes == 0.5
    assert not result.passed
    floats = count_simple(1.5, 1, 0)
    assert isinstance(floats.base, float)
    assert floats.base == 2.5
    assert type(count_simple(1, 1, 1).base) is int


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((-1, 0, 0), {}, "must not be negative"),
        ((1, math.nan, 0), {}, "finite"),
        ((1, 0, math.inf), {}, "finite"),
        ((True, 0, 0), {}, "must be a number"),
        (("3", 0, 0), {}, "must be a number"),
        ((1, 0, 0), {"threshold": "half"}, "threshold must be one of"),
        ((1, 0, 0), {"quorum": -1}, "must not be negative"),
        ((1, 0, 0), {"abstentions_count": "yes"}, "True or False"),
    ],
)
def test_bad_input_is_rejected(args: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        count_simple(*args, **kwargs)


SHARES = {"simple": Fraction(1, 2), "two_thirds": Fraction(2, 3), "three_quarters": Fraction(3, 4)}


@given(
    st.integers(0, 60),
    st.integers(0, 60),
    st.integers(0, 60),
    st.sampled_from(THRESHOLDS),
    st.booleans(),
    st.none() | st.integers(0, 100),
)
def test_matches_the_rule_written_out(
    yes: int, no: int, abstain: int, threshold: str, counted: bool, quorum: int | None
) -> None:
    result = count_simple(
        yes, no, abstain, threshold=threshold, abstentions_count=counted, quorum=quorum
    )
    base = yes + no + (abstain if counted else 0)
    cast = yes + no + abstain
    if threshold == "consensus":
        rule = no == 0 and yes > 0
    elif threshold == "simple":
        rule = 2 * yes > base
    else:
        rule = yes > 0 and yes * SHARES[threshold].denominator >= SHARES[threshold].numerator * base
    expected = rule and cast > 0 and (quorum is None or cast >= quorum)
    assert result.passed is expected
    if threshold != "consensus" and quorum is None and base > 0:
        # The yes count reported as needed is exactly the smallest passing one.
        required = result.required
        assert isinstance(required, int)
        assert (yes >= required) is expected
