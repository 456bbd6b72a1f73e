"""The PDF export: WeasyPrint lays out the export's HTML with the paged stylesheet (title page,
contents with page numbers, running header, "Page n of m")."""

from __future__ import annotations

from collections.abc import Callable

from charter_engine.publication.formats.html import document_html, redline_html
from charter_engine.publication.source import ExportOptions, ExportSource, RedlineSource

Progress = Callable[[str], None]


def html_to_pdf(html: str, progress: Progress | None = None) -> bytes:
    """Lay ``html`` out and write the PDF, telling ``progress`` what it is doing."""
    from weasyprint import HTML

    if progress:
        progress("laying out the pages")
    document = HTML(string=html).render()
    if progress:
        progress(f"writing {len(document.pages)} pages")
    data: bytes = document.write_pdf()
    return data


def render_pdf(
    source: ExportSource, options: ExportOptions, progress: Progress | None = None
) -> bytes:
    return html_to_pdf(document_html(source, options, paged=True), progress)


def render_redline_pdf(source: RedlineSource, progress: Progress | None = None) -> bytes:
    return html_to_pdf(redline_html(source, paged=True), progress)
