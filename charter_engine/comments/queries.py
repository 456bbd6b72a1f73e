"""Reading comments: counts per clause, and the threads of a clause or an amendment with their
authors and how each anchor stands on the clause's current version. A fixed number of queries
each; nothing here changes data."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.queries import users_by_id
from charter_engine.charters.models import Charter
from charter_engine.comments.models import Comment
from charter_engine.comments.operations import anchor_for_version, list_comments


def comment_counts(session: Session, charter: Charter) -> dict[int, int]:
    """Clause id → number of comments (replies included) on it."""
    rows = session.execute(
        select(Comment.clause_id, func.count(Comment.id))
        .where(Comment.charter_id == charter.id, Comment.clause_id.is_not(None))
        .group_by(Comment.clause_id)
    ).all()
    return {clause_id: count for clause_id, count in rows if clause_id is not None}


@dataclass(frozen=True)
class AnchorView:
    quote: str
    outdated: bool
    # Where the quote stands in the clause's current text (None when outdated).
    start: int | None = None
    end: int | None = None


@dataclass
class ThreadItem:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadContext:
    threads: list[ThreadItem]
    authors: dict[int, User]
    anchors: dict[int, AnchorView]
    count: int


def thread_context(
    session: Session,
    charter: Charter,
    *,
    clause_id: int | None = None,
    amendment_id: int | None = None,
    version_id: int | None = None,
) -> ThreadContext:
    """The comments of a clause or an amendment as threads, with their authors and how each
    anchor stands on ``version_id`` (the clause's current version). Three queries."""
    comments = list_comments(session, charter, clause_id=clause_id, amendment_id=amendment_id)
    if clause_id is not None and amendment_id is None:
        comments = [c for c in comments if c.amendment_id is None]
    by_id = {c.id: c for c in comments}
    threads: dict[int, ThreadItem] = {}
    order: list[ThreadItem] = []
    for comment in comments:
        root = comment
        while root.parent_id is not None and root.parent_id in by_id:
            root = by_id[root.parent_id]
        if root is comment:
            item = ThreadItem(comment)
            threads[comment.id] = item
            order.append(item)
        elif root.id in threads:
            threads[root.id].replies.append(comment)
    anchors: dict[int, AnchorView] = {}
    for comment in comments:
        anchor = anchor_for_version(comment, version_id) if version_id is not None else None
        if anchor is None and comment.anchors:
            anchor = comment.anchors[-1]
        if anchor is not None:
            outdated = anchor.outdated or anchor.clause_version_id != version_id
            anchors[comment.id] = AnchorView(
                anchor.quote,
                outdated,
                None if outdated else anchor.start_offset,
                None if outdated else anchor.end_offset,
            )
    authors = users_by_id(session, (c.author_id for c in comments))
    return ThreadContext(order, authors, anchors, len(comments))
