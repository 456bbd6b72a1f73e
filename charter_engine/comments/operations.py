"""Comment operations: threaded comments, anchors on quoted passages, and carrying anchors forward
when a clause gets a new version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from charter_engine.accounts.permissions import ensure_can
from charter_engine.audit.operations import record
from charter_engine.charters.models import Charter, ClauseVersion, Revision
from charter_engine.charters.queries import current_clause_version
from charter_engine.comments.models import Comment, CommentAnchor
from charter_engine.errors import NotFound, ValidationError
from charter_engine.limits import COMMENT, QUOTE, check_length, required_text
from charter_engine.text import map_anchors
from charter_engine.text.submitted import normalise_newlines

if TYPE_CHECKING:
    from charter_engine.accounts.models import User


class Amendment(Protocol):
    """What a comment needs to know of the amendment it is on. Comments sit below amendments (a
    merge carries their anchors), so this package does not import the amendment model."""

    @property
    def id(self) -> int: ...

    @property
    def charter_id(self) -> int: ...


@dataclass(frozen=True)
class AnchorSpec:
    start: int
    end: int
    quote: str | None = None


def parse_anchor(raw: object) -> AnchorSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("The anchor must be an object with start and end.", field="anchor")
    start, end, quote = raw.get("start"), raw.get("end"), raw.get("quote")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise ValidationError("Anchor start and end must be character offsets.", field="anchor")
    assert isinstance(start, int) and isinstance(end, int)
    if quote is not None and not isinstance(quote, str):
        raise ValidationError("The anchor quote must be text.", field="anchor")
    return AnchorSpec(start, end, quote)


def locate_passage(text: str, passage: str) -> AnchorSpec:
    """The anchor of a pasted passage: it must occur exactly once in the clause's text."""
    wanted = normalise_newlines(passage, text).strip()
    if not wanted:
        raise ValidationError("Paste the passage you comment on.", field="passage")
    found = text.count(wanted)
    if found == 0:
        raise ValidationError(
            "This passage is not in the clause's current text. Copy it exactly from the clause.",
            field="passage",
        )
    if found > 1:
        raise ValidationError(
            f"This passage occurs {found} times in the clause; quote a few more words so that "
            "it is clear which one you mean.",
            field="passage",
        )
    start = text.index(wanted)
    return AnchorSpec(start, start + len(wanted), wanted)


def _current_version(session: Session, charter: Charter, clause_id: int) -> ClauseVersion:
    version = current_clause_version(session, charter, clause_id)
    if version is None:
        raise NotFound("That clause is not in the current text of the charter.")
    return version


def create_comment(
    session: Session,
    charter: Charter,
    *,
    actor: User,
    body: str,
    clause_id: int | None = None,
    amendment: Amendment | None = None,
    parent_id: int | None = None,
    anchor: AnchorSpec | None = None,
) -> Comment:
    ensure_can(actor, "comment:create", charter)
    body = required_text(
        body, COMMENT, field="body", what="the comment", missing="Write something to comment."
    )
    if clause_id is None and amendment is None and parent_id is None:
        raise ValidationError("A comment is on a clause or on an amendment.")
    parent = None
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.charter_id != charter.id:
            raise NotFound("The comment you reply to does not exist.")
        asked = (clause_id, amendment.id if amendment is not None else None)
        if asked != (None, None) and asked != (parent.clause_id, parent.amendment_id):
            raise ValidationError(
                "A reply goes where the comment it answers is; that comment is elsewhere.",
                field="parent_id",
            )
        clause_id, amendment_id = parent.clause_id, parent.amendment_id
    else:
        amendment_id = amendment.id if amendment is not None else None
    if amendment is not None and amendment.charter_id != charter.id:
        raise ValidationError("That amendment belongs to another charter.")
    anchor_row = None
    if anchor is not None:
        if anchor.quote is not None:
            check_length(anchor.quote, QUOTE, field="anchor", what="the quoted passage")
        if clause_id is None:
            raise ValidationError("Only a comment on a clause can quote a passage.", field="anchor")
        version = _current_version(session, charter, clause_id)
        if not (0 <= anchor.start < anchor.end <= len(version.text)):
            raise ValidationError("The quoted passage is not within the clause.", field="anchor")
        quote = check_length(
            version.text[anchor.start : anchor.end], QUOTE, field="anchor", what="the passage"
        )
        if anchor.quote is not None and anchor.quote != quote:
            raise ValidationError(
                "The quoted passage does not match the current text of the clause; reload it.",
                field="anchor",
            )
        anchor_row = CommentAnchor(
            clause_version_id=version.id,
            start_offset=anchor.start,
            end_offset=anchor.end,
            quote=quote,
        )
    elif clause_id is not None:
        _current_version(session, charter, clause_id)
    comment = Comment(
        charter_id=charter.id,
        clause_id=clause_id,
        amendment_id=amendment_id,
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        body=body,
    )
    if anchor_row is not None:
        comment.anchors.append(anchor_row)
    session.add(comment)
    session.flush()
    record(
        session,
        "comment.created",
        comment,
        actor=actor,
        payload={
            "clause_id": clause_id,
            "amendment_id": amendment_id,
            "parent_id": comment.parent_id,
            "anchored": anchor_row is not None,
        },
    )
    return comment


def carry_anchors(session: Session, revision: Revision) -> None:
    """Map the anchors on the predecessor of each clause version that ``revision`` introduced onto
    it (or mark them outdated). Whoever writes a revision that changes text calls this."""
    new_versions = session.execute(
        select(ClauseVersion).where(
            ClauseVersion.revision_id == revision.id,
            ClauseVersion.previous_version_id.is_not(None),
        )
    ).scalars()
    by_previous = {v.previous_version_id: v for v in new_versions if v.previous_version_id}
    if not by_previous:
        return
    anchors = (
        session.execute(
            select(CommentAnchor).where(CommentAnchor.clause_version_id.in_(list(by_previous)))
        )
        .scalars()
        .all()
    )
    if not anchors:
        return
    previous_texts = dict(
        session.execute(
            select(ClauseVersion.id, ClauseVersion.text).where(
                ClauseVersion.id.in_({a.clause_version_id for a in anchors})
            )
        ).all()
    )
    grouped: dict[int, list[CommentAnchor]] = {}
    for anchor in anchors:
        grouped.setdefault(anchor.clause_version_id, []).append(anchor)
    for previous_id, group in grouped.items():
        new_version = by_previous[previous_id]
        live = [a for a in group if not a.outdated]
        mapped = map_anchors(
            previous_texts[previous_id],
            new_version.text,
            [(a.start_offset, a.end_offset) for a in live],
        )
        # An anchor already outdated stays so, where it was; a live one whose passage was
        # rewritten (no span) becomes outdated there too.
        outdated: list[tuple[CommentAnchor, tuple[int, int] | None]] = [
            (a, None) for a in group if a.outdated
        ]
        for anchor, span in [*zip(live, mapped, strict=True), *outdated]:
            session.add(
                CommentAnchor(
                    comment_id=anchor.comment_id,
                    clause_version_id=new_version.id,
                    start_offset=span[0] if span else anchor.start_offset,
                    end_offset=span[1] if span else anchor.end_offset,
                    quote=anchor.quote,
                    outdated=span is None,
                )
            )


def list_comments(
    session: Session,
    charter: Charter,
    *,
    clause_id: int | None = None,
    amendment_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[Comment]:
    """Comments, oldest first; ``limit`` and ``offset`` cut out one page."""
    stmt = (
        select(Comment)
        .where(Comment.charter_id == charter.id)
        .options(selectinload(Comment.anchors))
        .order_by(Comment.created_at, Comment.id)
        # Anchors are added when clauses change; never answer with a stale collection.
        .execution_options(populate_existing=True)
    )
    if clause_id is not None:
        stmt = stmt.where(Comment.clause_id == clause_id)
    if amendment_id is not None:
        stmt = stmt.where(Comment.amendment_id == amendment_id)
    return session.execute(stmt.limit(limit).offset(offset)).scalars().all()


def anchor_for_version(comment: Comment, version_id: int) -> CommentAnchor | None:
    """The anchor as it stands on ``version_id``; the newest one known when the comment has none
    there (then it is outdated for that version)."""
    for anchor in comment.anchors:
        if anchor.clause_version_id == version_id:
            return anchor
    return comment.anchors[-1] if comment.anchors else None
