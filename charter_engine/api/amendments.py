"""Amendment endpoints: propose (change by change or as the whole edited document), list, read
with diffs against the current text, and edit.

Moving an amendment through the workflow, merging, resolving a conflict, sub-amendments and
backing are in :mod:`.amendment_workflow`; the JSON representation in :mod:`.amendment_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from charter_engine import limits
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.operations import propose_amendment, update_amendment
from charter_engine.amendments.workflow import STATES
from charter_engine.api.amendment_json import (
    AMENDMENT_RESPONSES,
    amendment_json,
    amendment_or_404,
    fresh_amendment_json,
    summary_json,
    users_by_id,
)
from charter_engine.api.charters import charter_or_404
from charter_engine.api.core import (
    ID,
    abort_json,
    actor,
    api_bp,
    bool_field,
    commit,
    int_arg,
    int_field,
    json_object,
)
from charter_engine.api.openapi import (
    error_responses,
    json_body,
    json_response,
    path_params,
    query_param,
    register_paths,
)
from charter_engine.charters.models import Revision
from charter_engine.context import db

PROPOSAL_FIELDS = {"title", "rationale", "base_revision", "text", "changes", "submit"}


def proposal_input(body: dict[str, Any]) -> tuple[object, object]:
    changes, text = body.get("changes"), body.get("text")
    if changes is not None and not isinstance(changes, list):
        abort_json(422, "invalid", "'changes' must be a list of change objects.", field="changes")
    if text is not None and not isinstance(text, str):
        abort_json(422, "invalid", "'text' must be the whole edited document.", field="text")
    return changes, text


@api_bp.post("/charters/<slug>/amendments")
def amendments_create(slug: str) -> ResponseReturnValue:
    body = json_object(allowed=PROPOSAL_FIELDS)
    charter = charter_or_404(slug)
    base_revision = int_field(body, "base_revision", required=False)
    submit = bool_field(body, "submit")
    changes, text = proposal_input(body)
    amendment = propose_amendment(
        db(),
        charter,
        actor=actor(),
        title=body.get("title"),
        rationale=body.get("rationale", ""),
        base_revision=base_revision,
        changes=changes,
        text=text,
        submit=submit,
    )
    amendment_id = amendment.id
    commit()
    response = jsonify(fresh_amendment_json(amendment_id))
    response.status_code = 201
    response.headers["Location"] = url_for("api.amendments_show", amendment_id=amendment_id)
    return response


@api_bp.get("/charters/<slug>/amendments")
def amendments_index(slug: str) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        abort_json(400, "bad_request", f"Unknown state; use one of {', '.join(STATES)}.")
    clause = int_arg("clause")
    author = int_arg("author")
    stmt = (
        select(Amendment)
        .where(Amendment.charter_id == charter.id)
        .options(selectinload(Amendment.changes))
        .order_by(Amendment.number)
    )
    if state is not None:
        stmt = stmt.where(Amendment.state == state)
    if author is not None:
        stmt = stmt.where(Amendment.author_id == author)
    if clause is not None:
        touching = select(AmendmentChange.amendment_id).where(
            or_(AmendmentChange.clause_id == clause, AmendmentChange.after_clause_id == clause)
        )
        stmt = stmt.where(Amendment.id.in_(touching))
    amendments: Sequence[Amendment] = session.execute(stmt).scalars().all()
    users = users_by_id({a.author_id for a in amendments})
    revisions = {
        revision_id: number
        for revision_id, number in session.execute(
            select(Revision.id, Revision.number).where(Revision.charter_id == charter.id)
        )
    }
    return jsonify(amendments=[summary_json(a, users, revisions) for a in amendments])


@api_bp.get(f"/amendments/<{ID}:amendment_id>")
def amendments_show(amendment_id: int) -> ResponseReturnValue:
    return jsonify(amendment_json(amendment_or_404(amendment_id), viewer=actor()))


@api_bp.patch(f"/amendments/<{ID}:amendment_id>")
def amendments_update(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"version", "title", "rationale", "changes", "text"})
    version = int_field(body, "version")
    changes, text = proposal_input(body)
    amendment = amendment_or_404(amendment_id)
    update_amendment(
        db(),
        amendment,
        actor=actor(),
        expected_version=version,
        title=body.get("title"),
        rationale=body.get("rationale"),
        changes=changes,
        text=text,
    )
    commit()
    return jsonify(fresh_amendment_json(amendment_id))


# ---------------------------------------------------------------------------------------------
# OpenAPI

_CHANGE_SPEC = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"type": "string", "enum": ["replace", "insert", "delete", "move"]},
        "clause_id": {"type": "integer", "description": "replace, delete, move"},
        "after_clause_id": {
            "type": ["integer", "null"],
            "description": "insert, move: the clause it goes after; null for the very start",
        },
        "text": {
            "type": "string",
            "maxLength": limits.CLAUSE_TEXT,
            "description": "replace, insert; move (optional)",
        },
    },
}

register_paths(
    {
        "/charters/{slug}/amendments": {
            "get": {
                "summary": "List a charter's amendments",
                "operationId": "listAmendments",
                "tags": ["amendments"],
                "parameters": [
                    *path_params("slug"),
                    query_param(
                        "state",
                        "Only amendments in this state",
                        {"type": "string", "enum": list(STATES)},
                    ),
                    query_param("clause", "Only amendments touching this clause id"),
                    query_param("author", "Only amendments by this user id"),
                ],
                "responses": {
                    "200": json_response(
                        "Amendments by number",
                        {
                            "type": "object",
                            "properties": {
                                "amendments": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/AmendmentSummary"},
                                }
                            },
                        },
                    ),
                    **error_responses(400, 401, 404),
                },
            },
            "post": {
                "summary": "Propose an amendment: the whole edited text, or a list of changes",
                "operationId": "proposeAmendment",
                "tags": ["amendments"],
                "parameters": path_params("slug"),
                "requestBody": json_body("AmendmentProposal"),
                "responses": {
                    "201": json_response("The new amendment", "Amendment"),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            },
        },
        "/amendments/{amendment_id}": {
            "get": {
                "summary": "An amendment with each change's diff against the current text",
                "operationId": "getAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "responses": {**AMENDMENT_RESPONSES, **error_responses(401, 404)},
            },
            "patch": {
                "summary": "Edit an amendment (author); 409 'stale' if the version moved on",
                "operationId": "updateAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body("AmendmentUpdate"),
                "responses": {
                    **AMENDMENT_RESPONSES,
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            },
        },
    },
    schemas={
        "ChangeSpec": _CHANGE_SPEC,
        "AmendmentProposal": {
            "type": "object",
            "required": ["title"],
            "additionalProperties": False,
            "description": "Give exactly one of text (the whole edited document) or changes.",
            "properties": {
                "title": {"type": "string", "maxLength": limits.TITLE},
                "rationale": {"type": "string", "maxLength": limits.RATIONALE},
                "base_revision": {
                    "type": "integer",
                    "description": "The revision the edit was written against (default: head)",
                },
                "text": {"type": "string", "maxLength": limits.DOCUMENT},
                "changes": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeSpec"}},
                "submit": {"type": "boolean", "default": False},
            },
        },
        "AmendmentUpdate": {
            "type": "object",
            "required": ["version"],
            "additionalProperties": False,
            "properties": {
                "version": {"type": "integer"},
                "title": {"type": "string", "maxLength": limits.TITLE},
                "rationale": {"type": "string", "maxLength": limits.RATIONALE},
                "text": {"type": "string", "maxLength": limits.DOCUMENT},
                "changes": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeSpec"}},
            },
        },
    },
)
