"""count_ranked agrees with a second, deliberately naive implementation on generated elections.

The reference below is written from the rules, not from the module: pairwise counts come from a
loop over every ordered pair of every ballot, strongest paths from enumerating every simple path,
and tiers from the length of the longest chain of options ranked above each option.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise, permutations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter_engine.voting import tally
from charter_engine.voting.tally import count_ranked

Strength = tuple[Fraction, Fraction]


@dataclass
class Election:
    options: list[str]
    ballots: list[dict[str, int]]
    weights: list[int | Fraction] | None
    unranked: str
    default: str | None
    majority: dict[str, int | Fraction] | None
    quorum: int | Fraction | None

    def count(self) -> tally.RankedResult:
        return count_ranked(
            self.options,
            self.ballots,
            default=self.default,
            majority=self.majority,
            quorum=self.quorum,
            unranked=self.unranked,
            weights=self.weights,
        )


@dataclass
class Expected:
    pairwise: dict[tuple[str, str], Fraction]
    dropped: dict[str, set[str]]
    paths: dict[tuple[str, str], Strength | None]
    ranking: list[tuple[str, ...]]
    winner: str | None


def reference_pairwise(e: Election) -> dict[tuple[str, str], Fraction]:
    weights = e.weights if e.weights is not None else [1] * len(e.ballots)
    votes = {pair: Fraction(0) for pair in permutations(e.options, 2)}
    for ballot, weight in zip(e.ballots, weights, strict=True):
        for a, b in permutations(e.options, 2):
            rank_a, rank_b = ballot.get(a), ballot.get(b)
            if rank_a is None:
                continue
            if rank_b is None:
                if e.unranked == "below":
                    votes[a, b] += weight
            elif rank_a < rank_b:
                votes[a, b] += weight
    return votes


def reference_dropped(
    e: Election, votes: Mapping[tuple[str, str], Fraction]
) -> dict[str, set[str]]:
    """Which options Debian A.6 drops, and for which rules ("quorum", "majority")."""
    dropped: dict[str, set[str]] = {}
    if e.default is None:
        return dropped
    for option in e.options:
        if option == e.default:
            continue
        pro, contra = votes[option, e.default], votes[e.default, option]
        rules = set()
        if e.quorum is not None and pro < e.quorum:
            rules.add("quorum")
        ratio = (e.majority or {}).get(option, 1)
        if pro < ratio * contra or pro <= contra:
            rules.add("majority")
        if rules:
            dropped[option] = rules
    return dropped


def brute_force_paths(
    members: Sequence[str], votes: Mapping[tuple[str, str], Fraction]
) -> dict[tuple[str, str], Strength | None]:
    """The strongest path between every two members, by trying every simple path."""

    def link(x: str, y: str) -> Strength | None:
        if votes[x, y] > votes[y, x]:
            return (votes[x, y], -votes[y, x])
        return None

    best: dict[tuple[str, str], Strength | None] = {}
    for a, b in permutations(members, 2):
        others = [m for m in members if m not in (a, b)]
        strongest: Strength | None = None
        for length in range(len(others) + 1):
            for middle in permutations(others, length):
                hops = [a, *middle, b]
                links = [link(x, y) for x, y in pairwise(hops)]
                if any(strength is None for strength in links):
                    continue
                weakest = min(s for s in links if s is not None)
                if strongest is None or weakest > strongest:
                    strongest = weakest
        best[a, b] = strongest
    return best


def _stronger(p: Strength | None, q: Strength | None) -> bool:
    return p is not None and (q is None or p > q)


def chain_tiers(
    members: Sequence[str], paths: Mapping[tuple[str, str], Strength | None]
) -> list[tuple[str, ...]]:
    """Tier of x = 1 + the longest chain of members each ranked above the next, ending above x."""
    depth: dict[str, int] = {}

    def tier_of(x: str, seen: frozenset[str]) -> int:
        if x not in depth:
            above = [y for y in members if y != x and _stronger(paths[y, x], paths[x, y])]
            assert not seen & set(above), "the ranked-above relation has a cycle"
            depth[x] = 1 + max((tier_of(y, seen | {x}) for y in above), default=0)
        return depth[x]

    for member in members:
        tier_of(member, frozenset())
    count = max(depth.values(), default=0)
    return [tuple(m for m in members if depth[m] == level) for level in range(1, count + 1)]


def reference_count(e: Election) -> Expected:
    votes = reference_pairwise(e)
    dropped = reference_dropped(e, votes)
    kept = [o for o in e.options if o not in dropped]
    lost = [o for o in e.options if o in dropped]
    paths = brute_force_paths(kept, votes)
    ranking = chain_tiers(kept, paths) + chain_tiers(lost, brute_force_paths(lost, votes))
    winner = ranking[0][0] if len(ranking[0]) == 1 else None
    return Expected(votes, dropped, paths, ranking, winner)


def assert_matches(e: Election, result: tally.RankedResult) -> None:
    expected = reference_count(e)
    assert result.pairwise == expected.pairwise
    assert set(result.dropped) == set(expected.dropped)
    for option, rules in expected.dropped.items():
        reason = result.dropped[option]
        assert ("quorum" in reason) == ("quorum" in rules), reason
        assert ("majority" in reason or "does not defeat" in reason) == ("majority" in rules)
    assert result.ranking == expected.ranking
    assert result.winner == expected.winner
    assert result.potential_winners == expected.ranking[0]
    assert set(result.strongest_paths) == set(expected.paths)
    for pair, strength in expected.paths.items():
        wanted = (0, 0) if strength is None else (strength[0], -strength[1])
        assert result.strongest_paths[pair] == wanted, pair


NAMES = ["A", "B", "C", "D", "E", "F", "G"]
weights_values = st.integers(0, 3) | st.fractions(0, 3, max_denominator=4)


@st.composite
def elections(draw: st.DrawFn, max_options: int = 5, max_ballots: int = 12) -> Election:
    options = NAMES[: draw(st.integers(1, max_options))]
    ballots = draw(
        st.lists(
            st.dictionaries(st.sampled_from(options), st.integers(1, 4)),
            max_size=max_ballots,
        )
    )
    weights = draw(
        st.none() | st.lists(weights_values, min_size=len(ballots), max_size=len(ballots))
    )
    unranked = draw(st.sampled_from(["below", "ignore"]))
    default = draw(st.none() | st.sampled_from(options))
    majority = quorum = None
    if default is not None:
        others = [o for o in options if o != default]
        if others:
            majority = draw(
                st.none()
                | st.dictionaries(
                    st.sampled_from(others), st.sampled_from([1, 2, 3, Fraction(3, 2)])
                )
            )
        quorum = draw(st.none() | st.integers(0, 6) | st.fractions(0, 6, max_denominator=3))
    return Election(options, ballots, weights, unranked, default, majority, quorum)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_matches_reference(e: Election) -> None:
    assert_matches(e, e.count())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(max_options=7, max_ballots=25))
def test_matches_reference_with_more_options(e: Election) -> None:
    assert_matches(e, e.count())


@settings(max_examples=300, deadline=None)
@given(
    elections(max_options=4),
    st.lists(st.floats(0, 5, allow_nan=False, allow_infinity=False), min_size=40, max_size=40),
)
def test_float_weights_are_counted_exactly(e: Election, floats: list[float]) -> None:
    weights = floats[: len(e.ballots)]
    result = count_ranked(e.options, e.ballots, unranked=e.unranked, weights=weights)
    exact = Election(
        e.options, e.ballots, [Fraction(w) for w in weights], e.unranked, None, None, None
    )
    expected = reference_count(exact)
    assert result.pairwise == {pair: float(v) for pair, v in expected.pairwise.items()}
    if weights:
        assert all(isinstance(v, float) for v in result.pairwise.values())
    assert result.ranking == expected.ranking


@settings(max_examples=300, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_and_rank_numbers_do_not_matter(e: Election, rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    order = list(range(len(e.ballots)))
    rnd.shuffle(order)
    # Spreading the rank numbers out (1, 2, 3 -> 2, 5, 8) keeps every preference.
    stretched = [{o: 3 * r - 1 for o, r in e.ballots[k].items()} for k in order]
    weights = None if e.weights is None else [e.weights[k] for k in order]
    shuffled = Election(e.options, stretched, weights, e.unranked, e.default, e.majority, e.quorum)
    first, second = e.count(), shuffled.count()
    assert first.pairwise == second.pairwise
    assert first.ranking == second.ranking
    assert first.dropped == second.dropped
