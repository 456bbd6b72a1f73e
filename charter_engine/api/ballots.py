"""Ballot endpoints of the JSON API: create, list, read, edit and delete a draft, open and close a
ballot; and their OpenAPI paths. Votes, results and roll calls are in :mod:`.votes`, proxies in
:mod:`.proxies`.

Reading or voting on a ballot whose opening or closing time has passed first opens or closes it in
its own write transaction, so nobody depends on the scheduler having run: a late vote is refused
and a late reader sees the result.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from charter_engine import limits
from charter_engine.api.core import (
    abort_json,
    actor,
    api_bp,
    commit,
    iso_time,
    json_object,
    optional_json_object,
    refuse_unknown_fields,
)
from charter_engine.api.openapi import error_responses, json_body, json_response, register_paths
from charter_engine.charters.queries import get_charter
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.errors import CharterError
from charter_engine.voting import closing, views
from charter_engine.voting import operations as ops
from charter_engine.voting import queries as q
from charter_engine.voting.models import Ballot
from charter_engine.voting.rules import RULE_FIELDS, ratio_text

CREATE_FIELDS = frozenset({"kind", "amendments", "title", "majority", "majorities", *RULE_FIELDS})
UPDATE_FIELDS = frozenset({"title", "majority", "majorities", "version", *RULE_FIELDS})


# --------------------------------------------------------------------------------------------
# helpers


def settled_ballot(ballot_id: int) -> Ballot:
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
        "created_at": iso_time(ballot.created_at),
        "opened_at": iso_time(ballot.opened_at),
        "closed_at": iso_time(ballot.closed_at),
        "version": ballot.version,
        "url": url_for("api.get_ballot", ballot_id=ballot.id),
    }
    if full:
        detail = views.ballot_detail(session, ballot)
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


# --------------------------------------------------------------------------------------------
# ballots


@api_bp.post("/charters/<slug>/ballots")
def create_ballot(slug: str) -> ResponseReturnValue:
    body = json_object()
    refuse_unknown_fields(body, CREATE_FIELDS)
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
        settled_ballot(ballot_id)
    return jsonify(ballots=[ballot_json(b) for b in q.list_ballots(session, charter)])


@api_bp.get("/ballots/<int:ballot_id>")
def get_ballot(ballot_id: int) -> ResponseReturnValue:
    return jsonify(ballot_json(settled_ballot(ballot_id), full=True))


def _version(body: dict[str, Any]) -> int | None:
    """The ballot version the client saw, if it sent one."""
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        abort_json(422, "invalid", "version must be the ballot version you saw.", field="version")
    return version


@api_bp.patch("/ballots/<int:ballot_id>")
def update_ballot(ballot_id: int) -> ResponseReturnValue:
    body = json_object()
    refuse_unknown_fields(body, UPDATE_FIELDS)
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
# OpenAPI

# The ballot id in the path; the vote endpoints (:mod:`.votes`) use it too.
BALLOT_ID = {"name": "ballot_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
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
    # Who is on the roll, frozen when the ballot opens (parsed in voting.rules.parse_rules).
    "roll": {
        "type": "string",
        "enum": ["members", "members_and_secretariat", "chosen"],
        "default": "members",
        "description": "members: active members only (the secretariat does not vote); "
        "members_and_secretariat; chosen: the people named in roll_members.",
    },
    "roll_members": {
        "type": "array",
        "items": {"type": "integer", "minimum": 1},
        "uniqueItems": True,
        "description": 'With roll "chosen" (and only then, at least one): the ids of the voters, '
        "each an active member or secretariat.",
    },
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
            "title": {"type": "string", "maxLength": limits.TITLE},
            **_RULES,
        },
    },
    "BallotUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "maxLength": limits.TITLE},
            "version": {"type": "integer"},
            **_RULES,
        },
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
                "parameters": [BALLOT_ID],
                "responses": {
                    "200": json_response("The ballot", "Ballot"),
                    **error_responses(401, 404),
                },
            },
            "patch": {
                "summary": "Change the title or rules of a draft ballot (frozen once open)",
                "tags": ["ballots"],
                "parameters": [BALLOT_ID],
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
                "parameters": [BALLOT_ID],
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
                "parameters": [BALLOT_ID],
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
                "parameters": [BALLOT_ID],
                "responses": {
                    "200": json_response("The closed ballot", "Ballot"),
                    **error_responses(401, 403, 404, 409),
                },
            }
        },
    },
    schemas=_SCHEMAS,
)
