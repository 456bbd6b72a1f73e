"""Amendment endpoints: propose (change by change or as the whole edited document), list, read
with diffs against the current text, and edit.

Moving an amendment through the workflow, merging, resolving a conflict, sub-amendments and
backing are in :mod:`.amendment_workflow`; the JSON representation in :mod:`.amendment_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.operations import propose_amendment, update_amendment
from charter_engine.api.amendment_json import (
    AmendmentDetail,
    AmendmentSummary,
    State,
    amendment_json,
    amendment_or_404,
    fresh_amendment_json,
    summary_json,
    users_by_id,
)
from charter_engine.api.charters import charter_or_404
from charter_engine.api.core import actor, api_bp, commit, created
from charter_engine.api.spec import (
    ID,
    Body,
    ClauseText,
    Document,
    IdValue,
    Number,
    Paged,
    PageQuery,
    QueryNumber,
    Rationale,
    Title,
    endpoints_tagged,
    request_body,
    request_query,
)
from charter_engine.charters.models import Revision
from charter_engine.context import db


class ChangeSpec(Body):
    NULLABLE = frozenset({"after_clause_id"})

    kind: Literal["replace", "insert", "delete", "move"]
    clause_id: IdValue | None = Field(None, description="replace, delete, move")
    after_clause_id: IdValue | None = Field(
        None, description="insert, move: the clause it goes after; null for the very start"
    )
    text: ClauseText | None = Field(None, description="replace, insert; move (optional)")


def change_dicts(changes: Sequence[ChangeSpec] | None) -> list[dict[str, Any]] | None:
    """The changes as the operations read them."""
    return None if changes is None else [change.model_dump() for change in changes]


class AmendmentProposal(Body):
    """Give exactly one of text (the whole edited document) or changes."""

    title: Title
    rationale: Rationale = ""
    base_revision: Number | None = Field(
        None, description="The revision the edit was written against (default: head)"
    )
    text: Document | None = None
    changes: list[ChangeSpec] | None = None
    submit: bool = False


class AmendmentUpdate(Body):
    version: Number = Field(description="The version you saw; 409 'stale' if it moved on")
    title: Title | None = None
    rationale: Rationale | None = None
    text: Document | None = None
    changes: list[ChangeSpec] | None = None


class AmendmentListQuery(PageQuery):
    state: State | None = Field(None, description="Only amendments in this state")
    clause: QueryNumber | None = Field(None, description="Only amendments touching this clause id")
    author: QueryNumber | None = Field(None, description="Only amendments by this user id")


class AmendmentList(Paged):
    amendments: list[AmendmentSummary]


endpoint = endpoints_tagged("amendments")


@api_bp.post("/charters/<slug>/amendments")
@endpoint(
    operation_id="proposeAmendment",
    body=AmendmentProposal,
    ok={201: AmendmentDetail},
    errors=(403, 404, 409),
)
def amendments_create(slug: str) -> ResponseReturnValue:
    """Propose an amendment: the whole edited text, or a list of changes"""
    data = request_body(AmendmentProposal)
    charter = charter_or_404(slug)
    amendment = propose_amendment(
        db(),
        charter,
        actor=actor(),
        title=data.title,
        rationale=data.rationale,
        base_revision=data.base_revision,
        changes=change_dicts(data.changes),
        text=data.text,
        submit=data.submit,
    )
    amendment_id = amendment.id
    commit()
    return created(
        fresh_amendment_json(amendment_id),
        url_for("api.amendments_show", amendment_id=amendment_id),
    )


@api_bp.get("/charters/<slug>/amendments")
@endpoint(
    operation_id="listAmendments", query=AmendmentListQuery, ok={200: AmendmentList}, errors=(404,)
)
def amendments_index(slug: str) -> ResponseReturnValue:
    """List a charter's amendments, by number"""
    session = db()
    charter = charter_or_404(slug)
    asked = request_query(AmendmentListQuery)
    stmt = (
        select(Amendment)
        .where(Amendment.charter_id == charter.id)
        .options(selectinload(Amendment.changes))
        .order_by(Amendment.number)
    )
    if asked.state is not None:
        stmt = stmt.where(Amendment.state == asked.state)
    if asked.author is not None:
        stmt = stmt.where(Amendment.author_id == asked.author)
    if asked.clause is not None:
        touching = select(AmendmentChange.amendment_id).where(
            or_(
                AmendmentChange.clause_id == asked.clause,
                AmendmentChange.after_clause_id == asked.clause,
            )
        )
        stmt = stmt.where(Amendment.id.in_(touching))
    amendments, next_page = asked.cut(
        session.execute(stmt.limit(asked.limit).offset(asked.offset)).scalars().all()
    )
    users = users_by_id({a.author_id for a in amendments})
    base_ids = {a.base_revision_id for a in amendments}
    revisions = {
        revision_id: number
        for revision_id, number in session.execute(
            select(Revision.id, Revision.number).where(Revision.id.in_(base_ids))
        )
    }
    return jsonify(
        amendments=[summary_json(a, users, revisions) for a in amendments], next=next_page
    )


@api_bp.get(f"/amendments/<{ID}:amendment_id>")
@endpoint(operation_id="getAmendment", ok={200: AmendmentDetail}, errors=(404,))
def amendments_show(amendment_id: int) -> ResponseReturnValue:
    """An amendment with each change's diff against the current text"""
    return jsonify(amendment_json(amendment_or_404(amendment_id), viewer=actor()))


@api_bp.patch(f"/amendments/<{ID}:amendment_id>")
@endpoint(
    operation_id="updateAmendment",
    body=AmendmentUpdate,
    ok={200: AmendmentDetail},
    errors=(403, 404, 409),
)
def amendments_update(amendment_id: int) -> ResponseReturnValue:
    """Edit an amendment (author); 409 'stale' if the version moved on"""
    data = request_body(AmendmentUpdate)
    amendment = amendment_or_404(amendment_id)
    update_amendment(
        db(),
        amendment,
        actor=actor(),
        expected_version=data.version,
        title=data.title,
        rationale=data.rationale,
        changes=change_dicts(data.changes),
        text=data.text,
    )
    commit()
    return jsonify(fresh_amendment_json(amendment_id))
