"""Splitting a charter document into blocks (headings, paragraphs, lists, code) and back.

Import and export must be byte-identical, so the split is a partition of the source: each
block's ``text`` is its exact source, including the blank lines that follow it (the first
block also owns the document's leading whitespace), and joining the blocks gives back the
document whatever it contains: CRLF or CR line ends, tabs, a byte order mark, no final newline.
Markdown (ATX and setext headings, fenced code) and reStructuredText (underlined and
overlined section titles, literal blocks, directives) are recognised; anything else is kept
as it is, as a paragraph or a verbatim block.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HEADING = "heading"
PARAGRAPH = "paragraph"
LIST = "list"
CODE = "code"
VERBATIM = "verbatim"
BLOCK_KINDS = frozenset({HEADING, PARAGRAPH, LIST, CODE, VERBATIM})

MARKDOWN = "markdown"
RST = "rst"

RstStyle = tuple[str, bool]


@dataclass(frozen=True)
class Block:
    """One block of a document: its exact source text and what kind of block it is."""

    text: str
    kind: str
    level: int
    heading: str | None


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_ATX_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSE_RE = re.compile(r"(?:^|[ \t]+)#+$")
_SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_ADORNMENT_RE = re.compile(r"([!-/:-@\[-`{-~])\1*[ \t]*$")
_LIST_RE = re.compile(r"[ \t]*(?:[-*+\u2022]|\d{1,9}[.)]|[A-Za-z][.)]|\(\w{1,9}\))(?:[ \t]|$)")
_THEMATIC_RE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_VERBATIM_START_RE = re.compile(r"[ \t]*(?:<|\||\+[-=]|\.\.(?:[ \t]|$)|---$|:::)")
_DIRECTIVE_RE = re.compile(r"\.\.(?:[ \t]|$)")
_CODE_DIRECTIVE_RE = re.compile(r"\.\.[ \t]+(?:code|code-block|sourcecode|highlight)::")

# Inline markup removed from heading titles.
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])")
_RST_LINK_RE = re.compile(r"`([^`<]+?)\s*<[^>]*>`_{1,2}")
_RST_ROLE_RE = re.compile(r":[\w.-]+:`([^`]*)`")
_CODE_SPAN_RE = re.compile(r"``?([^`]+)``?_{0,2}")
_EMPHASIS_RE = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
_ANCHOR_ATTR_RE = re.compile(r"\s*\{#[^}]*\}\s*$")


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _is_blank(line: str) -> bool:
    return not line.strip()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def strip_inline_markup(title: str) -> str:
    """A heading title as plain text: links, emphasis, code and roles reduced to their text."""
    text = _ANCHOR_ATTR_RE.sub("", title)
    text = _IMAGE_RE.sub(r"\1", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _RST_LINK_RE.sub(r"\1", text)
    text = _RST_ROLE_RE.sub(r"\1", text)
    text = _CODE_SPAN_RE.sub(r"\1", text)
    text = _HTML_TAG_RE.sub("", text)
    for _ in range(3):
        text = _EMPHASIS_RE.sub(r"\2", text)
    return " ".join(text.split())


def format_of(filename_or_text: str) -> str:
    """``"markdown"`` or ``"rst"``, from a file name's extension or else from the text itself."""
    candidate = filename_or_text.strip()
    if candidate and "\n" not in candidate and not any(c.isspace() for c in candidate):
        suffix = candidate.rsplit(".", 1)[-1].lower() if "." in candidate else ""
        if suffix in {"md", "markdown", "mdown", "mkd", "mkdn"}:
            return MARKDOWN
        if suffix in {"rst", "rest", "txt"}:
            return RST
    return _detect_format(_LINE_RE.findall(filename_or_text))


def _detect_format(lines: Sequence[str]) -> str:
    """Guess the markup from tell-tale constructs; Markdown unless RST is clearly ahead."""
    markdown = rst = 0
    previous = ""
    for raw in lines[:5000]:
        line = _content(raw)
        if _FENCE_RE.match(line) and not line.lstrip().startswith("~"):
            markdown += 2
        elif _ATX_RE.match(line) and line.lstrip().startswith("#") and " " in line.strip():
            markdown += 1
        if "](" in line:
            markdown += 1
        if line.startswith(".. "):
            rst += 2
        if line.rstrip().endswith("::"):
            rst += 1
        if ":`" in line or "`_" in line:
            rst += 1
        stripped = line.strip()
        if (
            len(stripped) >= 3
            and _ADORNMENT_RE.match(line)
            and stripped[0] not in "=-#"
            and previous.strip()
            and not _is_blank(previous)
            and len(stripped) >= _width(previous.strip())
        ):
            rst += 2
        previous = line
    return RST if rst > markdown else MARKDOWN


class _Parser:
    def __init__(self, text: str, fmt: str, rst_styles: list[RstStyle] | None) -> None:
        self.lines: list[str] = _LINE_RE.findall(text)
        self.content = [_content(line) for line in self.lines]
        if self.content and self.content[0].startswith("\ufeff"):
            self.content[0] = self.content[0][1:]
        self.blank = [_is_blank(c) for c in self.content]
        self.fmt = fmt
        self.rst_styles: list[RstStyle] = rst_styles if rst_styles is not None else []

    def blocks(self) -> list[Block]:
        lines = self.lines
        n = len(lines)
        out: list[Block] = []
        i = 0
        literal_next = False
        while i < n:
            start = i
            while i < n and self.blank[i]:
                i += 1
            if i == n:
                tail = "".join(lines[start:])
                if out:
                    last = out[-1]
                    out[-1] = Block(last.text + tail, last.kind, last.level, last.heading)
                else:
                    out.append(Block(tail, VERBATIM, 0, None))
                break
            if literal_next and self.content[i][:1] in (" ", "\t"):
                end, kind, level, heading = self._indented(i), CODE, 0, None
            else:
                end, kind, level, heading = self._block(i)
            literal_next = (
                self.fmt == RST and kind == PARAGRAPH and self.content[end - 1].endswith("::")
            )
            while end < n and self.blank[end]:
                end += 1
            out.append(Block("".join(lines[start:end]), kind, level, heading))
            i = end
        return out

    def _indented(self, i: int) -> int:
        """End of an indented stretch (blank lines inside it included)."""
        n = len(self.lines)
        end = i + 1
        j = i + 1
        while j < n:
            if self.blank[j]:
                j += 1
                continue
            if self.content[j][:1] not in (" ", "\t"):
                break
            j += 1
            end = j
        return end

    def _block(self, i: int) -> tuple[int, str, int, str | None]:
        line = self.content[i]
        n = len(self.lines)
        nxt = self.content[i + 1] if i + 1 < n else None
        if self.fmt == MARKDOWN:
            fence = _FENCE_RE.match(line)
            if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
                return self._fence(i, fence.group(1)), CODE, 0, None
            atx = _ATX_RE.match(line)
            if atx:
                title = _ATX_CLOSE_RE.sub("", atx.group(2) or "").strip()
                return i + 1, HEADING, len(atx.group(1)), strip_inline_markup(title)
            if nxt is not None and self._can_be_title(line):
                setext = _SETEXT_RE.match(nxt)
                if setext:
                    level = 1 if setext.group(1)[0] == "=" else 2
                    return i + 2, HEADING, level, strip_inline_markup(line.strip())
        else:
            heading = self._rst_heading(i)
            if heading is not None:
                return heading
            if _DIRECTIVE_RE.match(line):
                kind = CODE if _CODE_DIRECTIVE_RE.match(line) else VERBATIM
                return self._indented(i), kind, 0, None
        end = self._paragraph_end(i)
        if _LIST_RE.match(line) and not _THEMATIC_RE.match(line):
            return end, LIST, 0, None
        if _VERBATIM_START_RE.match(line) or _THEMATIC_RE.match(line):
            return end, VERBATIM, 0, None
        return end, PARAGRAPH, 0, None

    def _can_be_title(self, line: str) -> bool:
        return (
            not _is_blank(line)
            and not line.startswith(("    ", "\t"))
            and not _LIST_RE.match(line)
            and not line.lstrip().startswith(">")
            and not _THEMATIC_RE.match(line)
        )

    def _fence(self, i: int, opener: str) -> int:
        char = opener[0]
        size = len(opener)
        for j in range(i + 1, len(self.lines)):
            close = _FENCE_RE.match(self.content[j])
            if (
                close
                and close.group(1)[0] == char
                and len(close.group(1)) >= size
                and not close.group(2).strip()
            ):
                return j + 1
        return len(self.lines)

    def _paragraph_end(self, i: int) -> int:
        n = len(self.lines)
        j = i + 1
        while j < n and not self.blank[j]:
            line = self.content[j]
            if self.fmt == MARKDOWN and (_FENCE_RE.match(line) or _ATX_RE.match(line)):
                break
            j += 1
        return j

    def _rst_heading(self, i: int) -> tuple[int, str, int, str] | None:
        lines = self.content
        n = len(lines)
        line = lines[i]
        over = _ADORNMENT_RE.match(line)
        if over and not line[:1].isspace() and i + 2 < n:
            title = lines[i + 1]
            under = lines[i + 2]
            if (
                not _is_blank(title)
                and _ADORNMENT_RE.match(under)
                and under.rstrip() == line.rstrip()
                and len(line.rstrip()) >= _width(title.strip())
            ):
                return i + 3, HEADING, self._rst_level((line[0], True)), self._title(title)
        if i + 1 < n and not line[:1].isspace() and not _LIST_RE.match(line) and not over:
            under = lines[i + 1]
            if (
                not under[:1].isspace()
                and _ADORNMENT_RE.match(under)
                and len(under.rstrip()) >= max(_width(line.strip()), 2)
            ):
                return i + 2, HEADING, self._rst_level((under[0], False)), self._title(line)
        return None

    def _title(self, line: str) -> str:
        return strip_inline_markup(line.strip())

    def _rst_level(self, style: RstStyle) -> int:
        # RST has no fixed levels: each adornment style gets the next level on first use.
        if style not in self.rst_styles:
            self.rst_styles.append(style)
        return self.rst_styles.index(style) + 1


def split_document(text: str, format: str | None = None) -> list[Block]:
    """Split ``text`` into blocks whose texts concatenate back to exactly ``text``.

    ``format`` is ``"markdown"`` or ``"rst"``; by default it is guessed from the text.
    """
    if not text:
        return []
    fmt = format or format_of(text)
    if fmt not in (MARKDOWN, RST):
        raise ValueError(f"unknown document format {format!r}")
    return _Parser(text, fmt, None).blocks()


def rst_heading_styles(text: str) -> list[RstStyle]:
    """The adornment styles ``(char, has_overline)`` of an RST text, in order of first use."""
    styles: list[RstStyle] = []
    if text:
        _Parser(text, RST, styles).blocks()
    return styles


def join_blocks(blocks: Iterable[Block | str]) -> str:
    """The document text: the blocks' texts concatenated."""
    return "".join(b if isinstance(b, str) else b.text for b in blocks)


def classify_block(
    text: str, format: str | None = None, rst_styles: Sequence[RstStyle] | None = None
) -> Block:
    """Kind, level and heading of one clause's text (its first block decides).

    For RST, pass the document's ``rst_styles`` so a title gets the level it has in context.
    """
    if not text.strip():
        return Block(text, VERBATIM, 0, None)
    fmt = format or format_of(text)
    styles = list(rst_styles) if rst_styles is not None else None
    first = _Parser(text, fmt, styles).blocks()[0]
    return Block(text, first.kind, first.level, first.heading)
