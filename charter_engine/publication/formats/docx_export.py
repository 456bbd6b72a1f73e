"""The DOCX export, written with python-docx: Word's own Title and Heading styles (so the
navigation pane and a table of contents work), the clauses' numbers as text, lists and quotes in
list and quote styles, code in a monospaced style, and a redline with struck-out deletions and
underlined insertions.

Markdown clauses are read with markdown-it (the parser the pages use), so emphasis becomes bold
and italic runs and soft line breaks flow; other formats keep their paragraphs and line breaks.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.shared import Pt, RGBColor
from markdown_it import MarkdownIt
from markdown_it.token import Token

from charter_engine.publication.formats.common import (
    adoption_line,
    edition_line,
    format_date,
    heading_label,
)
from charter_engine.publication.source import (
    ExportOptions,
    ExportSource,
    RedlineSource,
    SourceClause,
    revision_name,
)

Progress = Callable[[str], None]
CODE_STYLE = "Charter Code"
GREY = RGBColor(0x5B, 0x64, 0x70)
DELETED = RGBColor(0xA4, 0x16, 0x1A)
INSERTED = RGBColor(0x0B, 0x6B, 0x2F)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _new_document(title: str, subject: str) -> Any:
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.subject = subject
    doc.core_properties.author = "Charter Engine"
    styles = doc.styles
    code = styles.add_style(CODE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    code.base_style = styles["Normal"]
    code.font.name = "DejaVu Sans Mono"
    code.font.size = Pt(9.5)
    return doc


def _text_run(para: Any, text: str) -> Any:
    """A run holding ``text``. Text without tabs or line breaks goes into one ``<w:t>`` at once:
    ``add_run(text)`` walks it character by character (looking for tabs and breaks), which was
    a third of the time of a long document."""
    if "\t" in text or "\n" in text or "\r" in text:
        return para.add_run(text)
    run = para.add_run()
    run._r.add_t(text)
    return run


def _number_run(para: Any, text: str) -> None:
    """A clause's number before its text. Formatted directly: python-docx looks a named style
    up by scanning every style, which made long documents several times slower."""
    run = _text_run(para, text)
    run.bold = True
    run.font.color.rgb = GREY


def _save(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# clause bodies


class _BodyWriter:
    """Writes one clause's Markdown into the document, paragraph by paragraph."""

    def __init__(self, doc: Any, prefix: str) -> None:
        self.doc = doc
        self.prefix = prefix  # "§ 2.1", put before the clause's first paragraph
        self.lists: list[tuple[bool, int]] = []  # (ordered, depth) of the open lists
        self.quote = 0
        self.pending_marker: str | None = None

    def paragraph(self, style: str | None = None) -> Any:
        if style is None and self.quote:
            style = "Quote"
        para = self.doc.add_paragraph(style=style)  # None: Normal, without a style lookup
        if self.prefix:
            _number_run(para, self.prefix + " ")
            self.prefix = ""
        if self.lists:
            para.paragraph_format.left_indent = Pt(18 * len(self.lists))
            para.paragraph_format.first_line_indent = Pt(-14)
            if self.pending_marker is not None:
                para.add_run(self.pending_marker + "\t")
                self.pending_marker = None
        return para

    def write(self, tokens: list[Token]) -> None:
        for token in tokens:
            kind = token.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                self.lists.append((kind == "ordered_list_open", len(self.lists)))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                ordered = self.lists[-1][0] if self.lists else False
                # The document's own numbers: markdown-it keeps each item's number as written.
                self.pending_marker = (token.info + token.markup) if ordered else "•"
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind == "inline":
                para = self.paragraph()
                _inline(para, token.children or [])
            elif kind in ("fence", "code_block"):
                para = self.paragraph(CODE_STYLE)
                _lines(para, token.content.rstrip("\n"))
            elif kind == "heading_open":
                self.pending_marker = None
            elif kind == "hr":
                self.paragraph().add_run("* * *")
        if self.prefix:  # a clause that rendered to nothing still shows its number
            self.paragraph()


def _lines(para: Any, text: str) -> None:
    for index, line in enumerate(text.split("\n")):
        run = para.add_run(line)
        if index:
            run.add_break()


def _inline(para: Any, children: list[Token]) -> None:
    bold = italic = strike = 0
    for child in children:
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "s_open":
            strike += 1
        elif kind == "s_close":
            strike -= 1
        elif kind == "softbreak":
            para.add_run(" ")
        elif kind == "hardbreak":
            para.add_run().add_break()
        elif kind in ("text", "code_inline", "html_inline", "image"):
            run = _text_run(para, child.content)
            run.bold = bool(bold) or None
            run.italic = bool(italic) or None
            run.font.strike = bool(strike) or None
            if kind == "code_inline":
                run.font.name = "DejaVu Sans Mono"


def _write_plain(doc: Any, clause: SourceClause, prefix: str) -> None:
    """A clause that is not Markdown, as the pages read it (:mod:`charter_engine.text.render`
    restates reStructuredText): one paragraph per line of its plain text; code keeps its lines."""
    lines = [clause.plain] if clause.kind == "code" else clause.plain.split("\n")
    for index, line in enumerate(lines):
        para = doc.add_paragraph(style=CODE_STYLE if clause.kind == "code" else None)
        if index == 0 and prefix:
            _number_run(para, prefix + " ")
        _lines(para, line)
        if clause.nesting:
            para.paragraph_format.left_indent = Pt(18 * clause.nesting)


def _write_clause(doc: Any, clause: SourceClause, source_format: str) -> None:
    if clause.kind == "heading":
        doc.add_heading(heading_label(clause), level=min(max(clause.level, 1), 9))
        return
    prefix = clause.label if clause.structural_number else ""
    if source_format == "markdown" and clause.kind != "code":
        _BodyWriter(doc, prefix).write(_markdown().parse(clause.text))
    elif source_format == "markdown":
        para = doc.add_paragraph(style=CODE_STYLE)
        _number_run(para, prefix + " ")
        _lines(para, clause.text.rstrip())
    else:
        _write_plain(doc, clause, prefix)


# --------------------------------------------------------------------------------------------
# documents


def render_docx(
    source: ExportSource, options: ExportOptions, progress: Progress | None = None
) -> bytes:
    doc = _new_document(source.title, edition_line(source))
    doc.add_heading(source.title, level=0)
    doc.add_paragraph(edition_line(source))
    adopted = adoption_line(source)
    if adopted:
        doc.add_paragraph().add_run(adopted).bold = True
    if source.release_notes:
        doc.add_paragraph(source.release_notes)
    digest = doc.add_paragraph()
    digest.add_run(f"SHA-256 of the text: {source.revision_sha256}").font.color.rgb = GREY
    outline = [c for c in source.clauses if c.kind == "heading" and c.structural_number]
    if outline:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading("Contents", level=1)
        for clause in outline:
            entry = doc.add_paragraph(heading_label(clause))
            entry.paragraph_format.left_indent = Pt(12 * clause.depth)
            entry.paragraph_format.space_after = Pt(0)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if progress:
        progress(f"writing {len(source.clauses)} clauses")
    for clause in source.clauses:
        _write_clause(doc, clause, source.source_format)
    if source.annex is not None:
        _write_annex(doc, source)
    return _save(doc)


def _write_annex(doc: Any, source: ExportSource) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    since = f"since {source.annex_since}" if source.annex_since else "since the import"
    doc.add_heading(f"Annex: changes {since}", level=1)
    if not source.annex:
        doc.add_paragraph("The text did not change in this period.")
    for entry in source.annex or ():
        doc.add_heading(f"Revision {entry.revision}: {entry.label}", level=2)
        facts = []
        if entry.author:
            with_ = f", with {', '.join(entry.cosponsors)}" if entry.cosponsors else ""
            facts.append(f"Proposed by {entry.author}{with_}")
        if entry.ballot:
            facts.append(entry.ballot)
        elif entry.editorial:
            facts.append("merged as an editorial change, without a vote")
        if entry.date:
            facts.append(format_date(entry.date))
        doc.add_paragraph(" · ".join(facts))
        if entry.rationale or (entry.editorial and entry.note):
            doc.add_paragraph(entry.rationale or entry.note or "")


def render_redline_docx(source: RedlineSource, progress: Progress | None = None) -> bytes:
    subject = f"Changes from {source.old_name} to {source.new_name}"
    doc = _new_document(source.title, subject)
    doc.add_heading(source.title, level=0)
    doc.add_paragraph(
        f"Changes from {revision_name(source.old_name, source.old_revision)} "
        f"to {revision_name(source.new_name, source.new_revision)}"
    )
    key = doc.add_paragraph("Key: ")
    _diff_run(key, -1, "deleted words")
    key.add_run(" ")
    _diff_run(key, 1, "inserted words")
    if progress:
        progress(f"writing {len(source.clauses)} clauses")
    for clause in source.clauses:
        status = doc.add_paragraph()
        heading = f" {clause.heading}" if clause.heading and clause.kind != "heading" else ""
        _number_run(status, clause.label + heading)
        status.add_run(f" — {clause.status}").italic = True
        renumbered = clause.old_number is not None and clause.new_number is not None
        if renumbered and clause.old_number != clause.new_number:
            status.add_run(f" (was {clause.old_number or 'unnumbered'})").italic = True
        body = doc.add_paragraph()
        for op, text in clause.shown_pieces:
            _diff_run(body, op, text)
    return _save(doc)


def _diff_run(para: Any, op: int, text: str) -> None:
    for index, line in enumerate(text.split("\n")):
        run = para.add_run(line)
        if index:
            run.add_break()
        if op == -1:
            run.font.strike = True
            run.font.color.rgb = DELETED
        elif op == 1:
            run.font.underline = True
            run.font.color.rgb = INSERTED
