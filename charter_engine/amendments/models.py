"""Amendments: proposed changes to a charter written against a base revision.

An amendment holds ordered changes (replace, insert, delete, move). Each change that touches an
existing clause records the clause version it was written against, so a merge can tell whether the
text it changes is still the text its author saw. A sub-amendment's changes target another
amendment's change instead of a clause.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_engine.amendments.workflow import STATES
from charter_engine.db import Base, one_of, utcnow
from charter_engine.limits import RATIONALE, TITLE, length_check

CHANGE_KINDS = ("replace", "insert", "delete", "move")
BACKER_KINDS = ("cosponsor", "supporter")


class Amendment(Base):
    __tablename__ = "amendments"
    __table_args__ = (
        UniqueConstraint("charter_id", "number"),
        one_of("state", STATES),
        # A merged amendment names its revision; a merged sub-amendment went into its parent.
        CheckConstraint(
            "state <> 'merged' OR merged_revision_id IS NOT NULL OR parent_id IS NOT NULL",
            name="merged_has_revision",
        ),
        CheckConstraint(
            "merged_revision_id IS NULL OR state = 'merged'", name="revision_only_when_merged"
        ),
        CheckConstraint(
            "(state = 'needs_rebase') = (conflicts IS NOT NULL)", name="rebase_has_conflicts"
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        length_check("rationale", RATIONALE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE))
    rationale: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    base_revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    editorial: Mapped[bool] = mapped_column(default=False)
    # Where a needs_rebase amendment returns once its author resolves the conflict.
    state_before_rebase: Mapped[str | None] = mapped_column(String(20))
    # JSON list of conflicts (clause, base/ours/theirs passages) while in needs_rebase.
    conflicts: Mapped[str | None] = mapped_column(Text)
    merged_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    changes: Mapped[list[AmendmentChange]] = relationship(
        back_populates="amendment",
        order_by="AmendmentChange.position",
        cascade="all, delete-orphan",
        foreign_keys="AmendmentChange.amendment_id",
    )
    backers: Mapped[list[AmendmentBacker]] = relationship(
        back_populates="amendment", cascade="all, delete-orphan"
    )


class AmendmentChange(Base):
    __tablename__ = "amendment_changes"
    __table_args__ = (
        UniqueConstraint("amendment_id", "position"),
        one_of("kind", CHANGE_KINDS),
        CheckConstraint(
            "kind NOT IN ('replace', 'insert') OR new_text IS NOT NULL", name="text_present"
        ),
        CheckConstraint(
            "kind = 'insert' OR clause_id IS NOT NULL OR target_change_id IS NOT NULL",
            name="target_present",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    # The clause changed, deleted or moved; for an insert, the clause created when it merges.
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    # The clause version this change was written against (replace, delete, move).
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("clause_versions.id"))
    # Insert and move: the clause after which the clause goes; NULL means at the very start.
    after_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    new_text: Mapped[str | None] = mapped_column(Text)
    # Sub-amendments: the parent amendment's change they amend, and its text as they saw it.
    target_change_id: Mapped[int | None] = mapped_column(ForeignKey("amendment_changes.id"))
    base_text: Mapped[str | None] = mapped_column(Text)

    amendment: Mapped[Amendment] = relationship(
        back_populates="changes", foreign_keys=[amendment_id]
    )


class AmendmentBacker(Base):
    """A co-sponsor (named on the amendment) or a supporter (a show of support)."""

    __tablename__ = "amendment_backers"
    __table_args__ = (
        UniqueConstraint("amendment_id", "user_id"),
        one_of("kind", BACKER_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="backers")
