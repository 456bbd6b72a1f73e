"""Notifications: the in-app inbox and per-member mail preferences.

* :class:`Notification` — one row per recipient and happening, shown in the inbox. ``mailed_at`` is
  set when it went out as an immediate mail or in a digest, so nothing is mailed twice. ``topic``
  names what it is about (``amendment:12``, ``ballot:3``, ``charter:1``): the inbox and the
  digest show the notifications of one topic together.
* :class:`NotificationPreference` — a member's choice per kind: ``immediate``, ``digest`` or ``off``
  (email only; the inbox always lists everything). No row means the kind's default.

Mail itself leaves through the outbox (:mod:`charter_engine.mail`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter_engine.db import Base, one_of, utcnow

MODES = ("immediate", "digest", "off")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_user_topic", "user_id", "topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # What it is about, for the link from the inbox (see charter_engine.web.links).
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # True when the member has to do something (vote, resolve a conflict, accept an invitation).
    needs_action: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        one_of("mode", MODES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10))
