"""Jinja helpers shared by every page: dates, Markdown, countries, navigation and page metadata.

Filters
  ``dt|datetime``   "25 Nov 2026, 19:33 UTC"
  ``dt|date``       "25 Nov 2026"
  ``dt|relative``   "3 hours ago" / "in 2 days"
  ``text|markdown`` sanitised HTML (see :mod:`charter_engine.web.markdown`)
  ``code|country``  "FR" → "France"
  ``number|section`` "§ 2.1", "Article 3", "Title" (see :func:`.numbering.citation`)
  ``html|rendered``  charter text rendered by the text engine (see :mod:`.rendering`)
Globals
  ``can(user, permission, obj)`` and ``may(permission, obj)`` (see :mod:`.security`),
  ``nav_items()`` (see :mod:`.navigation`), ``now()``.
Use the ``time`` macro in ``_macros/ui.html`` to show a date: it renders a ``<time>`` element with
the absolute UTC time as its text and the relative time next to it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from charter_engine.accounts.countries import country_name
from charter_engine.db import utcnow
from charter_engine.text.numbering import citation
from charter_engine.web.links import object_url
from charter_engine.web.markdown import render_markdown
from charter_engine.web.navigation import nav_items
from charter_engine.web.rendering import init_rendering


def section(number: str | None, heading: str | None = None) -> str:
    """How a clause number reads: "§ 2.1", "Article 3"; an unnumbered heading by its title
    (``heading``), else "Title"."""
    return citation(number, heading)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def format_date(value: datetime | None) -> str:
    if value is None:
        return ""
    value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y}"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """A short human phrase for the distance between ``value`` and now."""
    if value is None:
        return ""
    now = now or utcnow()
    seconds = int((now - value).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now" if not future else "in a moment"
    size, unit = 86400 * 365, "year"
    for limit, step, name in (
        (3600, 60, "minute"),
        (86400, 3600, "hour"),
        (86400 * 30, 86400, "day"),
        (86400 * 365, 86400 * 30, "month"),
    ):
        if seconds < limit:
            size, unit = step, name
            break
    phrase = _plural(max(1, round(seconds / size)), unit)
    return f"in {phrase}" if future else f"{phrase} ago"


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def init_templating(app: Flask) -> None:
    env = app.jinja_env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        datetime=format_datetime,
        date=format_date,
        relative=relative_time,
        isotime=iso,
        markdown=render_markdown,
        country=country_name,
        section=section,
    )
    env.globals.update(nav_items=nav_items, now=utcnow, object_url=object_url)
    init_rendering(app)
