"""People and their credentials: users with a role, and API tokens."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_engine import limits
from charter_engine.db import Base, utcnow

ROLES = ("member", "secretariat", "observer")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'secretariat', 'observer')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        limits.length_check("bio", limits.BIO),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(limits.EMAIL), unique=True)
    name: Mapped[str] = mapped_column(String(limits.NAME))
    role: Mapped[str] = mapped_column(String(20), default="member")
    organisation: Mapped[str | None] = mapped_column(String(limits.ORGANISATION))
    country: Mapped[str | None] = mapped_column(String(2))
    role_title: Mapped[str | None] = mapped_column(String(limits.ROLE_TITLE))
    areas: Mapped[str | None] = mapped_column(String(limits.AREAS))
    bio: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(limits.PHONE))
    # The directory searches these, kept by fold_search_keys below: the words of name,
    # organisation, role and biography, and ",area,area," — case-folded in Python, because
    # SQLite's lower() and LIKE fold ASCII only, so "Élise" or "Зоя" would never match there.
    search_text: Mapped[str] = mapped_column(Text, default="")
    area_keys: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, password change and deactivation: every older session cookie stops working.
    session_generation: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def area_list(self) -> list[str]:
        return [a.strip() for a in (self.areas or "").split(",") if a.strip()]

    # The interface Flask-Login expects, duck-typed so this module needs no web import. The session
    # id carries the generation: bumping ``session_generation`` invalidates every issued cookie.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation or 0}"


def fold(text: str) -> str:
    """Text as the directory compares it: Unicode-normalised (NFKC) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def search_keys(user: User) -> tuple[str, str]:
    """The folded ``search_text`` and ``area_keys`` of a profile."""
    words = [user.name, user.organisation, user.role_title, user.areas, user.bio]
    areas = [fold(" ".join(area.split())) for area in user.area_list]
    return fold("\n".join(w for w in words if w)), "," + ",".join(areas) + ","


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def fold_search_keys(_mapper: Any, _connection: Any, user: User) -> None:
    """Keep the folded search columns in step with the profile, however it was written."""
    user.search_text, user.area_keys = search_keys(user)


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(limits.TOKEN_NAME), default="api")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
