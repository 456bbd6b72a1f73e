"""Comment threads on clauses and amendments: posting, replying, anchoring a comment to a passage.

A comment on a clause may quote a passage of its current text. With JavaScript the reader selects
the passage in the clause (``static/anchor-select.js`` fills the hidden start/end/quote fields);
without it they paste the passage into the "quote" field and the server finds it, provided it
occurs exactly once. Anchors are carried through later versions by the engine; one whose passage
changed is shown as outdated. Bodies are Markdown, rendered with raw HTML off and sanitised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Optional

from charter_engine.accounts.permissions import ensure_can
from charter_engine.accounts.queries import users_by_id
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import amendment_by_number
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import clause_in_revision, get_revision
from charter_engine.comments.models import Comment
from charter_engine.comments.operations import (
    AnchorSpec,
    create_comment,
    locate_passage,
)
from charter_engine.comments.queries import (
    THREADS_PER_PAGE,
    ThreadContext,
    ThreadItem,
    thread_page_of,
)
from charter_engine.context import db
from charter_engine.errors import NotFound
from charter_engine.ids import is_id, whole_number
from charter_engine.limits import COMMENT, QUOTE
from charter_engine.text.submitted import normalise_newlines
from charter_engine.web.drafting import load_charter
from charter_engine.web.forms import Form, TextLength, commit_or_show
from charter_engine.web.pagination import Page
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
    return Markup("".join(out))  # nosec B704  # every piece of text above is escaped


# --------------------------------------------------------------------------------------------
# anchoring


def anchor_from_form(form: CommentForm, clause_text: str) -> AnchorSpec | None:
    start, end = whole_number(form.start.data), whole_number(form.end.data)
    if start is not None and end is not None and end > start:
        quote = normalise_newlines(form.quote.data, clause_text) if form.quote.data else None
        return AnchorSpec(start, end, quote)
    if form.passage.data and form.passage.data.strip():
        return locate_passage(clause_text, form.passage.data)
    return None


_ERROR_FIELDS = {"anchor": "passage"}


def _current_row(charter: Charter, clause_id: int) -> RevisionClause:
    head = get_revision(db(), charter)
    row = clause_in_revision(db(), head, clause_id) if is_id(clause_id) else None
    if row is None:
        raise NotFound("That clause is not in the current text of the charter.")
    return row


# --------------------------------------------------------------------------------------------
# routes


def _post(
    form: Any,
    charter: Charter,
    *,
    text: str = "",
    anchor: Callable[[], AnchorSpec | None] = lambda: None,
    **where: Any,
) -> int | None:
    """Post the comment of ``form`` on ``where`` (a clause, an amendment, a parent comment), its
    body with the line ends of ``text``; the new comment's id once committed, or None with the
    error shown on the form."""
    done = commit_or_show(
        form,
        lambda: (
            create_comment(
                db(),
                charter,
                actor=require_user(),
                body=normalise_newlines(form.body.data, text),
                anchor=anchor(),
                **where,
            ).id
        ),
        aliases=_ERROR_FIELDS,
    )
    return done.value if done else None


def _new_comment_page(
    charter: Charter, form: Any, back_url: str, row: Any = None, amendment: Any = None
) -> ResponseReturnValue:
    return render_template(
        "comments/new.html",
        charter=charter,
        form=form,
        row=row,
        amendment=amendment,
        action=request.path,
        back_url=back_url,
    )


@bp.route("/charters/<slug>/clauses/<int:clause_id>/comments", methods=["GET", "POST"])
def on_clause(slug: str, clause_id: int) -> ResponseReturnValue:
    require_user()
    charter = load_charter(slug, "comment:create")
    row = _current_row(charter, clause_id)
    back_url = url_for("charters.clause", slug=slug, clause_id=clause_id)
    form = CommentForm()
    if form.validate_on_submit():
        text = row.version.text
        new_id = _post(
            form,
            charter,
            text=text,
            anchor=lambda: anchor_from_form(form, text),
            clause_id=clause_id,
        )
        if new_id is not None:
            flash("Your comment is posted.", "success")
            return redirect(f"{back_url}#comment-{new_id}")
    return _new_comment_page(charter, form, back_url, row=row)


@bp.route("/charters/<slug>/amendments/<int:number>/comments", methods=["GET", "POST"])
def on_amendment(slug: str, number: int) -> ResponseReturnValue:
    require_user()
    charter = load_charter(slug, "comment:create")
    amendment = amendment_by_number(db(), charter, number)
    back_url = url_for("amendments.show", slug=slug, number=number)
    form = ReplyForm()
    form.body.label.text = "Your comment"
    if form.validate_on_submit():
        new_id = _post(form, charter, amendment=amendment)
        if new_id is not None:
            flash("Your comment is posted.", "success")
            return redirect(f"{back_url}#comment-{new_id}")
    return _new_comment_page(charter, form, back_url, amendment=amendment)


def _comment_or_404(charter: Charter, comment_id: int) -> Comment:
    comment = db().get(Comment, comment_id) if is_id(comment_id) else None
    if comment is None or comment.charter_id != charter.id:
        raise NotFound("There is no such comment.")
    return comment


@bp.route("/charters/<slug>/comments/<int:comment_id>/reply", methods=["GET", "POST"])
def reply(slug: str, comment_id: int) -> ResponseReturnValue:
    require_user()
    charter = load_charter(slug, "comment:create")
    parent = _comment_or_404(charter, comment_id)
    form = ReplyForm()
    if form.validate_on_submit():
        new_id = _post(form, charter, parent_id=parent.id)
        if new_id is not None:
            flash("Your reply is posted.", "success")
            return redirect(url_for("comments.show", comment_id=new_id))
    authors = users_by_id(db(), [parent.author_id])
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
    page, pages = thread_page_of(db(), comment)
    if pages > 1:  # a long discussion shows its last page unless told which
        target += f"?page={page}"
    return redirect(f"{target}#comment-{comment.id}")


def thread_pages(thread: ThreadContext) -> Page[ThreadItem]:
    """The page of threads a discussion shows, for ``ui.pagination``."""
    return Page(thread.threads, thread.page, THREADS_PER_PAGE, thread.thread_count)
