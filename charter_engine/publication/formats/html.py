"""The standalone HTML export: one file with its stylesheet inside, readable on screen and
printable as it is. The PDF is WeasyPrint's rendering of the same HTML with a paged stylesheet."""

from __future__ import annotations

from markupsafe import Markup

from charter_engine.publication.formats.common import environment, stylesheet
from charter_engine.publication.source import ExportOptions, ExportSource, RedlineSource

# Line numbers (PDF): the lines a page of text holds, and their height in points.
PAGE_LINES = 47
LINE_HEIGHT = 15
A4_HEIGHT = 841.89  # points
TOP_MARGIN = 62


def line_numbers_css() -> Markup:
    """``lines.css`` with the page's numbers 1 … PAGE_LINES and the bottom margin that leaves
    room for exactly that many lines."""
    numbers = "\\A ".join(str(n) for n in range(1, PAGE_LINES + 1))
    bottom = A4_HEIGHT - TOP_MARGIN - PAGE_LINES * LINE_HEIGHT
    css = str(stylesheet("lines.css"))
    # Safe markup: our stylesheet with numbers put in, no user text.
    return Markup(css.replace("NUMBERS", numbers).replace("CONTENT_BOTTOM", f"{bottom:.2f}"))  # nosec B704


def document_html(source: ExportSource, options: ExportOptions, *, paged: bool = False) -> str:
    """The whole document; ``paged`` adds the PDF's page rules (title page, page numbers) and,
    with ``options.line_numbers``, the numbered lines."""
    template = environment().get_template("document.html")
    outline = [c for c in source.clauses if c.kind == "heading" and c.structural_number]
    css = stylesheet("export.css")
    if paged:
        css += stylesheet("paged.css")
        if options.line_numbers:
            css += line_numbers_css()
    return template.render(source=source, options=options, outline=outline, paged=paged, css=css)


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
