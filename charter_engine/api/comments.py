"""Comment endpoints: threaded comments on a clause (optionally anchored to a quoted passage, shown
on the clause's current version with ``outdated`` when the passage was rewritten) and on an
amendment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from charter_engine import limits
from charter_engine.accounts.models import User
from charter_engine.api.amendment_json import amendment_or_404
from charter_engine.api.charters import charter_or_404, user_json
from charter_engine.api.core import ID, actor, api_bp, commit, int_field, json_object, known_id
from charter_engine.api.openapi import (
    error_responses,
    json_body,
    json_response,
    path_params,
    register_paths,
)
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.charters.queries import get_clause
from charter_engine.comments.models import Comment
from charter_engine.comments.operations import (
    anchor_for_version,
    create_comment,
    list_comments,
    parse_anchor,
)
from charter_engine.context import db

COMMENT_FIELDS = {"body", "parent_id", "anchor"}


def _current_version_id(charter: Charter, clause_id: int) -> int | None:
    """The clause's version in the head revision; None when the clause was deleted."""
    version_id: int | None = (
        db()
        .execute(
            select(ClauseVersion.id)
            .join(RevisionClause, RevisionClause.clause_version_id == ClauseVersion.id)
            .join(Revision, Revision.id == RevisionClause.revision_id)
            .where(
                Revision.charter_id == charter.id,
                Revision.number == charter.head_revision_number,
                RevisionClause.clause_id == clause_id,
            )
        )
        .scalar_one_or_none()
    )
    return version_id


def _comment_json(
    comment: Comment, users: dict[int, User], current_version_id: int | None
) -> dict[str, Any]:
    anchor_json: dict[str, Any] | None = None
    if comment.anchors:
        anchor = anchor_for_version(comment, current_version_id or -1)
        assert anchor is not None
        on_current = anchor.clause_version_id == current_version_id
        anchor_json = {
            "start": anchor.start_offset,
            "end": anchor.end_offset,
            "quote": anchor.quote,
            "version_id": anchor.clause_version_id,
            "outdated": anchor.outdated or not on_current,
        }
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "clause_id": comment.clause_id,
        "amendment_id": comment.amendment_id,
        "author": user_json(users.get(comment.author_id)),
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
        "anchor": anchor_json,
    }


def _comments_json(comments: Sequence[Comment], current_version_id: int | None) -> list[Any]:
    ids = {c.author_id for c in comments}
    users = (
        {u.id: u for u in db().execute(select(User).where(User.id.in_(ids))).scalars()}
        if ids
        else {}
    )
    return [_comment_json(c, users, current_version_id) for c in comments]


def _parent_id(body: dict[str, Any]) -> int | None:
    return int_field(body, "parent_id", required=False)


@api_bp.get(f"/charters/<slug>/clauses/<{ID}:clause_id>/comments")
def clause_comments_index(slug: str, clause_id: int) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    get_clause(session, charter, known_id(clause_id, "clause"))
    current = _current_version_id(charter, clause_id)
    comments = list_comments(session, charter, clause_id=clause_id)
    return jsonify(
        clause_id=clause_id,
        current_version_id=current,
        comments=_comments_json(comments, current),
    )


@api_bp.post(f"/charters/<slug>/clauses/<{ID}:clause_id>/comments")
def clause_comments_create(slug: str, clause_id: int) -> ResponseReturnValue:
    body = json_object(allowed=COMMENT_FIELDS)
    session = db()
    charter = charter_or_404(slug)
    get_clause(session, charter, known_id(clause_id, "clause"))
    comment = create_comment(
        session,
        charter,
        actor=actor(),
        body=body.get("body"),
        clause_id=clause_id,
        parent_id=_parent_id(body),
        anchor=parse_anchor(body.get("anchor")),
    )
    current = _current_version_id(charter, clause_id)
    answer = _comments_json([comment], current)[0]
    commit()
    return jsonify(answer), 201


@api_bp.get(f"/amendments/<{ID}:amendment_id>/comments")
def amendment_comments_index(amendment_id: int) -> ResponseReturnValue:
    session = db()
    amendment = amendment_or_404(amendment_id)
    charter = session.get(Charter, amendment.charter_id)
    assert charter is not None
    comments = list_comments(session, charter, amendment_id=amendment.id)
    return jsonify(amendment_id=amendment.id, comments=_comments_json(comments, None))


@api_bp.post(f"/amendments/<{ID}:amendment_id>/comments")
def amendment_comments_create(amendment_id: int) -> ResponseReturnValue:
    body = json_object(allowed={"body", "parent_id"})
    session = db()
    amendment = amendment_or_404(amendment_id)
    charter = session.get(Charter, amendment.charter_id)
    assert charter is not None
    comment = create_comment(
        session,
        charter,
        actor=actor(),
        body=body.get("body"),
        amendment=amendment,
        parent_id=_parent_id(body),
    )
    answer = _comments_json([comment], None)[0]
    commit()
    return jsonify(answer), 201


# ---------------------------------------------------------------------------------------------
# OpenAPI

_COMMENT_LIST = {
    "type": "object",
    "properties": {
        "clause_id": {"type": "integer"},
        "amendment_id": {"type": "integer"},
        "current_version_id": {"type": ["integer", "null"]},
        "comments": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
    },
}

register_paths(
    {
        "/charters/{slug}/clauses/{clause_id}/comments": {
            "get": {
                "summary": "Comments on a clause, anchors shown on its current version",
                "operationId": "listClauseComments",
                "tags": ["comments"],
                "parameters": path_params("slug", "clause_id"),
                "responses": {
                    "200": json_response("Comments, oldest first", _COMMENT_LIST),
                    **error_responses(401, 404),
                },
            },
            "post": {
                "summary": "Comment on a clause, optionally quoting a passage of its current text",
                "operationId": "createClauseComment",
                "tags": ["comments"],
                "parameters": path_params("slug", "clause_id"),
                "requestBody": json_body("ClauseCommentInput"),
                "responses": {
                    "201": json_response("The new comment", "Comment"),
                    **error_responses(400, 401, 403, 404, 415, 422),
                },
            },
        },
        "/amendments/{amendment_id}/comments": {
            "get": {
                "summary": "Comments on an amendment",
                "operationId": "listAmendmentComments",
                "tags": ["comments"],
                "parameters": path_params("amendment_id"),
                "responses": {
                    "200": json_response("Comments, oldest first", _COMMENT_LIST),
                    **error_responses(401, 404),
                },
            },
            "post": {
                "summary": "Comment on an amendment",
                "operationId": "createAmendmentComment",
                "tags": ["comments"],
                "parameters": path_params("amendment_id"),
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["body"],
                        "additionalProperties": False,
                        "properties": {
                            "body": {"type": "string", "maxLength": limits.COMMENT},
                            "parent_id": {"type": "integer"},
                        },
                    }
                ),
                "responses": {
                    "201": json_response("The new comment", "Comment"),
                    **error_responses(400, 401, 403, 404, 415, 422),
                },
            },
        },
    },
    schemas={
        "ClauseCommentInput": {
            "type": "object",
            "required": ["body"],
            "additionalProperties": False,
            "properties": {
                "body": {"type": "string", "maxLength": limits.COMMENT},
                "parent_id": {"type": "integer", "description": "The comment this replies to"},
                "anchor": {
                    "type": "object",
                    "required": ["start", "end"],
                    "description": "A passage of the clause's current text, by character offsets",
                    "properties": {
                        "start": {"type": "integer", "minimum": 0},
                        "end": {"type": "integer", "minimum": 1},
                        "quote": {
                            "type": "string",
                            "maxLength": limits.QUOTE,
                            "description": "Checked against the text",
                        },
                    },
                },
            },
        },
        "Comment": {
            "type": "object",
            "required": ["id", "body", "author", "created_at"],
            "properties": {
                "id": {"type": "integer"},
                "parent_id": {"type": ["integer", "null"]},
                "clause_id": {"type": ["integer", "null"]},
                "amendment_id": {"type": ["integer", "null"]},
                "author": {"$ref": "#/components/schemas/UserRef"},
                "body": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "anchor": {
                    "type": ["object", "null"],
                    "properties": {
                        "start": {"type": "integer"},
                        "end": {"type": "integer"},
                        "quote": {"type": "string"},
                        "version_id": {"type": "integer"},
                        "outdated": {"type": "boolean"},
                    },
                },
            },
        },
    },
)
