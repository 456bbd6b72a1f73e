"""Reading comments: counts per clause, and the threads of a clause or an amendment with their
authors and how each anchor stands on the clause's current version, a page of threads at a time.
A fixed number of queries each; nothing here changes data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.queries import users_by_id
from charter_engine.charters.models import Charter
from charter_engine.comments.models import Comment, CommentAnchor


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
    anchor stands on ``version_id`` (the clause's current version): ``page`` of
    :data:`THREADS_PER_PAGE` threads, the last (newest) when None or past the end. Five
    queries, whatever the length of the discussion: only the page's threads are loaded, and the
    anchors of every comment (so every quoted passage can be marked)."""
    on = _discussion(charter, clause_id=clause_id, amendment_id=amendment_id)
    count, thread_count = session.execute(
        select(func.count(Comment.id), func.count(Comment.id).filter(Comment.parent_id.is_(None)))
        .select_from(Comment)
        .where(*on)
    ).one()
    pages = _page_count(thread_count)
    shown = pages if page is None else max(1, min(page, pages))
    roots = (
        select(Comment.id)
        .where(*on, Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
        .limit(THREADS_PER_PAGE)
        .offset((shown - 1) * THREADS_PER_PAGE)
    )
    # The page's threads: its first comments and every reply below them, however deep.
    tree = select(Comment.id).where(Comment.id.in_(roots)).cte("thread", recursive=True)
    tree = tree.union_all(select(Comment.id).where(Comment.parent_id == tree.c.id))
    comments = session.scalars(
        select(Comment)
        .where(Comment.id.in_(select(tree.c.id)))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    authors = users_by_id(session, (c.author_id for c in comments))
    anchors = _anchor_views(session, on, version_id)
    return ThreadContext(_threads(comments), authors, anchors, count, shown, pages, thread_count)


def _discussion(
    charter: Charter, *, clause_id: int | None, amendment_id: int | None
) -> list[ColumnElement[bool]]:
    """Which comments make a discussion: an amendment's, or a clause's less those on amendments
    to it (replies share the target of what they answer)."""
    if amendment_id is not None:
        return [Comment.charter_id == charter.id, Comment.amendment_id == amendment_id]
    return [
        Comment.charter_id == charter.id,
        Comment.clause_id == clause_id,
        Comment.amendment_id.is_(None),
    ]


def _anchor_views(
    session: Session, on: list[ColumnElement[bool]], version_id: int | None
) -> dict[int, AnchorView]:
    """How the anchor of each comment of a discussion stands on ``version_id``: the anchor on
    that version, else the newest one known (then outdated)."""
    rows = session.scalars(
        select(CommentAnchor)
        .join(Comment, Comment.id == CommentAnchor.comment_id)
        .where(*on)
        .order_by(CommentAnchor.comment_id, CommentAnchor.id)
    ).all()
    chosen: dict[int, CommentAnchor] = {}
    for anchor in rows:
        here = chosen.get(anchor.comment_id)
        if here is None or here.clause_version_id != version_id:
            chosen[anchor.comment_id] = anchor
    views: dict[int, AnchorView] = {}
    for comment_id, anchor in chosen.items():
        outdated = anchor.outdated or anchor.clause_version_id != version_id
        views[comment_id] = AnchorView(
            anchor.quote,
            outdated,
            None if outdated else anchor.start_offset,
            None if outdated else anchor.end_offset,
        )
    return views


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


def thread_page_of(session: Session, comment: Comment) -> tuple[int, int]:
    """The page of :func:`thread_context` on which ``comment``'s thread is shown, and how many
    pages its discussion has."""
    root = comment
    while root.parent_id is not None:
        parent = session.get(Comment, root.parent_id)
        assert parent is not None  # a reply's parent is kept (comments are never deleted)
        root = parent
    charter = session.get(Charter, comment.charter_id)
    assert charter is not None
    on = _discussion(charter, clause_id=comment.clause_id, amendment_id=comment.amendment_id)
    first = Comment.parent_id.is_(None)
    before = or_(
        Comment.created_at < root.created_at,
        and_(Comment.created_at == root.created_at, Comment.id < root.id),
    )
    earlier, threads = session.execute(
        select(func.count(Comment.id).filter(before), func.count(Comment.id))
        .select_from(Comment)
        .where(*on, first)
    ).one()
    return earlier // THREADS_PER_PAGE + 1, _page_count(threads)


def _page_count(thread_count: int) -> int:
    """Pages of :data:`THREADS_PER_PAGE` threads a discussion needs (one when it has none)."""
    return max(1, -(-thread_count // THREADS_PER_PAGE))
