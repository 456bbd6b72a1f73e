"""Comment endpoints: threaded comments on a clause (optionally anchored to a quoted passage, shown
on the clause's current version with ``outdated`` when the passage was rewritten) and on an
amendment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment
from charter_engine.api.amendment_json import amendment_or_404, users_by_id
from charter_engine.api.charters import UserRef, charter_or_404, user_json
from charter_engine.api.core import actor, api_bp, commit
from charter_engine.api.spec import (
    ID,
    Answer,
    Body,
    CommentText,
    IdValue,
    Offset,
    Paged,
    PageQuery,
    Quote,
    endpoints_tagged,
    request_body,
    request_query,
)
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import clause_in_revision, get_clause, get_revision
from charter_engine.comments.models import Comment
from charter_engine.comments.operations import (
    AnchorSpec,
    anchor_for_version,
    create_comment,
    list_comments,
)
from charter_engine.context import db


class AnchorInput(Body):
    """A passage of the clause's current text, by character offsets."""

    start: Offset
    end: IdValue
    quote: Quote | None = Field(None, description="Checked against the text")


class AmendmentCommentInput(Body):
    body: CommentText
    parent_id: IdValue | None = Field(None, description="The comment this replies to")


class ClauseCommentInput(AmendmentCommentInput):
    anchor: AnchorInput | None = None


class AnchorOut(Answer):
    start: int
    end: int
    quote: str
    version_id: int
    outdated: bool


class CommentOut(Answer):
    id: int
    parent_id: int | None
    clause_id: int | None
    amendment_id: int | None
    author: UserRef | None
    body: str
    created_at: str
    anchor: AnchorOut | None


class ClauseComments(Paged):
    clause_id: int
    current_version_id: int | None
    comments: list[CommentOut]


class AmendmentComments(Paged):
    amendment_id: int
    comments: list[CommentOut]


def _current_version_id(charter: Charter, clause_id: int) -> int | None:
    """The clause's version in the head revision; None when the clause was deleted."""
    session = db()
    row = clause_in_revision(session, get_revision(session, charter), clause_id)
    return row.clause_version_id if row is not None else None


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
    users = users_by_id({c.author_id for c in comments})
    return [_comment_json(c, users, current_version_id) for c in comments]


def _charter_of(amendment: Amendment) -> Charter:
    charter = db().get(Charter, amendment.charter_id)
    assert charter is not None
    return charter


def _posted(comment: Comment, current_version_id: int | None) -> ResponseReturnValue:
    """Commit the new comment and answer ``201`` with it."""
    answer = _comments_json([comment], current_version_id)[0]
    commit()
    return jsonify(answer), 201


endpoint = endpoints_tagged("comments")


@api_bp.get(f"/charters/<slug>/clauses/<{ID}:clause_id>/comments")
@endpoint(
    operation_id="listClauseComments", query=PageQuery, ok={200: ClauseComments}, errors=(404,)
)
def clause_comments_index(slug: str, clause_id: int) -> ResponseReturnValue:
    """Comments on a clause, oldest first, anchors shown on its current version"""
    session = db()
    charter = charter_or_404(slug)
    get_clause(session, charter, clause_id)
    current = _current_version_id(charter, clause_id)
    page = request_query(PageQuery)
    comments, next_page = page.cut(
        list_comments(session, charter, clause_id=clause_id, limit=page.limit, offset=page.offset)
    )
    return jsonify(
        clause_id=clause_id,
        current_version_id=current,
        comments=_comments_json(comments, current),
        next=next_page,
    )


@api_bp.post(f"/charters/<slug>/clauses/<{ID}:clause_id>/comments")
@endpoint(
    operation_id="createClauseComment",
    body=ClauseCommentInput,
    ok={201: CommentOut},
    errors=(403, 404),
)
def clause_comments_create(slug: str, clause_id: int) -> ResponseReturnValue:
    """Comment on a clause, optionally quoting a passage of its current text"""
    data = request_body(ClauseCommentInput)
    session = db()
    charter = charter_or_404(slug)
    get_clause(session, charter, clause_id)
    anchor = data.anchor
    comment = create_comment(
        session,
        charter,
        actor=actor(),
        body=data.body,
        clause_id=clause_id,
        parent_id=data.parent_id,
        anchor=None if anchor is None else AnchorSpec(anchor.start, anchor.end, anchor.quote),
    )
    return _posted(comment, _current_version_id(charter, clause_id))


@api_bp.get(f"/amendments/<{ID}:amendment_id>/comments")
@endpoint(
    operation_id="listAmendmentComments",
    query=PageQuery,
    ok={200: AmendmentComments},
    errors=(404,),
)
def amendment_comments_index(amendment_id: int) -> ResponseReturnValue:
    """Comments on an amendment, oldest first"""
    amendment = amendment_or_404(amendment_id)
    page = request_query(PageQuery)
    comments, next_page = page.cut(
        list_comments(
            db(),
            _charter_of(amendment),
            amendment_id=amendment.id,
            limit=page.limit,
            offset=page.offset,
        )
    )
    return jsonify(
        amendment_id=amendment.id, comments=_comments_json(comments, None), next=next_page
    )


@api_bp.post(f"/amendments/<{ID}:amendment_id>/comments")
@endpoint(
    operation_id="createAmendmentComment",
    body=AmendmentCommentInput,
    ok={201: CommentOut},
    errors=(403, 404),
)
def amendment_comments_create(amendment_id: int) -> ResponseReturnValue:
    """Comment on an amendment"""
    data = request_body(AmendmentCommentInput)
    amendment = amendment_or_404(amendment_id)
    comment = create_comment(
        db(),
        _charter_of(amendment),
        actor=actor(),
        body=data.body,
        amendment=amendment,
        parent_id=data.parent_id,
    )
    return _posted(comment, None)
