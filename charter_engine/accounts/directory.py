"""The Core Group directory: searching profiles, the areas of work in use, members per country.

Each function issues a fixed number of queries whatever the size of the group.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.countries import country_name
from charter_engine.accounts.models import User, fold


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, folded as the stored keys are."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def directory_query(
    *,
    search: str | None = None,
    country: str | None = None,
    area: str | None = None,
    role: str | None = None,
    include_inactive: bool = False,
) -> Select[Any]:
    """Profiles matching the filters, ordered by name (pass to a paginator).

    Every word of ``search`` must occur in the profile; ``area`` is one area of work, whole.
    Both compare case-folded text (see ``User.search_text``), the same on SQLite and PostgreSQL.
    """
    stmt = select(User)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    if search and search.strip():
        for word in search.split()[:6]:
            stmt = stmt.where(User.search_text.like(_like(word), escape="\\"))
    if country:
        stmt = stmt.where(User.country == country.upper())
    if area and area.strip():
        key = "," + " ".join(area.split()) + ","
        stmt = stmt.where(User.area_keys.like(_like(key), escape="\\"))
    if role:
        stmt = stmt.where(User.role == role)
    return stmt.order_by(func.lower(User.name), User.id)


def areas_in_use(session: Session) -> list[str]:
    """Every area of work named in an active profile, sorted, spelled as most people spell it."""
    spellings: dict[str, Counter[str]] = {}
    for areas in session.execute(
        select(User.areas).where(User.active.is_(True), User.areas.is_not(None))
    ).scalars():
        for area in (areas or "").split(","):
            area = " ".join(area.split())
            if area:
                spellings.setdefault(area.lower(), Counter())[area] += 1
    return sorted((c.most_common(1)[0][0] for c in spellings.values()), key=str.lower)


def countries_in_use(session: Session) -> list[str]:
    codes = session.execute(
        select(User.country)
        .where(User.active.is_(True), User.country.is_not(None))
        .distinct()
        .order_by(User.country)
    ).scalars()
    # By the name people read, not by the code (Canada, Spain, Switzerland, not CA, CH, ES).
    return sorted((code for code in codes if code), key=lambda code: fold(country_name(code)))


def members_per_country(session: Session) -> dict[str, int]:
    """Active people per country code (people without a country are left out)."""
    rows = session.execute(
        select(User.country, func.count())
        .where(User.active.is_(True), User.country.is_not(None))
        .group_by(User.country)
    )
    return {code: count for code, count in rows if code}
