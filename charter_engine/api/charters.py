"""Charter endpoints: import, read a revision as clauses or as exact text, list revisions, compare
two revisions clause by clause, follow one clause through history, and editorial changes."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from charter_engine import limits
from charter_engine.accounts.models import User
from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.models import Amendment
from charter_engine.api.core import (
    ID,
    actor,
    api_bp,
    commit,
    int_arg,
    int_field,
    iso_time,
    json_object,
    known_id,
    str_field,
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
from charter_engine.charters.operations import FORMATS, import_charter
from charter_engine.charters.queries import (
    ClauseComparison,
    clause_history,
    compare_revisions,
    get_charter,
    get_revision,
    list_charters,
    list_revisions,
    revision_clauses,
    revision_text,
)
from charter_engine.context import db
from charter_engine.errors import NotFound

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
OPS = {-1: "delete", 0: "equal", 1: "insert"}


def charter_or_404(slug: str) -> Charter:
    if not _SLUG.fullmatch(slug):
        raise NotFound(f"There is no charter {slug!r}.")
    return get_charter(db(), slug)


def pieces_json(pieces: list[tuple[int, str]] | None) -> list[dict[str, str]] | None:
    if pieces is None:
        return None
    return [{"op": OPS[op], "text": text} for op, text in pieces]


def user_json(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name}


def charter_summary(charter: Charter) -> dict[str, Any]:
    return {
        "slug": charter.slug,
        "title": charter.title,
        "status": charter.status,
        "format": charter.source_format,
        "head_revision": charter.head_revision_number,
        "adopted_revision": charter.adopted_revision_number,
        "adopted_at": iso_time(charter.adopted_at),
        "created_at": iso_time(charter.created_at),
    }


def clause_json(rc: RevisionClause) -> dict[str, Any]:
    return {
        "id": rc.clause_id,
        "number": rc.number,
        "heading": rc.version.heading,
        "text": rc.version.text,
        "kind": rc.version.kind,
        "depth": rc.depth,
        "parent_id": rc.parent_clause_id,
        "version_id": rc.clause_version_id,
    }


@api_bp.get("/charters")
def charters_index() -> ResponseReturnValue:
    return jsonify(charters=[charter_summary(c) for c in list_charters(db())])


@api_bp.post("/charters")
def charters_create() -> ResponseReturnValue:
    body = json_object(allowed={"title", "text", "format", "filename"})
    title = str_field(body, "title")
    text = str_field(body, "text")
    fmt = str_field(body, "format", required=False)
    filename = str_field(body, "filename", required=False)
    charter = import_charter(
        db(),
        title=title or "",
        text=text or "",
        actor=actor(),
        filename=filename,
        source_format=fmt,
    )
    slug, head = charter.slug, charter.head_revision_number
    commit()
    response = jsonify(slug=slug, head_revision=head)
    response.status_code = 201
    response.headers["Location"] = url_for("api.charters_show", slug=slug)
    return response


@api_bp.get("/charters/<slug>")
def charters_show(slug: str) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    revision = get_revision(session, charter, int_arg("revision"))
    return jsonify(
        **charter_summary(charter),
        revision=revision.number,
        clauses=[clause_json(rc) for rc in revision_clauses(session, revision)],
    )


@api_bp.get("/charters/<slug>/text")
def charters_text(slug: str) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    revision = get_revision(session, charter, int_arg("revision"))
    response = Response(revision_text(session, revision), mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["ETag"] = f'"{revision.text_sha256}"'
    response.headers["X-Charter-Revision"] = str(revision.number)
    return response


def _revision_json(
    revision: Revision, amendments: dict[int, Amendment], users: dict[int, User]
) -> dict[str, Any]:
    amendment = amendments.get(revision.amendment_id or -1)
    return {
        "number": revision.number,
        "cause": revision.cause,
        "editorial": revision.editorial,
        "amendment": (
            None
            if amendment is None
            else {"id": amendment.id, "number": amendment.number, "title": amendment.title}
        ),
        "actor": user_json(users.get(revision.actor_id or -1)),
        "note": revision.note,
        "created_at": iso_time(revision.created_at),
        "sha256": revision.text_sha256,
        "clause_count": revision.clause_count,
    }


@api_bp.get("/charters/<slug>/revisions")
def charters_revisions(slug: str) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    revisions = list_revisions(session, charter)
    amendment_ids = {r.amendment_id for r in revisions if r.amendment_id is not None}
    user_ids = {r.actor_id for r in revisions if r.actor_id is not None}
    amendments = (
        {
            a.id: a
            for a in session.execute(
                select(Amendment).where(Amendment.id.in_(amendment_ids))
            ).scalars()
        }
        if amendment_ids
        else {}
    )
    users = (
        {u.id: u for u in session.execute(select(User).where(User.id.in_(user_ids))).scalars()}
        if user_ids
        else {}
    )
    return jsonify(revisions=[_revision_json(r, amendments, users) for r in revisions])


def _comparison_json(item: ClauseComparison) -> dict[str, Any]:
    return {
        "clause_id": item.clause_id,
        "status": item.status,
        "text_changed": item.text_changed,
        "old_number": item.old_number,
        "new_number": item.new_number,
        "heading": item.heading,
        "old_text": item.old_text,
        "new_text": item.new_text,
        "pieces": pieces_json(item.pieces),
    }


@api_bp.get("/charters/<slug>/compare")
def charters_compare(slug: str) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    to_number = int_arg("to") or charter.head_revision_number
    from_number = int_arg("from") or max(to_number - 1, 1)
    comparison = compare_revisions(session, charter, from_number, to_number)
    return jsonify(
        slug=charter.slug,
        **{"from": comparison.from_revision.number},
        to=comparison.to_revision.number,
        counts=comparison.counts(),
        clauses=[_comparison_json(c) for c in comparison.clauses],
    )


@api_bp.get(f"/charters/<slug>/clauses/<{ID}:clause_id>/history")
def charters_clause_history(slug: str, clause_id: int) -> ResponseReturnValue:
    session = db()
    charter = charter_or_404(slug)
    entries = clause_history(session, charter, known_id(clause_id, "clause"))
    return jsonify(
        clause_id=clause_id,
        versions=[
            {
                "version_id": e.version.id,
                "revision": e.revision.number,
                "cause": e.revision.cause,
                "editorial": e.revision.editorial,
                "note": e.revision.note,
                "created_at": iso_time(e.version.created_at),
                "kind": e.version.kind,
                "heading": e.version.heading,
                "text": e.version.text,
                "diff": pieces_json(e.pieces),
            }
            for e in entries
        ],
    )


@api_bp.post("/charters/<slug>/editorial")
def charters_editorial(slug: str) -> ResponseReturnValue:
    body = json_object(allowed={"clause_id", "text", "reason", "expected_revision"})
    charter = charter_or_404(slug)
    clause_id = int_field(body, "clause_id")
    text = str_field(body, "text")
    reason = str_field(body, "reason")
    expected = int_field(body, "expected_revision", required=False)
    assert clause_id is not None and text is not None and reason is not None
    revision = editorial_change(
        db(),
        charter,
        clause_id=clause_id,
        text=text,
        reason=reason,
        actor=actor(),
        expected_revision=expected,
    )
    number = revision.number
    commit()
    return jsonify(revision=number), 201


# ---------------------------------------------------------------------------------------------
# OpenAPI

_PIECES = {
    "type": "array",
    "description": "Word-level diff pieces; equal+delete give the old text, equal+insert the new.",
    "items": {
        "type": "object",
        "required": ["op", "text"],
        "properties": {
            "op": {"type": "string", "enum": ["equal", "delete", "insert"]},
            "text": {"type": "string"},
        },
    },
}
_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}

register_paths(
    {
        "/charters": {
            "get": {
                "summary": "List charters",
                "operationId": "listCharters",
                "tags": ["charters"],
                "responses": {
                    "200": json_response(
                        "All charters",
                        {
                            "type": "object",
                            "properties": {
                                "charters": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/CharterSummary"},
                                }
                            },
                        },
                    ),
                    **error_responses(401),
                },
            },
            "post": {
                "summary": "Import a charter (secretariat)",
                "operationId": "importCharter",
                "tags": ["charters"],
                "requestBody": json_body("CharterImport"),
                "responses": {
                    "201": json_response(
                        "The new charter",
                        {
                            "type": "object",
                            "required": ["slug", "head_revision"],
                            "properties": {
                                "slug": {"type": "string"},
                                "head_revision": {"type": "integer"},
                            },
                        },
                    ),
                    **error_responses(400, 401, 403, 415, 422),
                },
            },
        },
        "/charters/{slug}": {
            "get": {
                "summary": "A charter revision as clauses (the head unless ?revision=N)",
                "operationId": "getCharter",
                "tags": ["charters"],
                "parameters": [*path_params("slug"), query_param("revision")],
                "responses": {
                    "200": json_response("The charter", "Charter"),
                    **error_responses(400, 401, 404),
                },
            }
        },
        "/charters/{slug}/text": {
            "get": {
                "summary": "The exact document text of a revision (the head unless ?revision=N)",
                "operationId": "getCharterText",
                "tags": ["charters"],
                "parameters": [*path_params("slug"), query_param("revision")],
                "responses": {
                    "200": {
                        "description": "The text, byte for byte as imported or merged",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **error_responses(400, 401, 404),
                },
            }
        },
        "/charters/{slug}/revisions": {
            "get": {
                "summary": "Every revision with its cause",
                "operationId": "listRevisions",
                "tags": ["charters"],
                "parameters": path_params("slug"),
                "responses": {
                    "200": json_response(
                        "Revisions, oldest first",
                        {
                            "type": "object",
                            "properties": {
                                "revisions": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Revision"},
                                }
                            },
                        },
                    ),
                    **error_responses(401, 404),
                },
            }
        },
        "/charters/{slug}/compare": {
            "get": {
                "summary": "Word-level changes between two revisions, clause by clause",
                "description": "Defaults: to = head, from = to - 1.",
                "operationId": "compareRevisions",
                "tags": ["charters"],
                "parameters": [
                    *path_params("slug"),
                    query_param("from", "Older revision number"),
                    query_param("to", "Newer revision number"),
                ],
                "responses": {
                    "200": json_response("The comparison", "Comparison"),
                    **error_responses(400, 401, 404),
                },
            }
        },
        "/charters/{slug}/clauses/{clause_id}/history": {
            "get": {
                "summary": "Every version of a clause with the diff to the version before",
                "operationId": "clauseHistory",
                "tags": ["charters"],
                "parameters": path_params("slug", "clause_id"),
                "responses": {
                    "200": json_response("The clause's versions, oldest first", "ClauseHistory"),
                    **error_responses(401, 404),
                },
            }
        },
        "/charters/{slug}/editorial": {
            "post": {
                "summary": "Editorial change of one clause (secretariat)",
                "operationId": "editorialChange",
                "tags": ["charters"],
                "parameters": path_params("slug"),
                "requestBody": json_body("EditorialChange"),
                "responses": {
                    "201": json_response(
                        "The new revision",
                        {
                            "type": "object",
                            "required": ["revision"],
                            "properties": {"revision": {"type": "integer"}},
                        },
                    ),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
    },
    schemas={
        "DiffPieces": _PIECES,
        "CharterSummary": {
            "type": "object",
            "required": ["slug", "title", "status", "head_revision"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "string", "enum": ["drafting", "adopted"]},
                "format": {"type": "string", "enum": list(FORMATS)},
                "head_revision": {"type": "integer"},
                "adopted_revision": {
                    "type": ["integer", "null"],
                    "description": "The revision the adoption ballot adopted",
                },
                "adopted_at": {"type": ["string", "null"], "format": "date-time"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "CharterImport": {
            "type": "object",
            "required": ["title", "text"],
            "additionalProperties": False,
            "properties": {
                "title": {"type": "string", "maxLength": limits.CHARTER_TITLE},
                "text": {
                    "type": "string",
                    "maxLength": limits.DOCUMENT,
                    "description": "The whole document",
                },
                "format": {"type": "string", "enum": list(FORMATS)},
                "filename": {
                    "type": "string",
                    "maxLength": limits.FILENAME,
                    "description": "Helps guess the format",
                },
            },
        },
        "Clause": {
            "type": "object",
            "required": ["id", "number", "heading", "text", "kind", "depth", "parent_id"],
            "properties": {
                "id": {"type": "integer", "description": "Stable across revisions"},
                "number": {"type": "string", "description": "Derived from the position"},
                "heading": _NULLABLE_STR,
                "text": {"type": "string", "description": "Exact source, trailing blank lines too"},
                "kind": {
                    "type": "string",
                    "enum": ["heading", "paragraph", "list", "code", "verbatim"],
                },
                "depth": {"type": "integer"},
                "parent_id": _NULLABLE_INT,
                "version_id": {"type": "integer"},
            },
        },
        "Charter": {
            "allOf": [
                {"$ref": "#/components/schemas/CharterSummary"},
                {
                    "type": "object",
                    "required": ["revision", "clauses"],
                    "properties": {
                        "revision": {"type": "integer"},
                        "clauses": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Clause"},
                        },
                    },
                },
            ]
        },
        "Revision": {
            "type": "object",
            "required": ["number", "cause", "created_at", "sha256"],
            "properties": {
                "number": {"type": "integer"},
                "cause": {"type": "string", "enum": ["import", "amendment", "editorial"]},
                "editorial": {"type": "boolean"},
                "amendment": {
                    "type": ["object", "null"],
                    "properties": {
                        "id": {"type": "integer"},
                        "number": {"type": "integer"},
                        "title": {"type": "string"},
                    },
                },
                "actor": {"$ref": "#/components/schemas/UserRef"},
                "note": _NULLABLE_STR,
                "created_at": {"type": "string", "format": "date-time"},
                "sha256": {"type": "string"},
                "clause_count": {"type": "integer"},
            },
        },
        "UserRef": {
            "type": ["object", "null"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "Comparison": {
            "type": "object",
            "required": ["from", "to", "clauses"],
            "properties": {
                "slug": {"type": "string"},
                "from": {"type": "integer"},
                "to": {"type": "integer"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                "clauses": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["clause_id", "status", "pieces"],
                        "properties": {
                            "clause_id": {"type": "integer"},
                            "status": {
                                "type": "string",
                                "enum": ["unchanged", "changed", "inserted", "deleted", "moved"],
                            },
                            "text_changed": {"type": "boolean"},
                            "old_number": _NULLABLE_STR,
                            "new_number": _NULLABLE_STR,
                            "heading": _NULLABLE_STR,
                            "old_text": _NULLABLE_STR,
                            "new_text": _NULLABLE_STR,
                            "pieces": {"$ref": "#/components/schemas/DiffPieces"},
                        },
                    },
                },
            },
        },
        "ClauseHistory": {
            "type": "object",
            "properties": {
                "clause_id": {"type": "integer"},
                "versions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "version_id": {"type": "integer"},
                            "revision": {"type": "integer"},
                            "cause": {"type": "string"},
                            "editorial": {"type": "boolean"},
                            "note": _NULLABLE_STR,
                            "created_at": {"type": "string", "format": "date-time"},
                            "kind": {"type": "string"},
                            "heading": _NULLABLE_STR,
                            "text": {"type": "string"},
                            "diff": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/DiffPieces"},
                                    {"type": "null"},
                                ]
                            },
                        },
                    },
                },
            },
        },
        "EditorialChange": {
            "type": "object",
            "required": ["clause_id", "text", "reason"],
            "additionalProperties": False,
            "properties": {
                "clause_id": {"type": "integer"},
                "text": {"type": "string", "maxLength": limits.CLAUSE_TEXT},
                "reason": {"type": "string", "maxLength": limits.REASON},
                "expected_revision": {
                    "type": "integer",
                    "description": "The head revision you saw; 409 'stale' if it moved on",
                },
            },
        },
    },
)
