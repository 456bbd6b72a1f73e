"""Charter text as readers see it: clauses rendered to safe HTML and plain text.

The stored text never changes (it is the byte-exact source); this module and :mod:`.marks`
decide only how it is shown. One renderer serves the pages, the ballots and the exports:

:func:`render_blocks` — the clauses of a revision, in order, each as a :class:`RenderedBlock`:
    Markdown (CommonMark, as GitHub shows it) through markdown-it-py, reStructuredText restated
    as Markdown first (:mod:`.rst`). Soft line breaks flow into one paragraph, headings and
    lists render, link references defined anywhere in the document resolve, nested list items
    lose their source indentation (``nesting`` says how deep they sit) and raw HTML is never
    passed through. A heading's ``html`` is the title's inline HTML without the ``<hN>``
    element, so each caller picks its own heading level.
:func:`render_text` — one clause on its own.
:func:`render_markdown` — user Markdown (comments, rationales), headings stepped down.
:func:`diff_html`, :func:`side_by_side_html`, :func:`render_diff_html` — the source itself with
    ``<del>``/``<ins>``, every character kept, for a ``white-space: pre-wrap`` box (editing
    previews, conflicts).

Redlines and blame rendered the same way, with their marks inside the markup, are in
:mod:`.marks` (``render_redline``, ``render_text_diff``, ``render_passages``).

All HTML is sanitised with nh3 after rendering, whatever produced it. Everything is pure, and
the caches depend only on the arguments. ``render_source``, ``render_cached``, ``sanitise`` and
the other lower-case helpers without a docstring are shared with :mod:`.marks` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any, Protocol

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import rst
from .diff import DELETE, EQUAL, INSERT, diff_words
from .document import CODE, HEADING, LIST, PARAGRAPH, VERBATIM
from .numbering import leading_width, list_parents

MARKDOWN = "markdown"
RST = "rst"

DEL_OPEN = '<del class="diff-del">'
INS_OPEN = '<ins class="diff-ins">'
# Between a deletion and an insertion that touch ("simple" → "absolute"): without it the two
# read as one word ("simpleabsolute"), on screen and to a screen reader.
CHANGE_SEPARATOR = '<span class="diff-sep"> </span>'
# (Marks of whitespace changes, "¶" and "·", are symbols and stay together.)
_TOUCHING_CHANGES = re.compile(f"(</del>)({re.escape(INS_OPEN)})|(</ins>)({re.escape(DEL_OPEN)})")

_BLOCK_TAGS = {"p", "br", "hr", "pre", "blockquote", "ul", "ol", "li"}
_INLINE_TAGS = {"em", "strong", "code", "a", "del", "s", "ins", "span"}
_TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
ALLOWED_TAGS = _BLOCK_TAGS | _INLINE_TAGS | _TABLE_TAGS | _HEADING_TAGS
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "del": {"class"},
    "ins": {"class"},
    "pre": {"class"},
    "span": {"class", "title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Headings in user text (comments) are shifted down so they never compete with the page's own.
HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING_HTML = re.compile(r"^\s*<h([1-6])>(?P<inner>.*)</h\1>\s*$", re.DOTALL)


class SourceBlock(Protocol):
    """A clause as stored: exact text, kind and heading level (a ClauseVersion, a Block)."""

    @property
    def text(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def level(self) -> int: ...


@dataclass(frozen=True)
class RenderedBlock:
    """One clause as a reader sees it.

    ``html`` is sanitised HTML: for a heading, the title's inline HTML (no ``<hN>``); for other
    blocks, block elements (``<p>``, ``<ul>``, ``<pre>`` …). ``text`` is the same as plain text:
    soft breaks joined, markup removed, one line per paragraph or list item (list items keep
    their number, bullets become "•"). ``nesting`` is how deep a list item (or a paragraph that
    continues one) sits under other items, 0 at the top.
    """

    kind: str
    level: int
    nesting: int
    html: str
    text: str

    @classmethod
    def shown(cls, kind: str, level: int, nesting: int, html: str, text: str) -> RenderedBlock:
        """A block rendered as ``kind``: only a heading keeps its level."""
        return cls(kind, level if kind == HEADING else 0, nesting, html, text)


# ---------------------------------------------------------------------------------------------
# the Markdown engine


def _link_allowed(url: str) -> bool:
    """Relative links and http(s)/mailto only; ``javascript:`` and ``data:`` never."""
    scheme, colon, _ = url.strip().partition(":")
    return not colon or "/" in scheme or scheme.lower() in URL_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    setattr(md, "validateLink", _link_allowed)  # noqa: B010 - markdown-it's documented hook
    return md


def separate_changes(html: str) -> str:
    return _TOUCHING_CHANGES.sub(
        lambda m: (m.group(1) or m.group(3)) + CHANGE_SEPARATOR + (m.group(2) or m.group(4)), html
    )


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def render_markdown(text: str | None) -> str:
    """User Markdown (a comment, a rationale) as sanitised HTML, headings stepped down."""
    if not text:
        return ""
    html = _parser().render(text)
    for old, new in sorted(HEADING_SHIFT.items(), reverse=True):
        html = html.replace(f"<{old}>", f"<{new}>").replace(f"</{old}>", f"</{new}>")
    return sanitise(html)


def link_references(document: str, fmt: str) -> dict[str, Any]:
    """The Markdown link reference definitions (``[name]: url``) of a whole document."""
    if fmt == RST or "]:" not in document:
        return {}
    env: dict[str, Any] = {}
    _parser().parse(_HTML_COMMENT.sub("", document), env)
    references: dict[str, Any] = env.get("references", {})
    return references


def _plain_text(tokens: Sequence[Token]) -> str:
    """What a reader reads, as text: one line per paragraph, heading, list item or code line."""
    lines: list[str] = []
    lists: list[list[int | None]] = []  # per open list: the next number (None for bullets)
    prefix = ""
    for token in tokens:
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([None])
        elif kind == "ordered_list_open":
            start = token.attrGet("start")
            lists.append([int(start) if isinstance(start, int | str) else 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            number = lists[-1][0] if lists else None
            marker = f"{token.info}{token.markup}" if token.info else "•"
            if number is not None:
                lists[-1][0] = number + 1
            prefix = "  " * (len(lists) - 1) + marker + " "
        elif kind == "inline":
            lines.append(prefix + _inline_text(token.children or []))
            prefix = ""
        elif kind in ("fence", "code_block"):
            lines.extend(token.content.rstrip("\n").split("\n"))
        elif kind == "hr":
            lines.append("* * *")
    return "\n".join(line.rstrip() for line in lines)


def _inline_text(children: Sequence[Token]) -> str:
    out: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(_inline_text(child.children or []))
    return "".join(out)


def render_source(source: str, references: Mapping[str, Any] | None) -> tuple[str, str]:
    md = _parser()
    env: dict[str, Any] = {"references": dict(references)} if references else {}
    tokens = md.parse(source, env)
    html = md.renderer.render(tokens, md.options, env)
    return html, _plain_text(tokens)


# ---------------------------------------------------------------------------------------------
# clauses


def _dedent(text: str) -> str:
    lines = text.split("\n")
    widths = [leading_width(line) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return "\n".join(_drop_columns(line, cut) for line in lines)


def _drop_columns(line: str, columns: int) -> str:
    width = 0
    for index, char in enumerate(line):
        if width >= columns or char not in " \t":
            return line[index:]
        width += 4 - width % 4 if char == "\t" else 1
    return ""


def markdown_source(text: str, kind: str, level: int, fmt: str, in_list: bool) -> str:
    """The Markdown the renderer reads for one block of a document in ``fmt``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if fmt == RST:
        return rst.to_markdown(text, kind, level)
    text = _HTML_COMMENT.sub("", text)
    if kind == LIST or (in_list and kind == PARAGRAPH):
        # A nested item or a continued paragraph, cut from its list: without its indentation
        # it would read as a code block.
        text = _dedent(text)
    return text


def heading_inner(html: str) -> str | None:
    match = _HEADING_HTML.match(html)
    return match.group("inner") if match else None


@lru_cache(maxsize=8192)
def render_cached(
    text: str, kind: str, level: int, fmt: str, in_list: bool, references: tuple[Any, ...]
) -> tuple[str, str, str]:
    source = markdown_source(text, kind, level, fmt, in_list)
    html, plain = render_source(source, thawed_references(references))
    shown_kind = kind
    if kind == HEADING:
        inner = heading_inner(html)
        if inner is None:
            shown_kind = PARAGRAPH  # not a heading once rendered (an edited marker)
        else:
            html = inner
    return shown_kind, sanitise(html), plain


def frozen_references(references: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(
        sorted(
            (name, ref.get("href", ""), ref.get("title", "")) for name, ref in references.items()
        )
    )


def thawed_references(references: tuple[Any, ...]) -> dict[str, Any]:
    return {name: {"href": href, "title": title} for name, href, title in references}


def render_blocks(blocks: Sequence[SourceBlock], fmt: str) -> list[RenderedBlock]:
    """Render the clauses of one document, in order (see the module docstring).

    ``fmt`` is the charter's source format: ``"rst"``, else Markdown (plain text is read as
    Markdown, as it was split).
    """
    fmt = RST if fmt == RST else MARKDOWN
    kinds = [b.kind for b in blocks]
    texts = [b.text for b in blocks]
    references = frozen_references(link_references("".join(texts), fmt))
    nested_under = list_parents(kinds, texts)
    nesting: list[int] = []
    out = []
    for index, block in enumerate(blocks):
        parent = nested_under[index]
        depth = nesting[parent] + 1 if parent is not None else 0
        nesting.append(depth)
        in_list = parent is not None or block.kind == LIST
        kind, html, plain = render_cached(
            block.text, block.kind, block.level, fmt, in_list, references
        )
        out.append(RenderedBlock.shown(kind, block.level, depth, html, plain))
    return out


def render_text(text: str, fmt: str, *, kind: str = PARAGRAPH, level: int = 0) -> RenderedBlock:
    """One clause on its own (a proposed text, an inserted clause)."""
    fmt = RST if fmt == RST else MARKDOWN
    references = frozen_references(link_references(text, fmt))
    shown, html, plain = render_cached(text, kind, level, fmt, kind == LIST, references)
    return RenderedBlock.shown(shown, level, 0, html, plain)


# ---------------------------------------------------------------------------------------------
# the source itself, with its changes


def render_diff_html(pieces: Iterable[tuple[int, str]]) -> str:
    """Escaped HTML of diff pieces: deletions in ``<del>``, insertions in ``<ins>``.

    Newlines are kept as they are, for a ``white-space: pre-wrap`` container. A deletion and an
    insertion that touch without whitespace between them get :data:`CHANGE_SEPARATOR`.
    """
    out: list[str] = []
    previous: tuple[int, str] = (EQUAL, "")
    for op, text in pieces:
        if not text:
            continue
        if op == EQUAL:
            out.append(escape(text))
        elif op in (DELETE, INSERT):
            before_op, before = previous
            touching = {before_op, op} == {DELETE, INSERT}
            if touching and not before[-1].isspace() and not text[0].isspace():
                out.append(CHANGE_SEPARATOR)
            opener, closer = (DEL_OPEN, "</del>") if op == DELETE else (INS_OPEN, "</ins>")
            out.append(f"{opener}{escape(text)}{closer}")
        else:
            raise ValueError(f"unknown diff operation {op!r}")
        previous = (op, text)
    return "".join(out)


def diff_html(old: str, new: str) -> str:
    """Inline HTML diff of two texts."""
    return render_diff_html(diff_words(old, new))


def diff_sides_html(pieces: Iterable[tuple[int, str]]) -> tuple[str, str, str]:
    """A word diff as ``(inline_html, old_html, new_html)``: inline, and the two sides of a
    side-by-side view (the old text with deletions marked, the new with insertions)."""
    pieces = list(pieces)
    return (
        render_diff_html(pieces),
        render_diff_html((op, text) for op, text in pieces if op != INSERT),
        render_diff_html((op, text) for op, text in pieces if op != DELETE),
    )


def side_by_side_html(old: str, new: str) -> tuple[str, str]:
    """``(old_html, new_html)``: the old text with deletions marked, the new with insertions."""
    _inline, left, right = diff_sides_html(diff_words(old, new))
    return left, right


__all__ = [
    "CODE",
    "HEADING",
    "LIST",
    "MARKDOWN",
    "PARAGRAPH",
    "RST",
    "VERBATIM",
    "RenderedBlock",
    "SourceBlock",
    "diff_html",
    "diff_sides_html",
    "link_references",
    "render_blocks",
    "render_diff_html",
    "render_markdown",
    "render_text",
    "side_by_side_html",
]
