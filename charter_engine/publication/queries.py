"""Reading releases and building export sources from the database.

Each function issues a fixed number of statements whatever the size of the charter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from charter_engine.charters.display import display_rows, revision_redline
from charter_engine.charters.models import Charter, Revision, RevisionClause
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.errors import NotFound
from charter_engine.publication.models import EXPORT_FORMATS, ExportFile, Release, ReleaseFile
from charter_engine.publication.provenance import changelog, revision_blame
from charter_engine.publication.source import (
    AnnexEntry,
    ExportSource,
    RedlineClause,
    RedlineSource,
    SourceClause,
)
from charter_engine.text.numbering import citation

# A label names a release in URLs (/published/<slug>/<label> and <label>.<ext>): letters, digits
# and . _ - inside, a letter or digit at both ends, and never ending like a download's name.
LABEL_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?")
_DOWNLOAD_SUFFIX = re.compile(r"\.(?:" + "|".join(EXPORT_FORMATS) + r")$", re.IGNORECASE)


def is_label(value: str) -> bool:
    return bool(LABEL_PATTERN.fullmatch(value)) and not _DOWNLOAD_SUFFIX.search(value)


def list_releases(
    session: Session, charter: Charter, *, limit: int | None = None, offset: int = 0
) -> Sequence[Release]:
    """The charter's releases, newest first, with their files; ``limit`` and ``offset`` cut out
    one page."""
    stmt = (
        select(Release)
        .where(Release.charter_id == charter.id)
        .options(selectinload(Release.files))
        .order_by(Release.released_at.desc(), Release.id.desc())
    )
    return session.execute(stmt.limit(limit).offset(offset)).scalars().all()


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


def heading_line(kind: str, number: str, written: bool, heading: str | None) -> str | None:
    """A heading as shown: its title alone when the title carries the document's own number
    (``written``: "Article 3 — Decisions", "2. Members"), else the number first ("2.1 Members")."""
    if kind != "heading":
        return None
    title = heading or ""
    return title if written or not number else f"{number} {title}"


def export_source(
    session: Session,
    charter: Charter,
    revision: Revision,
    release: Release | None = None,
    *,
    with_blame: bool = False,
    annex: bool = False,
) -> ExportSource:
    """Everything an export of ``revision`` (published as ``release``, if given) shows.

    ``with_blame`` adds each clause's passages with the revision that introduced them (the JSON
    export); ``annex`` adds the changelog since the release before this revision."""
    rows = revision_clauses(session, revision)
    shown = display_rows(charter, rows)
    blame = revision_blame(session, charter, revision.number) if with_blame else None
    passages = {c.clause_id: c for c in blame.clauses} if blame else {}
    clauses = tuple(
        SourceClause(
            clause_id=rc.clause_id,
            number=clause.number,
            structural_number=rc.number,
            label=clause.label,
            depth=rc.depth,
            parent_id=rc.parent_clause_id,
            kind=rc.version.kind,
            level=rc.version.level,
            nesting=clause.nesting,
            heading=rc.version.heading,
            heading_line=heading_line(
                rc.version.kind, clause.number, clause.written, rc.version.heading
            ),
            html=clause.html,
            plain=clause.text,
            text=rc.version.text,
            version_id=rc.clause_version_id,
            passages=tuple((p.text, int(p.origin)) for p in passages[rc.clause_id].passages)  # type: ignore[call-overload]
            if rc.clause_id in passages
            else (),
            history=passages[rc.clause_id].history if rc.clause_id in passages else (),
        )
        for rc, clause in zip(rows, shown, strict=True)
    )
    adopted = charter.adopted_revision_number
    entries, since = _annex(session, charter, revision) if annex else (None, None)
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
        annex=entries,
        annex_since=since,
        origins=tuple(
            (number, json.dumps(origin.to_json(), sort_keys=True, ensure_ascii=False))
            for number, origin in sorted(blame.origins.items())
        )
        if blame
        else (),
    )


def _annex(
    session: Session, charter: Charter, revision: Revision
) -> tuple[tuple[AnnexEntry, ...], str | None]:
    """The changelog since the newest release of an earlier revision (or since the import)."""
    before = session.execute(
        select(Release)
        .where(Release.charter_id == charter.id, Release.revision_number < revision.number)
        .order_by(Release.revision_number.desc(), Release.released_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    start = before.revision_number if before is not None else 1
    entries = []
    for origin in changelog(session, charter, start, revision.number):
        amendment = origin.amendment
        ballot = amendment.ballot if amendment else None
        entries.append(
            AnnexEntry(
                revision=origin.revision,
                label=origin.label,
                date=origin.created_at,
                editorial=origin.editorial,
                note=origin.note,
                author=amendment.author if amendment else origin.actor,
                cosponsors=amendment.cosponsors if amendment else (),
                rationale=amendment.rationale if amendment else "",
                ballot=f"Ballot “{ballot.title}”: {ballot.summary}" if ballot else None,
            )
        )
    return tuple(entries), (f"release {before.label}" if before is not None else None)


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
    changes = revision_redline(session, charter, old.number, new.number)
    clauses = []
    for entry, block in changes.rendered():
        side = entry.shown
        clauses.append(
            RedlineClause(
                clause_id=int(entry.key),  # type: ignore[call-overload]
                status=entry.status,
                old_number=entry.old.number if entry.old else None,
                new_number=entry.new.number if entry.new else None,
                label=citation(side.number, side.heading),
                heading=side.heading,
                kind=block.kind,
                level=block.level,
                html=block.html,
                pieces=entry.pieces,
            )
        )
    return RedlineSource(
        slug=charter.slug,
        title=charter.title,
        old_name=old_name or f"revision {old.number}",
        new_name=new_name or f"revision {new.number}",
        old_revision=old.number,
        new_revision=new.number,
        clauses=tuple(clauses),
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
