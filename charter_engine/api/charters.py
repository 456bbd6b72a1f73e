"""Charter endpoints: import, read a revision as clauses or as exact text, list revisions, compare
two revisions clause by clause, follow one clause through history, and editorial changes."""

from __future__ import annotations

import re
from typing import Any, Literal

from flask import Response, jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field
from sqlalchemy import select

from charter_engine.accounts.models import User
from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.models import Amendment
from charter_engine.api.core import actor, api_bp, commit, created, iso_time
from charter_engine.api.spec import (
    ID,
    Answer,
    Body,
    CharterTitle,
    ClauseText,
    Document,
    Filename,
    IdValue,
    Number,
    Paged,
    PageQuery,
    Query,
    QueryNumber,
    Reason,
    endpoints_tagged,
    request_body,
    request_query,
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

Format = Literal["markdown", "rst", "text"]
assert set(FORMATS) == set(Format.__args__)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# what the endpoints take and give


class DiffPiece(Answer):
    """Word-level diff pieces; equal+delete give the old text, equal+insert the new."""

    op: Literal["equal", "delete", "insert"]
    text: str


class UserRef(Answer):
    id: int
    name: str


class CharterSummary(Answer):
    slug: str
    title: str
    status: Literal["drafting", "adopted"]
    format: Format
    head_revision: int
    adopted_revision: int | None = Field(description="The revision the adoption ballot adopted")
    adopted_at: str | None
    created_at: str | None


class CharterList(Paged):
    charters: list[CharterSummary]


class CharterImport(Body):
    title: CharterTitle
    text: Document = Field(description="The whole document")
    format: Format | None = None
    filename: Filename | None = Field(None, description="Helps guess the format")


class CharterCreated(Answer):
    slug: str
    head_revision: int


class Clause(Answer):
    id: int = Field(description="Stable across revisions")
    number: str = Field(description="Derived from the position")
    heading: str | None
    text: str = Field(description="Exact source, trailing blank lines too")
    kind: Literal["heading", "paragraph", "list", "code", "verbatim"]
    depth: int
    parent_id: int | None
    version_id: int


class CharterRevision(CharterSummary):
    revision: int
    clauses: list[Clause]


class RevisionQuery(Query):
    revision: QueryNumber | None = Field(None, description="A revision number (default: the head)")


class AmendmentRef(Answer):
    id: int
    number: int
    title: str


class RevisionInfo(Answer):
    number: int
    cause: Literal["import", "amendment", "editorial"]
    editorial: bool
    amendment: AmendmentRef | None
    actor: UserRef | None
    note: str | None
    created_at: str | None
    sha256: str
    clause_count: int


class RevisionList(Paged):
    revisions: list[RevisionInfo]


class CompareQuery(Query):
    from_: QueryNumber | None = Field(None, alias="from", description="Older revision number")
    to: QueryNumber | None = Field(None, description="Newer revision number")


class ClauseChange(Answer):
    clause_id: int
    status: Literal["unchanged", "changed", "inserted", "deleted", "moved"]
    text_changed: bool
    old_number: str | None
    new_number: str | None
    heading: str | None
    old_text: str | None
    new_text: str | None
    pieces: list[DiffPiece] | None


class Comparison(Answer):
    slug: str
    from_: int = Field(alias="from")
    to: int
    counts: dict[str, int]
    clauses: list[ClauseChange]


class ClauseVersionInfo(Answer):
    version_id: int
    revision: int
    cause: Literal["import", "amendment", "editorial"]
    editorial: bool
    note: str | None
    created_at: str | None
    kind: str
    heading: str | None
    text: str
    diff: list[DiffPiece] | None


class ClauseHistory(Answer):
    clause_id: int
    versions: list[ClauseVersionInfo]


class EditorialChange(Body):
    clause_id: IdValue
    text: ClauseText
    reason: Reason
    expected_revision: Number | None = Field(
        None, description="The head revision you saw; 409 'stale' if it moved on"
    )


class NewRevision(Answer):
    revision: int


# ---------------------------------------------------------------------------------------------
# helpers


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


# ---------------------------------------------------------------------------------------------
# endpoints


endpoint = endpoints_tagged("charters")


@api_bp.get("/charters")
@endpoint(operation_id="listCharters", query=PageQuery, ok={200: CharterList})
def charters_index() -> ResponseReturnValue:
    """List charters, oldest first"""
    page = request_query(PageQuery)
    rows, next_page = page.cut(list_charters(db(), limit=page.limit, offset=page.offset))
    return jsonify(charters=[charter_summary(c) for c in rows], next=next_page)


@api_bp.post("/charters")
@endpoint(operation_id="importCharter", body=CharterImport, ok={201: CharterCreated}, errors=(403,))
def charters_create() -> ResponseReturnValue:
    """Import a charter (secretariat)"""
    data = request_body(CharterImport)
    charter = import_charter(
        db(),
        title=data.title,
        text=data.text,
        actor=actor(),
        filename=data.filename,
        source_format=data.format,
    )
    slug, head = charter.slug, charter.head_revision_number
    commit()
    return created({"slug": slug, "head_revision": head}, url_for("api.charters_show", slug=slug))


@api_bp.get("/charters/<slug>")
@endpoint(operation_id="getCharter", query=RevisionQuery, ok={200: CharterRevision}, errors=(404,))
def charters_show(slug: str) -> ResponseReturnValue:
    """A charter revision as clauses (the head unless ?revision=N)"""
    session = db()
    charter = charter_or_404(slug)
    revision = get_revision(session, charter, request_query(RevisionQuery).revision)
    return jsonify(
        **charter_summary(charter),
        revision=revision.number,
        clauses=[clause_json(rc) for rc in revision_clauses(session, revision)],
    )


@api_bp.get("/charters/<slug>/text")
@endpoint(
    operation_id="getCharterText",
    query=RevisionQuery,
    ok={200: None},
    errors=(404,),
    content={200: {"text/plain": {"schema": {"type": "string"}}}},
)
def charters_text(slug: str) -> ResponseReturnValue:
    """The exact document text of a revision (the head unless ?revision=N)"""
    session = db()
    charter = charter_or_404(slug)
    revision = get_revision(session, charter, request_query(RevisionQuery).revision)
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
@endpoint(operation_id="listRevisions", query=PageQuery, ok={200: RevisionList}, errors=(404,))
def charters_revisions(slug: str) -> ResponseReturnValue:
    """Every revision with its cause, oldest first"""
    session = db()
    charter = charter_or_404(slug)
    page = request_query(PageQuery)
    revisions, next_page = page.cut(
        list_revisions(session, charter, limit=page.limit, offset=page.offset)
    )
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
    return jsonify(
        revisions=[_revision_json(r, amendments, users) for r in revisions], next=next_page
    )


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
@endpoint(operation_id="compareRevisions", query=CompareQuery, ok={200: Comparison}, errors=(404,))
def charters_compare(slug: str) -> ResponseReturnValue:
    """Word-level changes between two revisions, clause by clause

    Defaults: to = head, from = to - 1.
    """
    session = db()
    charter = charter_or_404(slug)
    asked = request_query(CompareQuery)
    to_number = asked.to or charter.head_revision_number
    from_number = asked.from_ or max(to_number - 1, 1)
    comparison = compare_revisions(session, charter, from_number, to_number)
    return jsonify(
        slug=charter.slug,
        **{"from": comparison.from_revision.number},
        to=comparison.to_revision.number,
        counts=comparison.counts(),
        clauses=[_comparison_json(c) for c in comparison.clauses],
    )


@api_bp.get(f"/charters/<slug>/clauses/<{ID}:clause_id>/history")
@endpoint(operation_id="clauseHistory", ok={200: ClauseHistory}, errors=(404,))
def charters_clause_history(slug: str, clause_id: int) -> ResponseReturnValue:
    """Every version of a clause with the diff to the version before"""
    session = db()
    charter = charter_or_404(slug)
    entries = clause_history(session, charter, clause_id)
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
@endpoint(
    operation_id="editorialChange",
    body=EditorialChange,
    ok={201: NewRevision},
    errors=(403, 404, 409),
)
def charters_editorial(slug: str) -> ResponseReturnValue:
    """Editorial change of one clause (secretariat)"""
    data = request_body(EditorialChange)
    charter = charter_or_404(slug)
    revision = editorial_change(
        db(),
        charter,
        clause_id=data.clause_id,
        text=data.text,
        reason=data.reason,
        actor=actor(),
        expected_revision=data.expected_revision,
    )
    number = revision.number
    commit()
    return jsonify(revision=number), 201
