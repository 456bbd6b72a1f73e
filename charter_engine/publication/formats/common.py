"""Pieces every exporter shares: how a clause is labelled, dates, the adoption line, and the
Jinja environment of the HTML and PDF templates (plain Jinja, autoescaped; no Flask)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from charter_engine.publication.source import ExportSource, SourceClause, revision_name

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def format_date(value: datetime | None) -> str:
    if value is None:
        return ""
    value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y}"


def heading_label(clause: SourceClause) -> str:
    """A heading as the reader sees it: "2.1 Members", or "Article 3 — Decisions" when the
    title carries the document's own number."""
    return clause.heading_line or clause.heading or ""


def adoption_line(source: ExportSource) -> str | None:
    """ "Adopted on 6 Dec 2026 as revision 4", when the charter was adopted."""
    if source.adopted_revision is None:
        return None
    when = f" on {format_date(source.adopted_at)}" if source.adopted_at else ""
    return f"Adopted{when} as revision {source.adopted_revision}"


def edition_line(source: ExportSource) -> str:
    """ "Release 1.0 of 6 Dec 2026 (revision 4)" or "Revision 4 of 5 Dec 2026"."""
    if source.release_label:
        return (
            f"Release {source.release_label} of {format_date(source.released_at)} "
            f"(revision {source.revision})"
        )
    return f"Revision {source.revision} of {format_date(source.revision_date)}"


def body_html(clause: SourceClause) -> Markup:
    """A clause as readers expect it: rendered and sanitised by :mod:`charter_engine.text.render`
    (soft breaks flow, lists and emphasis render); nested list items are indented."""
    nesting = f" nesting-{min(clause.nesting, 4)}" if clause.nesting else ""
    # Safe markup: clause.html comes sanitised from text.render; nesting is a number.
    return Markup(f'<div class="clause-body{nesting}">{clause.html}</div>')  # nosec B704


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date=format_date)
    env.globals.update(
        heading_label=heading_label,
        adoption_line=adoption_line,
        edition_line=edition_line,
        body_html=body_html,
        revision_name=revision_name,
    )
    return env


def stylesheet(name: str) -> Markup:
    """A stylesheet of the templates folder, for a ``<style>`` element (exports stand alone)."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))  # nosec B704  # our own file
