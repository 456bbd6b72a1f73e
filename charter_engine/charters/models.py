"""The versioned document: charters, clauses with stable identities, immutable clause versions and
append-only numbered revisions that list, in order, the clause versions they are made of.

A revision's full text is the concatenation of its clause versions' texts in position order, so any
revision can be reconstructed exactly. Rows in ``revisions``, ``revision_clauses`` and
``clause_versions`` are written once and never updated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_engine.db import Base, one_of, utcnow
from charter_engine.limits import CHARTER_TITLE, REASON, length_check

REVISION_CAUSES = ("import", "amendment", "editorial")
BLOCK_KINDS = ("heading", "paragraph", "list", "code", "verbatim")


class Charter(Base):
    __tablename__ = "charters"
    __table_args__ = (
        CheckConstraint("status IN ('drafting', 'adopted')", name="status_known"),
        CheckConstraint("head_revision_number >= 1", name="head_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(CHARTER_TITLE))
    source_format: Mapped[str] = mapped_column(String(20), default="markdown")
    source_language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[str] = mapped_column(String(20), default="drafting")
    # The newest revision's number; kept here so that "what is current" is one row lookup, and so
    # that creating a revision locks this row (two merges cannot both become revision N+1).
    head_revision_number: Mapped[int] = mapped_column(default=1)
    adopted_revision_number: Mapped[int | None]
    # When the adoption ballot closed: "Adopted on … as revision N".
    adopted_at: Mapped[datetime | None]
    next_amendment_number: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="charter", order_by="Revision.number", viewonly=True
    )


class Clause(Base):
    """The identity of a clause across revisions. Its number is derived from its position."""

    __tablename__ = "clauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("charter_id", "number"),
        one_of("cause", REVISION_CAUSES),
        CheckConstraint(
            "(cause = 'amendment') = (amendment_id IS NOT NULL)", name="amendment_cause"
        ),
        CheckConstraint("number >= 1", name="number_positive"),
        length_check("note", REASON),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"))
    number: Mapped[int]
    cause: Mapped[str] = mapped_column(String(20))
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", use_alter=True), index=True
    )
    editorial: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    clause_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    charter: Mapped[Charter] = relationship(back_populates="revisions")


class ClauseVersion(Base):
    """The exact text of one clause as introduced by one revision. Never updated."""

    __tablename__ = "clause_versions"
    __table_args__ = (
        one_of("kind", BLOCK_KINDS),
        CheckConstraint("(kind = 'heading') = (level > 0)", name="heading_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    # The source of the block including its trailing blank lines: joining a revision's versions
    # in order gives the document back byte for byte.
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(default=0)
    heading: Mapped[str | None] = mapped_column(Text)
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("clause_versions.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clause: Mapped[Clause] = relationship()
    revision: Mapped[Revision] = relationship()


class RevisionClause(Base):
    """One clause at one position of one revision, with its derived place in the tree."""

    __tablename__ = "revision_clauses"
    __table_args__ = (
        UniqueConstraint("revision_id", "clause_id"),
        Index("ix_revision_clauses_clause_revision", "clause_id", "revision_id"),
        CheckConstraint("position >= 0", name="position_nonnegative"),
    )

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    clause_version_id: Mapped[int] = mapped_column(ForeignKey("clause_versions.id"))
    parent_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    depth: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(40))

    version: Mapped[ClauseVersion] = relationship(lazy="joined", innerjoin=True)
