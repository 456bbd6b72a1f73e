"""The published records of a ballot: results (final after the close; running for the secretariat
on open named ballots), the roll call of a closed named ballot, and the list of counted ballots of
a closed secret ballot with the receipt check. :func:`roll_call_csv` is the one CSV form of a roll
call, which the ballot page and the API both offer. Results are recounted from the stored votes with
the function that decided the ballot at close, so callers get the tally's own result objects.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can
from charter_engine.errors import Conflict, NotFound
from charter_engine.voting.models import Ballot, RollEntry, SecretBallot, Vote, load_ranking
from charter_engine.voting.queries import count_ballot
from charter_engine.voting.receipts import is_receipt_shaped, receipt_hash
from charter_engine.voting.results import Count, count_to_json
from charter_engine.voting.rules import fraction_text

if TYPE_CHECKING:
    from charter_engine.voting.tally import RankedResult, SimpleResult


@dataclass(frozen=True)
class BallotResults:
    """Results as shown to a person. ``final`` is False for running results (secretariat only)."""

    ballot_id: int
    kind: str
    final: bool
    outcome: str
    reason: str
    simple: SimpleResult | None
    ranked: RankedResult | None
    voters: int
    roll_count: int
    roll_weight: Fraction
    quorum: Fraction | None
    data: dict[str, Any]


def ballot_results(session: Session, ballot: Ballot, *, viewer: User | None) -> BallotResults:
    """Results of a closed ballot for everyone; running results of an open named ballot for those
    who may see them early (the secretariat). Otherwise a Conflict that says when they appear."""
    if ballot.state == "closed":
        count = count_ballot(session, ballot)
        stored = json.loads(ballot.result) if ballot.result else None
        return _results(
            ballot,
            count,
            final=True,
            outcome=ballot.outcome or count.outcome,
            reason=(stored or {}).get("reason", count.reason),
            data=stored or count_to_json(count),
        )
    if ballot.state == "draft":
        raise Conflict("This ballot has not opened yet; there are no results.")
    if not can(viewer, "ballot:results_early", ballot):
        raise Conflict("Results are published when the ballot closes.")
    if ballot.secrecy == "secret":
        # Watching a running tally next to the list of who has voted would reveal single votes.
        raise Conflict("A secret ballot shows no running results; they are published at close.")
    count = count_ballot(session, ballot)
    return _results(
        ballot,
        count,
        final=False,
        outcome=count.outcome,
        reason="Running count (the ballot is still open): " + count.reason,
        data={**count_to_json(count), "running": True},
    )


def _results(
    ballot: Ballot, count: Count, *, final: bool, outcome: str, reason: str, data: dict[str, Any]
) -> BallotResults:
    """``count`` of ``ballot`` as shown, with the outcome, reason and JSON the caller settled."""
    return BallotResults(
        ballot_id=ballot.id,
        kind=ballot.kind,
        final=final,
        outcome=outcome,
        reason=reason,
        simple=count.simple,
        ranked=count.ranked,
        voters=count.voters,
        roll_count=count.roll_count,
        roll_weight=count.roll_weight,
        quorum=count.quorum,
        data=data,
    )


@dataclass(frozen=True)
class RollCallRow:
    voter_id: int
    name: str
    organisation: str | None
    weight: Fraction
    voted: bool
    choice: str | None
    ranking: dict[str, int] | None
    cast_by_id: int | None
    cast_by_name: str | None
    cast_at: datetime | None


def roll_call(session: Session, ballot: Ballot) -> list[RollCallRow]:
    """Every voter on the roll of a closed named ballot and how they voted (or that they didn't)."""
    _ensure_published(ballot, "roll call")
    rows = session.execute(
        select(RollEntry, User, Vote)
        .join(User, User.id == RollEntry.user_id)
        .outerjoin(Vote, (Vote.ballot_id == RollEntry.ballot_id) & (Vote.voter_id == User.id))
        .where(RollEntry.ballot_id == ballot.id)
        .order_by(User.name, User.id)
    ).all()
    agent_ids = {v.cast_by_id for _r, _u, v in rows if v is not None}
    names: dict[int, str] = {}
    if agent_ids:
        for uid, name in session.execute(select(User.id, User.name).where(User.id.in_(agent_ids))):
            names[uid] = name
    out = []
    for entry, user, vote in rows:
        out.append(
            RollCallRow(
                voter_id=user.id,
                name=user.name,
                organisation=entry.organisation,
                weight=Fraction(entry.weight_num, entry.weight_den),
                voted=vote is not None,
                choice=vote.choice if vote else None,
                ranking=load_ranking(vote.ranking) if vote else None,
                cast_by_id=vote.cast_by_id if vote else None,
                cast_by_name=names.get(vote.cast_by_id) if vote else None,
                cast_at=vote.cast_at if vote else None,
            )
        )
    return out


ROLL_CALL_COLUMNS = (
    "voter_id",
    "name",
    "organisation",
    "weight",
    "voted",
    "choice",
    "ranking",
    "cast_by_proxy",
    "cast_at",
)


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (names and organisations are typed
    by members)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def ranking_text(ranking: dict[str, int] | None) -> str:
    """A ranking as ``key=rank`` pairs, best first (``"a=1;keep=2"``)."""
    if not ranking:
        return ""
    ordered = sorted(ranking.items(), key=lambda kv: (kv[1], kv[0]))
    return ";".join(f"{key}={rank}" for key, rank in ordered)


def roll_call_csv(rows: list[RollCallRow]) -> str:
    """The roll call as CSV (:data:`ROLL_CALL_COLUMNS`; choices and option keys as stored, times
    in ISO 8601 UTC), every cell typed by a person guarded against running as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROLL_CALL_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.voter_id,
                csv_cell(r.name),
                csv_cell(r.organisation),
                fraction_text(r.weight),
                "yes" if r.voted else "no",
                r.choice or "",
                ranking_text(r.ranking),
                csv_cell(r.cast_by_name) if r.cast_by_id not in (None, r.voter_id) else "",
                r.cast_at.isoformat() if r.cast_at else "",
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class CountedBallot:
    receipt_hash: str
    choice: str | None
    ranking: dict[str, int] | None


def counted_ballots(session: Session, ballot: Ballot) -> list[CountedBallot]:
    """The published list of a closed secret ballot: each counted ballot by its receipt hash."""
    _ensure_published(ballot, "counted ballots")
    rows = session.execute(
        select(SecretBallot.receipt_hash, SecretBallot.choice, SecretBallot.ranking)
        .where(SecretBallot.ballot_id == ballot.id)
        .order_by(SecretBallot.receipt_hash)
    ).all()
    return [CountedBallot(r.receipt_hash, r.choice, load_ranking(r.ranking)) for r in rows]


def verify_receipt(session: Session, ballot: Ballot, code: str) -> CountedBallot:
    """Find the ballot a receipt belongs to in the published list (after close)."""
    _ensure_published(ballot, "receipts")
    if not is_receipt_shaped(code):
        raise NotFound("That is not a receipt code of this ballot.")
    row = session.execute(
        select(SecretBallot).where(
            SecretBallot.ballot_id == ballot.id,
            SecretBallot.receipt_hash == receipt_hash(ballot.id, code),
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("No counted ballot has this receipt.")
    return CountedBallot(row.receipt_hash, row.choice, load_ranking(row.ranking))


# What each published record is of, and why it is not there: (the ballots that have it, the
# message for the other kind of ballot, the message before the ballot closes).
_PUBLISHED: dict[str, tuple[str, str, str]] = {
    "roll call": (
        "named",
        "A secret ballot has no roll call; see the list of counted ballots.",
        "The roll call is published when the ballot closes.",
    ),
    "counted ballots": (
        "secret",
        "Only secret ballots have a list of counted ballots; see the roll call.",
        "The list of counted ballots is published when the ballot closes.",
    ),
    "receipts": (
        "secret",
        "Receipts belong to secret ballots; this ballot is named.",
        "Receipts can be checked once the ballot closes and its list is published.",
    ),
}


def _ensure_published(ballot: Ballot, record: str) -> None:
    secrecy, other_secrecy, not_closed = _PUBLISHED[record]
    if ballot.secrecy != secrecy:
        raise Conflict(other_secrecy)
    if ballot.state != "closed":
        raise Conflict(not_closed)
