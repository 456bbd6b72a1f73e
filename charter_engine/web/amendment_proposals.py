"""Proposing an amendment: edit a clause with a live diff preview, insert, delete or move a
clause, or edit the whole document; the preview of the changes the engine found, and the 409 page
when the charter changed meanwhile and the proposal overlaps the change.

Every page works without JavaScript: the live preview (``static/diff-preview.js``) only saves the
reader a click on "Preview".
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from charter_engine.amendments.changes import ChangeError, ChangeSpec, derive_changes
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.operations import parser_format, validate_document_text
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.context import db
from charter_engine.errors import Conflict, ValidationError
from charter_engine.text import diff_html
from charter_engine.web.amendments import (
    ChangeView,
    bp,
    document_text,
    form_intent,
    head_rows,
    place_label,
    show_form_error,
)
from charter_engine.web.drafting import (
    clause_choices,
    int_arg,
    load_charter,
    new_clause_text,
    normalise_newlines,
    render_diff,
    restate_clause_text,
)
from charter_engine.web.errors import render_conflict
from charter_engine.web.forms_amendments import (
    DeleteForm,
    DocumentForm,
    EditClauseForm,
    InsertForm,
    MoveForm,
    ProposalForm,
)
from charter_engine.web.reading import pending_amendments_on_clause
from charter_engine.web.security import require_user

KINDS = (
    ("edit", "Change a clause"),
    ("insert", "Insert a clause"),
    ("delete", "Delete a clause"),
    ("move", "Move a clause"),
    ("document", "Edit the whole document"),
)


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
            title, new = f"Change the text of {place_label(by_id, clause_id)}", spec.text
        elif spec.kind == "insert":
            title, old, new = (
                f"Insert a new clause after {place_label(by_id, after_id)}",
                None,
                spec.text,
            )
        elif spec.kind == "delete":
            title, new = f"Delete {place_label(by_id, clause_id)}", None
        else:
            title = f"Move {place_label(by_id, clause_id)} to after {place_label(by_id, after_id)}"
            if (
                after_id is not None
                and order.get(clause_id or -1, -1) == order.get(after_id, -9) + 1
            ):
                # The engine expresses a change of trailing blank lines at the end as a move.
                title = f"Adjust the blank lines after {place_label(by_id, clause_id)}"
            new = spec.text if spec.text is not None else old
        out.append(ChangeView(position, spec.kind, title, old, new, render_diff(old, new)))
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# proposing


@bp.route("/<slug>/amendments/new", methods=["GET", "POST"])
def propose(slug: str) -> ResponseReturnValue:
    user = require_user()
    charter = load_charter(slug, "amendment:propose")
    kind = request.args.get("kind") or "edit"
    if kind not in dict(KINDS):
        kind = "edit"
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    document = document_text(rows)
    choices = clause_choices(rows)
    context: dict[str, Any] = {
        "charter": charter,
        "kind": kind,
        "kinds": KINDS,
        "preview": None,
        "clause_row": None,
        "clause_options": choices,
        "pending_here": [],
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
        # Said before the member writes: others may already propose a change to this clause.
        context["pending_here"] = pending_amendments_on_clause(db(), charter, row.clause_id)
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
        show_form_error(form, exc)
        return render_template("amendments/propose.html", **context)
    intent = form_intent()
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
        show_form_error(form, exc)
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
    current = document_text(rows) if kind == "document" else ""
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
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    clause_id = int_arg(request.form.get("clause"))
    submitted = request.form.get("text", "")
    if clause_id is not None and clause_id in by_id:
        old = by_id[clause_id].version.text
        new = restate_clause_text(submitted, old)
    else:
        old, new = "", new_clause_text(submitted, document_text(rows[:1]))
    html = Markup(diff_html(old.rstrip(), new.rstrip()))  # nosec B704  # diff_html escapes text
    return jsonify(html=str(html), changed=old.rstrip() != new.rstrip())
