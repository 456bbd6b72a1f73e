"""Amendment endpoints: propose (change by change or as the whole edited document), list, read
with diffs against the current text, edit, move through the workflow, merge, resolve a conflict,
and back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from charter_engine.accounts.models import User
from charter_engine.amendments.backers import add_backer, remove_backer
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment, AmendmentBacker, AmendmentChange
from charter_engine.amendments.operations import (
    propose_amendment,
    resolve_amendment,
    update_amendment,
)
from charter_engine.amendments.queries import amendment_conflicts, fingerprint, get_amendment
from charter_engine.amendments.sub_amendments import propose_sub_amendment
from charter_engine.amendments.transitions import actions_for, transition_amendment
from charter_engine.amendments.workflow import ACTIONS, STATES, USER_ACTIONS
from charter_engine.api import api_bp
from charter_engine.api.charters import charter_or_404, pieces_json, user_json
from charter_engine.api.core import (
    ID,
    abort_json,
    actor,
    bool_field,
    commit,
    int_arg,
    int_field,
    json_object,
    known_id,
    optional_json_object,
)
from charter_engine.api.openapi import (
    error_responses,
    json_body,
    json_response,
    path_params,
    query_param,
    register_paths,
)
from charter_engine.charters.models import Charter, Revision, RevisionClause
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.errors import Conflict, InvalidTransition
from charter_engine.text import diff_words
from charter_engine.web.context import db

PROPOSAL_FIELDS = {"title", "rationale", "base_revision", "text", "changes", "submit"}


def amendment_or_404(amendment_id: int) -> Amendment:
    return get_amendment(db(), known_id(amendment_id, "amendment"))


def _users(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db().execute(select(User).where(User.id.in_(ids))).scalars()}


def _revision_number(revision_id: int | None) -> int | None:
    if revision_id is None:
        return None
    revision = db().get(Revision, revision_id)
    return revision.number if revision is not None else None


def _change_json(change: AmendmentChange, head: dict[int, RevisionClause]) -> dict[str, Any]:
    """A change with its diff against the current text of the clause it touches."""
    current = head.get(change.clause_id) if change.clause_id is not None else None
    current_text = current.version.text if current is not None else None
    diff: list[tuple[int, str]] | None
    if change.target_change_id is not None:  # a sub-amendment: against the amended proposal
        diff = diff_words(change.base_text or "", change.new_text or "")
    elif change.kind == "insert":
        diff = [(1, change.new_text or "")]
    elif current_text is None:
        diff = None  # the clause is no longer in the text
    elif change.kind == "delete":
        diff = [(-1, current_text)]
    elif change.new_text is not None:
        diff = diff_words(current_text, change.new_text)
    else:  # a move that keeps the text
        diff = [(0, current_text)]
    after = head.get(change.after_clause_id) if change.after_clause_id is not None else None
    return {
        "id": change.id,
        "position": change.position + 1,
        "kind": change.kind,
        "target_change_id": change.target_change_id,
        "clause_id": change.clause_id,
        "clause_number": current.number if current is not None else None,
        "after_clause_id": change.after_clause_id,
        "after_clause_number": after.number if after is not None else None,
        "base_version_id": change.base_version_id,
        "text": change.new_text,
        "current_text": current_text,
        "diff": pieces_json(diff),
    }


def _head_rows(charter: Charter) -> dict[int, RevisionClause]:
    session = db()
    head = get_revision(session, charter)
    return {rc.clause_id: rc for rc in revision_clauses(session, head)}


def amendment_json(amendment: Amendment, *, viewer: User | None) -> dict[str, Any]:
    session = db()
    charter = session.get(Charter, amendment.charter_id)
    assert charter is not None
    head = _head_rows(charter)
    users = _users({amendment.author_id} | {b.user_id for b in amendment.backers})
    return {
        "id": amendment.id,
        "number": amendment.number,
        "charter": charter.slug,
        "title": amendment.title,
        "rationale": amendment.rationale,
        "state": amendment.state,
        "author": user_json(users.get(amendment.author_id)),
        "base_revision": _revision_number(amendment.base_revision_id),
        "head_revision": charter.head_revision_number,
        "merged_revision": _revision_number(amendment.merged_revision_id),
        "editorial": amendment.editorial,
        "parent_id": amendment.parent_id,
        "version": amendment.version,
        "fingerprint": fingerprint(amendment),
        "created_at": amendment.created_at.isoformat(),
        "updated_at": amendment.updated_at.isoformat(),
        "submitted_at": amendment.submitted_at.isoformat() if amendment.submitted_at else None,
        "changes": [_change_json(c, head) for c in amendment.changes],
        "backers": [
            {"user": user_json(users.get(b.user_id)), "kind": b.kind}
            for b in sorted(amendment.backers, key=lambda b: (b.created_at, b.id))
        ],
        "conflicts": amendment_conflicts(amendment) if amendment.state == "needs_rebase" else [],
        "actions": actions_for(viewer, amendment),
    }


def _fresh(amendment_id: int) -> dict[str, Any]:
    """The amendment as committed, read again (versions and rows may have moved on flush)."""
    session = db()
    session.expire_all()
    return amendment_json(get_amendment(session, amendment_id), viewer=actor())


def _summary_json(
    amendment: Amendment, users: dict[int, User], revisions: dict[int, int]
) -> dict[str, Any]:
    return {
        "id": amendment.id,
        "number": amendment.number,
        "title": amendment.title,
        "state": amendment.state,
        "author": user_json(users.get(amendment.author_id)),
        "base_revision": revisions.get(amendment.base_revision_id),
        "editorial": amendment.editorial,
        "parent_id": amendment.parent_id,
        "version": amendment.version,
        "created_at": amendment.created_at.isoformat(),
        "updated_at": amendment.updated_at.isoformat(),
        "clause_ids": sorted({c.clause_id for c in amendment.changes if c.clause_id is not None}),
        "change_count": len(amendment.changes),
    }


def _proposal_input(body: dict[str, Any]) -> tuple[object, object]:
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
    changes, text = _proposal_input(body)
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
    response = jsonify(_fresh(amendment_id))
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
    users = _users({a.author_id for a in amendments})
    revisions = {
        revision_id: number
        for revision_id, number in session.execute(
            select(Revision.id, Revision.number).where(Revision.charter_id == charter.id)
        )
    }
    return jsonify(amendments=[_summary_json(a, users, revisions) for a in amendments])


@api_bp.get(f"/amendments/<{ID}:amendment_id>")
def amendments_show(amendment_id: int) -> ResponseReturnValue:
    return jsonify(amendment_json(amendment_or_404(amendment_id), viewer=actor()))


@api_bp.patch(f"/amendments/<{ID}:amendment_id>")
def amendments_update(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"version", "title", "rationale", "changes", "text"})
    version = int_field(body, "version")
    changes, text = _proposal_input(body)
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
    return jsonify(_fresh(amendment_id))


def _check_version(amendment: Amendment, body: dict[str, Any]) -> None:
    version = int_field(body, "version", required=False)
    if version is not None and version != amendment.version:
        abort_json(
            409,
            "stale",
            "This amendment was changed by someone else since you opened it.",
            details={"version": amendment.version},
        )


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
    amendment = amendment_or_404(amendment_id)
    _check_version(amendment, body)
    transition_amendment(db(), amendment, action, actor=actor())
    commit()
    return jsonify(state=amendment.state, version=amendment.version)


@api_bp.post(f"/amendments/<{ID}:amendment_id>/merge")
def amendments_merge(amendment_id: int) -> ResponseReturnValue:
    body = optional_json_object(allowed={"editorial", "version"})
    editorial = bool_field(body, "editorial")
    session = db()
    amendment = amendment_or_404(amendment_id)
    _check_version(amendment, body)
    try:
        revision = merge_amendment(session, amendment, actor=actor(), editorial=editorial)
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
    changes, text = _proposal_input(body)
    amendment = amendment_or_404(amendment_id)
    resolve_amendment(
        db(), amendment, actor=actor(), expected_version=version, changes=changes, text=text
    )
    commit()
    return jsonify(_fresh(amendment_id))


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
    response = jsonify(_fresh(sub_id))
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
    users = _users({b.user_id for b in rows})
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
        "text": {"type": "string", "description": "replace, insert; move (optional)"},
    },
}
_AMENDMENT_RESPONSES = {
    "200": json_response("The amendment", "Amendment"),
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
                "responses": {**_AMENDMENT_RESPONSES, **error_responses(401, 404)},
            },
            "patch": {
                "summary": "Edit an amendment (author); 409 'stale' if the version moved on",
                "operationId": "updateAmendment",
                "tags": ["amendments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body("AmendmentUpdate"),
                "responses": {
                    **_AMENDMENT_RESPONSES,
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            },
        },
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
                            "title": {"type": "string"},
                            "rationale": {"type": "string"},
                            "submit": {"type": "boolean"},
                            "changes": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["change_id", "text"],
                                    "properties": {
                                        "change_id": {"type": "integer"},
                                        "text": {"type": "string"},
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
                    **_AMENDMENT_RESPONSES,
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
        "ChangeSpec": _CHANGE_SPEC,
        "AmendmentProposal": {
            "type": "object",
            "required": ["title"],
            "additionalProperties": False,
            "description": "Give exactly one of text (the whole edited document) or changes.",
            "properties": {
                "title": {"type": "string", "maxLength": 300},
                "rationale": {"type": "string"},
                "base_revision": {
                    "type": "integer",
                    "description": "The revision the edit was written against (default: head)",
                },
                "text": {"type": "string"},
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
                "title": {"type": "string"},
                "rationale": {"type": "string"},
                "text": {"type": "string"},
                "changes": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeSpec"}},
            },
        },
        "AmendmentResolution": {
            "type": "object",
            "required": ["version"],
            "additionalProperties": False,
            "properties": {
                "version": {"type": "integer"},
                "text": {"type": "string"},
                "changes": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeSpec"}},
            },
        },
        "Backer": {
            "type": "object",
            "properties": {
                "user": {"$ref": "#/components/schemas/UserRef"},
                "kind": {"type": "string", "enum": ["cosponsor", "supporter"]},
            },
        },
        "Backers": {
            "type": "object",
            "properties": {
                "backers": {"type": "array", "items": {"$ref": "#/components/schemas/Backer"}}
            },
        },
        "AmendmentSummary": {
            "type": "object",
            "required": ["id", "number", "title", "state"],
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "integer"},
                "title": {"type": "string"},
                "state": {"type": "string", "enum": list(STATES)},
                "author": {"$ref": "#/components/schemas/UserRef"},
                "base_revision": {"type": ["integer", "null"]},
                "editorial": {"type": "boolean"},
                "parent_id": {"type": ["integer", "null"]},
                "version": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "clause_ids": {"type": "array", "items": {"type": "integer"}},
                "change_count": {"type": "integer"},
            },
        },
        "Amendment": {
            "type": "object",
            "required": ["id", "number", "state", "changes", "version", "fingerprint", "actions"],
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "integer"},
                "charter": {"type": "string"},
                "title": {"type": "string"},
                "rationale": {"type": "string"},
                "state": {"type": "string", "enum": list(STATES)},
                "author": {"$ref": "#/components/schemas/UserRef"},
                "base_revision": {"type": ["integer", "null"]},
                "head_revision": {"type": "integer"},
                "merged_revision": {"type": ["integer", "null"]},
                "editorial": {"type": "boolean"},
                "parent_id": {"type": ["integer", "null"]},
                "version": {"type": "integer", "description": "Send it back when editing"},
                "fingerprint": {"type": "string", "description": "SHA-256 of what it proposes"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "changes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "position", "kind", "diff"],
                        "properties": {
                            "id": {"type": "integer"},
                            "target_change_id": {
                                "type": ["integer", "null"],
                                "description": "Sub-amendments: the parent's change amended",
                            },
                            "position": {"type": "integer"},
                            "kind": {
                                "type": "string",
                                "enum": ["replace", "insert", "delete", "move"],
                            },
                            "clause_id": {"type": ["integer", "null"]},
                            "clause_number": {"type": ["string", "null"]},
                            "after_clause_id": {"type": ["integer", "null"]},
                            "after_clause_number": {"type": ["string", "null"]},
                            "base_version_id": {"type": ["integer", "null"]},
                            "text": {"type": ["string", "null"]},
                            "current_text": {"type": ["string", "null"]},
                            "diff": {
                                "description": "Against the current text of the clause (for a "
                                "sub-amendment, against the proposal it amends); null when the "
                                "clause is no longer in the text",
                                "oneOf": [
                                    {"$ref": "#/components/schemas/DiffPieces"},
                                    {"type": "null"},
                                ],
                            },
                        },
                    },
                },
                "backers": {"type": "array", "items": {"$ref": "#/components/schemas/Backer"}},
                "conflicts": {
                    "type": "array",
                    "description": "While needs_rebase: what collides with the current text",
                    "items": {"type": "object"},
                },
                "actions": {
                    "type": "array",
                    "description": "Workflow actions the caller may take now",
                    "items": {"type": "string"},
                },
            },
        },
    },
)
