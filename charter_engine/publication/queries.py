"""Reading releases and building export sources from the database.

Each function issues a fixed number of statements whatever the size of the charter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.amendments.models import Amendment
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.charters.queries import compare_revisions, get_revision, revision_clauses
from charter_engine.errors import NotFound
from charter_engine.publication.models import EXPORT_FORMATS, ExportFile, Release, ReleaseFile
from charter_engine.publication.source import (
    ExportSource,
    Provenance,
    RedlineClause,
    RedlineSource,
    SourceClause,
)

# A label names a release in URLs (/published/<slug>/<label> and <label>.<ext>): letters, digits
# and . _ - inside, a letter or digit at both ends, and never ending like a download's name.
LABEL_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?")
_DOWNLOAD_SUFFIX = re.compile(r"\.(?:" + "|".join(EXPORT_FORMATS) + r")$", re.IGNORECASE)


def is_label(value: str) -> bool:
    return bool(LABEL_PATTERN.fullmatch(value)) and not _DOWNLOAD_SUFFIX.search(value)


def list_releases(session: Session, charter: Charter) -> Sequence[Release]:
    """The charter's releases, newest first."""
    return (
        session.execute(
            select(Release)
            .where(Release.charter_id == charter.id)
            .order_by(Release.released_at.desc(), Release.id.desc())
        )
        .scalars()
        .all()
    )


def get_release(session: Session, charter: Charter, label: str) -> Release:
    release = (
        session.execute(
            select(Release).where(Release.charter_id == charter.id, Release.label == label)
        ).scalar_one_or_none()
        if is_label(label)
        else None
    )
    if release is None:
        raise NotFound(f"Charter {charter.slug!r} has no release {label!r}.")
    return release


def latest_release(session: Session, charter: Charter) -> Release | None:
    return (
        session.execute(
            select(Release)
            .where(Release.charter_id == charter.id)
            .order_by(Release.released_at.desc(), Release.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def latest_releases(session: Session) -> dict[int, Release]:
    """Charter id → its newest release, for every published charter."""
    newest = (
        select(Release.charter_id, func.max(Release.id).label("id"))
        .group_by(Release.charter_id)
        .subquery()
    )
    rows = session.execute(select(Release).join(newest, newest.c.id == Release.id)).scalars()
    return {release.charter_id: release for release in rows}


def published_charters(session: Session) -> list[tuple[Charter, Release]]:
    """Every charter with at least one release, with its newest release, by title."""
    latest = latest_releases(session)
    if not latest:
        return []
    charters = session.execute(select(Charter).where(Charter.id.in_(latest))).scalars().all()
    return sorted(((c, latest[c.id]) for c in charters), key=lambda pair: pair[0].title.lower())


def release_of_base(
    session: Session, charter: Charter, base_revision_number: int
) -> Release | None:
    """The release an amendment written against ``base_revision_number`` amends: the newest
    release whose text is at or before that revision (``None`` before the first release)."""
    return (
        session.execute(
            select(Release)
            .where(
                Release.charter_id == charter.id,
                Release.revision_number <= base_revision_number,
            )
            .order_by(Release.revision_number.desc(), Release.released_at.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def clause_in_releases(
    session: Session, charter: Charter, clause_id: int
) -> list[tuple[Release, RevisionClause]]:
    """Every release (newest first) whose text holds the clause, with the clause as it was."""
    rows = session.execute(
        select(Release, RevisionClause)
        .join(
            Revision,
            (Revision.charter_id == Release.charter_id)
            & (Revision.number == Release.revision_number),
        )
        .join(
            RevisionClause,
            (RevisionClause.revision_id == Revision.id) & (RevisionClause.clause_id == clause_id),
        )
        .where(Release.charter_id == charter.id)
        .order_by(Release.released_at.desc(), Release.id.desc())
    ).all()
    return [(release, rc) for release, rc in rows]


def release_file(session: Session, release: Release, fmt: str) -> ExportFile:
    """The file of ``release`` in ``fmt`` exactly as it was published."""
    found = session.execute(
        select(ExportFile)
        .join(ReleaseFile, ReleaseFile.export_file_id == ExportFile.id)
        .where(ReleaseFile.release_id == release.id, ReleaseFile.format == fmt)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Release {release.label} has no {fmt} file.")
    return found


def find_export(session: Session, key: str) -> ExportFile | None:
    return session.execute(
        select(ExportFile).where(ExportFile.cache_key == key)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------------------------
# sources


def export_source(
    session: Session, charter: Charter, revision: Revision, release: Release | None = None
) -> ExportSource:
    """Everything an export of ``revision`` (published as ``release``, if given) shows."""
    rows = revision_clauses(session, revision)
    introduced = _introducing_revisions(session, [rc.version for rc in rows])
    clauses = tuple(
        SourceClause(
            clause_id=rc.clause_id,
            number=rc.number,
            depth=rc.depth,
            parent_id=rc.parent_clause_id,
            kind=rc.version.kind,
            level=rc.version.level,
            heading=rc.version.heading,
            text=rc.version.text,
            version_id=rc.clause_version_id,
            provenance=introduced.get(rc.version.revision_id),
        )
        for rc in rows
    )
    adopted = charter.adopted_revision_number
    return ExportSource(
        slug=charter.slug,
        title=charter.title,
        source_format=charter.source_format,
        revision=revision.number,
        revision_sha256=revision.text_sha256,
        revision_date=revision.created_at,
        clauses=clauses,
        release_label=release.label if release else None,
        release_notes=release.notes if release else None,
        released_at=release.released_at if release else None,
        adopted_revision=adopted,
        adopted_at=charter.adopted_at if adopted is not None else None,
    )


def _introducing_revisions(
    session: Session, versions: Sequence[ClauseVersion]
) -> dict[int, Provenance]:
    """Revision id → the provenance of the versions that revision introduced."""
    ids = {v.revision_id for v in versions}
    if not ids:
        return {}
    rows = session.execute(
        select(Revision, Amendment)
        .outerjoin(Amendment, Amendment.id == Revision.amendment_id)
        .where(Revision.id.in_(ids))
    ).all()
    return {
        revision.id: Provenance(
            revision=revision.number,
            cause=revision.cause,
            amendment_number=amendment.number if amendment else None,
            amendment_title=amendment.title if amendment else None,
            editorial=revision.editorial,
            date=revision.created_at,
        )
        for revision, amendment in rows
    }


def redline_source(
    session: Session,
    charter: Charter,
    old: Revision,
    new: Revision,
    *,
    old_name: str | None = None,
    new_name: str | None = None,
) -> RedlineSource:
    """The clause-level and word-level changes from ``old`` to ``new``."""
    comparison = compare_revisions(session, charter, old.number, new.number)
    kinds = {
        rc.clause_id: (rc.version.kind, rc.version.level)
        for revision in (old, new)
        for rc in revision_clauses(session, revision)
    }
    return RedlineSource(
        slug=charter.slug,
        title=charter.title,
        old_name=old_name or f"revision {old.number}",
        new_name=new_name or f"revision {new.number}",
        old_revision=old.number,
        new_revision=new.number,
        clauses=tuple(
            RedlineClause(
                clause_id=item.clause_id,
                status=item.status,
                old_number=item.old_number,
                new_number=item.new_number,
                heading=item.heading,
                kind=kinds.get(item.clause_id, ("paragraph", 0))[0],
                level=kinds.get(item.clause_id, ("paragraph", 0))[1],
                pieces=tuple(item.pieces),
            )
            for item in comparison.clauses
        ),
    )


def revision_or_release(
    session: Session,
    charter: Charter,
    *,
    revision: int | None = None,
    release: str | None = None,
) -> tuple[Revision, Release | None]:
    """The revision to export: a release's (by label), a numbered one, or the head."""
    if release is not None:
        found = get_release(session, charter, release)
        return get_revision(session, charter, found.revision_number), found
    return get_revision(session, charter, revision), None
