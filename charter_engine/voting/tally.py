"""Counting votes: ranked ballots by the Schulze method and yes/no/abstain votes by threshold.

This module turns ballots into results and nothing else: it knows no web framework, no database and
no members. Callers hand in plain values (option keys, rank dictionaries, vote weights) and get back
frozen result objects that explain themselves (who won, how every pair of options fared, which
options were dropped and why, whether a threshold or quorum was reached).

Ranked votes (:func:`count_ranked`) follow the Debian constitution, appendix A.6:

1. Every ballot ranks some options (1 is best, equal numbers are ties). With ``unranked="below"``
   an unranked option is ranked below every ranked one and level with the other unranked ones
   (Debian). With ``unranked="ignore"`` a ballot says nothing about an unranked option against any
   other (Kubernetes/Elekto).
2. ``V(A, B)`` is the total weight of the ballots that prefer ``A`` to ``B``.
3. With a ``quorum``, an option other than the default is dropped when ``V(A, default) < quorum``.
4. With a default option, every other option ``A`` needs a majority ratio ``N`` (``majority[A]``,
   otherwise 1) and is dropped unless ``V(A, D) >= N * V(D, A)`` and ``V(A, D) > V(D, A)``.
5. Among the options left (the default always stays), the Schulze method picks the winner: a
   link ``A -> B`` exists when ``V(A, B) > V(B, A)``; its strength is ``V(A, B)`` (winning votes),
   and between equal winning votes the link with fewer opposing votes ``V(B, A)`` is stronger
   (Debian A.6.7.1). The strength of a path is that of its weakest link; ``P(A, B)`` is the strength
   of the strongest path from ``A`` to ``B``. ``A`` ranks above ``B`` when ``P(A, B) > P(B, A)``.

Ties: the potential winners are the options that no other option ranks above. When there is
exactly one, it is the winner; when there are several, ``winner`` is ``None`` and the caller must
report an unresolved tie (Debian leaves it to a casting vote; this module never breaks a tie by
chance or by option order).

Ranking: ``ranking`` is a list of tiers, best first. The first tier holds the potential winners;
each following tier holds the options that no remaining option ranks above (so options in one tier
are tied or incomparable). The options that were dropped follow, ranked among themselves by the
same Schulze rule, in their own tiers after all the others. Within a tier, options keep the order
in which they were given.

Simple votes (:func:`count_simple`) compare yes votes with a threshold of the counted votes; see
that function for the rules. All comparisons use exact rational arithmetic, so weights given as
fractions (or floats, taken at their exact binary value) never produce rounding surprises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational
from typing import Literal, TypeAlias

__all__ = [
    "THRESHOLDS",
    "UNRANKED_MODES",
    "RankedResult",
    "SimpleResult",
    "Votes",
    "count_ranked",
    "count_simple",
]

Votes: TypeAlias = int | Fraction | float
"""A number of votes: an ``int`` for unweighted ballots, else the type of the weights given."""

UNRANKED_MODES = ("below", "ignore")
THRESHOLDS = ("simple", "two_thirds", "three_quarters", "consensus")

_Exact: TypeAlias = int | Fraction

# Links are compared as (votes for, -votes against): more winning votes first, then fewer opposing
# votes. A real link always has votes for > votes against >= 0, so (0, 0) is weaker than any link.
_Strength: TypeAlias = tuple[_Exact, _Exact]
_NO_LINK: _Strength = (0, 0)


@dataclass(frozen=True)
class RankedResult:
    """The outcome of a ranked (Schulze) count.

    ``pairwise`` holds ``V(a, b)`` for every ordered pair of distinct options, dropped ones
    included.
    ``strongest_paths`` holds, for every ordered pair of options that took part in the final count
    (the default and the options not dropped), the weakest link ``(V(x, y), V(y, x))`` of the
    strongest path from ``a`` to ``b``, or ``(0, 0)`` when there is no path.
    """

    winner: str | None
    ranking: list[tuple[str, ...]]
    pairwise: dict[tuple[str, str], Votes]
    dropped: dict[str, str]
    potential_winners: tuple[str, ...]
    strongest_paths: dict[tuple[str, str], tuple[Votes, Votes]]
    default: str | None
    unranked: str
    ballot_count: int
    total_weight: Votes

    @property
    def tied(self) -> bool:
        """True when several options could win and the count alone cannot decide."""
        return self.winner is None and len(self.potential_winners) > 1


@dataclass(frozen=True)
class SimpleResult:
    """The outcome of a yes/no/abstain vote.

    ``base`` is the number of votes the threshold applies to (yes + no, plus abstentions when they
    count). ``required`` is the smallest whole number of yes votes that would pass with this base
    when every vote is a whole number, otherwise a description of the threshold. ``share_yes`` is
    ``yes / base`` or ``None`` when the base is zero.
    """

    passed: bool
    reason: str
    yes: Votes
    no: Votes
    abstain: Votes
    base: Votes
    required: Votes | str
    quorum_met: bool
    share_yes: float | None
    threshold: str
    abstentions_count: bool
    quorum: Votes | None
    participation: Votes


# ----------------------------------------------------------------------------------------------
# Numbers


def _exact(value: object, what: str) -> _Exact:
    """Convert a vote weight, ratio or quorum to an exact number, rejecting anything else."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, float | Decimal):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be finite, not {value!r}")
        return Fraction(value)
    raise ValueError(f"{what} must be a number, not {value!r}")


def _non_negative(value: object, what: str) -> _Exact:
    exact = _exact(value, what)
    if exact < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return exact


class _Output:
    """Gives results the number type the caller used: int, Fraction, or float if any was a float."""

    def __init__(self, values: Iterable[object]) -> None:
        self.floats = False
        self.fractions = False
        for value in values:
            if isinstance(value, float):
                self.floats = True
            elif not isinstance(value, int):
                self.fractions = True

    def __call__(self, value: _Exact) -> Votes:
        if self.floats:
            return float(value)
        if self.fractions:
            return Fraction(value)
        return int(value)


def _fmt(value: object) -> str:
    """Write a number for people: whole numbers plainly, others with at most two decimals."""
    exact = Fraction(value) if isinstance(value, int | float | Fraction | Decimal) else None
    if exact is None:
        return str(value)
    if exact.denominator == 1:
        return str(exact.numerator)
    text = f"{float(exact):.2f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{float(exact):.2g}"


def _percent(share: float) -> str:
    text = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


# ----------------------------------------------------------------------------------------------
# Ranked votes


def _validate_options(options: Sequence[str]) -> dict[str, int]:
    if isinstance(options, str):
        raise ValueError("options must be a sequence of option keys, not a single string")
    index: dict[str, int] = {}
    for position, option in enumerate(options):
        if option in index:
            raise ValueError(f"option {option!r} is listed twice")
        index[option] = position
    if not index:
        raise ValueError("a ranked vote needs at least one option")
    return index


def _ballot_levels(
    ballot: object, position: int, index: Mapping[str, int], unranked_level: int
) -> tuple[int, ...]:
    """Turn one ballot into a level per option: 1 for its first choice, 2 for the next, and so on.

    Unranked options get ``unranked_level``: one below the lowest possible rank when they count as
    ranked last, 0 when they express no preference. Dense levels keep ballots that differ only in
    the numbers used (1, 3, 7 versus 1, 2, 3) identical, so they can be counted together.
    """
    if type(ballot) is not dict and not isinstance(ballot, Mapping):
        raise ValueError(f"ballot {position} must be a mapping of option to rank, not {ballot!r}")
    levels = [unranked_level] * len(index)
    for option, rank in ballot.items():
        slot = index.get(option)
        if slot is None:
            raise ValueError(f"ballot {position} ranks unknown option {option!r}")
        if type(rank) is not int:
            if isinstance(rank, bool) or not isinstance(rank, Integral):
                raise ValueError(
                    f"ballot {position} gives {option!r} the rank {rank!r}; ranks are whole numbers"
                )
            rank = int(rank)
        if rank < 1:
            raise ValueError(
                f"ballot {position} gives {option!r} the rank {rank}; the best rank is 1"
            )
        levels[slot] = rank
    distinct = sorted({levels[slot] for slot in map(index.__getitem__, ballot)})
    # Ranks that already run 1, 2, ... without gaps are their own levels (the usual case).
    if distinct and distinct[-1] != len(distinct):
        dense = {rank: level for level, rank in enumerate(distinct, start=1)}
        for slot in map(index.__getitem__, ballot):
            levels[slot] = dense[levels[slot]]
    return tuple(levels)


def _pairwise(n: int, weighted_rows: Mapping[tuple[int, ...], _Exact]) -> list[list[_Exact]]:
    """``matrix[i][j]`` = total weight of the ballots preferring option i to option j.

    Identical ballots were merged into one row with their summed weight, so the loop runs once
    per distinct ballot and pair of options (10,000 ballots of 10 options: well under a second).
    A level of 0 (an unranked option that says nothing) is preferred to nothing and nothing is
    preferred to it.
    """
    matrix: list[list[_Exact]] = [[0] * n for _ in range(n)]
    for levels, weight in weighted_rows.items():
        if not weight:
            continue
        for i, level in enumerate(levels):
            if not level:
                continue
            row = matrix[i]
            for j, other in enumerate(levels):
                if other > level:
                    row[j] += weight
    return matrix


def _link(matrix: list[list[_Exact]], i: int, j: int) -> _Strength:
    ahead, behind = matrix[i][j], matrix[j][i]
    return (ahead, -behind) if ahead > behind else _NO_LINK


def _strongest_paths(
    matrix: list[list[_Exact]], members: Sequence[int]
) -> dict[tuple[int, int], _Strength]:
    """Widest paths (Floyd–Warshall) between the members, using only members as stepping stones."""
    paths = {(i, j): _link(matrix, i, j) for i in members for j in members if i != j}
    for k in members:
        for i in members:
            if i == k:
                continue
            via = paths[i, k]
            if via == _NO_LINK:
                continue
            for j in members:
                if j in (i, k):
                    continue
                onward = paths[k, j]
                candidate = via if via < onward else onward
                if candidate > paths[i, j]:
                    paths[i, j] = candidate
    return paths


def _tiers(members: Sequence[int], paths: Mapping[tuple[int, int], _Strength]) -> list[list[int]]:
    """Peel off, again and again, the members that no remaining member ranks above."""
    remaining = list(members)
    tiers: list[list[int]] = []
    while remaining:
        tier = [
            i for i in remaining if not any(j != i and paths[j, i] > paths[i, j] for j in remaining)
        ]
        # The "ranks above" relation of strongest paths is transitive, so a non-empty set always
        # has a top; this guard only protects against an endless loop if that ever failed.
        if not tier:  # pragma: no cover
            tier = list(remaining)
        tiers.append(tier)
        remaining = [i for i in remaining if i not in tier]
    return tiers


def count_ranked(
    options: Sequence[str],
    ballots: Sequence[Mapping[str, int]],
    *,
    default: str | None = None,
    majority: Mapping[str, int | Fraction | float] | None = None,
    quorum: int | Fraction | float | None = None,
    unranked: Literal["below", "ignore"] | str = "below",
    weights: Sequence[int | Fraction | float] | None = None,
) -> RankedResult:
    """Count ranked ballots with the Schulze method, Debian style (see the module docstring).

    ``ballots`` are mappings of option to rank (1 best, equal ranks tie, missing = unranked);
    ``weights`` (parallel to ``ballots``, default 1 each) make a ballot count that many times.
    ``default`` is the "keep the current text" / "further discussion" option; ``majority`` maps
    options to the ratio they need against it and ``quorum`` is the number of votes an option must
    receive above the default. Both need a default. Bad input raises ``ValueError``.
    """
    index = _validate_options(options)
    names = list(index)
    n = len(names)
    if unranked not in UNRANKED_MODES:
        raise ValueError(f"unranked must be one of {UNRANKED_MODES}, not {unranked!r}")
    if default is not None and default not in index:
        raise ValueError(f"default option {default!r} is not one of the options")
    if default is None and (majority or quorum is not None):
        raise ValueError(
            "a majority requirement or quorum needs a default option to measure against"
        )

    ratios: dict[int, _Exact] = {}
    for option, ratio in (majority or {}).items():
        if option not in index:
            raise ValueError(f"majority given for unknown option {option!r}")
        if option == default:
            raise ValueError(f"the default option {option!r} cannot need a majority")
        exact_ratio = _exact(ratio, f"majority ratio for {option!r}")
        if exact_ratio <= 0:
            raise ValueError(f"majority ratio for {option!r} must be positive, got {ratio!r}")
        ratios[index[option]] = exact_ratio
    exact_quorum = None if quorum is None else _non_negative(quorum, "quorum")

    ballot_list = list(ballots)
    if weights is None:
        exact_weights: list[_Exact] = [1] * len(ballot_list)
        output = _Output(())
    else:
        weight_list = list(weights)
        if len(weight_list) != len(ballot_list):
            raise ValueError(
                f"{len(weight_list)} weights given for {len(ballot_list)} ballots; "
                "there must be one weight per ballot"
            )
        exact_weights = [
            _non_negative(weight, f"weight of ballot {k}") for k, weight in enumerate(weight_list)
        ]
        output = _Output(weight_list)

    unranked_level = n + 1 if unranked == "below" else 0
    weighted_rows: dict[tuple[int, ...], _Exact] = {}
    for k, ballot in enumerate(ballot_list):
        levels = _ballot_levels(ballot, k, index, unranked_level)
        weighted_rows[levels] = weighted_rows.get(levels, 0) + exact_weights[k]
    matrix = _pairwise(n, weighted_rows)

    dropped: dict[int, str] = {}
    if default is not None:
        d = index[default]
        for i in range(n):
            if i == d:
                continue
            reasons = []
            for_option, for_default = matrix[i][d], matrix[d][i]
            if exact_quorum is not None and for_option < exact_quorum:
                reasons.append(
                    f"below quorum of {_fmt(exact_quorum)} votes ranking it above "
                    f"{default!r} (V={_fmt(for_option)})"
                )
            ratio = ratios.get(i, 1)
            if not (for_option >= ratio * for_default and for_option > for_default):
                tally = f"(V={_fmt(for_option)}:{_fmt(for_default)})"
                if ratio == 1:
                    reasons.append(f"does not defeat {default!r} {tally}")
                else:
                    reasons.append(f"fails {_fmt(ratio)}:1 majority against {default!r} {tally}")
            if reasons:
                dropped[i] = "; ".join(reasons)

    contenders = [i for i in range(n) if i not in dropped]
    paths = _strongest_paths(matrix, contenders)
    tiers = _tiers(contenders, paths)
    losers = [i for i in range(n) if i in dropped]
    if losers:
        tiers += _tiers(losers, _strongest_paths(matrix, losers))

    potential = tiers[0]
    return RankedResult(
        winner=names[potential[0]] if len(potential) == 1 else None,
        ranking=[tuple(names[i] for i in tier) for tier in tiers],
        pairwise={
            (names[i], names[j]): output(matrix[i][j]) for i in range(n) for j in range(n) if i != j
        },
        dropped={names[i]: reason for i, reason in dropped.items()},
        potential_winners=tuple(names[i] for i in potential),
        strongest_paths={
            (names[i], names[j]): (output(strength[0]), output(-strength[1]))
            for (i, j), strength in paths.items()
        },
        default=default,
        unranked=unranked,
        ballot_count=len(ballot_list),
        total_weight=output(sum(exact_weights)),
    )


# ----------------------------------------------------------------------------------------------
# Simple votes

_THRESHOLD_SHARES: dict[str, Fraction] = {
    "simple": Fraction(1, 2),
    "two_thirds": Fraction(2, 3),
    "three_quarters": Fraction(3, 4),
}
_THRESHOLD_NAMES = {
    "simple": "a simple majority",
    "two_thirds": "the two-thirds threshold",
    "three_quarters": "the three-quarters threshold",
}


def _votes(value: _Exact, what: str = "vote") -> str:
    return f"{_fmt(value)} {what}" if value == 1 else f"{_fmt(value)} {what}s"


def _required_yes(threshold: str, base: _Exact, whole: bool) -> Votes | str:
    share = _THRESHOLD_SHARES[threshold]
    if whole:
        if threshold == "simple":
            return max(1, math.floor(base * share) + 1)
        return max(1, math.ceil(base * share))
    if threshold == "simple":
        return f"more than {_fmt(base * share)}"
    return f"at least {_fmt(base * share)} (and more than 0)"


def count_simple(
    yes: int | Fraction | float,
    no: int | Fraction | float,
    abstain: int | Fraction | float,
    *,
    threshold: Literal["simple", "two_thirds", "three_quarters", "consensus"] | str = "simple",
    abstentions_count: bool = False,
    quorum: int | Fraction | float | None = None,
) -> SimpleResult:
    """Decide a yes/no/abstain vote.

    The counted votes (``base``) are yes + no, plus abstentions when ``abstentions_count``. The
    proposal passes when:

    - ``simple``: yes is more than half of the base;
    - ``two_thirds`` / ``three_quarters``: yes is at least that share of the base;
    - ``consensus``: nobody votes no and at least one votes yes (abstentions never block).

    In every case at least one yes vote is needed, so a vote where everyone abstains never passes.
    ``quorum`` is the minimum number (weight) of votes cast, abstentions included; below it the
    proposal fails whatever the votes say, and a vote with no participation at all never passes.
    Weights may be ints, fractions or floats; comparisons are exact.
    """
    if threshold not in THRESHOLDS:
        raise ValueError(f"threshold must be one of {THRESHOLDS}, not {threshold!r}")
    if not isinstance(abstentions_count, bool):
        raise ValueError(f"abstentions_count must be True or False, not {abstentions_count!r}")
    y = _non_negative(yes, "yes votes")
    n = _non_negative(no, "no votes")
    a = _non_negative(abstain, "abstentions")
    q = None if quorum is None else _non_negative(quorum, "quorum")
    output = _Output((yes, no, abstain) if quorum is None else (yes, no, abstain, quorum))
    whole = not output.floats and not output.fractions

    participation = y + n + a
    base = participation if abstentions_count else y + n
    quorum_met = q is None or participation >= q
    share = None if base == 0 else float(Fraction(y) / base)

    if threshold == "consensus":
        required: Votes | str = "no votes against and at least one in favour"
        passed = n == 0 and y > 0
    else:
        required = _required_yes(threshold, base, whole)
        share_needed = _THRESHOLD_SHARES[threshold]
        if threshold == "simple":
            passed = y > 0 and y > share_needed * base
        else:
            passed = y > 0 and y >= share_needed * base
    passed = passed and quorum_met and participation > 0

    if q is not None and not quorum_met:
        reason = f"Not adopted: quorum of {_votes(q)} not reached ({_fmt(participation)} voted)."
    elif participation == 0:
        reason = "Not adopted: no votes were cast."
    elif threshold == "consensus":
        abstaining = f" ({_votes(a, 'abstention')})" if a else ""
        if passed:
            reason = f"Adopted by consensus: {_fmt(y)} yes, no votes against{abstaining}."
        elif n > 0:
            reason = f"Not adopted: consensus blocked by {_votes(n)} against."
        else:
            reason = f"Not adopted: consensus needs at least one yes vote{abstaining}."
    elif base == 0:
        reason = f"Not adopted: no yes or no votes were cast ({_votes(a, 'abstention')})."
    else:
        assert share is not None
        counted_text = f"{_fmt(y)} yes of {_votes(base, 'counted vote')} ({_percent(share)})"
        if threshold == "simple":
            if passed:
                reason = f"Adopted: {counted_text} are more than half."
            else:
                reason = (
                    f"Not adopted: {counted_text} are not more than half "
                    f"({_required_text(required)} needed)."
                )
        else:
            name = _THRESHOLD_NAMES[threshold]
            if passed:
                reason = f"Adopted: {counted_text} reach {name}."
            else:
                reason = (
                    f"Not adopted: {counted_text} fall short of {name} "
                    f"({_required_text(required)} needed)."
                )

    return SimpleResult(
        passed=passed,
        reason=reason,
        yes=output(y),
        no=output(n),
        abstain=output(a),
        base=output(base),
        required=required,
        quorum_met=quorum_met,
        share_yes=share,
        threshold=threshold,
        abstentions_count=abstentions_count,
        quorum=None if q is None else output(q),
        participation=output(participation),
    )


def _required_text(required: Votes | str) -> str:
    return required if isinstance(required, str) else f"{_fmt(required)} yes"
