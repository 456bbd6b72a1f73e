"""Amendment pages: the list with filters, the review page with its four views, backing, the
workflow buttons and the secretariat's editorial merge, plus the helpers the amendment pages share.

The forms live next to this module, on the same blueprint: proposing in
:mod:`.amendment_proposals`; editing, resolving a conflict and sub-amendments in
:mod:`.amendment_editing`.

Every page works without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.accounts.queries import users_by_id
from charter_engine.amendments.backers import add_backer, remove_backer
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.queries import (
    amendment_authors,
    amendment_by_number,
    amendment_conflicts,
    amendment_list_query,
    applies_through,
    applies_unchanged,
    backer_of,
    change_texts,
    changes_of,
    sub_amendments,
    written_against,
)
from charter_engine.amendments.transitions import actions_for, transition_amendment
from charter_engine.amendments.workflow import (
    EDITABLE_STATES,
    PENDING_STATES,
    STATES,
    USER_ACTIONS,
    permission_for,
)
from charter_engine.audit.models import AuditEvent
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import (
    get_revision,
    revision_clauses,
    revision_numbers,
)
from charter_engine.comments.queries import thread_context
from charter_engine.context import db
from charter_engine.errors import CharterError, Conflict, NotFound
from charter_engine.ids import whole_number
from charter_engine.voting.desk import merge_failure
from charter_engine.voting.models import Ballot
from charter_engine.voting.overview import VOTABLE_STATES
from charter_engine.voting.queries import ballots_on_amendment
from charter_engine.web.drafting import (
    ACTION_LABELS,
    CONFIRM_ACTIONS,
    STATE_LABELS,
    DiffView,
    clause_choices,
    clause_label,
    load_charter,
    render_diff,
    view_arg,
)
from charter_engine.web.forms import commit_or_flash, show_error
from charter_engine.web.pagination import paginate
from charter_engine.web.security import current_account, require_user
from charter_engine.web.templating import format_datetime

bp = Blueprint("amendments", __name__, url_prefix="/charters")

REVIEW_VIEWS = (
    ("inline", "Inline diff"),
    ("side", "Side by side"),
    ("original", "Original"),
    ("changed", "Changed"),
)
PER_PAGE = 25


def amendment_url(obj: Any) -> str | None:
    """The review page of an amendment (given as a row or an id)."""
    amendment = obj if isinstance(obj, Amendment) else None
    if amendment is None and str(obj).isdigit():
        amendment = db().get(Amendment, int(obj))
    if amendment is None:
        return None
    charter = db().get(Charter, amendment.charter_id)
    if charter is None:
        return None
    return url_for("amendments.show", slug=charter.slug, number=amendment.number)


# --------------------------------------------------------------------------------------------
# helpers


@dataclass(frozen=True)
class ChangeView:
    """One change of an amendment as the review pages show it."""

    position: int
    kind: str
    title: str
    old: str | None
    new: str | None
    diff: DiffView
    change: AmendmentChange | None = None


def head_rows(charter: Charter) -> list[RevisionClause]:
    return list(revision_clauses(db(), get_revision(db(), charter)))


def document_text(rows: Sequence[RevisionClause]) -> str:
    return "".join(rc.version.text for rc in rows)


def place_label(rows_by_id: dict[int, RevisionClause], clause_id: int | None) -> str:
    if clause_id is None:
        return "the very start"
    return clause_label(rows_by_id.get(clause_id))


# What each kind of change does, in words: {where} is the clause it changes, {after} the clause
# it puts text after.
CHANGE_TITLES = {
    "replace": "Change the text of {where}",
    "insert": "Insert a new clause after {after}",
    "delete": "Delete {where}",
    "move": "Move {where} to after {after}",
}


def change_title(
    kind: str, rows_by_id: dict[int, RevisionClause], clause_id: int | None, after_id: int | None
) -> str:
    """What a change does, in words ("Change the text of § 2 Members")."""
    return CHANGE_TITLES[kind].format(
        where=place_label(rows_by_id, clause_id), after=place_label(rows_by_id, after_id)
    )


def change_view(
    position: int, kind: str, title: str, base: str | None, proposed: str | None, **extra: Any
) -> ChangeView:
    """A change as the pages show it: its old and new text (:func:`change_texts`) and their diff."""
    old, new = change_texts(kind, base, proposed)
    return ChangeView(position, kind, title, old, new, render_diff(old, new), **extra)


def change_views_of(
    amendment: Amendment, rows_by_id: dict[int, RevisionClause]
) -> list[ChangeView]:
    bases = written_against(db(), amendment.changes)
    out = []
    for change in amendment.changes:
        title = change_title(change.kind, rows_by_id, change.clause_id, change.after_clause_id)
        if change.target_change_id is not None and change.kind == "replace":
            title = f"Change the proposed text for {place_label(rows_by_id, change.clause_id)}"
        out.append(
            change_view(
                change.position,
                change.kind,
                title,
                bases.get(change.id),
                change.new_text,
                change=change,
            )
        )
    return out


def show_form_error(form: Any, exc: CharterError, text_field: str = "text") -> None:
    """Show a domain error next to its field (or above the form when it has none)."""
    show_error(form, exc, aliases={"changes": text_field, "text": text_field})


def form_intent() -> str:
    value = request.form.get("intent", "draft")
    return value if value in ("preview", "draft", "submit") else "draft"


def load_amendment(
    slug: str, number: int, permission: str = "amendment:read"
) -> tuple[Charter, Amendment]:
    user = require_user()
    charter = load_charter(slug)
    amendment = amendment_by_number(db(), charter, number)
    ensure_can(user, permission, amendment)
    return charter, amendment


# --------------------------------------------------------------------------------------------
# list and review


@bp.get("/<slug>/amendments/")
def index(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug, "amendment:read")
    session = db()
    state = request.args.get("state") or ""
    if state not in STATES and state != "pending":
        state = ""
    clause_id = whole_number(request.args.get("clause"))
    author_id = whole_number(request.args.get("author"))
    stmt = amendment_list_query(
        charter, state=state or None, clause_id=clause_id, author_id=author_id
    )
    page = paginate(session, stmt, page=request.args.get("page"), per_page=PER_PAGE)
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    changes = changes_of(session, (a.id for a in page.items))
    touched = {
        a.id: sorted(
            {
                place_label(by_id, c.after_clause_id if c.kind == "insert" else c.clause_id)
                for c in changes[a.id]
            }
        )
        for a in page.items
    }
    authors = amendment_authors(session, charter)
    filters = {
        key: value
        for key, value in (("state", state), ("clause", clause_id), ("author", author_id))
        if value
    }
    return render_template(
        "amendments/index.html",
        charter=charter,
        page=page,
        filters=filters,
        state=state,
        clause_id=clause_id,
        author_id=author_id,
        clause_options=clause_choices(rows),
        authors=authors,
        author_names={u.id: u.name for u in authors},
        touched=touched,
        states=[("pending", "All pending"), *((s, STATE_LABELS[s]) for s in STATES)],
    )


@bp.get("/<slug>/amendments/<int:number>")
def show(slug: str, number: int) -> ResponseReturnValue:
    from charter_engine.web.comments import ReplyForm, thread_pages

    charter, amendment = load_amendment(slug, number)
    session = db()
    user = current_account()
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    view = view_arg(request.args.get("view"), [key for key, _label in REVIEW_VIEWS])
    subs = sub_amendments(session, amendment) if amendment.parent_id is None else []
    parent = (
        session.get(Amendment, amendment.parent_id) if amendment.parent_id is not None else None
    )
    thread = thread_context(
        db(), charter, amendment_id=amendment.id, page=whole_number(request.args.get("page"))
    )
    people = users_by_id(
        session,
        [
            amendment.author_id,
            *(b.user_id for b in amendment.backers),
            *(s.author_id for s in subs),
        ],
    )
    people.update(thread.authors)
    base_numbers = revision_numbers(
        session, [amendment.base_revision_id, amendment.merged_revision_id]
    )
    comment_form = ReplyForm() if can(user, "comment:create", charter) else None
    if comment_form is not None:
        comment_form.body.label.text = "Your comment"
    backer = backer_of(amendment, user)
    ballots = ballots_on_amendment(session, amendment.id)
    return render_template(
        "amendments/show.html",
        ballots=ballots,
        fate=_fate(session, amendment, ballots),
        may_put_to_vote=amendment.state in VOTABLE_STATES
        and amendment.parent_id is None
        and can(user, "ballot:create", charter)
        and not any(b.state in ("draft", "open") for b in ballots),
        charter=charter,
        amendment=amendment,
        changes=change_views_of(amendment, by_id),
        view=view,
        views=REVIEW_VIEWS,
        actions=actions_for(user, amendment),
        action_labels=ACTION_LABELS,
        confirm_actions=CONFIRM_ACTIONS,
        people=people,
        cosponsors=[b for b in amendment.backers if b.kind == "cosponsor"],
        supporters=[b for b in amendment.backers if b.kind == "supporter"],
        backer=backer,
        may_back=can(user, "amendment:back", amendment) and amendment.state in PENDING_STATES,
        may_edit=can(user, "amendment:edit", amendment)
        and amendment.state in EDITABLE_STATES
        and amendment.state != "needs_rebase",
        may_sub=amendment.parent_id is None
        and can(user, "amendment:propose", charter)
        and amendment.state in EDITABLE_STATES
        and amendment.state != "needs_rebase"
        and any(c.new_text is not None for c in amendment.changes),
        conflicts=amendment_conflicts(amendment),
        subs=subs,
        parent=parent,
        base_number=base_numbers.get(amendment.base_revision_id),
        applies_through=applies_through(session, amendment),
        # Written against an older revision whose changes since left its clauses alone.
        applies_to_head=amendment.state in PENDING_STATES
        and applies_unchanged(amendment, {rc.clause_id: rc.clause_version_id for rc in rows}),
        merged_number=base_numbers.get(amendment.merged_revision_id or -1),
        thread=thread,
        comment_pages=thread_pages(thread),
        comment_form=comment_form,
    )


def _fate(session: Any, amendment: Amendment, ballots: Sequence[Ballot]) -> str | None:
    """Why an amendment was rejected or superseded, in words: the count of the ballot that
    decided it, or who set it aside and when (from the audit log)."""
    if amendment.state not in ("rejected", "superseded"):
        return None
    decided = [b for b in ballots if b.state == "closed" and b.result]
    if amendment.state == "rejected" and decided:
        reason = json.loads(decided[-1].result or "{}").get("reason", "")
        return f"Rejected by the ballot “{decided[-1].title}”. {reason}".strip()
    event = session.execute(
        select(AuditEvent.actor_id, AuditEvent.occurred_at)
        .where(
            AuditEvent.object_type == "amendment",
            AuditEvent.object_id == str(amendment.id),
            AuditEvent.action.in_(("amendment.reject", "amendment.supersede")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    who = session.get(User, event.actor_id) if event and event.actor_id else None
    by = f" by {who.name} (secretariat)" if who else " by the secretariat"
    when = f" on {format_datetime(event.occurred_at)}" if event else ""
    if amendment.state == "rejected":
        return f"Rejected{by}{when}, without a ballot."
    return (
        f"Set aside as superseded{by}{when}: another change to the same text took its place, "
        "or its text could no longer be merged."
    )


# --------------------------------------------------------------------------------------------
# workflow, backing


@bp.post("/<slug>/amendments/<int:number>/act/<action>")
def act(slug: str, number: int, action: str) -> ResponseReturnValue:
    charter, amendment = load_amendment(slug, number)
    user = require_user()
    if action not in USER_ACTIONS:
        raise NotFound("There is no such action.")
    ensure_can(user, permission_for(action), amendment)
    if action in CONFIRM_ACTIONS and request.form.get("confirmed") != "yes":
        return render_template(
            "amendments/confirm.html",
            charter=charter,
            amendment=amendment,
            action=action,
            action_label=ACTION_LABELS[action],
        )
    transition_amendment(db(), amendment, action, actor=user)
    state = amendment.state
    db().commit()
    flash(f"Amendment #{number} is now {STATE_LABELS[state].lower()}.", "success")
    return redirect(url_for("amendments.show", slug=slug, number=number))


@bp.post("/<slug>/amendments/<int:number>/back")
def back(slug: str, number: int) -> ResponseReturnValue:
    _charter, amendment = load_amendment(slug, number)
    user = require_user()
    kind = request.form.get("kind", "supporter")
    if kind not in ("cosponsor", "supporter"):
        kind = "supporter"
    add_backer(db(), amendment, actor=user, kind=kind)
    db().commit()
    flash(
        f"You {'co-sponsor' if kind == 'cosponsor' else 'support'} amendment #{number}.",
        "success",
    )
    return redirect(url_for("amendments.show", slug=slug, number=number) + "#backers")


@bp.post("/<slug>/amendments/<int:number>/unback")
def unback(slug: str, number: int) -> ResponseReturnValue:
    _charter, amendment = load_amendment(slug, number, "amendment:back")
    user = require_user()
    remove_backer(db(), amendment, actor=user)
    db().commit()
    flash(f"You no longer back amendment #{number}.", "success")
    return redirect(url_for("amendments.show", slug=slug, number=number) + "#backers")


# --------------------------------------------------------------------------------------------
# the secretariat's merge: editorial, or of an adopted amendment whose automatic merge failed


@bp.route("/<slug>/amendments/<int:number>/merge", methods=["GET", "POST"])
def merge(slug: str, number: int) -> ResponseReturnValue:
    charter, amendment = load_amendment(slug, number, "amendment:merge_editorial")
    user = require_user()
    # An adopted amendment is merged as voted, not as editorial (closing a ballot merges it;
    # when that failed, the secretariat merges it here once the reason is gone).
    editorial = amendment.state != "adopted"
    if request.method == "POST":
        kind = "as an editorial change" if editorial else "as adopted"
        commit_or_flash(
            lambda: merge_amendment(db(), amendment, actor=user, editorial=editorial),
            lambda revision: (
                f"Sub-amendment #{number} is merged into its amendment."
                if revision is None
                else f"Amendment #{number} is merged {kind}: revision {revision.number}."
            ),
            errors=(Conflict,),
        )
        return redirect(url_for("amendments.show", slug=slug, number=number))
    rows = head_rows(charter)
    return render_template(
        "amendments/merge.html",
        charter=charter,
        amendment=amendment,
        changes=change_views_of(amendment, {rc.clause_id: rc for rc in rows}),
        mergeable=amendment.state in ("submitted", "discussion", "adopted"),
        editorial=editorial,
        merge_error=None if editorial else merge_failure(db(), amendment),
        people=users_by_id(db(), [amendment.author_id]),
    )
