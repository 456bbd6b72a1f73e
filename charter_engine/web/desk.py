"""The secretariat's desk: amendments by state, upcoming deadlines, ballots to open or close,
participation figures, editorial merges, and importing a new charter.

The import shows how the document will be split into numbered clauses before anything is stored.
The text travels in the form between the preview and the save (an uploaded file base64-encoded in
a hidden field, so that its bytes come back exactly; pasted text in its textarea), never in the
session: the app keeps no state between requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from charter_engine.accounts.permissions import ensure_can
from charter_engine.accounts.queries import users_by_id
from charter_engine.amendments.queries import amendments_in_states, state_counts
from charter_engine.amendments.workflow import STATES
from charter_engine.charters.models import Charter, ClauseVersion
from charter_engine.charters.operations import (
    _tree,
    guess_format,
    import_charter,
    parser_format,
    validate_document_text,
)
from charter_engine.charters.queries import get_charter, list_charters
from charter_engine.context import db
from charter_engine.db import utcnow as now
from charter_engine.errors import ValidationError
from charter_engine.limits import CHARTER_TITLE, DOCUMENT, FILENAME
from charter_engine.text import split_document
from charter_engine.text.submitted import normalise_newlines
from charter_engine.voting.desk import ballots_to_handle, participation
from charter_engine.web.drafting import STATE_LABELS, clause_excerpt
from charter_engine.web.forms import Form, TextLength, choices, commit_or_show, show_error
from charter_engine.web.links import object_url
from charter_engine.web.security import require_user

bp = Blueprint("desk", __name__, url_prefix="/desk")

FORMAT_LABELS = (
    ("", "Detect from the file name and text"),
    ("markdown", "Markdown"),
    ("rst", "reStructuredText"),
    ("text", "Plain text"),
)
# The states the secretariat acts on, in the order the desk lists them.
DESK_STATES = ("submitted", "discussion", "voting", "adopted", "needs_rebase")


class ImportForm(Form):
    title = StringField(
        "Title of the charter",
        validators=[DataRequired("Give the charter a title."), Length(max=CHARTER_TITLE)],
    )
    upload = FileField("Upload a file")
    text = TextAreaField(
        "Or paste the text",
        validators=[Optional(), TextLength(DOCUMENT)],
        render_kw={"rows": 14, "class": "text-edit"},
    )
    source_format = SelectField("Format", choices=choices(FORMAT_LABELS), default="")
    source = HiddenField()
    filename = HiddenField()
    previewed = HiddenField()


@dataclass(frozen=True)
class SplitRow:
    number: str
    depth: int
    kind: str
    level: int
    heading: str | None
    excerpt: str
    text: str


def split_preview(text: str, fmt: str) -> list[SplitRow]:
    """The clauses an import of ``text`` would create, numbered exactly as the import numbers
    them (the same tree function, run on unsaved versions)."""
    blocks = split_document(text, parser_format(fmt))
    versions = [
        ClauseVersion(clause_id=i, text=b.text, kind=b.kind, level=b.level, heading=b.heading)
        for i, b in enumerate(blocks)
    ]
    return [
        SplitRow(number, depth, v.kind, v.level, v.heading, clause_excerpt(v.text, 160), v.text)
        for v, _parent, depth, number in _tree(versions)
    ]


def _ballot_url(ballot_id: int) -> str:
    return object_url("ballot", ballot_id) or f"/ballots/{ballot_id}"


@bp.get("/")
def index() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "desk:view")
    session = db()
    charters = list_charters(session)
    charter: Charter | None = None
    slug = request.args.get("charter")
    if slug:
        charter = get_charter(session, slug)
    elif charters:
        drafting = [c for c in charters if c.status == "drafting"]
        charter = (drafting or list(charters))[-1]
    context: dict[str, Any] = {"charters": charters, "charter": charter}
    if charter is not None:
        counts = state_counts(session, charter)
        waiting = amendments_in_states(session, charter, DESK_STATES, limit=100)
        by_state: dict[str, list[Any]] = {state: [] for state in DESK_STATES}
        for amendment in waiting:
            by_state[amendment.state].append(amendment)
        ballots = ballots_to_handle(session, charter)
        context.update(
            counts=[(state, STATE_LABELS[state], counts[state]) for state in STATES],
            total=sum(counts.values()),
            by_state=by_state,
            editorial=[a for a in waiting if a.state in ("submitted", "discussion")],
            ballots_to_open=[b for b in ballots if b.state == "draft"],
            ballots_to_close=[b for b in ballots if b.state == "open"],
            deadlines=sorted(
                (b for b in ballots if b.state == "open" and b.closes_at is not None),
                key=lambda b: (b.closes_at is None, b.closes_at or now()),
            ),
            participation=participation(session, charter),
            authors=users_by_id(session, (a.author_id for a in waiting)),
            ballot_url=_ballot_url,
            state_labels=STATE_LABELS,
        )
    return render_template("desk/index.html", **context)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _document_from_form(form: ImportForm) -> str | None:
    """The document the form carries: a new upload, else pasted text, else the earlier upload."""
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", None):
        raw: bytes = upload.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                "The file is not UTF-8 text. Save it as UTF-8 (or as plain text) and upload it "
                "again.",
                field="upload",
            ) from None
        form.source.data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        form.filename.data = str(upload.filename)[:FILENAME]
        form.text.data = ""
        return text
    if form.text.data and form.text.data.strip():
        form.source.data = ""
        form.filename.data = ""
        # Browsers send CRLF from a textarea; pasted text is taken with LF line ends.
        return normalise_newlines(form.text.data, "")
    if form.source.data:
        try:
            return base64.b64decode(form.source.data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            form.source.data = ""
            raise ValidationError(
                "The uploaded file was lost; upload it again.", field="upload"
            ) from None
    return None


@bp.route("/import", methods=["GET", "POST"], endpoint="import_charter")
def import_page() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "charter:import")
    form = ImportForm()
    preview: list[SplitRow] | None = None
    fmt = ""
    if request.method == "POST":
        text: str | None = None
        # Validate first (it resets the errors), then read the document even when a field is
        # wrong, so that an upload survives an error elsewhere.
        valid = form.validate()
        try:
            text = _document_from_form(form)
            if text is None:
                raise ValidationError("Upload a file or paste the text.", field="text")
            validate_document_text(text)
            fmt = form.source_format.data or guess_format(form.filename.data or None, text)
            preview = split_preview(text, fmt)
        except ValidationError as exc:
            show_error(form, exc)
            text = None
        if text is not None and valid:
            digest = _sha(text + "\0" + fmt)
            confirmed = request.form.get("intent") == "save" and form.previewed.data == digest
            form.previewed.data = digest
            if confirmed:
                done = commit_or_show(
                    form,
                    lambda: import_charter(
                        db(),
                        title=form.title.data,
                        text=text,
                        actor=user,
                        filename=form.filename.data or None,
                        source_format=fmt,
                    ),
                )
                if done:
                    imported = done.value
                    flash(
                        f"“{imported.title}” is imported with {len(preview or [])} clauses.",
                        "success",
                    )
                    return redirect(url_for("charters.show", slug=imported.slug))
    return render_template(
        "desk/import.html",
        form=form,
        preview=preview,
        detected_format=dict(FORMAT_LABELS).get(fmt, fmt),
    )
