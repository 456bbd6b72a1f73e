"""Threaded comments on clauses and amendments, optionally anchored to a quoted passage.

An anchor is recorded per clause version: when a clause gets a new version the anchor is carried
forward by mapping its offsets through the diff, or marked outdated when its passage was rewritten.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_engine.db import Base, utcnow
from charter_engine.limits import COMMENT, length_check


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("clause_id IS NOT NULL OR amendment_id IS NOT NULL", name="has_subject"),
        length_check("body", COMMENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    anchors: Mapped[list[CommentAnchor]] = relationship(
        back_populates="comment", order_by="CommentAnchor.id"
    )


class CommentAnchor(Base):
    __tablename__ = "comment_anchors"
    __table_args__ = (
        UniqueConstraint("comment_id", "clause_version_id"),
        CheckConstraint(
            "outdated OR (start_offset >= 0 AND end_offset > start_offset)", name="span_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    clause_version_id: Mapped[int] = mapped_column(ForeignKey("clause_versions.id"), index=True)
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    quote: Mapped[str] = mapped_column(Text)
    outdated: Mapped[bool] = mapped_column(default=False)

    comment: Mapped[Comment] = relationship(back_populates="anchors")
