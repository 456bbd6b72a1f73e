"""Pure text engine of Charter Engine: tokens, word diffs, HTML diffs and three-way merges.

Nothing here knows about the web layer or the database; every function takes and returns
plain strings and small frozen dataclasses, so the rules can be tested on their own.
"""

from .diff import changed_spans, diff_tokens, diff_words, similarity
from .merge import Conflict, MergeResult, merge3, merge3_with_markers
from .render import diff_html, render_diff_html, side_by_side_html
from .tokens import tokenize

__all__ = [
    "Conflict",
    "MergeResult",
    "changed_spans",
    "diff_html",
    "diff_tokens",
    "diff_words",
    "merge3",
    "merge3_with_markers",
    "render_diff_html",
    "side_by_side_html",
    "similarity",
    "tokenize",
]
