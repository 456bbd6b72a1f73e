"""Publishing releases and storing exported files.

A release is checked, its files are rendered in every format, then the rows are written: the
release, its files, the audit event. The caller commits once, as for every operation. The unique
constraint on (charter, label) and the triggers that keep published rows unchanged are the last
guards; the checks here give the clear message.

Rendering takes seconds for a long charter (the PDF mostly; see docs/benchmarks.md). On
PostgreSQL nothing waits for it. On SQLite the transaction holds the write lock meanwhile, so
other writers wait (they do not fail: the busy timeout is 30 s); releases are rare enough for that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import ensure_can
from charter_engine.audit.operations import record_event
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import get_revision
from charter_engine.db import utcnow
from charter_engine.errors import Conflict, NotFound, ValidationError
from charter_engine.publication.formats import render_export
from charter_engine.publication.models import EXPORT_FORMATS, ExportFile, Release, ReleaseFile
from charter_engine.publication.queries import export_source, find_export, is_label
from charter_engine.publication.source import ExportOptions, cache_key, sha256_hex

if TYPE_CHECKING:
    from charter_engine.accounts.models import User

Progress = Callable[[str], None]
MAX_NOTES = 20_000
# The options a release's files are made with: the defaults (no line numbers, with the annex).
RELEASE_OPTIONS = ExportOptions()


def validate_label(label: object) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValidationError("A release needs a label, such as 1.0.", field="label")
    label = label.strip()
    if not is_label(label):
        raise ValidationError(
            "A label is at most 40 letters, digits, dots, hyphens or underscores, starting and "
            "ending with a letter or digit (such as 1.0 or 2026-12), and does not end like a "
            "file name (.pdf, .md …).",
            field="label",
        )
    return label


def validate_notes(notes: object) -> str:
    if notes is None:
        return ""
    if not isinstance(notes, str):
        raise ValidationError("The notes must be text.", field="notes")
    if len(notes) > MAX_NOTES:
        raise ValidationError(f"The notes are longer than {MAX_NOTES:,} characters.", field="notes")
    return notes.strip()


def store_export(session: Session, key: str, fmt: str, content: bytes) -> ExportFile:
    """The export file stored under ``key``: this one, or the one another process stored first
    (the unique key decides; both hold the same rendering of the same source)."""
    existing = find_export(session, key)
    if existing is not None:
        return existing
    row = ExportFile(
        cache_key=key, format=fmt, sha256=sha256_hex(content), size=len(content), content=content
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = find_export(session, key)
        if found is None:
            raise
        return found
    return row


@dataclass(frozen=True)
class _Plan:
    charter_id: int
    label: str
    notes: str
    revision_number: int
    text_sha256: str


def publish_release(
    session: Session,
    charter: Charter,
    *,
    label: object,
    notes: object = "",
    revision_number: int | None = None,
    actor: User,
    progress: Progress | None = None,
) -> Release:
    """Publish a revision of ``charter`` (the head by default) as release ``label``, with its
    files in every export format and their SHA-256."""
    ensure_can(actor, "release:publish", charter)
    plan = _plan(session, charter, label, notes, revision_number)
    revision = get_revision(session, charter, plan.revision_number)
    # One source for every format: blame for the JSON, the changelog annex for the others.
    source = export_source(session, charter, revision, with_blame=True, annex=True)
    actor_id = actor.id
    # The release's files show its label, notes and date: the date is fixed before rendering.
    released_at = utcnow()
    source = replace(
        source, release_label=plan.label, release_notes=plan.notes, released_at=released_at
    )
    rendered: dict[str, bytes] = {}
    for fmt in EXPORT_FORMATS:
        if progress:
            progress(f"rendering {fmt}")
        rendered[fmt] = render_export(fmt, source, RELEASE_OPTIONS, progress)

    release = Release(
        charter_id=plan.charter_id,
        label=plan.label,
        notes=plan.notes,
        revision_number=plan.revision_number,
        text_sha256=plan.text_sha256,
        released_at=released_at,
        released_by_id=actor_id,
    )
    try:
        with session.begin_nested():
            session.add(release)
    except IntegrityError:
        raise Conflict(f"There is already a release {plan.label}.") from None
    files: dict[str, str] = {}
    for fmt, content in rendered.items():
        stored = store_export(session, cache_key(fmt, RELEASE_OPTIONS, source), fmt, content)
        session.add(
            ReleaseFile(
                release_id=release.id, format=fmt, export_file_id=stored.id, sha256=stored.sha256
            )
        )
        files[fmt] = stored.sha256
    session.flush()
    record_event(
        session,
        "release.published",
        actor_id=actor_id,
        object_type="charter",
        object_id=plan.charter_id,
        payload={
            "label": plan.label,
            "revision": plan.revision_number,
            "sha256": plan.text_sha256,
            "files": files,
        },
    )
    return release


def _plan(
    session: Session,
    charter: Charter,
    label: object,
    notes: object,
    revision_number: int | None,
) -> _Plan:
    label = validate_label(label)
    notes = validate_notes(notes)
    try:
        revision = get_revision(session, charter, revision_number)
    except NotFound as exc:
        raise ValidationError(exc.message, field="revision") from None
    taken = session.execute(
        select(Release.id).where(Release.charter_id == charter.id, Release.label == label)
    ).first()
    if taken is not None:
        raise Conflict(f"There is already a release {label} of this charter.")
    return _Plan(charter.id, label, notes, revision.number, revision.text_sha256)
