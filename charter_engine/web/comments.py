"""Comment threads on clauses and amendments: posting, replying, anchoring a comment to a passage.

A comment on a clause may quote a passage of its current text. With JavaScript the reader selects
the passage in the clause (``static/anchor-select.js`` fills the hidden start/end/quote fields);
without it they paste the passage into the "quote" field and the server finds it, provided it
occurs exactly once. Anchors are carried through later versions by the engine; one whose passage
changed is shown as outdated. Bodies are Markdown, rendered with raw HTML off and sanitised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Optional

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.models import Amendment
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import get_revision
from charter_engine.comments.models import Comment
from charter_engine.comments.operations import (
    AnchorSpec,
    anchor_for_version,
    create_comment,
    list_comments,
)
from charter_engine.context import db
from charter_engine.errors import NotFound, ValidationError
from charter_engine.ids import is_id
from charter_engine.limits import COMMENT, QUOTE
from charter_engine.web import reading
from charter_engine.web.drafting import int_arg, load_charter, normalise_newlines
from charter_engine.web.forms import Form, TextLength
from charter_engine.web.security import require_user

bp = Blueprint("comments", __name__)


def comment_url(obj: Any) -> str | None:
    """The page of a comment (given as a row or an id)."""
    comment_id = getattr(obj, "id", obj)
    return (
        url_for("comments.show", comment_id=int(comment_id)) if str(comment_id).isdigit() else None
    )


class CommentForm(Form):
    body = TextAreaField(
        "Your comment",
        validators=[DataRequired("Write something to comment."), TextLength(COMMENT)],
        render_kw={"rows": 5},
    )
    passage = TextAreaField(
        "Passage you comment on (optional)",
        validators=[Optional(), TextLength(QUOTE)],
        render_kw={"rows": 2},
    )
    start = HiddenField()
    end = HiddenField()
    quote = HiddenField()


class ReplyForm(Form):
    body = TextAreaField(
        "Your reply",
        validators=[DataRequired("Write something to reply."), TextLength(COMMENT)],
        render_kw={"rows": 4},
    )


# --------------------------------------------------------------------------------------------
# threads for display


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


def quoted_source(text: str, thread: ThreadContext) -> Markup:
    """A clause's exact text with the passages its comments quote marked (``<mark>``), each
    naming the comment; overlapping quotes are merged into one mark. Everything is escaped."""
    spans = sorted(
        (a.start, a.end, comment_id)
        for comment_id, a in thread.anchors.items()
        if a.start is not None and a.end is not None and 0 <= a.start < a.end <= len(text)
    )
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, comment_id in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), [*last[2], comment_id])
        else:
            merged.append((start, end, [comment_id]))
    out: list[str] = []
    at = 0
    for start, end, ids in merged:
        out.append(escape(text[at:start]))
        which = "comment" if len(ids) == 1 else f"{len(ids)} comments"
        out.append(
            f'<mark class="comment-quote-mark" data-comments="{" ".join(map(str, ids))}" '
            f'title="Quoted in {which}">{escape(text[start:end])}</mark>'
        )
        at = end
    out.append(escape(text[at:]))
    return Markup("".join(out))


def thread_context(
    charter: Charter,
    *,
    clause_id: int | None = None,
    amendment_id: int | None = None,
    version_id: int | None = None,
) -> ThreadContext:
    """The comments of a clause or an amendment as threads, with their authors and how each
    anchor stands on ``version_id`` (the clause's current version). Three queries."""
    session = db()
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
    authors = reading.users_by_id(session, (c.author_id for c in comments))
    return ThreadContext(order, authors, anchors, len(comments))


# --------------------------------------------------------------------------------------------
# anchoring


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


def anchor_from_form(form: CommentForm, clause_text: str) -> AnchorSpec | None:
    start, end = int_arg(form.start.data), int_arg(form.end.data)
    if start is not None and end is not None and end > start:
        quote = normalise_newlines(form.quote.data, clause_text) if form.quote.data else None
        return AnchorSpec(start, end, quote)
    if form.passage.data and form.passage.data.strip():
        return locate_passage(clause_text, form.passage.data)
    return None


def _show_error(form: Any, exc: ValidationError) -> None:
    target = {"anchor": "passage", "passage": "passage", "body": "body"}.get(exc.field or "")
    if target is not None and hasattr(form, target):
        getattr(form, target).errors = [exc.message]
    else:
        form.form_errors.append(exc.message)


def _current_row(charter: Charter, clause_id: int) -> RevisionClause:
    head = get_revision(db(), charter)
    row = reading.clause_in_revision(db(), head, clause_id) if is_id(clause_id) else None
    if row is None:
        raise NotFound("That clause is not in the current text of the charter.")
    return row


# --------------------------------------------------------------------------------------------
# routes


@bp.route("/charters/<slug>/clauses/<int:clause_id>/comments", methods=["GET", "POST"])
def on_clause(slug: str, clause_id: int) -> ResponseReturnValue:
    user = require_user()
    charter = load_charter(slug, "comment:create")
    row = _current_row(charter, clause_id)
    form = CommentForm()
    if form.validate_on_submit():
        text = row.version.text
        try:
            anchor = anchor_from_form(form, text)
            comment = create_comment(
                db(),
                charter,
                actor=user,
                body=normalise_newlines(form.body.data, text),
                clause_id=clause_id,
                anchor=anchor,
            )
        except ValidationError as exc:
            db().rollback()
            _show_error(form, exc)
        else:
            comment_id = comment.id
            db().commit()
            flash("Your comment is posted.", "success")
            return redirect(
                url_for("charters.clause", slug=slug, clause_id=clause_id)
                + f"#comment-{comment_id}"
            )
    return render_template(
        "comments/new.html",
        charter=charter,
        form=form,
        row=row,
        amendment=None,
        action=url_for("comments.on_clause", slug=slug, clause_id=clause_id),
        back_url=url_for("charters.clause", slug=slug, clause_id=clause_id),
    )


@bp.route("/charters/<slug>/amendments/<int:number>/comments", methods=["GET", "POST"])
def on_amendment(slug: str, number: int) -> ResponseReturnValue:
    user = require_user()
    charter = load_charter(slug, "comment:create")
    amendment = reading.amendment_by_number(db(), charter, number)
    form = ReplyForm()
    form.body.label.text = "Your comment"
    if form.validate_on_submit():
        try:
            comment = create_comment(
                db(),
                charter,
                actor=user,
                body=normalise_newlines(form.body.data, ""),
                amendment=amendment,
            )
        except ValidationError as exc:
            db().rollback()
            _show_error(form, exc)
        else:
            comment_id = comment.id
            db().commit()
            flash("Your comment is posted.", "success")
            return redirect(
                url_for("amendments.show", slug=slug, number=number) + f"#comment-{comment_id}"
            )
    return render_template(
        "comments/new.html",
        charter=charter,
        form=form,
        row=None,
        amendment=amendment,
        action=url_for("comments.on_amendment", slug=slug, number=number),
        back_url=url_for("amendments.show", slug=slug, number=number),
    )


def _comment_or_404(charter: Charter, comment_id: int) -> Comment:
    comment = db().get(Comment, comment_id) if is_id(comment_id) else None
    if comment is None or comment.charter_id != charter.id:
        raise NotFound("There is no such comment.")
    return comment


@bp.route("/charters/<slug>/comments/<int:comment_id>/reply", methods=["GET", "POST"])
def reply(slug: str, comment_id: int) -> ResponseReturnValue:
    user = require_user()
    charter = load_charter(slug, "comment:create")
    parent = _comment_or_404(charter, comment_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            comment = create_comment(
                db(),
                charter,
                actor=user,
                body=normalise_newlines(form.body.data, ""),
                parent_id=parent.id,
            )
        except ValidationError as exc:
            db().rollback()
            _show_error(form, exc)
        else:
            new_id = comment.id
            db().commit()
            flash("Your reply is posted.", "success")
            return redirect(url_for("comments.show", comment_id=new_id))
    authors = reading.users_by_id(db(), [parent.author_id])
    return render_template(
        "comments/reply.html",
        charter=charter,
        form=form,
        parent=parent,
        parent_author=authors.get(parent.author_id),
        back_url=url_for("comments.show", comment_id=parent.id),
    )


@bp.get("/comments/<int:comment_id>")
def show(comment_id: int) -> ResponseReturnValue:
    """Where a comment lives: its clause's or amendment's page, at the comment."""
    user = require_user()
    comment = db().get(Comment, comment_id) if is_id(comment_id) else None
    if comment is None:
        raise NotFound("There is no such comment.")
    ensure_can(user, "comment:read", comment)
    charter = db().get(Charter, comment.charter_id)
    assert charter is not None
    if comment.amendment_id is not None:
        amendment = db().get(Amendment, comment.amendment_id)
        assert amendment is not None
        target = url_for("amendments.show", slug=charter.slug, number=amendment.number)
    else:
        target = url_for("charters.clause", slug=charter.slug, clause_id=comment.clause_id)
    return redirect(f"{target}#comment-{comment.id}")
