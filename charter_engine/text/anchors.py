"""Carrying comment anchors (quoted passages) from one version of a text to the next.

An anchor survives only if the exact passage is still there, untouched, at the place the diff
carries it to: any deletion or rewrite of a part of it, or an insertion strictly inside it,
makes it outdated (``None``). Insertions exactly at its edges leave it attached. A returned
span always quotes the same text as before; an anchor is never moved onto other words.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from .diff import DELETE, EQUAL, INSERT, diff_words

Span = tuple[int, int]


class OffsetMap:
    """Maps offsets of an old text to the new text through a word diff."""

    def __init__(self, pieces: Sequence[tuple[int, str]]) -> None:
        self.ops: list[int] = []
        self.old_start: list[int] = []
        self.old_end: list[int] = []
        self.new_start: list[int] = []
        self.new_end: list[int] = []
        old_at = new_at = 0
        for op, text in pieces:
            if not text:
                continue
            self.ops.append(op)
            self.old_start.append(old_at)
            self.new_start.append(new_at)
            if op != INSERT:
                old_at += len(text)
            if op != DELETE:
                new_at += len(text)
            self.old_end.append(old_at)
            self.new_end.append(new_at)
        self.old_length = old_at
        self.new_length = new_at

    @classmethod
    def between(cls, old: str, new: str) -> OffsetMap:
        return cls(diff_words(old, new))

    def offset(self, offset: int, *, after_insertions: bool = False) -> int:
        """Where old ``offset`` lands in the new text; deleted stretches collapse to a point.

        Text inserted exactly at ``offset`` ends up after the result, or before it when
        ``after_insertions`` is set.
        """
        if not 0 <= offset <= self.old_length:
            raise ValueError(f"offset {offset} outside the old text (0..{self.old_length})")
        k = bisect_left(self.old_start, offset)
        if k > 0:
            p = k - 1
            if self.ops[p] != INSERT and self.old_end[p] > offset:
                inside = offset - self.old_start[p] if self.ops[p] == EQUAL else 0
                return self.new_start[p] + inside
        if k == len(self.ops):
            return self.new_length
        if self.ops[k] == INSERT and after_insertions:
            return self.new_end[k]
        return self.new_start[k]

    def span(self, start: int, end: int) -> Span | None:
        """Where ``old[start:end]`` is in the new text, or None when it was touched."""
        if not 0 <= start <= end <= self.old_length:
            raise ValueError(f"span ({start}, {end}) outside the old text (0..{self.old_length})")
        first = max(bisect_left(self.old_start, start) - 1, 0)
        if start == end:
            for k in range(first, len(self.ops)):
                if self.old_start[k] >= start:
                    break
                if self.ops[k] == DELETE and self.old_end[k] > start:
                    return None
            at = self.offset(start)
            return at, at
        for k in range(first, len(self.ops)):
            op, s, e = self.ops[k], self.old_start[k], self.old_end[k]
            if s >= end:
                break
            if op == INSERT:
                if start < s:
                    return None
                continue
            if e > start and op == DELETE:
                return None
        return self.offset(start, after_insertions=True), self.offset(end)


def map_offset(old: str, new: str, offset: int, *, after_insertions: bool = False) -> int:
    """Where a position in ``old`` lands in ``new`` (see :meth:`OffsetMap.offset`)."""
    return OffsetMap.between(old, new).offset(offset, after_insertions=after_insertions)


def map_anchors(old: str, new: str, spans: Iterable[Span]) -> list[Span | None]:
    """:func:`map_anchor` for many spans of the same pair of texts, with a single diff."""
    mapping = OffsetMap.between(old, new)
    out: list[Span | None] = []
    for start, end in spans:
        mapped = mapping.span(start, end)
        if mapped is not None and new[mapped[0] : mapped[1]] != old[start:end]:
            # Cannot happen with a correct diff; if it ever did, outdated beats misplaced.
            mapped = None
        out.append(mapped)
    return out


def map_anchor(old: str, new: str, start: int, end: int) -> Span | None:
    """The span of ``new`` quoting ``old[start:end]`` unchanged, or None if it is outdated."""
    return map_anchors(old, new, [(start, end)])[0]
