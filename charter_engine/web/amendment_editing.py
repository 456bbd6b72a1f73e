"""Changing a proposed amendment: editing with a stale-version check (the 409 page keeps what the
author typed), resolving a conflict after a merge elsewhere, and proposing a sub-amendment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.operations import resolve_amendment, update_amendment
from charter_engine.amendments.queries import amendment_by_number, amendment_conflicts
from charter_engine.amendments.sub_amendments import propose_sub_amendment
from charter_engine.amendments.workflow import EDITABLE_STATES
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import versions_by_id
from charter_engine.context import db
from charter_engine.errors import StaleVersion, ValidationError
from charter_engine.ids import whole_number
from charter_engine.text import diff_html, merge3
from charter_engine.text.submitted import new_clause_text, normalise_newlines, restate_clause_text
from charter_engine.web.amendments import (
    bp,
    change_views_of,
    document_text,
    form_intent,
    head_rows,
    load_amendment,
    place_label,
    show_form_error,
)
from charter_engine.web.drafting import STATE_LABELS
from charter_engine.web.forms import commit_or_show
from charter_engine.web.forms_amendments import (
    EditAmendmentForm,
    ResolveForm,
    SubAmendmentForm,
)
from charter_engine.web.security import require_user


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
    charter, amendment = load_amendment(slug, number, "amendment:edit")
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
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    texts = (
        _submitted_texts(amendment)
        if request.method == "POST"
        else {c.position: (c.new_text or "").rstrip() for c in _text_changes(amendment)}
    )
    change_views = {v.position: v for v in change_views_of(amendment, by_id)}
    if form.validate_on_submit():
        try:
            done = commit_or_show(
                form,
                lambda: update_amendment(
                    db(),
                    amendment,
                    actor=user,
                    expected_version=whole_number(form.version.data),
                    title=form.title.data,
                    rationale=normalise_newlines(form.rationale.data, document_text(rows)),
                    changes=_edited_specs(amendment, texts, by_id),
                ),
                on_error=lambda exc: show_form_error(form, exc, text_field=""),
            )
        except StaleVersion:
            return _stale_page(charter, slug, number, form, texts)
        if done:
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
                text = new_clause_text(
                    texts[change.position], document_text(list(by_id.values())[:1])
                )
            if not text:
                raise ValidationError(
                    f"Change {change.position + 1}: give the new text.", field="changes"
                )
            changed = changed or text != change.new_text
        specs.append(_change_spec(change, text))
    return specs if changed else None


def _change_spec(change: AmendmentChange, text: str | None) -> dict[str, Any]:
    """The change as the operations take it again, with ``text`` as its proposed text."""
    return {
        "kind": change.kind,
        "clause_id": change.clause_id if change.kind != "insert" else None,
        "after_clause_id": change.after_clause_id,
        "text": text,
    }


def _stale_page(
    charter: Charter, slug: str, number: int, form: Any, texts: dict[int, str]
) -> ResponseReturnValue:
    """Someone changed the amendment since the author opened it: 409 with the text as it is now
    and everything the author typed, ready to send again against the new version."""
    db().rollback()
    fresh = amendment_by_number(db(), charter, number)
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    body = render_template(
        "amendments/stale.html",
        charter=charter,
        amendment=fresh,
        title_text=form.title.data or "",
        rationale_text=form.rationale.data or "",
        texts=texts,
        current={c.position: c for c in fresh.changes},
        change_views={v.position: v for v in change_views_of(fresh, by_id)},
        action=url_for("amendments.edit", slug=slug, number=number),
    )
    return body, 409


# --------------------------------------------------------------------------------------------
# resolving a conflict


@bp.route("/<slug>/amendments/<int:number>/resolve", methods=["GET", "POST"])
def resolve(slug: str, number: int) -> ResponseReturnValue:
    charter, amendment = load_amendment(slug, number, "amendment:resolve")
    user = require_user()
    if amendment.state != "needs_rebase":
        flash("This amendment has no conflict to resolve.", "info")
        return redirect(url_for("amendments.show", slug=slug, number=number))
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    conflicts = amendment_conflicts(amendment)
    conflicting = {int(c["change"]) - 1: c for c in conflicts}
    versions = versions_by_id(db(), (c.base_version_id for c in amendment.changes))
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
                label=place_label(by_id, change.clause_id)
                if change.kind != "insert"
                else "a new clause after " + place_label(by_id, change.after_clause_id),
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
                    text = new_clause_text(item.text, document_text(rows[:1]))
                else:
                    reference = item.current.version.text if item.current else change.new_text
                    text = restate_clause_text(item.text, reference or "")
            specs.append(_change_spec(change, text))

        def resolved() -> str:
            if not specs:
                raise ValidationError(
                    "Keep at least one change, or withdraw the amendment instead.",
                    field="changes",
                )
            resolve_amendment(
                db(),
                amendment,
                actor=user,
                expected_version=whole_number(form.version.data),
                changes=specs,
            )
            return amendment.state

        try:
            done = commit_or_show(
                form, resolved, on_error=lambda exc: form.form_errors.append(exc.message)
            )
        except StaleVersion:
            db().rollback()
            flash(
                "The amendment changed while you were resolving it; here it is as it is now.",
                "warning",
            )
            return redirect(url_for("amendments.resolve", slug=slug, number=number))
        if done:
            flash(
                f"The conflict is resolved: amendment #{number} is "
                f"{STATE_LABELS[done.value].lower()} again, against the current text.",
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
        marked=_marked,
    )


def _marked(old: str, new: str) -> Markup:
    """``new`` with what changed from ``old`` marked word by word (the diff escapes the text)."""
    return Markup(diff_html(old or "", new or ""))  # nosec B704  # diff_html escapes both texts


# --------------------------------------------------------------------------------------------
# sub-amendments


@bp.route("/<slug>/amendments/<int:number>/sub-amendments/new", methods=["GET", "POST"])
def propose_sub(slug: str, number: int) -> ResponseReturnValue:
    charter, parent = load_amendment(slug, number)
    user = require_user()
    ensure_can(user, "amendment:propose", parent)
    if parent.parent_id is not None or parent.state not in EDITABLE_STATES - {"needs_rebase"}:
        flash(f"Amendment #{number} cannot be amended now.", "warning")
        return redirect(url_for("amendments.show", slug=slug, number=number))
    targets = [c for c in parent.changes if c.new_text is not None]
    rows = head_rows(charter)
    by_id = {rc.clause_id: rc for rc in rows}
    views = {v.position: v for v in change_views_of(parent, by_id)}
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

        def proposed() -> int:
            if not changes:
                raise ValidationError("Change the proposed text somewhere first.", field="changes")
            return propose_sub_amendment(
                db(),
                parent,
                actor=user,
                title=form.title.data,
                rationale=normalise_newlines(form.rationale.data, document_text(rows[:1])),
                changes=changes,
                submit=form_intent() == "submit",
            ).number

        done = commit_or_show(
            form, proposed, on_error=lambda exc: show_form_error(form, exc, text_field="")
        )
        if done:
            flash(f"Sub-amendment #{done.value} to amendment #{number} is saved.", "success")
            return redirect(url_for("amendments.show", slug=slug, number=done.value))
    return render_template(
        "amendments/sub_new.html",
        charter=charter,
        parent=parent,
        form=form,
        targets=targets,
        texts=texts,
        views=views,
    )
