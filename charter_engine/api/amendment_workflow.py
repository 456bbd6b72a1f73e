"""Amendment endpoints that move a proposed amendment along: workflow actions, merge (into the
charter, or a sub-amendment into its amendment), resolving a conflict, proposing a sub-amendment,
and backing.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from charter_engine import limits
from charter_engine.amendments.backers import add_backer, remove_backer
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import AmendmentBacker
from charter_engine.amendments.operations import resolve_amendment
from charter_engine.amendments.queries import amendment_conflicts, get_amendment
from charter_engine.amendments.sub_amendments import propose_sub_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.amendments.workflow import ACTIONS, STATES, USER_ACTIONS
from charter_engine.api.amendment_json import (
    AMENDMENT_RESPONSES,
    amendment_or_404,
    fresh_amendment_json,
    users_by_id,
)
from charter_engine.api.amendments import proposal_input
from charter_engine.api.charters import user_json
from charter_engine.api.core import (
    ID,
    abort_json,
    actor,
    api_bp,
    bool_field,
    commit,
    int_field,
    json_object,
    optional_json_object,
)
from charter_engine.api.openapi import (
    error_responses,
    json_body,
    json_response,
    path_params,
    register_paths,
)
from charter_engine.context import db
from charter_engine.errors import Conflict, InvalidTransition, StaleVersion


@api_bp.post(f"/amendments/<{ID}:amendment_id>/actions")
def amendments_action(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"action", "version"})
    action = body.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        abort_json(
            422,
            "invalid",
            f"Unknown action; use one of {', '.join(sorted(USER_ACTIONS))}.",
            field="action",
        )
    if action not in USER_ACTIONS:
        hint = {
            "merge": "POST /amendments/<id>/merge",
            "merge_editorial": "POST /amendments/<id>/merge with editorial true",
            "resolve": "POST /amendments/<id>/resolve with the resolved text",
        }.get(action, "it happens through a ballot or a merge")
        abort_json(
            422, "invalid", f"'{action}' is not an action to ask for here: {hint}.", field="action"
        )
    version = int_field(body, "version", required=False)
    amendment = amendment_or_404(amendment_id)
    transition_amendment(db(), amendment, action, actor=actor(), expected_version=version)
    commit()
    return jsonify(state=amendment.state, version=amendment.version)


@api_bp.post(f"/amendments/<{ID}:amendment_id>/merge")
def amendments_merge(amendment_id: int) -> ResponseReturnValue:
    body = optional_json_object(allowed={"editorial", "version"})
    editorial = bool_field(body, "editorial")
    version = int_field(body, "version", required=False)
    session = db()
    amendment = amendment_or_404(amendment_id)
    try:
        revision = merge_amendment(
            session, amendment, actor=actor(), editorial=editorial, expected_version=version
        )
    except StaleVersion:
        raise
    except (Conflict, InvalidTransition) as exc:
        session.rollback()
        conflicts = amendment_conflicts(get_amendment(session, amendment_id))
        if conflicts:
            raise Conflict(exc.message, details={"conflicts": conflicts}) from exc
        raise
    # A sub-amendment merges into its parent's proposed text: no revision then.
    number = revision.number if revision is not None else None
    parent_id = amendment.parent_id
    commit()
    return jsonify(revision=number, merged_into=parent_id)


@api_bp.post(f"/amendments/<{ID}:amendment_id>/resolve")
def amendments_resolve(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"version", "changes", "text"})
    version = int_field(body, "version")
    changes, text = proposal_input(body)
    amendment = amendment_or_404(amendment_id)
    resolve_amendment(
        db(), amendment, actor=actor(), expected_version=version, changes=changes, text=text
    )
    commit()
    return jsonify(fresh_amendment_json(amendment_id))


@api_bp.post(f"/amendments/<{ID}:amendment_id>/sub-amendments")
def amendments_sub_create(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"title", "rationale", "changes", "submit"})
    submit = bool_field(body, "submit")
    changes = body.get("changes")
    if not isinstance(changes, list):
        abort_json(
            422,
            "invalid",
            "'changes' must be a list of {change_id, text} objects.",
            field="changes",
        )
    parent = amendment_or_404(amendment_id)
    sub = propose_sub_amendment(
        db(),
        parent,
        actor=actor(),
        title=body.get("title"),
        rationale=body.get("rationale", ""),
        changes=changes,
        submit=submit,
    )
    sub_id = sub.id
    commit()
    response = jsonify(fresh_amendment_json(sub_id))
    response.status_code = 201
    response.headers["Location"] = url_for("api.amendments_show", amendment_id=sub_id)
    return response


def _backers(amendment_id: int) -> list[dict[str, Any]]:
    session = db()
    rows = (
        session.execute(
            select(AmendmentBacker)
            .where(AmendmentBacker.amendment_id == amendment_id)
            .order_by(AmendmentBacker.created_at, AmendmentBacker.id)
        )
        .scalars()
        .all()
    )
    users = users_by_id({b.user_id for b in rows})
    return [{"user": user_json(users.get(b.user_id)), "kind": b.kind} for b in rows]


@api_bp.post(f"/amendments/<{ID}:amendment_id>/backers")
def amendments_back(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"kind"})
    kind = body.get("kind")
    if not isinstance(kind, str):
        abort_json(422, "invalid", "Give kind: 'cosponsor' or 'supporter'.", field="kind")
    amendment = amendment_or_404(amendment_id)
    add_backer(db(), amendment, actor=actor(), kind=kind)
    commit()
    return jsonify(backers=_backers(amendment_id)), 201


@api_bp.delete(f"/amendments/<{ID}:amendment_id>/backers")
def amendments_unback(amendment_id: int) -> ResponseReturnValue:
    optional_json_object(allowed={"kind"})
    amendment = amendment_or_404(amendment_id)
    remove_backer(db(), amendment, actor=actor())
    commit()
    return jsonify(backers=_backers(amendment_id))


# ---------------------------------------------------------------------------------------------
# OpenAPI

register_paths(
    {
        "/amendments/{amendment_id}/actions": {
            "post": {
                "summary": "Take a workflow action",
                "operationId": "amendmentAction",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["action"],
                        "additionalProperties": False,
                        "properties": {
                            "action": {"type": "string", "enum": sorted(USER_ACTIONS)},
                            "version": {"type": "integer"},
                        },
                    }
                ),
                "responses": {
                    "200": json_response(
                        "The new state",
                        {
                            "type": "object",
                            "required": ["state"],
                            "properties": {
                                "state": {"type": "string", "enum": list(STATES)},
                                "version": {"type": "integer"},
                            },
                        },
                    ),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
        "/amendments/{amendment_id}/sub-amendments": {
            "post": {
                "summary": "Propose a sub-amendment: new text for changes of a pending amendment",
                "operationId": "proposeSubAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["title", "changes"],
                        "additionalProperties": False,
                        "properties": {
                            "title": {"type": "string", "maxLength": limits.TITLE},
                            "rationale": {"type": "string", "maxLength": limits.RATIONALE},
                            "submit": {"type": "boolean"},
                            "changes": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["change_id", "text"],
                                    "properties": {
                                        "change_id": {"type": "integer"},
                                        "text": {
                                            "type": "string",
                                            "maxLength": limits.CLAUSE_TEXT,
                                        },
                                    },
                                },
                            },
                        },
                    }
                ),
                "responses": {
                    "201": json_response("The new sub-amendment", "Amendment"),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
        "/amendments/{amendment_id}/merge": {
            "post": {
                "summary": "Merge into the charter (secretariat); 409 with the conflicts",
                "operationId": "mergeAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "editorial": {"type": "boolean", "default": False},
                                    "version": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": json_response(
                        "The new revision (null for a sub-amendment, which merges into the "
                        "amendment it amends: merged_into)",
                        {
                            "type": "object",
                            "required": ["revision"],
                            "properties": {
                                "revision": {"type": ["integer", "null"]},
                                "merged_into": {"type": ["integer", "null"]},
                            },
                        },
                    ),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
        "/amendments/{amendment_id}/resolve": {
            "post": {
                "summary": "Restate a conflicting amendment against the current text (author)",
                "operationId": "resolveAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body("AmendmentResolution"),
                "responses": {
                    **AMENDMENT_RESPONSES,
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
        "/amendments/{amendment_id}/backers": {
            "post": {
                "summary": "Back an amendment as co-sponsor or supporter",
                "operationId": "backAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["kind"],
                        "additionalProperties": False,
                        "properties": {
                            "kind": {"type": "string", "enum": ["cosponsor", "supporter"]}
                        },
                    }
                ),
                "responses": {
                    "201": json_response("The backers", "Backers"),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            },
            "delete": {
                "summary": "Stop backing an amendment",
                "operationId": "unbackAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "responses": {
                    "200": json_response("The backers", "Backers"),
                    **error_responses(400, 401, 404),
                },
            },
        },
    },
    schemas={
        "AmendmentResolution": {
            "type": "object",
            "required": ["version"],
            "additionalProperties": False,
            "properties": {
                "version": {"type": "integer"},
                "text": {"type": "string", "maxLength": limits.DOCUMENT},
                "changes": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeSpec"}},
            },
        },
        "Backers": {
            "type": "object",
            "properties": {
                "backers": {"type": "array", "items": {"$ref": "#/components/schemas/Backer"}}
            },
        },
    },
)
