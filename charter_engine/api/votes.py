"""Vote endpoints of the JSON API: cast or change a vote, my status on a ballot, results, the roll
call (JSON and CSV), the published list of counted secret ballots and receipts; and their OpenAPI
paths.

They read the ballot through :func:`.ballots.settled_ballot`, so a ballot past its opening or
closing time is opened or closed first; a vote refused because the ballot is not open yet, though
its opening time has come, opens it and is tried once more.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Response, jsonify
from flask.typing import ResponseReturnValue
from pydantic import ConfigDict, Field

from charter_engine.api.ballots import settled_ballot
from charter_engine.api.core import actor, api_bp, commit, holder, iso_time
from charter_engine.api.proxies import ProxyOut, proxy_json
from charter_engine.api.spec import (
    ID,
    Answer,
    Body,
    IdValue,
    PlainText,
    endpoints_tagged,
    request_body,
)
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.voting import casting, closing, records, views
from charter_engine.voting import queries as q
from charter_engine.voting.rules import json_number

# A number of votes or a weight: a whole number, or an exact fraction "p/q".
WeightOut = int | float | str
Ranking = dict[PlainText, IdValue]


class VoteRequest(Body):
    choice: Literal["yes", "no", "abstain"] | None = Field(
        None, description="Amendment and adoption ballots"
    )
    ranking: Ranking | None = Field(
        None, description="Ranked ballots: option key → rank (1 best; equal ranks tie)"
    )
    on_behalf_of: IdValue | None = Field(None, description="The member whose proxy you hold")
    receipt: PlainText | None = Field(None, description="To change a secret vote")


class VoteResult(Answer):
    ballot_id: int
    voter_id: int
    cast_by_id: int
    changed: bool
    receipt: str | None = Field(None, description="Secret ballots, first vote only")
    receipt_note: str | None = None


class HeldProxyOut(Answer):
    proxy_id: int
    principal_id: int
    principal_name: str
    on_roll: bool
    voted: bool


class VoterStatusOut(Answer):
    ballot_id: int
    on_roll: bool
    weight: WeightOut | None
    voted: bool
    choice: str | None
    ranking: dict[str, int] | None
    cast_by_id: int | None
    can_vote_now: bool
    reason: str | None
    proxy_given: ProxyOut | None
    proxies_held: list[HeldProxyOut]


class Results(Answer):
    """The count; ``simple`` or ``ranked`` holds the details of the ballot's kind."""

    model_config = ConfigDict(extra="allow")

    ballot_id: int
    final: bool
    outcome: str | None = None


class RollCallEntry(Answer):
    voter_id: int
    name: str
    organisation: str | None
    weight: WeightOut
    voted: bool
    choice: str | None
    ranking: dict[str, int] | None
    cast_by_id: int | None
    cast_by_name: str | None
    cast_at: str | None


class RollCall(Answer):
    ballot_id: int
    voters: list[RollCallEntry]


class CountedBallot(Answer):
    receipt_hash: str
    choice: str | None
    ranking: dict[str, int] | None


class CountedBallots(Answer):
    ballot_id: int
    ballots: list[CountedBallot]


class ReceiptCheck(Body):
    receipt: PlainText = Field(description="The code given at the vote")


class ReceiptFound(Answer):
    ballot_id: int
    counted: bool
    receipt_hash: str
    choice: str | None
    ranking: dict[str, int] | None


# --------------------------------------------------------------------------------------------
# votes


endpoint = endpoints_tagged("votes")


@api_bp.post(f"/ballots/<{ID}:ballot_id>/votes")
@endpoint(
    operation_id="castVote",
    body=VoteRequest,
    ok={201: VoteResult, 200: VoteResult},
    errors=(403, 404, 409),
)
def cast_vote(ballot_id: int) -> ResponseReturnValue:
    """Cast or change a vote (for yourself or as a proxy)

    201 for a new vote (with a receipt on secret ballots), 200 for a change. 409 `ballot_closed`
    when the ballot does not accept votes, 409 `already_voted` for a second vote that cannot be a
    change.
    """
    data = request_body(VoteRequest)
    session = db()

    def cast() -> casting.CastResult:
        return casting.cast_vote(
            session,
            ballot_id,
            actor=holder(),
            choice=data.choice,
            ranking=data.ranking,
            on_behalf_of=data.on_behalf_of,
            receipt=data.receipt,
        )

    try:
        result = cast()
    except casting.BallotClosed:
        # Refused as it should be, unless the ballot's opening time has come and nobody opened
        # it yet: open it and try once more. (A late vote stays refused; the close happens on
        # the next read.)
        session.rollback()
        if not closing.ballot_due(q.get_ballot(session, ballot_id)):
            raise
        settled_ballot(ballot_id)
        result = cast()
    commit()
    answer: dict[str, Any] = {
        "ballot_id": result.ballot_id,
        "voter_id": result.voter_id,
        "cast_by_id": result.cast_by_id,
        "changed": result.changed,
    }
    if result.receipt is not None:
        answer["receipt"] = result.receipt
        answer["receipt_note"] = (
            "Keep this receipt: it is shown only once. You need it to change your vote and to "
            "find your ballot in the published list after the ballot closes."
        )
    return jsonify(answer), 200 if result.changed else 201


@api_bp.get(f"/ballots/<{ID}:ballot_id>/votes/mine")
@endpoint(operation_id="myVote", ok={200: VoterStatusOut}, errors=(404,))
def my_vote(ballot_id: int) -> ResponseReturnValue:
    """My status on a ballot: on the roll, voted, proxies given and held"""
    ballot = settled_ballot(ballot_id)
    status = views.voter_status(db(), ballot, actor(), now=utcnow())
    return jsonify(
        {
            "ballot_id": ballot.id,
            "on_roll": status.on_roll,
            "weight": json_number(status.weight),
            "voted": status.voted,
            "choice": status.choice,
            "ranking": status.ranking,
            "cast_by_id": status.cast_by_id,
            "can_vote_now": status.can_vote_now,
            "reason": status.reason,
            "proxy_given": proxy_json(status.proxy_given) if status.proxy_given else None,
            "proxies_held": [
                {
                    "proxy_id": h.proxy_id,
                    "principal_id": h.principal_id,
                    "principal_name": h.principal_name,
                    "on_roll": h.on_roll,
                    "voted": h.voted,
                }
                for h in status.proxies_held
            ],
        }
    )


@api_bp.get(f"/ballots/<{ID}:ballot_id>/results")
@endpoint(operation_id="ballotResults", ok={200: Results}, errors=(404, 409))
def results(ballot_id: int) -> ResponseReturnValue:
    """Results (after close; running results of named ballots for the secretariat)"""
    ballot = settled_ballot(ballot_id)
    found = records.ballot_results(db(), ballot, viewer=actor())
    return jsonify({"ballot_id": ballot.id, "final": found.final, **found.data})


@api_bp.get(f"/ballots/<{ID}:ballot_id>/roll-call")
@endpoint(operation_id="rollCall", ok={200: RollCall}, errors=(404, 409))
def roll_call(ballot_id: int) -> ResponseReturnValue:
    """Who voted what on a closed named ballot"""
    ballot = settled_ballot(ballot_id)
    rows = records.roll_call(db(), ballot)
    return jsonify(
        ballot_id=ballot.id,
        voters=[
            {
                "voter_id": r.voter_id,
                "name": r.name,
                "organisation": r.organisation,
                "weight": json_number(r.weight),
                "voted": r.voted,
                "choice": r.choice,
                "ranking": r.ranking,
                "cast_by_id": r.cast_by_id,
                "cast_by_name": r.cast_by_name if r.cast_by_id != r.voter_id else None,
                "cast_at": iso_time(r.cast_at),
            }
            for r in rows
        ],
    )


@api_bp.get(f"/ballots/<{ID}:ballot_id>/roll-call.csv")
@endpoint(
    operation_id="rollCallCsv",
    ok={200: None},
    errors=(404, 409),
    content={200: {"text/csv": {"schema": {"type": "string"}}}},
)
def roll_call_csv(ballot_id: int) -> ResponseReturnValue:
    """The roll call as CSV"""
    ballot = settled_ballot(ballot_id)
    body = records.roll_call_csv(records.roll_call(db(), ballot))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="ballot-{ballot.id}-roll-call.csv"'},
    )


@api_bp.get(f"/ballots/<{ID}:ballot_id>/counted")
@endpoint(operation_id="countedBallots", ok={200: CountedBallots}, errors=(404, 409))
def counted(ballot_id: int) -> ResponseReturnValue:
    """The published list of counted ballots of a closed secret ballot"""
    ballot = settled_ballot(ballot_id)
    rows = records.counted_ballots(db(), ballot)
    return jsonify(
        ballot_id=ballot.id,
        ballots=[
            {"receipt_hash": r.receipt_hash, "choice": r.choice, "ranking": r.ranking} for r in rows
        ],
    )


@api_bp.post(f"/ballots/<{ID}:ballot_id>/receipts")
@endpoint(
    operation_id="verifyReceipt", body=ReceiptCheck, ok={200: ReceiptFound}, errors=(404, 409)
)
def verify_receipt(ballot_id: int) -> ResponseReturnValue:
    """Find my ballot in the published list by its receipt

    The receipt goes in the body, never in the URL (logs, history, referrers). 404 when no counted
    ballot has it, 409 while the ballot is open or when it is named.
    """
    ballot = settled_ballot(ballot_id)
    found = records.verify_receipt(db(), ballot, request_body(ReceiptCheck).receipt)
    return jsonify(
        ballot_id=ballot.id,
        counted=True,
        receipt_hash=found.receipt_hash,
        choice=found.choice,
        ranking=found.ranking,
    )
