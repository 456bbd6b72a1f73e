"""Reading charters and revisions. Each function issues a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.errors import NotFound


def get_charter(session: Session, slug: str) -> Charter:
    charter = session.execute(select(Charter).where(Charter.slug == slug)).scalar_one_or_none()
    if charter is None:
        raise NotFound(f"There is no charter {slug!r}.")
    return charter


def get_charter_for_update(session: Session, charter_id: int) -> Charter:
    """Lock the charter row: whoever holds it may append the next revision."""
    charter = session.execute(
        select(Charter)
        .where(Charter.id == charter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if charter is None:
        raise NotFound("That charter no longer exists.")
    return charter


def list_charters(session: Session) -> Sequence[Charter]:
    return session.execute(select(Charter).order_by(Charter.created_at, Charter.id)).scalars().all()


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


def list_revisions(session: Session, charter: Charter) -> Sequence[Revision]:
    return (
        session.execute(
            select(Revision).where(Revision.charter_id == charter.id).order_by(Revision.number)
        )
        .scalars()
        .all()
    )
