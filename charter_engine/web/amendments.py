"""Amendment pages: proposing (edit a clause with a live diff preview, insert, delete or move a
clause, or edit the whole document), the list with filters, the review page with its four views,
backing, the workflow buttons, editing with a stale-version check, resolving a conflict after a
merge elsewhere, sub-amendments and the secretariat's editorial merge.

Every page works without JavaScript: the live preview (``static/diff-preview.js``) only saves the
reader a click on "Preview".
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.amendments.backers import add_backer, remove_backer
from charter_engine.amendments.changes import ChangeError, ChangeSpec, derive_changes
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.operations import (
    propose_amendment,
    resolve_amendment,
    update_amendment,
)
from charter_engine.amendments.queries import amendment_conflicts
from charter_engine.amendments.sub_amendments import propose_sub_amendment
from charter_engine.amendments.transitions import actions_for, transition_amendment
from charter_engine.amendments.workflow import (
    EDITABLE_STATES,
    PENDING_STATES,
    STATES,
    USER_ACTIONS,
    permission_for,
)
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.operations import parser_format, validate_document_text
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.errors import Conflict, NotFound, StaleVersion, ValidationError
from charter_engine.text import diff_html, merge3
from charter_engine.web import reading
from charter_engine.web.context import db
from charter_engine.web.drafting import (
    ACTION_LABELS,
    CONFIRM_ACTIONS,
    STATE_LABELS,
    DiffView,
    clause_choices,
    clause_label,
    int_arg,
    load_charter,
    new_clause_text,
    normalise_newlines,
    render_diff,
    restate_clause_text,
    view_arg,
)
from charter_engine.web.errors import render_conflict
from charter_engine.web.forms_amendments import (
    DeleteForm,
    DocumentForm,
    EditAmendmentForm,
    EditClauseForm,
    InsertForm,
    MoveForm,
    ProposalForm,
    ResolveForm,
    SubAmendmentForm,
)
from charter_engine.web.links import register_link
from charter_engine.web.pagination import paginate
from charter_engine.web.security import current_account, require_user

bp = Blueprint("amendments", __name__, url_prefix="/charters")

KINDS = (
    ("edit", "Change a clause"),
    ("insert", "Insert a clause"),
    ("delete", "Delete a clause"),
    ("move", "Move a clause"),
    ("document", "Edit the whole document"),
)
REVIEW_VIEWS = (
    ("inline", "Inline diff"),
    ("side", "Side by side"),
    ("original", "Original"),
    ("changed", "Changed"),
)
PER_PAGE = 25


def _amendment_link(obj: Any) -> str | None:
    amendment = obj if isinstance(obj, Amendment) else None
    if amendment is None and str(obj).isdigit():
        amendment = db().get(Amendment, int(obj))
    if amendment is None:
        return None
    charter = db().get(Charter, amendment.charter_id)
    if charter is None:
        return None
    return url_for("amendments.show", slug=charter.slug, number=amendment.number)


register_link("amendment", _amendment_link)


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


@dataclass(frozen=True)
class ResolveItem:
    """One change of an amendment on the resolve page."""

    change: AmendmentChange
    conflict: dict[str, Any] | None
    current: RevisionClause | None
    label: str
    editable: bool
    text: str
    dropped: bool


def _head_rows(charter: Charter) -> list[RevisionClause]:
    return list(revision_clauses(db(), get_revision(db(), charter)))


def _document(rows: Sequence[RevisionClause]) -> str:
    return "".join(rc.version.text for rc in rows)


def _label(rows_by_id: dict[int, RevisionClause], clause_id: int | None) -> str:
    if clause_id is None:
        return "the very start"
    return clause_label(rows_by_id.get(clause_id))


def _change_views(amendment: Amendment, rows_by_id: dict[int, RevisionClause]) -> list[ChangeView]:
    versions = reading.versions_by_id(db(), (c.base_version_id for c in amendment.changes))
    out = []
    for change in amendment.changes:
        base = versions.get(change.base_version_id or -1)
        old: str | None = base.text if base is not None else None
        if change.target_change_id is not None:
            old = change.base_text
        new = change.new_text
        where = _label(rows_by_id, change.clause_id)
        if change.kind == "replace":
            title = f"Change the text of {where}"
            if change.target_change_id is not None:
                title = f"Change the proposed text for {where}"
        elif change.kind == "insert":
            title = f"Insert a new clause after {_label(rows_by_id, change.after_clause_id)}"
            old = None
        elif change.kind == "delete":
            title = f"Delete {where}"
            new = None
        else:
            title = f"Move {where} to after {_label(rows_by_id, change.after_clause_id)}"
            new = change.new_text if change.new_text is not None else old
        out.append(
            ChangeView(change.position, change.kind, title, old, new, render_diff(old, new), change)
        )
    return out


def _spec_views(specs: Sequence[ChangeSpec], rows: Sequence[RevisionClause]) -> list[ChangeView]:
    """Derived or proposed changes (not yet stored) as the preview shows them."""
    by_id = {rc.clause_id: rc for rc in rows}
    order = {rc.clause_id: index for index, rc in enumerate(rows)}
    out = []
    for position, spec in enumerate(specs):
        clause_id = spec.clause if isinstance(spec.clause, int) else None
        after_id = spec.after if isinstance(spec.after, int) else None
        current = by_id.get(clause_id) if clause_id is not None else None
        old = current.version.text if current is not None else None
        if spec.kind == "replace":
            title, new = f"Change the text of {_label(by_id, clause_id)}", spec.text
        elif spec.kind == "insert":
            title, old, new = (
                f"Insert a new clause after {_label(by_id, after_id)}",
                None,
                spec.text,
            )
        elif spec.kind == "delete":
            title, new = f"Delete {_label(by_id, clause_id)}", None
        else:
            title = f"Move {_label(by_id, clause_id)} to after {_label(by_id, after_id)}"
            if (
                after_id is not None
                and order.get(clause_id or -1, -1) == order.get(after_id, -9) + 1
            ):
                # The engine expresses a change of trailing blank lines at the end as a move.
                title = f"Adjust the blank lines after {_label(by_id, clause_id)}"
            new = spec.text if spec.text is not None else old
        out.append(ChangeView(position, spec.kind, title, old, new, render_diff(old, new)))
    return out


def _form_error(form: Any, exc: ValidationError, text_field: str = "text") -> None:
    """Show a domain error next to its field (or above the form when it has none)."""
    name = {"changes": text_field, "text": text_field}.get(exc.field or "", exc.field or "")
    target = getattr(form, name, None) if name else None
    if target is not None and hasattr(target, "errors") and name != "csrf_token":
        target.errors = [*list(target.errors or []), exc.message]
    else:
        form.form_errors.append(exc.message)


def _intent() -> str:
    value = request.form.get("intent", "draft")
    return value if value in ("preview", "draft", "submit") else "draft"


def _load(slug: str, number: int, permission: str = "amendment:read") -> tuple[Charter, Amendment]:
    user = require_user()
    charter = load_charter(slug)
    amendment = reading.amendment_by_number(db(), charter, number)
    ensure_can(user, permission, amendment)
    return charter, amendment


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# list and review


@bp.get("/<slug>/amendments/")
def index(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug, "amendment:read")
    session = db()
    state = request.args.get("state") or ""
    if state not in STATES and state != "pending":
        state = ""
    clause_id = int_arg(request.args.get("clause"))
    author_id = int_arg(request.args.get("author"))
    stmt = reading.amendment_list_query(
        charter, state=state or None, clause_id=clause_id, author_id=author_id
    )
    page = paginate(session, stmt, page=request.args.get("page"), per_page=PER_PAGE)
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    changes = reading.changes_of(session, (a.id for a in page.items))
    touched = {
        a.id: sorted(
            {
                _label(by_id, c.after_clause_id if c.kind == "insert" else c.clause_id)
                for c in changes[a.id]
            }
        )
        for a in page.items
    }
    authors = reading.amendment_authors(session, charter)
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
    from charter_engine.web.comments import ReplyForm, thread_context

    charter, amendment = _load(slug, number)
    session = db()
    user = current_account()
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    view = view_arg(request.args.get("view"), [key for key, _label in REVIEW_VIEWS])
    subs = reading.sub_amendments(session, amendment) if amendment.parent_id is None else []
    parent = (
        session.get(Amendment, amendment.parent_id) if amendment.parent_id is not None else None
    )
    thread = thread_context(charter, amendment_id=amendment.id)
    people = reading.users_by_id(
        session,
        [
            amendment.author_id,
            *(b.user_id for b in amendment.backers),
            *(s.author_id for s in subs),
        ],
    )
    people.update(thread.authors)
    base_numbers = reading.revision_numbers(
        session, [amendment.base_revision_id, amendment.merged_revision_id]
    )
    comment_form = ReplyForm() if can(user, "comment:create", charter) else None
    if comment_form is not None:
        comment_form.body.label.text = "Your comment"
    backer = reading.backer_of(amendment, user)
    return render_template(
        "amendments/show.html",
        charter=charter,
        amendment=amendment,
        changes=_change_views(amendment, by_id),
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
        merged_number=base_numbers.get(amendment.merged_revision_id or -1),
        thread=thread,
        comment_form=comment_form,
    )


# --------------------------------------------------------------------------------------------
# proposing


@bp.route("/<slug>/amendments/new", methods=["GET", "POST"])
def propose(slug: str) -> ResponseReturnValue:
    user = require_user()
    charter = load_charter(slug, "amendment:propose")
    kind = request.args.get("kind") or "edit"
    if kind not in dict(KINDS):
        kind = "edit"
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    document = _document(rows)
    choices = clause_choices(rows)
    context: dict[str, Any] = {
        "charter": charter,
        "kind": kind,
        "kinds": KINDS,
        "preview": None,
        "clause_row": None,
        "clause_options": choices,
    }
    form: ProposalForm
    if kind == "edit":
        clause_id = int_arg(request.values.get("clause"))
        row = by_id.get(clause_id) if clause_id is not None else None
        if row is None:
            if clause_id is not None:
                flash("That clause is not in the current text; choose another.", "warning")
            return render_template("amendments/propose.html", form=None, **context)
        form = EditClauseForm(
            data={"clause": str(row.clause_id), "text": row.version.text.rstrip()}
            if request.method == "GET"
            else None
        )
        context["clause_row"] = row
    elif kind == "insert":
        form = InsertForm()
        form.after.choices = [("", "At the very start"), *choices]
    elif kind == "delete":
        form = DeleteForm()
        form.clause.choices = [("", "Choose a clause"), *choices]
    elif kind == "move":
        form = MoveForm()
        form.clause.choices = [("", "Choose a clause"), *choices]
        form.after.choices = [("", "At the very start"), *choices]
    else:
        form = DocumentForm(data={"text": document} if request.method == "GET" else None)
    if request.method == "GET":
        form.base_revision.data = str(charter.head_revision_number)
    context["form"] = form
    if not form.validate_on_submit():
        return render_template("amendments/propose.html", **context)

    base_number = int_arg(form.base_revision.data) or charter.head_revision_number
    try:
        specs, raw_text = _proposal_from_form(
            kind, form, by_id, document, parser_format(charter.source_format)
        )
    except ValidationError as exc:
        _form_error(form, exc)
        return render_template("amendments/propose.html", **context)
    intent = _intent()
    if kind == "document":
        assert raw_text is not None
        digest = _sha(raw_text)
        if intent != "preview" and form.previewed.data != digest:
            flash("Check the changes the engine found in your text, then save.", "info")
            intent = "preview"
        form.previewed.data = digest
    if intent == "preview":
        context["preview"] = _spec_views(specs, rows)
        return render_template("amendments/propose.html", **context)
    try:
        amendment = propose_amendment(
            db(),
            charter,
            actor=user,
            title=form.title.data,
            rationale=normalise_newlines(form.rationale.data, document),
            base_revision=base_number,
            changes=None if kind == "document" else [_spec_json(s) for s in specs],
            text=raw_text if kind == "document" else None,
            submit=intent == "submit",
        )
    except ValidationError as exc:
        db().rollback()
        _form_error(form, exc)
        return render_template("amendments/propose.html", **context)
    except Conflict as exc:
        return _proposal_conflict(charter, kind, form, exc, by_id, document)
    number = amendment.number
    db().commit()
    flash(
        f"Amendment #{number} is "
        + ("submitted." if intent == "submit" else "saved as a draft. Submit it when it is ready."),
        "success",
    )
    return redirect(url_for("amendments.show", slug=slug, number=number))


def _spec_json(spec: ChangeSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "clause_id": spec.clause,
        "after_clause_id": spec.after,
        "text": spec.text,
    }


def _chosen_clause(field: Any, by_id: dict[int, RevisionClause], message: str) -> int:
    clause_id = int_arg(field.data)
    if clause_id is None or clause_id not in by_id:
        raise ValidationError(message, field=field.name)
    return clause_id


def _after(field: Any, by_id: dict[int, RevisionClause]) -> int | None:
    if not field.data:
        return None
    return _chosen_clause(field, by_id, "Choose a clause of the current text.")


def _proposal_from_form(
    kind: str, form: Any, by_id: dict[int, RevisionClause], document: str, fmt: str
) -> tuple[list[ChangeSpec], str | None]:
    """The changes a proposal form describes (validated against the current text)."""
    if kind == "edit":
        clause_id = _chosen_clause(form.clause, by_id, "That clause is not in the current text.")
        old = by_id[clause_id].version.text
        text = restate_clause_text(form.text.data, old)
        if not text:
            raise ValidationError("Write the new text of the clause.", field="text")
        if text == old:
            raise ValidationError(
                "The text is the same as the current text: change something first.", field="text"
            )
        return [ChangeSpec("replace", clause=clause_id, text=text)], None
    if kind == "insert":
        after = _after(form.after, by_id)
        text = new_clause_text(form.text.data, document)
        if not text:
            raise ValidationError("Write the text of the new clause.", field="text")
        return [ChangeSpec("insert", after=after, text=text)], None
    if kind == "delete":
        clause_id = _chosen_clause(form.clause, by_id, "Choose the clause to delete.")
        return [ChangeSpec("delete", clause=clause_id)], None
    if kind == "move":
        clause_id = _chosen_clause(form.clause, by_id, "Choose the clause to move.")
        after = _after(form.after, by_id)
        if after == clause_id:
            raise ValidationError("A clause cannot be moved after itself.", field="after")
        order = list(by_id)
        position = order.index(clause_id)
        if (after is None and position == 0) or (
            after is not None and position > 0 and order[position - 1] == after
        ):
            raise ValidationError(
                "The clause is already there: choose another place.", field="after"
            )
        return [ChangeSpec("move", clause=clause_id, after=after)], None
    text = normalise_newlines(form.text.data, document)
    validate_document_text(text)
    if text == document:
        raise ValidationError("The text is unchanged: there is nothing to amend.", field="text")
    pairs: list[tuple[Hashable, str]] = [(cid, rc.version.text) for cid, rc in by_id.items()]
    try:
        specs = derive_changes(pairs, text, fmt)
    except ChangeError as exc:  # pragma: no cover - the engine guards its own derivation
        raise ValidationError(str(exc), field="text") from exc
    return specs, text


def _proposal_conflict(
    charter: Charter,
    kind: str,
    form: Any,
    exc: Conflict,
    by_id: dict[int, RevisionClause],
    document: str,
) -> ResponseReturnValue:
    """The charter changed since the form was opened and the change overlaps: the 409 page with
    the text as it is now and the person's own text kept to send again against it."""
    db().rollback()
    head = get_revision(db(), charter)
    rows = list(revision_clauses(db(), head))
    now_by_id = {rc.clause_id: rc for rc in rows}
    hidden = {
        "title": form.title.data or "",
        "rationale": form.rationale.data or "",
        "base_revision": str(head.number),
        "intent": "preview",
    }
    if kind == "edit":
        clause_id = int_arg(form.clause.data)
        row = now_by_id.get(clause_id or -1)
        hidden["clause"] = str(clause_id or "")
        current = row.version.text if row is not None else ""
        action = url_for("amendments.propose", slug=charter.slug, kind="edit", clause=clause_id)
        return render_conflict(
            message=exc.message,
            current_text=current.rstrip(),
            your_text=form.text.data or "",
            form_action=action,
            field_name="text",
            field_label="Your new text of the clause",
            hidden_fields=hidden,
            back_url=url_for("charters.clause", slug=charter.slug, clause_id=clause_id or 0),
        )
    your_text = form.text.data if kind in ("insert", "document") else ""
    current = _document(rows) if kind == "document" else ""
    return render_conflict(
        message=exc.message,
        current_text=current,
        your_text=your_text or "",
        form_action=url_for("amendments.propose", slug=charter.slug, kind=kind),
        field_name="text",
        field_label="Your text",
        hidden_fields=hidden,
        back_url=url_for("charters.show", slug=charter.slug),
    )


@bp.post("/<slug>/amendments/preview")
def preview(slug: str) -> ResponseReturnValue:
    """The live diff of a clause being edited (JSON for ``diff-preview.js``)."""
    charter = load_charter(slug, "amendment:propose")
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    clause_id = int_arg(request.form.get("clause"))
    submitted = request.form.get("text", "")
    if clause_id is not None and clause_id in by_id:
        old = by_id[clause_id].version.text
        new = restate_clause_text(submitted, old)
    else:
        old, new = "", new_clause_text(submitted, _document(rows[:1]))
    html = Markup(diff_html(old.rstrip(), new.rstrip()))
    return jsonify(html=str(html), changed=old.rstrip() != new.rstrip())


# --------------------------------------------------------------------------------------------
# workflow, backing


@bp.post("/<slug>/amendments/<int:number>/act/<action>")
def act(slug: str, number: int, action: str) -> ResponseReturnValue:
    charter, amendment = _load(slug, number)
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
    _charter, amendment = _load(slug, number)
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
    _charter, amendment = _load(slug, number, "amendment:back")
    user = require_user()
    remove_backer(db(), amendment, actor=user)
    db().commit()
    flash(f"You no longer back amendment #{number}.", "success")
    return redirect(url_for("amendments.show", slug=slug, number=number) + "#backers")


# --------------------------------------------------------------------------------------------
# editing (with the version the author saw)


def _text_changes(amendment: Amendment) -> list[AmendmentChange]:
    return [c for c in amendment.changes if c.new_text is not None and c.kind != "move"]


def _submitted_texts(amendment: Amendment) -> dict[int, str]:
    return {
        c.position: request.form.get(f"change-{c.position}", c.new_text or "")
        for c in _text_changes(amendment)
    }


@bp.route("/<slug>/amendments/<int:number>/edit", methods=["GET", "POST"])
def edit(slug: str, number: int) -> ResponseReturnValue:
    charter, amendment = _load(slug, number, "amendment:edit")
    user = require_user()
    if amendment.state not in EDITABLE_STATES or amendment.state == "needs_rebase":
        flash(
            "This amendment can no longer be edited."
            if amendment.state != "needs_rebase"
            else "Resolve the conflict first.",
            "warning",
        )
        return redirect(url_for("amendments.show", slug=slug, number=number))
    form = EditAmendmentForm(obj=amendment if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(amendment.version)
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    texts = (
        _submitted_texts(amendment)
        if request.method == "POST"
        else {c.position: (c.new_text or "").rstrip() for c in _text_changes(amendment)}
    )
    change_views = {v.position: v for v in _change_views(amendment, by_id)}
    if form.validate_on_submit():
        expected = int_arg(form.version.data)
        try:
            specs = _edited_specs(amendment, texts, by_id)
            update_amendment(
                db(),
                amendment,
                actor=user,
                expected_version=expected,
                title=form.title.data,
                rationale=normalise_newlines(form.rationale.data, _document(rows)),
                changes=specs,
            )
        except StaleVersion:
            return _stale_page(charter, slug, number, form, texts)
        except ValidationError as exc:
            db().rollback()
            _form_error(form, exc, text_field="")
        else:
            db().commit()
            flash(f"Amendment #{number} is saved.", "success")
            return redirect(url_for("amendments.show", slug=slug, number=number))
    return render_template(
        "amendments/edit.html",
        charter=charter,
        amendment=amendment,
        form=form,
        texts=texts,
        change_views=change_views,
        editable=_text_changes(amendment),
    )


def _edited_specs(
    amendment: Amendment, texts: dict[int, str], by_id: dict[int, RevisionClause]
) -> list[dict[str, Any]] | None:
    """The amendment's changes with the edited texts, or None when no text changed."""
    specs = []
    changed = False
    for change in amendment.changes:
        text = change.new_text
        if change.position in texts and change.new_text is not None:
            if change.kind == "replace" and change.clause_id in by_id:
                text = restate_clause_text(
                    texts[change.position], by_id[change.clause_id].version.text
                )
            elif change.kind == "insert":
                text = new_clause_text(texts[change.position], _document(list(by_id.values())[:1]))
            if not text:
                raise ValidationError(
                    f"Change {change.position + 1}: give the new text.", field="changes"
                )
            changed = changed or text != change.new_text
        specs.append(
            {
                "kind": change.kind,
                "clause_id": change.clause_id if change.kind != "insert" else None,
                "after_clause_id": change.after_clause_id,
                "text": text,
            }
        )
    return specs if changed else None


def _stale_page(
    charter: Charter, slug: str, number: int, form: Any, texts: dict[int, str]
) -> ResponseReturnValue:
    """Someone changed the amendment since the author opened it: 409 with the text as it is now
    and everything the author typed, ready to send again against the new version."""
    db().rollback()
    fresh = reading.amendment_by_number(db(), charter, number)
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    body = render_template(
        "amendments/stale.html",
        charter=charter,
        amendment=fresh,
        title_text=form.title.data or "",
        rationale_text=form.rationale.data or "",
        texts=texts,
        current={c.position: c for c in fresh.changes},
        change_views={v.position: v for v in _change_views(fresh, by_id)},
        action=url_for("amendments.edit", slug=slug, number=number),
    )
    return body, 409


# --------------------------------------------------------------------------------------------
# resolving a conflict


@bp.route("/<slug>/amendments/<int:number>/resolve", methods=["GET", "POST"])
def resolve(slug: str, number: int) -> ResponseReturnValue:
    charter, amendment = _load(slug, number, "amendment:resolve")
    user = require_user()
    if amendment.state != "needs_rebase":
        flash("This amendment has no conflict to resolve.", "info")
        return redirect(url_for("amendments.show", slug=slug, number=number))
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    conflicts = amendment_conflicts(amendment)
    conflicting = {int(c["change"]) - 1: c for c in conflicts}
    versions = reading.versions_by_id(db(), (c.base_version_id for c in amendment.changes))
    items: list[ResolveItem] = []
    for change in amendment.changes:
        current = by_id.get(change.clause_id or -1) if change.kind != "insert" else None
        base = versions.get(change.base_version_id or -1)
        suggestion = change.new_text
        if (
            change.position not in conflicting
            and change.new_text is not None
            and base is not None
            and current is not None
            and current.version.id != base.id
        ):
            # Changes that did not conflict still have to be carried onto the current text.
            merged = merge3(base.text, change.new_text, current.version.text)
            suggestion = merged.text if merged.text is not None else change.new_text
        shown = (suggestion or "").rstrip()
        items.append(
            ResolveItem(
                change=change,
                conflict=conflicting.get(change.position),
                current=current,
                label=_label(by_id, change.clause_id)
                if change.kind != "insert"
                else "a new clause after " + _label(by_id, change.after_clause_id),
                editable=change.new_text is not None,
                text=request.form.get(f"change-{change.position}", shown)
                if request.method == "POST"
                else shown,
                dropped=request.form.get(f"drop-{change.position}") == "yes",
            )
        )
    form = ResolveForm()
    if request.method == "GET":
        form.version.data = str(amendment.version)
    if form.validate_on_submit():
        specs = []
        for item in items:
            change = item.change
            if item.dropped:
                continue
            text = change.new_text
            if item.editable:
                if change.kind == "insert":
                    text = new_clause_text(item.text, _document(rows[:1]))
                else:
                    reference = item.current.version.text if item.current else change.new_text
                    text = restate_clause_text(item.text, reference or "")
            specs.append(
                {
                    "kind": change.kind,
                    "clause_id": change.clause_id if change.kind != "insert" else None,
                    "after_clause_id": change.after_clause_id,
                    "text": text,
                }
            )
        try:
            if not specs:
                raise ValidationError(
                    "Keep at least one change, or withdraw the amendment instead.",
                    field="changes",
                )
            resolve_amendment(
                db(),
                amendment,
                actor=user,
                expected_version=int_arg(form.version.data),
                changes=specs,
            )
        except StaleVersion:
            db().rollback()
            flash(
                "The amendment changed while you were resolving it; here it is as it is now.",
                "warning",
            )
            return redirect(url_for("amendments.resolve", slug=slug, number=number))
        except ValidationError as exc:
            db().rollback()
            form.form_errors.append(exc.message)
        else:
            state = amendment.state
            db().commit()
            flash(
                f"The conflict is resolved: amendment #{number} is "
                f"{STATE_LABELS[state].lower()} again, against the current text.",
                "success",
            )
            return redirect(url_for("amendments.show", slug=slug, number=number))
    return render_template(
        "amendments/resolve.html",
        charter=charter,
        amendment=amendment,
        form=form,
        items=items,
        conflicts=conflicts,
    )


# --------------------------------------------------------------------------------------------
# sub-amendments


@bp.route("/<slug>/amendments/<int:number>/sub-amendments/new", methods=["GET", "POST"])
def propose_sub(slug: str, number: int) -> ResponseReturnValue:
    charter, parent = _load(slug, number)
    user = require_user()
    ensure_can(user, "amendment:propose", parent)
    if parent.parent_id is not None or parent.state not in EDITABLE_STATES - {"needs_rebase"}:
        flash(f"Amendment #{number} cannot be amended now.", "warning")
        return redirect(url_for("amendments.show", slug=slug, number=number))
    targets = [c for c in parent.changes if c.new_text is not None]
    rows = _head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    views = {v.position: v for v in _change_views(parent, by_id)}
    texts = {
        c.id: (
            request.form.get(f"change-{c.id}", c.new_text or "")
            if request.method == "POST"
            else (c.new_text or "").rstrip()
        )
        for c in targets
    }
    form = SubAmendmentForm()
    if form.validate_on_submit():
        changes = []
        for change in targets:
            text = restate_clause_text(texts[change.id], change.new_text or "")
            if text and text != change.new_text:
                changes.append({"change_id": change.id, "text": text})
        try:
            if not changes:
                raise ValidationError("Change the proposed text somewhere first.", field="changes")
            sub = propose_sub_amendment(
                db(),
                parent,
                actor=user,
                title=form.title.data,
                rationale=normalise_newlines(form.rationale.data, _document(rows[:1])),
                changes=changes,
                submit=_intent() == "submit",
            )
        except ValidationError as exc:
            db().rollback()
            _form_error(form, exc, text_field="")
        else:
            sub_number = sub.number
            db().commit()
            flash(f"Sub-amendment #{sub_number} to amendment #{number} is saved.", "success")
            return redirect(url_for("amendments.show", slug=slug, number=sub_number))
    return render_template(
        "amendments/sub_new.html",
        charter=charter,
        parent=parent,
        form=form,
        targets=targets,
        texts=texts,
        views=views,
    )


# --------------------------------------------------------------------------------------------
# the secretariat's editorial merge


@bp.route("/<slug>/amendments/<int:number>/merge", methods=["GET", "POST"])
def merge(slug: str, number: int) -> ResponseReturnValue:
    charter, amendment = _load(slug, number, "amendment:merge_editorial")
    user = require_user()
    if request.method == "POST":
        try:
            revision = merge_amendment(db(), amendment, actor=user, editorial=True)
        except Conflict as exc:
            db().rollback()
            flash(exc.message, "error")
            return redirect(url_for("amendments.show", slug=slug, number=number))
        into = revision.number if revision is not None else None
        db().commit()
        if into is None:
            flash(f"Sub-amendment #{number} is merged into its amendment.", "success")
        else:
            flash(
                f"Amendment #{number} is merged as an editorial change: revision {into}.",
                "success",
            )
        return redirect(url_for("amendments.show", slug=slug, number=number))
    rows = _head_rows(charter)
    return render_template(
        "amendments/merge.html",
        charter=charter,
        amendment=amendment,
        changes=_change_views(amendment, {rc.clause_id: rc for rc in rows}),
        mergeable=amendment.state in ("submitted", "discussion"),
        people=reading.users_by_id(db(), [amendment.author_id]),
    )
