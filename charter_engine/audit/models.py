"""The append-only audit log: one row per state or text change, chained by SHA-256 hashes.

An event is either chained (``seq``, ``prev_hash`` and ``hash`` all set) or recorded but not chained
yet (all three NULL): hot paths write their events without the chain's lock and a background chainer
links them shortly afterwards, in batches (see :mod:`charter_engine.audit.chainer`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from charter_engine.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(
            "(seq IS NULL AND prev_hash IS NULL AND hash IS NULL)"
            " OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)",
            name="chained_or_not",
        ),
        # The events whose chain link the result and release pages show (PUBLISHED_LINKS in
        # operations.py), found by their object; partial, so that votes write no entry to it.
        Index(
            "ix_audit_events_published_links",
            "object_type",
            "object_id",
            sqlite_where=text("action IN ('ballot.closed', 'release.published')"),
            postgresql_where=text("action IN ('ballot.closed', 'release.published')"),
        ),
        # The chainer's work list: small, because events leave it within a second.
        Index(
            "ix_audit_events_unchained",
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(unique=True)
    occurred_at: Mapped[datetime]
    # Not indexed: no query looks events up by actor or action, and every index is written twice
    # per vote (the insert, then the chaining update).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """A single row holding the chain's tip; appending locks it so the chain stays linear."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
