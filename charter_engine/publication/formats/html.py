"""The standalone HTML export: one file with its stylesheet inside, readable on screen and
printable as it is. The PDF is WeasyPrint's rendering of the same HTML with a paged stylesheet."""

from __future__ import annotations

from charter_engine.publication.formats.common import environment, stylesheet
from charter_engine.publication.source import ExportOptions, ExportSource, RedlineSource


def document_html(source: ExportSource, options: ExportOptions, *, paged: bool = False) -> str:
    """The whole document; ``paged`` adds the PDF's page rules (title page, page numbers)."""
    template = environment().get_template("document.html")
    outline = [c for c in source.clauses if c.kind == "heading" and c.structural_number]
    return template.render(
        source=source,
        options=options,
        outline=outline,
        paged=paged,
        css=stylesheet("export.css") + (stylesheet("paged.css") if paged else ""),
    )


def redline_html(source: RedlineSource, *, paged: bool = False) -> str:
    template = environment().get_template("redline.html")
    counts: dict[str, int] = {}
    for clause in source.clauses:
        counts[clause.status] = counts.get(clause.status, 0) + 1
    return template.render(
        source=source,
        counts=counts,
        paged=paged,
        css=stylesheet("export.css") + (stylesheet("paged.css") if paged else ""),
    )


def render_html(source: ExportSource, options: ExportOptions) -> bytes:
    return document_html(source, options).encode("utf-8")


def render_redline_html(source: RedlineSource) -> bytes:
    return redline_html(source).encode("utf-8")
