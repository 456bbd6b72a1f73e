"""From recorded votes to a decision: the glue between ballots and the pure tally.

:func:`count_votes` takes the votes of a ballot as plain values (a choice or a ranking, and the
voter's weight) with the ballot's rules and returns a :class:`Count`: the tally's own result object
(:class:`~charter_engine.voting.tally.SimpleResult` or
:class:`~charter_engine.voting.tally.RankedResult`) and what it means for the ballot (``outcome``,
``winner``, ``reason``). :func:`count_to_json` writes a count in the form stored on the ballot and
served by the API. No database, no web.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from charter_engine.voting.rules import DEFAULT_OPTION, fraction_text, json_number, ratio_text
from charter_engine.voting.tally import RankedResult, SimpleResult, count_ranked, count_simple

Weight = Fraction


@dataclass(frozen=True)
class CastVote:
    """One counted vote: a yes/no/abstain ``choice`` or a ``ranking``, and its weight."""

    weight: Fraction
    choice: str | None = None
    ranking: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Count:
    kind: str
    outcome: str  # adopted | rejected | kept | tie
    reason: str
    simple: SimpleResult | None
    ranked: RankedResult | None
    winner: str | None
    voters: int
    roll_count: int
    roll_weight: Fraction
    quorum: Fraction | None

    @property
    def passed(self) -> bool:
        return self.outcome == "adopted"


def _weight_sum(weights: Sequence[Fraction]) -> Fraction:
    return sum(weights, Fraction(0))


def count_votes(
    kind: str,
    votes: Sequence[CastVote],
    *,
    threshold: str,
    abstentions_count: bool,
    quorum: Fraction | None,
    roll_count: int,
    roll_weight: Fraction,
    option_keys: Sequence[str] = (),
    majorities: Mapping[str, Fraction] | None = None,
    unranked: str = "below",
    labels: Mapping[str, str] | None = None,
) -> Count:
    """Count ``votes`` under the ballot's rules; ``quorum`` is already a number of votes.

    ``labels`` name the options of a ranked ballot in the reason ("Amendment #4: …"), which
    members read; the option keys stay in the structured result."""
    if kind == "ranked":
        return _count_ranked(
            votes,
            labels=labels or {},
            quorum=quorum,
            roll_count=roll_count,
            roll_weight=roll_weight,
            option_keys=option_keys,
            majorities=majorities or {},
            unranked=unranked,
        )
    totals = {"yes": Fraction(0), "no": Fraction(0), "abstain": Fraction(0)}
    for vote in votes:
        if vote.choice not in totals:
            raise ValueError(f"a yes/no ballot holds the vote {vote.choice!r}")
        totals[vote.choice] += vote.weight
    simple = count_simple(
        _plain(totals["yes"]),
        _plain(totals["no"]),
        _plain(totals["abstain"]),
        threshold=threshold,
        abstentions_count=abstentions_count,
        quorum=None if quorum is None else _plain(quorum),
    )
    return Count(
        kind=kind,
        outcome="adopted" if simple.passed else "rejected",
        reason=simple.reason,
        simple=simple,
        ranked=None,
        winner=None,
        voters=len(votes),
        roll_count=roll_count,
        roll_weight=roll_weight,
        quorum=quorum,
    )


def _plain(value: Fraction) -> int | Fraction:
    """Whole numbers as ints, so the tally speaks of "3 votes" rather than "3/1"."""
    return value.numerator if value.denominator == 1 else value


def _count_ranked(
    votes: Sequence[CastVote],
    *,
    quorum: Fraction | None,
    roll_count: int,
    roll_weight: Fraction,
    option_keys: Sequence[str],
    majorities: Mapping[str, Fraction],
    unranked: str,
    labels: Mapping[str, str],
) -> Count:
    def name(key: str) -> str:
        return labels.get(key, key)

    ballots = [dict(v.ranking or {}) for v in votes]
    weights = [_plain(v.weight) for v in votes]
    whole = all(isinstance(w, int) for w in weights)
    ranked = count_ranked(
        list(option_keys),
        ballots,
        default=DEFAULT_OPTION,
        majority={k: _plain(r) for k, r in majorities.items() if r != 1},
        quorum=None if quorum is None else _plain(quorum),
        unranked=unranked,
        weights=None if whole else weights,
    )
    if ranked.winner is None:
        tied = ", ".join(name(k) for k in ranked.potential_winners)
        outcome, reason = (
            "tie",
            (
                f"Unresolved tie between {tied}: nothing is adopted and the amendments go back to "
                "discussion."
            ),
        )
    elif ranked.winner == DEFAULT_OPTION:
        outcome = "kept"
        reason = "The current text is kept: no amendment defeated it" + (
            f" ({len(ranked.dropped)} dropped: "
            + "; ".join(
                f"{name(k)} {dropped_reason(why, labels)}" for k, why in ranked.dropped.items()
            )
            + ")."
            if ranked.dropped
            else "."
        )
    else:
        outcome = "adopted"
        reason = f"{name(ranked.winner)} wins the Schulze count and is adopted."
    if not votes:
        reason = "No votes were cast: the current text is kept."
    return Count(
        kind="ranked",
        outcome=outcome,
        reason=reason,
        simple=None,
        ranked=ranked,
        winner=ranked.winner,
        voters=len(votes),
        roll_count=roll_count,
        roll_weight=roll_weight,
        quorum=quorum,
    )


def dropped_reason(why: str, labels: Mapping[str, str]) -> str:
    """The tally's reason for dropping an option, naming "keep the current text" in words (the
    tally names it by its key)."""
    default = labels.get(DEFAULT_OPTION)
    return why.replace(repr(DEFAULT_OPTION), f"“{default}”") if default else why


def count_to_json(count: Count) -> dict[str, Any]:
    """The stored and published form of a count. Vote totals are integers, or exact fractions
    written ``"p/q"`` when organisation weighting splits votes."""
    body: dict[str, Any] = {
        "kind": count.kind,
        "outcome": count.outcome,
        "reason": count.reason,
        "voters": count.voters,
        "roll_count": count.roll_count,
        "roll_weight": json_number(count.roll_weight),
        "quorum": json_number(count.quorum),
    }
    if count.simple is not None:
        s = count.simple
        body["simple"] = {
            "passed": s.passed,
            "reason": s.reason,
            "yes": json_number(s.yes),
            "no": json_number(s.no),
            "abstain": json_number(s.abstain),
            "base": json_number(s.base),
            "required": s.required if isinstance(s.required, str) else json_number(s.required),
            "quorum_met": s.quorum_met,
            "share_yes": s.share_yes,
            "threshold": s.threshold,
            "abstentions_count": s.abstentions_count,
            "participation": json_number(s.participation),
        }
    if count.ranked is not None:
        r = count.ranked
        body["ranked"] = {
            "winner": r.winner,
            "tied": r.tied,
            "potential_winners": list(r.potential_winners),
            "ranking": [list(tier) for tier in r.ranking],
            "dropped": dict(r.dropped),
            "pairwise": [
                {"for": a, "against": b, "votes": json_number(v)}
                for (a, b), v in r.pairwise.items()
            ],
            "unranked": r.unranked,
            "ballot_count": r.ballot_count,
            "total_weight": json_number(r.total_weight),
        }
    return body


def describe_majority(num: int, den: int) -> str:
    return ratio_text(Fraction(num, den))


def weight_text(weight: Fraction) -> str:
    return fraction_text(weight)
