"""Reading charters and revisions, comparing two revisions clause by clause and following one
clause through its versions. Each function issues a fixed number of queries."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.charters.models import (
    Charter,
    Clause,
    ClauseVersion,
    Revision,
    RevisionClause,
)
from charter_engine.db import lock_row, rows_by_id
from charter_engine.errors import NotFound
from charter_engine.ids import is_id
from charter_engine.text import diff_words
from charter_engine.text.redline import Side, redline


def get_charter(session: Session, slug: str) -> Charter:
    charter = session.execute(select(Charter).where(Charter.slug == slug)).scalar_one_or_none()
    if charter is None:
        raise NotFound(f"There is no charter {slug!r}.")
    return charter


def get_charter_for_update(session: Session, charter_id: int) -> Charter:
    """Lock the charter row: whoever holds it may append the next revision."""
    return lock_row(session, Charter, charter_id, missing="That charter no longer exists.")


def list_charters(
    session: Session, *, limit: int | None = None, offset: int = 0
) -> Sequence[Charter]:
    """Charters, oldest first; ``limit`` and ``offset`` cut out one page."""
    stmt = select(Charter).order_by(Charter.created_at, Charter.id)
    return session.execute(stmt.limit(limit).offset(offset)).scalars().all()


def get_revision(session: Session, charter: Charter, number: int | None = None) -> Revision:
    wanted = charter.head_revision_number if number is None else number
    revision = session.execute(
        select(Revision).where(Revision.charter_id == charter.id, Revision.number == wanted)
    ).scalar_one_or_none()
    if revision is None:
        raise NotFound(
            f"Charter {charter.slug!r} has no revision {wanted}; "
            f"revisions run from 1 to {charter.head_revision_number}."
        )
    return revision


def revision_identity(session: Session, revision: Revision) -> Hashable:
    """What names a revision's content for as long as the process lives: a revision is never
    changed once written, so a revision of one database — its id, number, time and text digest —
    always holds the same clauses. What is worked out from a whole revision (its blame, its
    display, one side of a redline) is kept under this key, per process."""
    url = str(session.get_bind().engine.url)
    return (
        url,
        revision.id,
        revision.charter_id,
        revision.number,
        revision.created_at,
        revision.text_sha256,
    )


def revision_clauses(session: Session, revision: Revision | int) -> Sequence[RevisionClause]:
    """The clauses of a revision in document order, each with its version loaded."""
    revision_id = revision if isinstance(revision, int) else revision.id
    return (
        session.execute(
            select(RevisionClause)
            .where(RevisionClause.revision_id == revision_id)
            .order_by(RevisionClause.position)
        )
        .scalars()
        .all()
    )


def revision_text(session: Session, revision: Revision | int) -> str:
    revision_id = revision if isinstance(revision, int) else revision.id
    texts = session.execute(
        select(ClauseVersion.text)
        .join(RevisionClause, RevisionClause.clause_version_id == ClauseVersion.id)
        .where(RevisionClause.revision_id == revision_id)
        .order_by(RevisionClause.position)
    ).scalars()
    return "".join(texts)


def current_entries(session: Session, charter: Charter) -> list[tuple[int, ClauseVersion]]:
    """(clause id, version) pairs of the head revision, in order."""
    head = get_revision(session, charter)
    return [(rc.clause_id, rc.version) for rc in revision_clauses(session, head)]


def current_clause_version(
    session: Session, charter: Charter, clause_id: int
) -> ClauseVersion | None:
    """The clause's version in the charter's head revision; None when the clause is not in it
    (deleted, or of another charter)."""
    return session.execute(
        select(ClauseVersion)
        .join(RevisionClause, RevisionClause.clause_version_id == ClauseVersion.id)
        .join(Revision, Revision.id == RevisionClause.revision_id)
        .where(
            Revision.charter_id == charter.id,
            Revision.number == charter.head_revision_number,
            RevisionClause.clause_id == clause_id,
        )
    ).scalar_one_or_none()


def clause_versions(session: Session, clause_id: int) -> Sequence[ClauseVersion]:
    """Every version of a clause, oldest first."""
    return (
        session.execute(
            select(ClauseVersion)
            .where(ClauseVersion.clause_id == clause_id)
            .order_by(ClauseVersion.id)
        )
        .scalars()
        .all()
    )


def list_revisions(
    session: Session, charter: Charter, *, limit: int | None = None, offset: int = 0
) -> Sequence[Revision]:
    """The charter's revisions, oldest first; ``limit`` and ``offset`` cut out one page."""
    stmt = select(Revision).where(Revision.charter_id == charter.id).order_by(Revision.number)
    return session.execute(stmt.limit(limit).offset(offset)).scalars().all()


# ---------------------------------------------------------------------------------------------
# comparing revisions and following a clause through history

COMPARE_STATUSES = ("unchanged", "changed", "inserted", "deleted", "moved")


@dataclass(frozen=True)
class ClauseComparison:
    """One clause of a comparison between two revisions.

    ``status`` is ``moved`` for a clause whose place among the others changed, whatever happened
    to its text; ``text_changed`` says whether the text changed too. ``pieces`` is the word diff
    from the old to the new text (only equal pieces when nothing changed, only an insertion or a
    deletion for a clause present on one side), so concatenating every clause's pieces gives the
    redline of the whole document.
    """

    clause_id: int
    status: str
    text_changed: bool
    old_number: str | None
    new_number: str | None
    old_text: str | None
    new_text: str | None
    heading: str | None
    pieces: list[tuple[int, str]]


@dataclass(frozen=True)
class RevisionComparison:
    from_revision: Revision
    to_revision: Revision
    clauses: list[ClauseComparison]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(COMPARE_STATUSES, 0)
        for clause in self.clauses:
            out[clause.status] += 1
        return out


def _side(rc: RevisionClause) -> Side:
    return Side(
        rc.clause_id,
        rc.version.text,
        rc.clause_version_id,
        heading=rc.version.heading,
        number=rc.number,
    )


def compare_revisions(
    session: Session, charter: Charter, from_number: int, to_number: int
) -> RevisionComparison:
    """Compare two revisions of ``charter`` clause by clause, with word-level diffs.

    Clauses come in the order of the newer text; a deleted clause appears right after the clause
    that preceded it in the older text. Renumbering alone is not a change. (The redline itself is
    :func:`charter_engine.text.redline.redline`; here with the engine's clause numbers.)
    """
    old_revision = get_revision(session, charter, from_number)
    new_revision = get_revision(session, charter, to_number)
    lines = redline(
        [_side(rc) for rc in revision_clauses(session, old_revision)],
        [_side(rc) for rc in revision_clauses(session, new_revision)],
    )
    out = [
        ClauseComparison(
            clause_id=cast(int, entry.key),
            status=entry.status,
            text_changed=entry.text_changed,
            old_number=entry.old.number if entry.old else None,
            new_number=entry.new.number if entry.new else None,
            old_text=entry.old.text if entry.old else None,
            new_text=entry.new.text if entry.new else None,
            heading=entry.shown.heading,
            pieces=list(entry.pieces),
        )
        for entry in lines.entries
    ]
    return RevisionComparison(old_revision, new_revision, out)


@dataclass(frozen=True)
class ClauseHistoryEntry:
    """One version of a clause, the revision that introduced it, and the diff to the version
    before (``None`` for the first)."""

    version: ClauseVersion
    revision: Revision
    pieces: list[tuple[int, str]] | None


def get_clause(session: Session, charter: Charter, clause_id: int) -> Clause:
    clause = session.get(Clause, clause_id) if is_id(clause_id) else None
    if clause is None or clause.charter_id != charter.id:
        raise NotFound(f"Charter {charter.slug!r} has no clause {clause_id}.")
    return clause


def clause_history(session: Session, charter: Charter, clause_id: int) -> list[ClauseHistoryEntry]:
    """Every version of a clause of ``charter``, oldest first, each with its word diff."""
    get_clause(session, charter, clause_id)
    rows = [
        (version, revision)
        for version, revision in session.execute(
            select(ClauseVersion, Revision)
            .join(Revision, Revision.id == ClauseVersion.revision_id)
            .where(ClauseVersion.clause_id == clause_id)
            .order_by(Revision.number, ClauseVersion.id)
        )
    ]
    out: list[ClauseHistoryEntry] = []
    by_id = {version.id: version for version, _revision in rows}
    previous: ClauseVersion | None = None
    for version, revision in rows:
        before = by_id.get(version.previous_version_id or -1, previous)
        pieces = diff_words(before.text, version.text) if before is not None else None
        out.append(ClauseHistoryEntry(version, revision, pieces))
        previous = version
    return out


def clause_in_revision(
    session: Session, revision: Revision, clause_id: int
) -> RevisionClause | None:
    return session.execute(
        select(RevisionClause).where(
            RevisionClause.revision_id == revision.id, RevisionClause.clause_id == clause_id
        )
    ).scalar_one_or_none()


def revision_numbers(session: Session, ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Revision.id, Revision.number).where(Revision.id.in_(wanted)))
    return {rid: number for rid, number in rows}


def versions_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, ClauseVersion]:
    return rows_by_id(session, ClauseVersion, ids)
