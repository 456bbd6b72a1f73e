"""Charter text as readers see it: clauses and word diffs rendered to safe HTML and plain text.

The stored text never changes (it is the byte-exact source); this module decides only how it
is shown. One renderer serves the pages, the ballots and the exports:

:func:`render_blocks` — the clauses of a revision, in order, each as a :class:`RenderedBlock`:
    Markdown (CommonMark, as GitHub shows it) through markdown-it-py, reStructuredText restated
    as Markdown first (:mod:`.rst`). Soft line breaks flow into one paragraph, headings and
    lists render, link references defined anywhere in the document resolve, nested list items
    lose their source indentation (``nesting`` says how deep they sit) and raw HTML is never
    passed through. A heading's ``html`` is the title's inline HTML without the ``<hN>``
    element, so each caller picks its own heading level.
:func:`render_redline` — the word diff of one clause (:func:`.diff.diff_words` pieces) rendered
    the same way, with ``<del class="diff-del">`` and ``<ins class="diff-ins">`` around what
    changed. A change of whitespace alone is shown with visible marks (``¶`` paragraph break,
    ``↵`` line break, ``→`` tab, ``·`` space) in ``<del>``/``<ins>`` with the extra class
    ``diff-ws``, so a re-wrapped or re-indented clause never looks unchanged.
:func:`render_markdown` — user Markdown (comments, rationales), headings stepped down.
:func:`diff_html`, :func:`side_by_side_html`, :func:`render_diff_html` — the source itself with
    ``<del>``/``<ins>``, every character kept, for a ``white-space: pre-wrap`` box (editing
    previews, conflicts).

All HTML is sanitised with nh3 after rendering, whatever produced it; every function is pure
and cached results depend only on their arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from typing import Any, Protocol

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import rst
from .diff import DELETE, EQUAL, INSERT, diff_words
from .document import CODE, HEADING, LIST, PARAGRAPH, VERBATIM, classify_block
from .numbering import leading_width, list_parents

MARKDOWN = "markdown"
RST = "rst"

DEL_OPEN = '<del class="diff-del">'
INS_OPEN = '<ins class="diff-ins">'
WS_DEL_OPEN = '<del class="diff-del diff-ws">'
WS_INS_OPEN = '<ins class="diff-ins diff-ws">'

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

# Marks a redline puts around changed text before rendering; Unicode noncharacters, which no
# interchanged text contains (a text that does is shown as a source diff instead).
_MARK_DEL, _MARK_DEL_END = "\ufdd0", "\ufdd1"
_MARK_INS, _MARK_INS_END = "\ufdd2", "\ufdd3"
_MARK_WS_DEL, _MARK_WS_DEL_END = "\ufdd4", "\ufdd5"
_MARK_WS_INS, _MARK_WS_INS_END = "\ufdd6", "\ufdd7"
_MARKS = {
    _MARK_DEL: DEL_OPEN,
    _MARK_DEL_END: "</del>",
    _MARK_INS: INS_OPEN,
    _MARK_INS_END: "</ins>",
    _MARK_WS_DEL: WS_DEL_OPEN,
    _MARK_WS_DEL_END: "</del>",
    _MARK_WS_INS: WS_INS_OPEN,
    _MARK_WS_INS_END: "</ins>",
}
# Blame marks: an opening mark followed by a private-use character naming the span, and a closer.
_MARK_SPAN, _MARK_SPAN_END = "\ufdd8", "\ufdd9"
_SPAN_BASE = 0xE000
_ANY_MARK = re.compile("[\ufdd0-\ufdd9]")
_MARK_OR_SPAN = re.compile("\ufdd8[\ue000-\uf8ff]|[\ufdd0-\ufdd7\ufdd9]")
_MARK_IN_TAG = re.compile(
    r"<[^>]*(?:[\ufdd0-\ufdd9\ue000-\uf8ff]|%EF%B7%9[0-9]|%EE%|%EF%(?:[89][0-9A-F]|A[0-3]))[^>]*>",
    re.IGNORECASE,
)
_DELETED_OR_GLYPHS = re.compile(
    "\ufdd0[^\ufdd1]*\ufdd1|\ufdd4[^\ufdd5]*\ufdd5|\ufdd6[^\ufdd7]*\ufdd7|\ufdd8[\ue000-\uf8ff]"
)
_PRIVATE = re.compile("[\ufdd0-\ufdef\ue000-\uf8ff]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_OPENER = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,9}[.)]|#\.|#{1,6}|>)(?:[ \t]|$)")
_HEADING_HTML = re.compile(r"^\s*<h([1-6])>(?P<inner>.*)</h\1>\s*$", re.DOTALL)
# A list marker, heading hashes or a quote at the start of a line: kept outside a change mark
# so the line still opens its block.
_LINE_OPENER = re.compile(r"^[ \t]*(?:(?:[-*+\u2022]|\d{1,9}[.)]|#\.|#{1,6}|>)[ \t]+)?")


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


def _clean(html: str) -> str:
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
    return _clean(html)


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


def _render_source(source: str, references: Mapping[str, Any] | None) -> tuple[str, str]:
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


def _markdown_source(text: str, kind: str, level: int, fmt: str, in_list: bool) -> str:
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


def _heading_inner(html: str) -> str | None:
    match = _HEADING_HTML.match(html)
    return match.group("inner") if match else None


@lru_cache(maxsize=8192)
def _render_one(
    text: str, kind: str, level: int, fmt: str, in_list: bool, references: tuple[Any, ...]
) -> tuple[str, str, str]:
    source = _markdown_source(text, kind, level, fmt, in_list)
    html, plain = _render_source(source, _thawed(references))
    shown_kind = kind
    if kind == HEADING:
        inner = _heading_inner(html)
        if inner is None:
            shown_kind = PARAGRAPH  # not a heading once rendered (an edited marker)
        else:
            html = inner
    return shown_kind, _clean(html), plain


def _frozen(references: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(
        sorted(
            (name, ref.get("href", ""), ref.get("title", "")) for name, ref in references.items()
        )
    )


def _thawed(references: tuple[Any, ...]) -> dict[str, Any]:
    return {name: {"href": href, "title": title} for name, href, title in references}


def render_blocks(blocks: Sequence[SourceBlock], fmt: str) -> list[RenderedBlock]:
    """Render the clauses of one document, in order (see the module docstring).

    ``fmt`` is the charter's source format: ``"rst"``, else Markdown (plain text is read as
    Markdown, as it was split).
    """
    fmt = RST if fmt == RST else MARKDOWN
    kinds = [b.kind for b in blocks]
    texts = [b.text for b in blocks]
    references = _frozen(link_references("".join(texts), fmt))
    nested_under = list_parents(kinds, texts)
    nesting: list[int] = []
    out = []
    for index, block in enumerate(blocks):
        parent = nested_under[index]
        depth = nesting[parent] + 1 if parent is not None else 0
        nesting.append(depth)
        in_list = parent is not None or block.kind == LIST
        kind, html, plain = _render_one(
            block.text, block.kind, block.level, fmt, in_list, references
        )
        out.append(RenderedBlock(kind, block.level if kind == HEADING else 0, depth, html, plain))
    return out


def render_text(text: str, fmt: str, *, kind: str = PARAGRAPH, level: int = 0) -> RenderedBlock:
    """One clause on its own (a proposed text, an inserted clause)."""
    fmt = RST if fmt == RST else MARKDOWN
    references = _frozen(link_references(text, fmt))
    shown, html, plain = _render_one(text, kind, level, fmt, kind == LIST, references)
    return RenderedBlock(shown, level if shown == HEADING else 0, 0, html, plain)


# ---------------------------------------------------------------------------------------------
# redlines


def whitespace_marks(text: str) -> str:
    """Visible marks for a run of whitespace: ¶ paragraph break, ↵ line break, → tab, · space."""
    out: list[str] = []
    for run in re.findall(
        r"(?:\r\n|\r|\n)(?:[ \t]*(?:\r\n|\r|\n))+|\r\n|\r|\n|\t|[^\S\r\n\t]", text
    ):
        if run.count("\n") + run.count("\r") - run.count("\r\n") >= 2:
            out.append("¶")
        elif run in ("\n", "\r", "\r\n"):
            out.append("↵")
        elif run == "\t":
            out.append("→")
        else:
            out.append("·")
    return "".join(out)


def _wrap(out: list[str], text: str, opener: str, closer: str) -> None:
    """Append ``text`` to ``out`` with marks around it, closed and reopened where a line opens
    a new block (after a blank line, at a list item, a heading, a quote).

    The marks stay open across a soft line break, so that a change spanning one stays one
    element (and a link written over two lines stays whole); a line's list marker, heading
    hashes or indentation stay outside the marks, so that the Markdown renderer still sees the
    line open its block.
    """
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+", text)
    runs: list[list[str]] = []  # lines marked together; a blank line is a run of its own
    for line in lines:
        continues = (
            runs
            and line.strip()
            and runs[-1][-1].strip()
            and runs[-1][-1].endswith(("\n", "\r"))
            and not _BLOCK_OPENER.match(line)
        )
        if continues:
            runs[-1].append(line)
        else:
            runs.append([line])
    for run in runs:
        body = "".join(run)
        if not body.strip():
            out.append(body)
            continue
        if not out or out[-1].endswith(("\n", "\r")):
            lead = _LINE_OPENER.match(body)
            if lead and lead.end():
                out.append(body[: lead.end()])
                body = body[lead.end() :]
        content = body.rstrip("\r\n")
        out.append(f"{opener}{content}{closer}{body[len(content) :]}")


def _marked(pieces: Iterable[tuple[int, str]]) -> str:
    """The merged text of a diff (kept, deleted and inserted text in order) with change marks.

    Whitespace-only changes get visible marks; deleted whitespace does not take part in the
    layout (the text is shown as it now flows), inserted whitespace does.
    """
    out: list[str] = []
    for op, text in pieces:
        if not text:
            continue
        if op == EQUAL:
            out.append(text)
        elif text.isspace():
            opener, closer = (
                (_MARK_WS_DEL, _MARK_WS_DEL_END)
                if op == DELETE
                else (_MARK_WS_INS, _MARK_WS_INS_END)
            )
            out.append(f"{opener}{whitespace_marks(text)}{closer}")
            if op == INSERT:
                out.append(text)
        else:
            marks = (_MARK_DEL, _MARK_DEL_END) if op == DELETE else (_MARK_INS, _MARK_INS_END)
            _wrap(out, text, *marks)
    return "".join(out)


_PAIRS = {
    _MARK_DEL: _MARK_DEL_END,
    _MARK_INS: _MARK_INS_END,
    _MARK_WS_DEL: _MARK_WS_DEL_END,
    _MARK_WS_INS: _MARK_WS_INS_END,
    _MARK_SPAN: _MARK_SPAN_END,
}


def _marks_balanced(html: str) -> bool:
    open_mark: str | None = None
    for mark in _ANY_MARK.findall(html):
        if open_mark is None:
            if mark not in _PAIRS:
                return False
            open_mark = mark
        elif mark == _PAIRS[open_mark]:
            open_mark = None
        else:
            return False
    return open_mark is None


@lru_cache(maxsize=4096)
def _render_marked(
    marked: str,
    kind: str,
    level: int,
    fmt: str,
    in_list: bool,
    references: tuple[Any, ...],
    spans: tuple[str, ...] = (),
) -> tuple[str, str, str] | None:
    """Render marked text and turn the marks into elements (``spans``: the opening tag of each
    blame span): ``(kind, html, plain text without what was deleted)``, or None when a mark
    landed where no element can go."""
    source = _markdown_source(marked, kind, level, fmt, in_list)
    html, plain = _render_source(source, _thawed(references))
    plain = _ANY_MARK.sub("", _DELETED_OR_GLYPHS.sub("", plain))
    if _MARK_IN_TAG.search(html) or not _marks_balanced(html):
        return None  # a change inside a link target or the like
    shown_kind = kind
    if kind == HEADING:
        inner = _heading_inner(html)
        if inner is None:
            shown_kind = PARAGRAPH
        else:
            html = inner

    def element(match: re.Match[str]) -> str:
        mark = match.group(0)
        if mark[0] == _MARK_SPAN:
            return spans[ord(mark[1]) - _SPAN_BASE]
        return "</span>" if mark == _MARK_SPAN_END else _MARKS[mark]

    html = _MARK_OR_SPAN.sub(element, html)
    # A mark that opened in one element and closed in another (a change across a link's edge)
    # would be repaired by the sanitiser into something else: show the source instead.
    return (shown_kind, _clean(html), plain) if _well_nested(html) else None


class _Nesting(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            self.ok = False


def _well_nested(html: str) -> bool:
    parser = _Nesting()
    parser.feed(html)
    parser.close()
    return parser.ok and not parser.stack


def render_redline(
    pieces: Sequence[tuple[int, str]],
    fmt: str,
    *,
    kind: str = PARAGRAPH,
    level: int = 0,
    nesting: int = 0,
    references: Mapping[str, Any] | None = None,
) -> RenderedBlock:
    """A clause's word diff rendered as the clause reads, with its changes marked.

    ``kind`` and ``level`` are those of the newer text (the older for a deletion);
    ``references`` are the document's link references (:func:`link_references`). A heading
    shows the word diff of its title. When the marks cannot be rendered inside the markup (a
    change inside a link's address), or a change would not show once rendered (a heading's
    underline), the result is the source diff instead (:func:`render_diff_html` in a
    ``<pre class="redline-source">``), whose ``kind`` is ``"verbatim"``. ``text`` is the newer
    text as plain text.
    """
    fmt = RST if fmt == RST else MARKDOWN
    frozen = _frozen(references or {})
    in_list = kind == LIST or nesting > 0
    new_source = "".join(text for op, text in pieces if op != DELETE)
    old_source = "".join(text for op, text in pieces if op != INSERT)
    changed = any(op != EQUAL for op, _text in pieces)
    if kind == HEADING:
        rendered = _heading_redline(old_source, new_source, fmt)
    elif any(_PRIVATE.search(text) for _op, text in pieces):
        rendered = None
    else:
        rendered = _render_marked(_marked(pieces), kind, level, fmt, in_list, frozen)
    if rendered is not None and (not changed or "<del" in rendered[1] or "<ins" in rendered[1]):
        shown_kind, html, plain = rendered
        if not new_source:
            plain = _render_one(old_source, kind, level, fmt, in_list, frozen)[2]
        return RenderedBlock(
            shown_kind, level if shown_kind == HEADING else 0, nesting, html, plain
        )
    plain = _render_one(new_source or old_source, kind, level, fmt, in_list, frozen)[2]
    source = render_diff_html(
        (op, text.rstrip("\r\n") if op == EQUAL else text) for op, text in pieces
    )
    html = f'<pre class="redline-source">{source}</pre>'
    return RenderedBlock(VERBATIM, 0, nesting, _clean(html), plain)


def _heading_redline(old: str, new: str, fmt: str) -> tuple[str, str, str] | None:
    """The word diff of a heading's title (its source lines differ in markers and underlines)."""
    titles = [classify_block(text, fmt).heading if text.strip() else "" for text in (old, new)]
    if titles[0] is None or titles[1] is None:
        return None
    return HEADING, _clean(render_diff_html(diff_words(titles[0], titles[1]))), titles[1]


def render_passages(
    passages: Sequence[tuple[str, int]],
    labels: Sequence[str],
    fmt: str,
    *,
    kind: str = PARAGRAPH,
    level: int = 0,
    nesting: int = 0,
    references: Mapping[str, Any] | None = None,
) -> RenderedBlock:
    """A clause rendered with each passage in a ``<span class="blame blame-N" title="…">``.

    ``passages`` are ``(text, group)`` pairs that concatenate to the clause's source; ``labels``
    name each group (the span's title); ``N`` is the group modulo 8, for colours. Whitespace is
    never wrapped. A heading's title is one span, of the group of its last word; a clause whose
    passages cannot be marked inside its markup is shown as its source with the spans.
    """
    fmt = RST if fmt == RST else MARKDOWN
    frozen = _frozen(references or {})
    in_list = kind == LIST or nesting > 0
    source = "".join(text for text, _group in passages)
    shown_kind, html, plain = _render_one(source, kind, level, fmt, in_list, frozen)
    spans = tuple(
        f'<span class="blame blame-{group % 8}" title="{escape(label)}">'
        for group, label in enumerate(labels)
    )
    worded = [group for text, group in passages if not text.isspace()]
    if kind == HEADING:
        if shown_kind == HEADING and worded:
            return RenderedBlock(
                HEADING, level, nesting, _clean(spans[worded[-1]] + html + "</span>"), plain
            )
        rendered = None
    elif _PRIVATE.search(source) or len(labels) > 0x1800:
        rendered = None
    else:
        out: list[str] = []
        for text, group in passages:
            if text.isspace():
                out.append(text)
            else:
                _wrap(out, text, _MARK_SPAN + chr(_SPAN_BASE + group), _MARK_SPAN_END)
        rendered = _render_marked("".join(out), kind, level, fmt, in_list, frozen, spans)
    if rendered is not None:
        shown_kind, html, _plain = rendered
        return RenderedBlock(
            shown_kind, level if shown_kind == HEADING else 0, nesting, html, plain
        )
    body = "".join(
        escape(text) if text.isspace() else spans[group] + escape(text) + "</span>"
        for text, group in passages
    )
    return RenderedBlock(
        VERBATIM, 0, nesting, _clean(f'<pre class="redline-source">{body.rstrip()}</pre>'), plain
    )


def render_text_diff(
    old: str, new: str, fmt: str, *, kind: str = PARAGRAPH, level: int = 0
) -> RenderedBlock:
    """:func:`render_redline` of two texts of one clause."""
    return render_redline(diff_words(old, new), fmt, kind=kind, level=level)


# ---------------------------------------------------------------------------------------------
# the source itself, with its changes


def render_diff_html(pieces: Iterable[tuple[int, str]]) -> str:
    """Escaped HTML of diff pieces: deletions in ``<del>``, insertions in ``<ins>``.

    Newlines are kept as they are, for a ``white-space: pre-wrap`` container.
    """
    out: list[str] = []
    for op, text in pieces:
        if not text:
            continue
        if op == EQUAL:
            out.append(escape(text))
        elif op == DELETE:
            out.append(f"{DEL_OPEN}{escape(text)}</del>")
        elif op == INSERT:
            out.append(f"{INS_OPEN}{escape(text)}</ins>")
        else:
            raise ValueError(f"unknown diff operation {op!r}")
    return "".join(out)


def diff_html(old: str, new: str) -> str:
    """Inline HTML diff of two texts."""
    return render_diff_html(diff_words(old, new))


def side_by_side_html(old: str, new: str) -> tuple[str, str]:
    """``(old_html, new_html)``: the old text with deletions marked, the new with insertions."""
    pieces = diff_words(old, new)
    left = render_diff_html((op, text) for op, text in pieces if op != INSERT)
    right = render_diff_html((op, text) for op, text in pieces if op != DELETE)
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
    "link_references",
    "render_blocks",
    "render_diff_html",
    "render_markdown",
    "render_passages",
    "render_redline",
    "render_text",
    "render_text_diff",
    "side_by_side_html",
    "whitespace_marks",
]
