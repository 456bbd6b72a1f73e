"""HTML rendering of word diffs: inline (one text with ``<del>``/``<ins>``) and side by side.

Every piece of user text passes through :func:`html.escape`; the only markup in the output is
the ``<del>``/``<ins>`` elements added here. Newlines are kept as they are, so the caller can
show the result in a ``white-space: pre-wrap`` container.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from .diff import DELETE, EQUAL, INSERT, diff_words

DEL_OPEN = '<del class="diff-del">'
INS_OPEN = '<ins class="diff-ins">'


def render_diff_html(pieces: Iterable[tuple[int, str]]) -> str:
    """Escaped HTML of diff pieces: deletions in ``<del>``, insertions in ``<ins>``."""
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
