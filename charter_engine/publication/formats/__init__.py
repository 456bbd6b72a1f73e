"""The exporters: one revision (or release) as Markdown, HTML, PDF, DOCX or JSON, and a redline
between two revisions as HTML, PDF or DOCX. Each is a pure function of an
:class:`~charter_engine.publication.source.ExportSource` (or ``RedlineSource``) and options.

Markdown is the revision's exact text, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable

from charter_engine.publication.models import EXPORT_FORMATS
from charter_engine.publication.source import ExportOptions, ExportSource, RedlineSource

Progress = Callable[[str], None]

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}
REDLINE_FORMATS = ("html", "pdf", "docx")
__all__ = [
    "EXPORT_FORMATS",
    "MEDIA_TYPES",
    "REDLINE_FORMATS",
    "render_export",
    "render_redline",
]


def render_export(
    fmt: str, source: ExportSource, options: ExportOptions, progress: Progress | None = None
) -> bytes:
    """The file of ``source`` in ``fmt`` (one of :data:`EXPORT_FORMATS`)."""
    if fmt == "md":
        return source.text.encode("utf-8")
    if fmt == "html":
        from charter_engine.publication.formats.html import render_html

        return render_html(source, options)
    if fmt == "pdf":
        from charter_engine.publication.formats.pdf import render_pdf

        return render_pdf(source, options, progress)
    if fmt == "docx":
        from charter_engine.publication.formats.docx_export import render_docx

        return render_docx(source, options, progress)
    if fmt == "json":
        from charter_engine.publication.formats.json_export import render_json

        return render_json(source)
    raise ValueError(f"unknown export format {fmt!r}")


def render_redline(fmt: str, source: RedlineSource, progress: Progress | None = None) -> bytes:
    """The redline ``source`` in ``fmt`` (one of :data:`REDLINE_FORMATS`)."""
    if fmt == "html":
        from charter_engine.publication.formats.html import render_redline_html

        return render_redline_html(source)
    if fmt == "pdf":
        from charter_engine.publication.formats.pdf import render_redline_pdf

        return render_redline_pdf(source, progress)
    if fmt == "docx":
        from charter_engine.publication.formats.docx_export import render_redline_docx

        return render_redline_docx(source, progress)
    raise ValueError(f"unknown redline format {fmt!r}")
