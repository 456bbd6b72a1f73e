"""Vote endpoints of the JSON API: cast or change a vote, my status on a ballot, results, the roll
call (JSON and CSV), the published list of counted secret ballots and receipts; and their OpenAPI
paths.

They read the ballot through :func:`.ballots.settled_ballot`, so a ballot past its opening or
closing time is opened or closed first; a vote refused because the ballot is not open yet, though
its opening time has come, opens it and is tried once more.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, jsonify
from flask.typing import ResponseReturnValue

from charter_engine.api.ballots import BALLOT_ID, settled_ballot
from charter_engine.api.core import (
    actor,
    api_bp,
    commit,
    holder,
    iso_time,
    json_object,
    str_field,
)
from charter_engine.api.openapi import error_responses, json_body, json_response, register_paths
from charter_engine.api.proxies import proxy_json
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.voting import casting, closing, records, views
from charter_engine.voting import queries as q
from charter_engine.voting.rules import fraction_text, json_number

VOTE_FIELDS = frozenset({"choice", "ranking", "on_behalf_of", "receipt"})


# --------------------------------------------------------------------------------------------
# helpers


def _ranking_text(ranking: dict[str, int] | None) -> str:
    if not ranking:
        return ""
    return ";".join(f"{k}={v}" for k, v in sorted(ranking.items(), key=lambda kv: (kv[1], kv[0])))


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --------------------------------------------------------------------------------------------
# votes


@api_bp.post("/ballots/<int:ballot_id>/votes")
def cast_vote(ballot_id: int) -> ResponseReturnValue:
    body = json_object(VOTE_FIELDS)
    session = db()

    def cast() -> casting.CastResult:
        return casting.cast_vote(
            session,
            ballot_id,
            actor=holder(),
            choice=body.get("choice"),
            ranking=body.get("ranking"),
            on_behalf_of=body.get("on_behalf_of"),
            receipt=body.get("receipt"),
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


@api_bp.get("/ballots/<int:ballot_id>/votes/mine")
def my_vote(ballot_id: int) -> ResponseReturnValue:
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


@api_bp.get("/ballots/<int:ballot_id>/results")
def results(ballot_id: int) -> ResponseReturnValue:
    ballot = settled_ballot(ballot_id)
    found = records.ballot_results(db(), ballot, viewer=actor())
    return jsonify({"ballot_id": ballot.id, "final": found.final, **found.data})


@api_bp.get("/ballots/<int:ballot_id>/roll-call")
def roll_call(ballot_id: int) -> ResponseReturnValue:
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


@api_bp.get("/ballots/<int:ballot_id>/roll-call.csv")
def roll_call_csv(ballot_id: int) -> ResponseReturnValue:
    ballot = settled_ballot(ballot_id)
    rows = records.roll_call(db(), ballot)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "voter_id",
            "name",
            "organisation",
            "weight",
            "voted",
            "choice",
            "ranking",
            "cast_by_proxy",
            "cast_at",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.voter_id,
                _cell(r.name),
                _cell(r.organisation),
                fraction_text(r.weight),
                "yes" if r.voted else "no",
                r.choice or "",
                _ranking_text(r.ranking),
                _cell(r.cast_by_name) if r.cast_by_id not in (None, r.voter_id) else "",
                iso_time(r.cast_at) or "",
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="ballot-{ballot.id}-roll-call.csv"'},
    )


@api_bp.get("/ballots/<int:ballot_id>/counted")
def counted(ballot_id: int) -> ResponseReturnValue:
    ballot = settled_ballot(ballot_id)
    rows = records.counted_ballots(db(), ballot)
    return jsonify(
        ballot_id=ballot.id,
        ballots=[
            {"receipt_hash": r.receipt_hash, "choice": r.choice, "ranking": r.ranking} for r in rows
        ],
    )


@api_bp.post("/ballots/<int:ballot_id>/receipts")
def verify_receipt(ballot_id: int) -> ResponseReturnValue:
    # A POST, so that the receipt never travels in a URL (logs, history, referrers).
    code = str_field(json_object({"receipt"}), "receipt")
    assert code is not None
    ballot = settled_ballot(ballot_id)
    found = records.verify_receipt(db(), ballot, code)
    return jsonify(
        ballot_id=ballot.id,
        counted=True,
        receipt_hash=found.receipt_hash,
        choice=found.choice,
        ranking=found.ranking,
    )


# --------------------------------------------------------------------------------------------
# OpenAPI

_FRACTION = {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\d+/\d+$"}]}
_SCHEMAS = {
    "VoteRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "choice": {"type": "string", "enum": ["yes", "no", "abstain"]},
            "ranking": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 1},
                "description": "option key → rank (1 best; equal ranks tie)",
            },
            "on_behalf_of": {"type": "integer", "description": "the member whose proxy you hold"},
            "receipt": {"type": "string", "description": "to change a secret vote"},
        },
    },
    "ReceiptCheck": {
        "type": "object",
        "additionalProperties": False,
        "required": ["receipt"],
        "properties": {"receipt": {"type": "string", "description": "the code given at the vote"}},
    },
    "VoteResult": {
        "type": "object",
        "properties": {
            "ballot_id": {"type": "integer"},
            "voter_id": {"type": "integer"},
            "cast_by_id": {"type": "integer"},
            "changed": {"type": "boolean"},
            "receipt": {"type": "string", "description": "secret ballots, first vote only"},
        },
    },
    "Results": {
        "type": "object",
        "properties": {
            "final": {"type": "boolean"},
            "outcome": {"type": "string"},
            "reason": {"type": "string"},
            "voters": {"type": "integer"},
            "roll_weight": _FRACTION,
            "quorum": {"oneOf": [_FRACTION, {"type": "null"}]},
            "simple": {"type": "object"},
            "ranked": {"type": "object"},
        },
    },
}

register_paths(
    {
        "/ballots/{ballot_id}/votes": {
            "post": {
                "summary": "Cast or change a vote (for yourself or as a proxy)",
                "description": "201 for a new vote (with a receipt on secret ballots), 200 for a "
                "change. 409 `ballot_closed` when the ballot does not accept "
                "votes, 409 `already_voted` for a second vote that cannot be a "
                "change.",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "requestBody": json_body("VoteRequest"),
                "responses": {
                    "201": json_response("Vote recorded", "VoteResult"),
                    "200": json_response("Vote changed", "VoteResult"),
                    **error_responses(400, 401, 403, 404, 409, 422),
                },
            }
        },
        "/ballots/{ballot_id}/votes/mine": {
            "get": {
                "summary": "My status on a ballot: on the roll, voted, proxies given and held",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "responses": {"200": json_response("Status"), **error_responses(401, 404)},
            }
        },
        "/ballots/{ballot_id}/results": {
            "get": {
                "summary": "Results (after close; running results of named ballots for the "
                "secretariat)",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "responses": {
                    "200": json_response("Results", "Results"),
                    **error_responses(401, 404, 409),
                },
            }
        },
        "/ballots/{ballot_id}/roll-call": {
            "get": {
                "summary": "Who voted what on a closed named ballot",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "responses": {"200": json_response("Roll call"), **error_responses(401, 404, 409)},
            }
        },
        "/ballots/{ballot_id}/roll-call.csv": {
            "get": {
                "summary": "The roll call as CSV",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "responses": {
                    "200": {
                        "description": "CSV",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **error_responses(401, 404, 409),
                },
            }
        },
        "/ballots/{ballot_id}/counted": {
            "get": {
                "summary": "The published list of counted ballots of a closed secret ballot",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "responses": {
                    "200": json_response("Counted ballots"),
                    **error_responses(401, 404, 409),
                },
            }
        },
        "/ballots/{ballot_id}/receipts": {
            "post": {
                "summary": "Find my ballot in the published list by its receipt",
                "description": "The receipt goes in the body, never in the URL. 404 when no "
                "counted ballot has it, 409 while the ballot is open or when it is named.",
                "tags": ["votes"],
                "parameters": [BALLOT_ID],
                "requestBody": json_body("ReceiptCheck"),
                "responses": {
                    "200": json_response("The counted ballot"),
                    **error_responses(400, 401, 404, 409, 422),
                },
            }
        },
    },
    schemas=_SCHEMAS,
)
