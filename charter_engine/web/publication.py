"""Publication pages.

Public (no sign-in), for charters with at least one release:
  ``/published/``                                   every published charter
  ``/published/<slug>``                             its latest release
  ``/published/<slug>/<label>``                     a release: contents, clauses with permalinks,
                                                    downloads, earlier releases
  ``/published/<slug>/<label>.<ext>``               a release's file (md, html, pdf, docx, json),
                                                    exactly as published
  ``/published/<slug>/<label>/clauses/<id>``        one clause of a release (its permalink)
  ``/published/<slug>/<label>/changes?since=<L>``   what changed since another release (redline),
                                                    also as ``changes.pdf`` / ``.docx`` / ``.html``
Signed-in members see the same pages with their working drafts beside them.

For members and the secretariat:
  ``/charters/<slug>/releases``                     the releases; the secretariat publishes here
  ``/charters/<slug>/export?format=…&revision=N``   any revision as a file
  ``/charters/<slug>/redline?format=…&from=N&to=M`` the changes between two revisions as a file

An unknown charter, release, clause or file type, and a charter with no release, are a 404 page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import top_level_amendments
from charter_engine.amendments.workflow import PENDING_STATES
from charter_engine.audit.operations import event_link
from charter_engine.charters.display import DisplayClause, display_rows, revision_redline
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import (
    compare_revisions,
    get_charter,
    get_revision,
    list_revisions,
    revision_clauses,
)
from charter_engine.context import db
from charter_engine.downloads import file_response
from charter_engine.errors import Conflict, NotFound, ValidationError
from charter_engine.ids import is_id, whole_number
from charter_engine.publication.exports import export_file, redline_file
from charter_engine.publication.formats import EXPORT_FORMATS, REDLINE_FORMATS
from charter_engine.publication.models import Release
from charter_engine.publication.operations import publish_release
from charter_engine.publication.provenance import clause_provenance
from charter_engine.publication.queries import (
    clause_in_releases,
    get_release,
    heading_line,
    is_label,
    latest_release,
    list_releases,
    published_charters,
    release_of_base,
)
from charter_engine.publication.source import ExportOptions
from charter_engine.text.numbering import citation
from charter_engine.web.drafting import STATE_LABELS, load_charter
from charter_engine.web.forms import Form, commit_or_show, show_error
from charter_engine.web.security import current_account, public, require_user
from charter_engine.web.templating import format_date

bp = Blueprint("publication", __name__)
# How a page names a clause: "§ 4.a", "Article 3", "Preamble".
bp.add_app_template_global(citation, "citation")

FORMAT_LABELS = {
    "pdf": "PDF",
    "docx": "Word (DOCX)",
    "html": "Web page (HTML)",
    "md": "Source text (Markdown)",
    "json": "Clause tree (JSON)",
}
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
# A release file's immutable bytes may be kept by any cache.
IMMUTABLE = "public, max-age=31536000, immutable"


def release_link(obj: Any) -> str | None:
    if isinstance(obj, Release):
        charter = db().get(Charter, obj.charter_id)
        return release_url(charter.slug, obj.label) if charter else None
    return None


def release_url(slug: str, label: str, **params: Any) -> str:
    return url_for("publication.release", slug=slug, label=label, **params)


def download_url(slug: str, label: str, fmt: str) -> str:
    return url_for("publication.release", slug=slug, label=f"{label}.{fmt}")


@bp.app_template_global()
def adoption_line(charter: Charter) -> str | None:
    """ "Adopted on 6 Dec 2026 as revision 4", for every page that shows the charter."""
    if charter.adopted_revision_number is None:
        return None
    when = f" on {format_date(charter.adopted_at)}" if charter.adopted_at else ""
    return f"Adopted{when} as revision {charter.adopted_revision_number}"


@bp.app_template_global()
def amending_release(charter: Charter, base_revision: int | None = None) -> Release | None:
    """The release that amendments written against ``base_revision`` (the current text by
    default) amend — the next cycle after that release — or ``None`` before the first release."""
    number = charter.head_revision_number if base_revision is None else base_revision
    return release_of_base(db(), charter, number)


# --------------------------------------------------------------------------------------------
# public pages


def published_charter(slug: str) -> tuple[Charter, Release]:
    """The charter of the URL and its latest release; 404 unless it has one (a charter that was
    never released is not public)."""
    if not _SLUG.fullmatch(slug):
        raise NotFound("There is no such published charter.")
    charter = get_charter(db(), slug)
    newest = latest_release(db(), charter)
    if newest is None:
        raise NotFound("There is no such published charter.")
    return charter, newest


@bp.get("/published/")
@public
def index() -> ResponseReturnValue:
    return render_template("published/index.html", items=published_charters(db()))


@bp.get("/published/<slug>")
@public
def latest(slug: str) -> ResponseReturnValue:
    charter, release = published_charter(slug)
    return _release_page(charter, release, latest=True)


@bp.get("/published/<slug>/<label>")
@public
def release(slug: str, label: str) -> ResponseReturnValue:
    charter, _newest = published_charter(slug)
    if is_label(label):
        return _release_page(charter, get_release(db(), charter, label), latest=False)
    stem, dot, fmt = label.rpartition(".")
    if not dot or fmt not in EXPORT_FORMATS or not is_label(stem):
        raise NotFound(f"There is no release {label!r} of this charter.")
    delivered = export_file(db(), charter, fmt=fmt, release=get_release(db(), charter, stem).label)
    response = file_response(delivered)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@dataclass(frozen=True)
class ShownClause:
    """A clause on a publication page: as readers see it (:mod:`charter_engine.charters.display`)
    with its heading line ("2.1 Members", or "Article 3 — Decisions" as written)."""

    clause: DisplayClause
    heading_line: str | None


def shown_clauses(charter: Charter, rows: Sequence[RevisionClause]) -> list[ShownClause]:
    return [
        ShownClause(c, heading_line(c.kind, c.number, c.written, c.heading))
        for c in display_rows(charter, rows)
    ]


def _release_page(charter: Charter, release: Release, *, latest: bool) -> ResponseReturnValue:
    session = db()
    releases = list_releases(session, charter)
    revision = get_revision(session, charter, release.revision_number)
    rows = shown_clauses(charter, revision_clauses(session, revision))
    earlier = [r for r in releases if r.released_at < release.released_at]
    return render_template(
        "published/release.html",
        charter=charter,
        release=release,
        releases=releases,
        earlier=earlier,
        is_latest=release.id == releases[0].id,
        latest_url=latest,
        rows=rows,
        outline=[r for r in rows if r.clause.kind == "heading" and r.clause.structural_number],
        files={f.format: f for f in release.files},
        format_labels=FORMAT_LABELS,
        download_url=download_url,
        drafts=_working_drafts(charter, release),
        chain_link=event_link(
            session, "release.published", "charter", charter.id, payload={"label": release.label}
        ),
    )


def _working_drafts(charter: Charter, release: Release) -> dict[str, Any] | None:
    """For a signed-in reader: the working text since this release and their own pending
    amendments, shown beside the published text."""
    user = current_account()
    if user is None:
        return None
    session = db()
    head = charter.head_revision_number
    counts = None
    if head != release.revision_number:
        counts = compare_revisions(session, charter, release.revision_number, head).counts()
    own = top_level_amendments(session, charter, PENDING_STATES, Amendment.author_id == user.id)
    return {"head": head, "counts": counts, "own": own, "state_labels": STATE_LABELS}


@bp.get("/published/<slug>/<label>/clauses/<int:clause_id>")
@public
def clause(slug: str, label: str, clause_id: int) -> ResponseReturnValue:
    charter, _newest = published_charter(slug)
    session = db()
    release = get_release(session, charter, label)
    revision = get_revision(session, charter, release.revision_number)
    rows = shown_clauses(charter, revision_clauses(session, revision))
    by_id = {r.clause.clause_id: r for r in rows}
    found = by_id.get(clause_id) if is_id(clause_id) else None
    if found is None:
        raise NotFound(f"Release {release.label} has no clause {clause_id}.")
    parents = {rc.clause_id: rc.parent_clause_id for rc in revision_clauses(session, revision)}
    ancestors: list[ShownClause] = []
    parent = parents.get(clause_id)
    while parent is not None:
        ancestors.insert(0, by_id[parent])
        parent = parents.get(parent)
    provenance = clause_provenance(session, charter, clause_id, release.revision_number)
    return render_template(
        "published/clause.html",
        charter=charter,
        release=release,
        shown=found,
        ancestors=ancestors,
        provenance=provenance,
        in_releases=clause_in_releases(session, charter, clause_id),
    )


def _since(charter: Charter, release: Release) -> Release | None:
    """The release named by ``?since=``, or the one before ``release``."""
    wanted = request.args.get("since")
    if wanted:
        return get_release(db(), charter, wanted)
    earlier = [r for r in list_releases(db(), charter) if r.released_at < release.released_at]
    return earlier[0] if earlier else None


@bp.get("/published/<slug>/<label>/changes")
@public
def changes(slug: str, label: str) -> ResponseReturnValue:
    charter, _newest = published_charter(slug)
    session = db()
    release = get_release(session, charter, label)
    since = _since(charter, release)
    releases = list_releases(session, charter)
    items: list[Any] = []
    counts: dict[str, int] = {}
    if since is not None:
        changes = revision_redline(session, charter, since.revision_number, release.revision_number)
        counts = changes.redline.counts()
        items = list(changes.rendered(only_changed=True))
    return render_template(
        "published/changes.html",
        charter=charter,
        release=release,
        since=since,
        releases=releases,
        items=items,
        counts=counts,
    )


@bp.get("/published/<slug>/<label>/changes.<fmt>")
@public
def changes_file(slug: str, label: str, fmt: str) -> ResponseReturnValue:
    charter, _newest = published_charter(slug)
    if fmt not in REDLINE_FORMATS:
        raise NotFound("There is no such file.")
    release = get_release(db(), charter, label)
    since = _since(charter, release)
    if since is None:
        raise NotFound(f"Release {release.label} is the first: nothing changed before it.")
    delivered = redline_file(
        db(), charter, fmt=fmt, old_release=since.label, new_release=release.label
    )
    db().commit()  # the cache entry, when this request rendered the file
    response = file_response(delivered)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


# --------------------------------------------------------------------------------------------
# members and the secretariat


class ReleaseForm(Form):
    label = StringField(
        "Label",
        validators=[DataRequired("Give the release a label, such as 1.0."), Length(max=40)],
        description="Letters, digits, dots and hyphens, such as 1.0 or 2026-12.",
    )
    revision = IntegerField(
        "Revision",
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
        description="Leave empty for the current text.",
    )
    notes = TextAreaField(
        "Release notes", validators=[Optional(), Length(max=20_000)], render_kw={"rows": 5}
    )


@bp.route("/charters/<slug>/releases", methods=["GET", "POST"])
def releases(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug)
    user = require_user()
    form = ReleaseForm()
    if request.method == "POST":
        ensure_can(user, "release:publish", charter)
        if form.validate():
            done = commit_or_show(
                form,
                lambda: (
                    publish_release(
                        db(),
                        charter,
                        label=form.label.data,
                        notes=form.notes.data or "",
                        revision_number=form.revision.data,
                        actor=user,
                    ).label
                ),
                errors=(ValidationError, Conflict),
                # A taken label is a Conflict; it belongs next to the label all the same.
                on_error=lambda exc: show_error(
                    form, exc, field=None if isinstance(exc, ValidationError) else "label"
                ),
            )
            if done:
                flash(f"Release {done.value} is published.", "success")
                return redirect(release_url(slug, done.value))
    session = db()
    charter = get_charter(session, slug)
    return render_template(
        "published/releases.html",
        charter=charter,
        releases=list_releases(session, charter),
        revisions=list(reversed(list_revisions(session, charter))),
        form=form,
        download_url=download_url,
    )


def _export_choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name) or default
    if value not in allowed:
        raise ValidationError(f"Choose one of {', '.join(allowed)}.", field=name)
    return value


def _number_arg(name: str) -> int | None:

    return whole_number(request.args.get(name))


@bp.get("/charters/<slug>/export")
def export(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug, "charter:export")
    fmt = _export_choice("format", EXPORT_FORMATS, "pdf")
    options = ExportOptions(
        line_numbers=request.args.get("line_numbers") == "1",
        annex=request.args.get("annex") != "0",
    )
    delivered = export_file(
        db(), charter, fmt=fmt, revision=_number_arg("revision"), options=options
    )
    db().commit()  # the cache entry, when this request rendered the file
    return file_response(delivered)


@bp.get("/charters/<slug>/redline")
def redline(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug, "charter:export")
    fmt = _export_choice("format", REDLINE_FORMATS, "pdf")
    to_number = _number_arg("to") or charter.head_revision_number
    from_number = _number_arg("from") or max(1, to_number - 1)
    delivered = redline_file(
        db(), charter, fmt=fmt, old_revision=from_number, new_revision=to_number
    )
    db().commit()
    return file_response(delivered)
