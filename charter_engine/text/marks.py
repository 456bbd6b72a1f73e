"""Changes and origins marked inside rendered charter text: redlines and blame.

:func:`render_redline` — the word diff of one clause (:func:`.diff.diff_words` pieces) rendered
    as the clause reads (:mod:`.render`), with ``<del class="diff-del">`` and
    ``<ins class="diff-ins">`` around what changed. A change of whitespace alone is shown with
    visible marks (``¶`` paragraph break, ``↵`` line break, ``→`` tab, ``·`` space) in
    ``<del>``/``<ins>`` with the extra class ``diff-ws``, so a re-wrapped or re-indented clause
    never looks unchanged. :func:`render_text_diff` does the same from two texts.
:func:`render_passages` — a clause with each passage in a ``<span>`` naming the change that
    introduced it (blame).

How: marks (Unicode noncharacters, which no interchanged text contains) are put into the
merged source — kept, deleted and inserted text in order — the result is rendered, and the marks
become elements. A mark stays open across a soft line break and closes where a line opens a
block, and a list marker or heading hashes stay outside it, so the renderer still sees the
structure. When a mark would land inside markup (a changed link address) or straddle an
element's edge, the clause is shown as its source diff instead (``<pre class="redline-source">``,
kind ``"verbatim"``) — never as HTML the sanitiser repaired into something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from typing import Any

from .diff import DELETE, EQUAL, INSERT, diff_words
from .document import HEADING, LIST, PARAGRAPH, VERBATIM, classify_block
from .render import (
    DEL_OPEN,
    INS_OPEN,
    MARKDOWN,
    RST,
    RenderedBlock,
    frozen_references,
    heading_inner,
    markdown_source,
    render_cached,
    render_diff_html,
    render_source,
    sanitise,
    separate_changes,
    thawed_references,
)

WS_DEL_OPEN = '<del class="diff-del diff-ws">'
WS_INS_OPEN = '<ins class="diff-ins diff-ws">'

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
_BLOCK_OPENER = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,9}[.)]|#\.|#{1,6}|>)(?:[ \t]|$)")
# A list marker, heading hashes or a quote at the start of a line: kept outside a change mark
# so the line still opens its block.
_LINE_OPENER = re.compile(r"^[ \t]*(?:(?:[-*+\u2022]|\d{1,9}[.)]|#\.|#{1,6}|>)[ \t]+)?")


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
    source = markdown_source(marked, kind, level, fmt, in_list)
    html, plain = render_source(source, thawed_references(references))
    plain = _ANY_MARK.sub("", _DELETED_OR_GLYPHS.sub("", plain))
    if _MARK_IN_TAG.search(html) or not _marks_balanced(html):
        return None  # a change inside a link target or the like
    shown_kind = kind
    if kind == HEADING:
        inner = heading_inner(html)
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
    html = separate_changes(html)
    return (shown_kind, sanitise(html), plain) if _well_nested(html) else None


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


def _setting(
    fmt: str, kind: str, nesting: int, references: Mapping[str, Any] | None
) -> tuple[str, bool, tuple[Any, ...]]:
    """How a clause is rendered in its place: its format, whether it sits in a list, and the
    document's link references in the form the render cache keys on."""
    fmt = RST if fmt == RST else MARKDOWN
    return fmt, kind == LIST or nesting > 0, frozen_references(references or {})


def _source_block(source_html: str, nesting: int, plain: str) -> RenderedBlock:
    """A clause whose marks cannot go inside its rendered markup, shown as its marked source."""
    html = f'<pre class="redline-source">{source_html}</pre>'
    return RenderedBlock(VERBATIM, 0, nesting, sanitise(html), plain)


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
    fmt, in_list, frozen = _setting(fmt, kind, nesting, references)
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
            plain = render_cached(old_source, kind, level, fmt, in_list, frozen)[2]
        return RenderedBlock.shown(shown_kind, level, nesting, html, plain)
    plain = render_cached(new_source or old_source, kind, level, fmt, in_list, frozen)[2]
    source = render_diff_html(
        (op, text.rstrip("\r\n") if op == EQUAL else text) for op, text in pieces
    )
    return _source_block(source, nesting, plain)


def _heading_redline(old: str, new: str, fmt: str) -> tuple[str, str, str] | None:
    """The word diff of a heading's title (its source lines differ in markers and underlines)."""
    titles = [classify_block(text, fmt).heading if text.strip() else "" for text in (old, new)]
    if titles[0] is None or titles[1] is None:
        return None
    return HEADING, sanitise(render_diff_html(diff_words(titles[0], titles[1]))), titles[1]


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
    fmt, in_list, frozen = _setting(fmt, kind, nesting, references)
    source = "".join(text for text, _group in passages)
    shown_kind, html, plain = render_cached(source, kind, level, fmt, in_list, frozen)
    spans = tuple(
        f'<span class="blame blame-{group % 8}" title="{escape(label)}">'
        for group, label in enumerate(labels)
    )
    worded = [group for text, group in passages if not text.isspace()]
    if kind == HEADING:
        if shown_kind == HEADING and worded:
            return RenderedBlock(
                HEADING, level, nesting, sanitise(spans[worded[-1]] + html + "</span>"), plain
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
        return RenderedBlock.shown(shown_kind, level, nesting, html, plain)
    body = "".join(
        escape(text) if text.isspace() else spans[group] + escape(text) + "</span>"
        for text, group in passages
    )
    return _source_block(body.rstrip(), nesting, plain)


def render_text_diff(
    old: str, new: str, fmt: str, *, kind: str = PARAGRAPH, level: int = 0
) -> RenderedBlock:
    """:func:`render_redline` of two texts of one clause."""
    return render_redline(diff_words(old, new), fmt, kind=kind, level=level)


def clear_caches() -> None:
    """Forget rendered clauses and redlines (for benchmarks of a first view)."""
    render_cached.cache_clear()
    _render_marked.cache_clear()
