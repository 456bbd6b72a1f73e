"""Ballot, vote and proxy endpoints of the JSON API, and their OpenAPI paths.

Reading or voting on a ballot whose opening or closing time has passed first opens or closes it in
its own write transaction, so nobody depends on the scheduler having run: a late vote is refused
and a late reader sees the result.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import Response, jsonify, url_for
from flask.typing import ResponseReturnValue

from charter_engine.accounts.models import User
from charter_engine.api import api_bp
from charter_engine.api.core import (
    abort_json,
    actor,
    commit,
    holder,
    json_object,
    optional_json_object,
)
from charter_engine.api.openapi import error_responses, json_body, json_response, register_paths
from charter_engine.charters.queries import get_charter
from charter_engine.db import utcnow
from charter_engine.errors import CharterError
from charter_engine.voting import casting, closing
from charter_engine.voting import operations as ops
from charter_engine.voting import proxies as proxy_ops
from charter_engine.voting import queries as q
from charter_engine.voting.models import Ballot, Proxy
from charter_engine.voting.rules import RULE_FIELDS, fraction_text, json_number, ratio_text
from charter_engine.web.context import db

CREATE_FIELDS = frozenset({"kind", "amendments", "title", "majority", "majorities", *RULE_FIELDS})
UPDATE_FIELDS = frozenset({"title", "majority", "majorities", "version", *RULE_FIELDS})
VOTE_FIELDS = frozenset({"choice", "ranking", "on_behalf_of", "receipt"})
PROXY_FIELDS = frozenset({"agent_id", "ballot_id"})


# --------------------------------------------------------------------------------------------
# helpers


def _only(body: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        abort_json(
            422,
            "invalid",
            f"Unknown field(s): {', '.join(unknown)}.",
            field=unknown[0],
        )


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _settled(ballot_id: int) -> Ballot:
    """The ballot, opened or closed first if its schedule says so (see the module docstring)."""
    session = db()
    ballot = q.get_ballot(session, ballot_id)
    if closing.ballot_due(ballot):
        # Leave the (possibly read-only) transaction and do the change in a write transaction.
        session.rollback()
        try:
            closing.settle_ballot(session, ballot_id)
            session.commit()
        except CharterError:
            # A scheduled opening that cannot happen (the amendment moved on): show it as it is.
            session.rollback()
        ballot = q.get_ballot(session, ballot_id)
    return ballot


def ballot_json(ballot: Ballot, *, full: bool = False) -> dict[str, Any]:
    session = db()
    rules = q.rules_of(ballot)
    body: dict[str, Any] = {
        "id": ballot.id,
        "kind": ballot.kind,
        "title": ballot.title,
        "state": ballot.state,
        "accepting_votes": q.accepting_votes(ballot, utcnow()),
        "rules": ops.rules_payload(rules),
        "revision": ballot.revision_number,
        "text_sha256": ballot.text_sha256,
        "roll_count": ballot.roll_count,
        "outcome": ballot.outcome,
        "created_at": _time(ballot.created_at),
        "opened_at": _time(ballot.opened_at),
        "closed_at": _time(ballot.closed_at),
        "version": ballot.version,
        "url": url_for("api.get_ballot", ballot_id=ballot.id),
    }
    if full:
        detail = q.ballot_detail(session, ballot)
        body["charter"] = detail.charter_slug
        body["votes_cast"] = detail.votes_cast
        body["options"] = [
            {
                "key": o.key,
                "label": o.label,
                "default": o.is_default,
                "amendment_id": o.amendment_id,
                "amendment_number": o.amendment_number,
                "amendment_state": o.amendment_state,
                "fingerprint": o.fingerprint,
                "majority": ratio_text(o.majority) if ballot.kind == "ranked" else None,
                "changes": [
                    {
                        "kind": c.kind,
                        "clause_id": c.clause_id,
                        "after_clause_id": c.after_clause_id,
                        "text": c.text,
                    }
                    for c in o.changes
                ],
            }
            for o in detail.options
        ]
    else:
        body["options"] = [o.key for o in ballot.options]
    return body


def proxy_json(proxy: Proxy) -> dict[str, Any]:
    session = db()
    principal = session.get(User, proxy.principal_id)
    agent = session.get(User, proxy.agent_id)
    return {
        "id": proxy.id,
        "principal": {"id": proxy.principal_id, "name": principal.name if principal else None},
        "agent": {"id": proxy.agent_id, "name": agent.name if agent else None},
        "ballot_id": proxy.ballot_id,
        "scope": "ballot" if proxy.ballot_id else "all",
        "active": proxy.revoked_at is None,
        "created_at": _time(proxy.created_at),
        "revoked_at": _time(proxy.revoked_at),
    }


def _ranking_text(ranking: dict[str, int] | None) -> str:
    if not ranking:
        return ""
    return ";".join(f"{k}={v}" for k, v in sorted(ranking.items(), key=lambda kv: (kv[1], kv[0])))


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --------------------------------------------------------------------------------------------
# ballots


@api_bp.post("/charters/<slug>/ballots")
def create_ballot(slug: str) -> ResponseReturnValue:
    body = json_object()
    _only(body, CREATE_FIELDS)
    session = db()
    charter = get_charter(session, slug)
    rules = {k: v for k, v in body.items() if k not in ("kind", "amendments", "title")}
    ballot = ops.create_ballot(
        session,
        charter,
        actor=actor(),
        kind=body.get("kind"),
        amendments=body.get("amendments"),
        title=body.get("title"),
        rules=rules,
    )
    commit()
    response = jsonify(ballot_json(ballot, full=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_ballot", ballot_id=ballot.id)
    return response


@api_bp.get("/charters/<slug>/ballots")
def list_ballots(slug: str) -> ResponseReturnValue:
    session = db()
    charter = get_charter(session, slug)
    now = utcnow()
    due = [b.id for b in q.list_ballots(session, charter) if closing.ballot_due(b, now)]
    for ballot_id in due:
        _settled(ballot_id)
    return jsonify(ballots=[ballot_json(b) for b in q.list_ballots(session, charter)])


@api_bp.get("/ballots/<int:ballot_id>")
def get_ballot(ballot_id: int) -> ResponseReturnValue:
    return jsonify(ballot_json(_settled(ballot_id), full=True))


def _version(body: dict[str, Any]) -> int | None:
    """The ballot version the client saw, if it sent one."""
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        abort_json(422, "invalid", "version must be the ballot version you saw.", field="version")
    return version


@api_bp.patch("/ballots/<int:ballot_id>")
def update_ballot(ballot_id: int) -> ResponseReturnValue:
    body = json_object()
    _only(body, UPDATE_FIELDS)
    version = _version(body)
    session = db()
    ballot = q.get_ballot(session, ballot_id)
    ballot = ops.update_ballot(session, ballot, actor=actor(), data=body, expected_version=version)
    commit()
    return jsonify(ballot_json(ballot, full=True))


@api_bp.delete("/ballots/<int:ballot_id>")
def delete_ballot(ballot_id: int) -> ResponseReturnValue:
    body = optional_json_object(allowed={"version"})
    version = _version(body)
    session = db()
    ops.delete_ballot(
        session, q.get_ballot(session, ballot_id), actor=actor(), expected_version=version
    )
    commit()
    return "", 204


@api_bp.post("/ballots/<int:ballot_id>/open")
def open_ballot(ballot_id: int) -> ResponseReturnValue:
    session = db()
    ballot = ops.open_ballot(session, q.get_ballot(session, ballot_id), actor=actor())
    commit()
    return jsonify(ballot_json(ballot, full=True))


@api_bp.post("/ballots/<int:ballot_id>/close")
def close_ballot(ballot_id: int) -> ResponseReturnValue:
    session = db()
    ballot = closing.close_ballot(session, q.get_ballot(session, ballot_id), actor=actor())
    commit()
    return jsonify(ballot_json(ballot, full=True))


# --------------------------------------------------------------------------------------------
# votes


@api_bp.post("/ballots/<int:ballot_id>/votes")
def cast_vote(ballot_id: int) -> ResponseReturnValue:
    body = json_object()
    _only(body, VOTE_FIELDS)
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
        _settled(ballot_id)
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
    ballot = _settled(ballot_id)
    status = q.voter_status(db(), ballot, actor(), now=utcnow())
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
    ballot = _settled(ballot_id)
    found = q.ballot_results(db(), ballot, viewer=actor())
    return jsonify({"ballot_id": ballot.id, "final": found.final, **found.data})


@api_bp.get("/ballots/<int:ballot_id>/roll-call")
def roll_call(ballot_id: int) -> ResponseReturnValue:
    ballot = _settled(ballot_id)
    rows = q.roll_call(db(), ballot)
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
                "cast_at": _time(r.cast_at),
            }
            for r in rows
        ],
    )


@api_bp.get("/ballots/<int:ballot_id>/roll-call.csv")
def roll_call_csv(ballot_id: int) -> ResponseReturnValue:
    ballot = _settled(ballot_id)
    rows = q.roll_call(db(), ballot)
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
                _time(r.cast_at) or "",
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="ballot-{ballot.id}-roll-call.csv"'},
    )


@api_bp.get("/ballots/<int:ballot_id>/counted")
def counted(ballot_id: int) -> ResponseReturnValue:
    ballot = _settled(ballot_id)
    rows = q.counted_ballots(db(), ballot)
    return jsonify(
        ballot_id=ballot.id,
        ballots=[
            {"receipt_hash": r.receipt_hash, "choice": r.choice, "ranking": r.ranking} for r in rows
        ],
    )


@api_bp.get("/ballots/<int:ballot_id>/receipts/<code>")
def verify_receipt(ballot_id: int, code: str) -> ResponseReturnValue:
    ballot = _settled(ballot_id)
    found = q.verify_receipt(db(), ballot, code)
    return jsonify(
        ballot_id=ballot.id,
        counted=True,
        receipt_hash=found.receipt_hash,
        choice=found.choice,
        ranking=found.ranking,
    )


# --------------------------------------------------------------------------------------------
# proxies


@api_bp.get("/proxies")
def list_proxies() -> ResponseReturnValue:
    given, held = q.list_proxies(db(), actor())
    return jsonify(given=[proxy_json(p) for p in given], held=[proxy_json(p) for p in held])


@api_bp.post("/proxies")
def give_proxy() -> ResponseReturnValue:
    body = json_object()
    _only(body, PROXY_FIELDS)
    if "agent_id" not in body:
        abort_json(
            422, "invalid", "Name the member who will vote for you (agent_id).", field="agent_id"
        )
    proxy = proxy_ops.give_proxy(
        db(), actor=actor(), agent_id=body.get("agent_id"), ballot_id=body.get("ballot_id")
    )
    commit()
    return jsonify(proxy_json(proxy)), 201


@api_bp.post("/proxies/<int:proxy_id>/revoke")
def revoke_proxy(proxy_id: int) -> ResponseReturnValue:
    proxy = proxy_ops.revoke_proxy(db(), proxy_id, actor=actor())
    commit()
    return jsonify(proxy_json(proxy))


# --------------------------------------------------------------------------------------------
# OpenAPI

_ID = {"name": "ballot_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_FRACTION = {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\d+/\d+$"}]}
_RULES = {
    "threshold": {
        "type": "string",
        "enum": ["simple", "two_thirds", "three_quarters", "consensus"],
    },
    "abstentions_count": {"type": "boolean"},
    "quorum": {
        "oneOf": [
            {"type": "null"},
            {
                "type": "object",
                "required": ["share"],
                "properties": {
                    "share": {
                        "type": ["string", "number"],
                        "description": 'Share of the roll: "1/3", 0.25 or "25%"',
                    }
                },
            },
            {
                "type": "object",
                "required": ["votes"],
                "properties": {"votes": {"type": "integer", "minimum": 1}},
            },
        ]
    },
    "opens_at": {"type": ["string", "null"], "format": "date-time"},
    "closes_at": {"type": ["string", "null"], "format": "date-time"},
    "allow_change": {"type": "boolean"},
    "secrecy": {"type": "string", "enum": ["named", "secret"]},
    "weighting": {
        "type": "string",
        "enum": ["member", "organisation"],
        "description": "organisation: each organisation weighs 1, split equally among "
        "its eligible members. Secret ballots use member.",
    },
    "unranked": {"type": "string", "enum": ["below", "ignore"]},
    "majority": {
        "type": ["string", "number"],
        "description": 'Ranked ballots: ratio every option needs against "keep", e.g. "3:1"',
    },
    "majorities": {
        "type": "object",
        "additionalProperties": {"type": ["string", "number"]},
        "description": "Ranked ballots: ratio per amendment id",
    },
}
_SCHEMAS = {
    "BallotCreate": {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "enum": ["amendment", "ranked", "adoption"]},
            "amendments": {"type": "array", "items": {"type": "integer"}},
            "title": {"type": "string", "maxLength": 300},
            **_RULES,
        },
    },
    "BallotUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"title": {"type": "string"}, "version": {"type": "integer"}, **_RULES},
    },
    "Ballot": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "title": {"type": "string"},
            "state": {"type": "string", "enum": ["draft", "open", "closed"]},
            "accepting_votes": {"type": "boolean"},
            "rules": {"type": "object"},
            "revision": {"type": ["integer", "null"]},
            "text_sha256": {"type": ["string", "null"]},
            "roll_count": {"type": ["integer", "null"]},
            "outcome": {
                "type": ["string", "null"],
                "enum": ["adopted", "rejected", "kept", "tie", "void", None],
            },
            "options": {"type": "array"},
            "votes_cast": {"type": "integer"},
            "version": {"type": "integer"},
        },
    },
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
    "Proxy": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "principal": {"type": "object"},
            "agent": {"type": "object"},
            "ballot_id": {"type": ["integer", "null"]},
            "scope": {"type": "string", "enum": ["ballot", "all"]},
            "active": {"type": "boolean"},
        },
    },
    "ProxyRequest": {
        "type": "object",
        "required": ["agent_id"],
        "additionalProperties": False,
        "properties": {
            "agent_id": {"type": "integer"},
            "ballot_id": {
                "type": ["integer", "null"],
                "description": "one ballot; omit for all ballots until revoked",
            },
        },
    },
}

register_paths(
    {
        "/charters/{slug}/ballots": {
            "post": {
                "summary": "Create a draft ballot with its rules (secretariat)",
                "tags": ["ballots"],
                "parameters": [_SLUG],
                "requestBody": json_body("BallotCreate"),
                "responses": {
                    "201": json_response("The draft ballot", "Ballot"),
                    **error_responses(400, 401, 403, 404, 409, 422),
                },
            },
            "get": {
                "summary": "The charter's ballots, newest first",
                "tags": ["ballots"],
                "parameters": [_SLUG],
                "responses": {
                    "200": json_response(
                        "Ballots",
                        {
                            "type": "object",
                            "properties": {
                                "ballots": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Ballot"},
                                }
                            },
                        },
                    ),
                    **error_responses(401, 404),
                },
            },
        },
        "/ballots/{ballot_id}": {
            "get": {
                "summary": "A ballot with its rules, options and the text they pin",
                "tags": ["ballots"],
                "parameters": [_ID],
                "responses": {
                    "200": json_response("The ballot", "Ballot"),
                    **error_responses(401, 404),
                },
            },
            "patch": {
                "summary": "Change the title or rules of a draft ballot (frozen once open)",
                "tags": ["ballots"],
                "parameters": [_ID],
                "requestBody": json_body("BallotUpdate"),
                "responses": {
                    "200": json_response("The ballot", "Ballot"),
                    **error_responses(400, 401, 403, 404, 409, 422),
                },
            },
            "delete": {
                "summary": "Delete a draft ballot, with its options and the proxies given for it "
                "(secretariat; refused once it has opened)",
                "tags": ["ballots"],
                "parameters": [_ID],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "version": {
                                        "type": "integer",
                                        "description": "The ballot version you saw; a newer "
                                        "one answers 409.",
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "204": {"description": "Deleted"},
                    **error_responses(400, 401, 403, 404, 409, 422),
                },
            },
        },
        "/ballots/{ballot_id}/open": {
            "post": {
                "summary": "Open: pin the text, freeze the roll (secretariat)",
                "tags": ["ballots"],
                "parameters": [_ID],
                "responses": {
                    "200": json_response("The open ballot", "Ballot"),
                    **error_responses(401, 403, 404, 409),
                },
            }
        },
        "/ballots/{ballot_id}/close": {
            "post": {
                "summary": "Close, count and carry out the decision (secretariat)",
                "tags": ["ballots"],
                "parameters": [_ID],
                "responses": {
                    "200": json_response("The closed ballot", "Ballot"),
                    **error_responses(401, 403, 404, 409),
                },
            }
        },
        "/ballots/{ballot_id}/votes": {
            "post": {
                "summary": "Cast or change a vote (for yourself or as a proxy)",
                "description": "201 for a new vote (with a receipt on secret ballots), 200 for a "
                "change. 409 `ballot_closed` when the ballot does not accept "
                "votes, 409 `already_voted` for a second vote that cannot be a "
                "change.",
                "tags": ["votes"],
                "parameters": [_ID],
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
                "parameters": [_ID],
                "responses": {"200": json_response("Status"), **error_responses(401, 404)},
            }
        },
        "/ballots/{ballot_id}/results": {
            "get": {
                "summary": "Results (after close; running results of named ballots for the "
                "secretariat)",
                "tags": ["votes"],
                "parameters": [_ID],
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
                "parameters": [_ID],
                "responses": {"200": json_response("Roll call"), **error_responses(401, 404, 409)},
            }
        },
        "/ballots/{ballot_id}/roll-call.csv": {
            "get": {
                "summary": "The roll call as CSV",
                "tags": ["votes"],
                "parameters": [_ID],
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
                "parameters": [_ID],
                "responses": {
                    "200": json_response("Counted ballots"),
                    **error_responses(401, 404, 409),
                },
            }
        },
        "/ballots/{ballot_id}/receipts/{code}": {
            "get": {
                "summary": "Find my ballot in the published list by its receipt",
                "tags": ["votes"],
                "parameters": [
                    _ID,
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": json_response("The counted ballot"),
                    **error_responses(401, 404, 409),
                },
            }
        },
        "/proxies": {
            "get": {
                "summary": "Proxies I gave and proxies I hold",
                "tags": ["proxies"],
                "responses": {"200": json_response("Proxies"), **error_responses(401)},
            },
            "post": {
                "summary": "Give my vote to another member, for one ballot or until revoked",
                "tags": ["proxies"],
                "requestBody": json_body("ProxyRequest"),
                "responses": {
                    "201": json_response("The proxy", "Proxy"),
                    **error_responses(400, 401, 403, 409, 422),
                },
            },
        },
        "/proxies/{proxy_id}/revoke": {
            "post": {
                "summary": "Revoke a proxy (refused once it was used for its one ballot)",
                "tags": ["proxies"],
                "parameters": [
                    {
                        "name": "proxy_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": json_response("The revoked proxy", "Proxy"),
                    **error_responses(401, 404, 409),
                },
            }
        },
    },
    schemas=_SCHEMAS,
)
