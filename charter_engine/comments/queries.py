"""Reading comments: counts per clause, and the threads of a clause or an amendment with their
authors and how each anchor stands on the clause's current version, a page of threads at a time.
A fixed number of queries each; nothing here changes data."""

from __future__ import annotations

from collections.abc import Sequence
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


# A long discussion is shown a page of threads (a comment and its replies) at a time.
THREADS_PER_PAGE = 30


@dataclass(frozen=True)
class ThreadContext:
    threads: list[ThreadItem]  # the threads of the page shown, oldest first
    authors: dict[int, User]
    anchors: dict[int, AnchorView]  # of every comment, so every quoted passage can be marked
    count: int  # comments, replies included
    page: int = 1
    pages: int = 1
    thread_count: int = 0  # threads on every page together


def thread_context(
    session: Session,
    charter: Charter,
    *,
    clause_id: int | None = None,
    amendment_id: int | None = None,
    version_id: int | None = None,
    page: int | None = None,
) -> ThreadContext:
    """The comments of a clause or an amendment as threads, with their authors and how each
    anchor stands on ``version_id`` (the clause's current version). ``page`` of
    :data:`THREADS_PER_PAGE` threads, the last (newest) when None or past the end. Three
    queries."""
    comments = _discussion(session, charter, clause_id=clause_id, amendment_id=amendment_id)
    order = _threads(comments)
    pages = _pages(order)
    shown = pages if page is None else max(1, min(page, pages))
    on_page = order[(shown - 1) * THREADS_PER_PAGE : shown * THREADS_PER_PAGE]
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
    shown_comments = [c for item in on_page for c in (item.comment, *item.replies)]
    authors = users_by_id(session, (c.author_id for c in shown_comments))
    return ThreadContext(on_page, authors, anchors, len(comments), shown, pages, len(order))


def _threads(comments: Sequence[Comment]) -> list[ThreadItem]:
    """Comments (oldest first) as threads: each comment that answers none, with every comment
    below it in reply order."""
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
    return order


def _pages(threads: Sequence[ThreadItem]) -> int:
    return max(1, -(-len(threads) // THREADS_PER_PAGE))


def _discussion(
    session: Session, charter: Charter, *, clause_id: int | None, amendment_id: int | None
) -> list[Comment]:
    """The comments of an amendment, or of a clause (less those on amendments to it)."""
    comments = list_comments(session, charter, clause_id=clause_id, amendment_id=amendment_id)
    if amendment_id is None:
        return [c for c in comments if c.amendment_id is None]
    return list(comments)


def thread_page_of(session: Session, comment: Comment) -> tuple[int, int]:
    """The page of :func:`thread_context` on which ``comment``'s thread is shown, and how many
    pages its discussion has."""
    charter = session.get(Charter, comment.charter_id)
    assert charter is not None
    on_amendment = comment.amendment_id is not None
    comments = _discussion(
        session,
        charter,
        clause_id=None if on_amendment else comment.clause_id,
        amendment_id=comment.amendment_id,
    )
    order = _threads(comments)
    pages = _pages(order)
    for index, item in enumerate(order):
        if comment.id in {item.comment.id, *(r.id for r in item.replies)}:
            return index // THREADS_PER_PAGE + 1, pages
    return pages, pages
