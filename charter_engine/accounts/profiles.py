"""Profiles and account administration: editing one's profile, changing one's password, and the
secretariat's deactivation, reactivation and role changes.

Deactivation bumps the session generation, so the person is signed out on their next request and
their API tokens stop working (``token_holder`` refuses inactive accounts).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine import limits
from charter_engine.accounts.countries import COUNTRIES
from charter_engine.accounts.models import ROLES, User
from charter_engine.accounts.operations import check_password, set_password
from charter_engine.accounts.permissions import ensure_can
from charter_engine.audit.operations import record
from charter_engine.errors import Conflict, ValidationError

FIELDS = {
    "name": (limits.NAME, "your name"),
    "organisation": (limits.ORGANISATION, "the organisation"),
    "role_title": (limits.ROLE_TITLE, "the role"),
    "areas": (limits.AREAS, "the areas of work"),
    "phone": (limits.PHONE, "the phone number"),
    "bio": (limits.BIO, "the biography"),
}
PHONE_RE = re.compile(r"^[0-9+()./\- ]{3,50}$")


def _text(value: object, field: str, *, required: bool = False) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("This must be text.", field=field)
    limit, what = FIELDS[field]
    value = limits.check_length(value, limit, field=field, what=what).strip()
    if required and not value:
        raise ValidationError("This cannot be empty.", field=field)
    return value or None


def normalise_areas(value: object) -> str | None:
    """Areas of work as a tidy comma-separated list: trimmed, no empties, no duplicates."""
    raw = _text(value, "areas") or ""
    seen: dict[str, str] = {}
    for part in raw.split(","):
        area = " ".join(part.split())
        if area and area.lower() not in seen:
            seen[area.lower()] = area
    return ", ".join(seen.values()) or None


def update_profile(
    session: Session,
    user: User,
    *,
    actor: User,
    name: object,
    organisation: object = None,
    country: object = None,
    role_title: object = None,
    areas: object = None,
    bio: object = None,
    phone: object = None,
) -> User:
    """A person edits their own profile (the directory shows it)."""
    ensure_can(actor, "user:edit_self", user)
    code = country.strip().upper() if isinstance(country, str) and country.strip() else None
    if code and code not in COUNTRIES:
        raise ValidationError("Choose a country from the list.", field="country")
    phone_s = _text(phone, "phone")
    if phone_s and not PHONE_RE.match(phone_s):
        raise ValidationError("Use digits, spaces and + ( ) - only.", field="phone")
    changes = {
        "name": _text(name, "name", required=True),
        "organisation": _text(organisation, "organisation"),
        "country": code,
        "role_title": _text(role_title, "role_title"),
        "areas": normalise_areas(areas),
        "bio": _text(bio, "bio"),
        "phone": phone_s,
    }
    changed = sorted(k for k, v in changes.items() if getattr(user, k) != v)
    for key, value in changes.items():
        setattr(user, key, value)
    if changed:
        record(session, "user.profile_updated", user, actor=actor, payload={"fields": changed})
    return user


def change_password(session: Session, user: User, *, actor: User, current: str, new: str) -> None:
    """Change one's own password; every other session of the account ends."""
    ensure_can(actor, "user:edit_self", user)
    if not check_password(user, current):
        raise ValidationError("Your current password is not right.", field="current_password")
    set_password(user, new)
    record(session, "user.password_changed", user, actor=actor, payload={})


def _other_active_secretariat(session: Session, user: User) -> bool:
    count = session.execute(
        select(func.count())
        .select_from(User)
        .where(User.role == "secretariat", User.active.is_(True), User.id != user.id)
    ).scalar_one()
    return bool(count)


def deactivate_user(session: Session, user: User, *, actor: User) -> None:
    ensure_can(actor, "user:deactivate", user)
    if user.id == actor.id:
        raise Conflict("You cannot deactivate your own account.")
    if not user.active:
        return
    user.active = False
    user.session_generation = (user.session_generation or 0) + 1
    record(session, "user.deactivated", user, actor=actor, payload={})


def reactivate_user(session: Session, user: User, *, actor: User) -> None:
    ensure_can(actor, "user:deactivate", user)
    if user.active:
        return
    user.active = True
    record(session, "user.reactivated", user, actor=actor, payload={})


def change_role(session: Session, user: User, *, role: str, actor: User) -> None:
    ensure_can(actor, "user:change_role", user)
    if role not in ROLES:
        raise ValidationError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if role == user.role:
        return
    if user.role == "secretariat" and not _other_active_secretariat(session, user):
        raise Conflict("The last active secretariat account keeps its role.")
    before, user.role = user.role, role
    record(session, "user.role_changed", user, actor=actor, payload={"from": before, "to": role})
