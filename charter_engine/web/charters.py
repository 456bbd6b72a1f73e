"""The charter pages: the clause tree of any revision with its outline and per-clause counts, the
list of revisions, a comparison of any two revisions (redline, inline or side by side), and a
clause's page with its history, the diff between any two of its versions and its comments.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from charter_engine.accounts.queries import users_by_id
from charter_engine.amendments.queries import (
    amendments_by_id,
    pending_amendment_counts,
    pending_amendments_on_clause,
)
from charter_engine.charters.display import (
    clause_title,
    displayed,
    revision_redline,
)
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import (
    clause_history,
    clause_in_revision,
    get_revision,
    list_charters,
    list_revisions,
)
from charter_engine.comments.queries import comment_counts, thread_context
from charter_engine.context import db
from charter_engine.ids import whole_number
from charter_engine.publication.provenance import changelog, clause_provenance
from charter_engine.text import diff_words
from charter_engine.text.redline import RedlineEntry
from charter_engine.web.comments import thread_pages
from charter_engine.web.drafting import (
    CAUSE_LABELS,
    STATE_KINDS,
    STATE_LABELS,
    load_charter,
    view_arg,
)
from charter_engine.web.links import IdLink
from charter_engine.web.rendering import blame_view, redline_view
from charter_engine.web.security import require_user

bp = Blueprint("charters", __name__, url_prefix="/charters")


def charter_url(obj: Any) -> str | None:
    """The page of a charter (given as a row or an id)."""
    if isinstance(obj, Charter):
        return url_for("charters.show", slug=obj.slug)
    charter = db().get(Charter, int(obj)) if str(obj).isdigit() else None
    return url_for("charters.show", slug=charter.slug) if charter else None


def _revision_causes(revisions: Any) -> tuple[dict[int, Any], dict[int, Any]]:
    session = db()
    amendments = amendments_by_id(session, (r.amendment_id for r in revisions))
    actors = users_by_id(session, (r.actor_id for r in revisions))
    return amendments, actors


@bp.get("/")
def index() -> ResponseReturnValue:
    require_user()
    return render_template("charters/index.html", charters=list_charters(db()))


@bp.get("/<slug>/")
def show(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug)
    session = db()
    number = whole_number(request.args.get("revision"))
    revision = get_revision(session, charter, number)
    clauses = displayed(session, charter, revision)
    is_head = revision.number == charter.head_revision_number
    revisions = list_revisions(session, charter)
    amendments, actors = _revision_causes([revision])
    return render_template(
        "charters/show.html",
        charter=charter,
        revision=revision,
        clauses=clauses,
        outline=[c for c in clauses if c.kind == "heading"],
        is_head=is_head,
        revisions=revisions,
        amendment_counts=pending_amendment_counts(session, charter) if is_head else {},
        comment_counts=comment_counts(session, charter) if is_head else {},
        cause_amendment=amendments.get(revision.amendment_id or 0),
        cause_actor=actors.get(revision.actor_id or 0),
        cause_labels=CAUSE_LABELS,
        clause_links=SimpleNamespace(
            history=IdLink("charters.clause", "clause_id", slug=charter.slug),
            pending=IdLink("amendments.index", "clause", slug=charter.slug, state="pending"),
            propose=IdLink("amendments.propose", "clause", slug=charter.slug),
        ),
    )


@bp.get("/<slug>/revisions")
def revisions(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug)
    items = list(reversed(list_revisions(db(), charter)))
    amendments, actors = _revision_causes(items)
    return render_template(
        "charters/revisions.html",
        charter=charter,
        revisions=items,
        amendments=amendments,
        actors=actors,
        cause_labels=CAUSE_LABELS,
    )


@bp.get("/<slug>/compare")
def compare(slug: str) -> ResponseReturnValue:
    charter = load_charter(slug)
    session = db()
    head = charter.head_revision_number
    to_number = whole_number(request.args.get("to")) or head
    from_number = whole_number(request.args.get("from"))
    if from_number is None:
        from_number = max(1, to_number - 1)
    view = view_arg(request.args.get("view"))
    show_all = request.args.get("all") == "1"
    changes = revision_redline(session, charter, from_number, to_number)
    items: list[tuple[RedlineEntry, Any]]
    if view == "side":
        olds = changes.rendered(only_changed=not show_all, view="old")
        news = changes.rendered(only_changed=not show_all, view="new")
        items = [
            (entry, (old, new)) for (entry, old), (_entry, new) in zip(olds, news, strict=True)
        ]
    else:
        items = [(entry, block) for entry, block in changes.rendered(only_changed=not show_all)]
    return render_template(
        "charters/compare.html",
        charter=charter,
        items=items,
        counts=changes.redline.counts(),
        from_number=from_number,
        to_number=to_number,
        view=view,
        show_all=show_all,
        revisions=list_revisions(session, charter),
        changelog=changelog(session, charter, from_number, to_number),
    )


@bp.get("/<slug>/clauses/<int:clause_id>")
def clause(slug: str, clause_id: int) -> ResponseReturnValue:
    from charter_engine.web.comments import CommentForm, quoted_source

    charter = load_charter(slug)
    session = db()
    history = clause_history(session, charter, clause_id)
    head = get_revision(session, charter)
    current = clause_in_revision(session, head, clause_id)
    by_id = {entry.version.id: entry for entry in history}
    ids = [entry.version.id for entry in history]
    to_id = whole_number(request.args.get("to"))
    from_id = whole_number(request.args.get("from"))
    if to_id not in by_id:
        to_id = ids[-1]
    if from_id not in by_id:
        before = [i for i in ids if i < to_id]
        from_id = before[-1] if before else to_id
    view = view_arg(request.args.get("view"))
    shown = by_id[to_id].version
    chosen_diff = redline_view(
        charter,
        diff_words(by_id[from_id].version.text, shown.text),
        kind=shown.kind,
        level=shown.level,
    )
    version_id = current.clause_version_id if current is not None else None
    thread = thread_context(
        db(),
        charter,
        clause_id=clause_id,
        version_id=version_id,
        page=whole_number(request.args.get("page")),
    )
    quoted = quoted_source(current.version.text.rstrip(), thread) if current else None
    provenance = clause_provenance(session, charter, clause_id)
    title = "Clause no longer in the text"
    if current is not None:
        shown_here = next(c for c in displayed(session, charter, head) if c.clause_id == clause_id)
        version = current.version
        title = clause_title(version.kind, shown_here.number, shown_here.written, version.heading)
    who_wrote = None
    if current is not None and provenance.blame is not None:
        version = current.version
        who_wrote = blame_view(
            charter, provenance.blame, provenance.origins, version.kind, version.level
        )
    return render_template(
        "charters/clause.html",
        charter=charter,
        clause_id=clause_id,
        current=current,
        history=list(reversed(history)),
        diffs={
            e.version.id: redline_view(
                charter, e.pieces, kind=e.version.kind, level=e.version.level
            )
            for e in history
            if e.pieces is not None
        },
        from_id=from_id,
        to_id=to_id,
        from_entry=by_id[from_id],
        to_entry=by_id[to_id],
        chosen_diff=chosen_diff,
        view=view,
        pending=pending_amendments_on_clause(session, charter, clause_id),
        thread=thread,
        comment_pages=thread_pages(thread),
        quoted=quoted,
        quoted_any=any(a.start is not None for a in thread.anchors.values()),
        provenance=provenance,
        who_wrote=who_wrote,
        label=title,
        comment_form=CommentForm() if current is not None else None,
        cause_labels=CAUSE_LABELS,
        state_labels=STATE_LABELS,
        state_kinds=STATE_KINDS,
    )
