"""Pure text engine of Charter Engine: tokens, word diffs, merges, documents and anchors.

Nothing here knows about the web layer or the database; every function takes and returns
plain strings and small frozen dataclasses, so the rules can be tested on their own.
"""

from .align import BlockOp, align_blocks, apply_block_ops
from .anchors import OffsetMap, map_anchor, map_anchors, map_offset
from .diff import changed_spans, diff_tokens, diff_words, new_text, old_text, similarity
from .document import (
    BLOCK_KINDS,
    Block,
    classify_block,
    format_of,
    join_blocks,
    rst_heading_styles,
    split_document,
    strip_inline_markup,
)
from .merge import Conflict, MergeResult, merge3, merge3_with_markers
from .overlap import Overlap, overlap_of
from .render import diff_html, render_diff_html, side_by_side_html
from .tokens import tokenize

__all__ = [
    "BLOCK_KINDS",
    "Block",
    "BlockOp",
    "Conflict",
    "MergeResult",
    "OffsetMap",
    "Overlap",
    "align_blocks",
    "apply_block_ops",
    "changed_spans",
    "classify_block",
    "diff_html",
    "diff_tokens",
    "diff_words",
    "format_of",
    "join_blocks",
    "map_anchor",
    "map_anchors",
    "map_offset",
    "merge3",
    "merge3_with_markers",
    "new_text",
    "old_text",
    "overlap_of",
    "render_diff_html",
    "rst_heading_styles",
    "side_by_side_html",
    "similarity",
    "split_document",
    "strip_inline_markup",
    "tokenize",
]
