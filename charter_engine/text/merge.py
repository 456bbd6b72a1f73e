"""Three-way merge of texts (base, ours, theirs) that never guesses.

The merge works in two stages. First a line-level diff3, as ``git merge-file`` does: each
side is aligned with the base (lines that occur once in both anchor the alignment, as in
patience diff), lines unchanged on both sides anchor the merge, and every
stretch between anchors that only one side changed (or both changed identically) is taken
as is. A stretch that both sides changed differently is then merged word by word, sentence by
sentence (:mod:`.merge_words`). Anything else is reported as a conflict, with no text produced;
fuzzy patching is never used, because a merge that reports success must contain exactly what
both sides wrote.

These rules keep a passage from being written twice:

* Before the sides are combined, each side's insertions and deletions are moved to one
  canonical place. An insertion that could equally sit lower, because the lines it would slide
  over repeat its own (the blank line between two paragraphs, a repeated line), is one edit
  wherever the diff happened to put it; like git's xdiff when it compacts change groups, the
  merge moves it as low as it goes. The same insertion made by both sides then lands in the
  same place and is kept once.
* Two insertions of the two sides at one place are a conflict, and so are insertions at places
  separated only by blank lines, or by lines one of them could slide over: their order is
  nobody's decision.
* A sentence one side inserts close to a sentence the other side inserts that shares most of
  its words is a conflict, never both kept; so is a sentence both sides bring into different
  places, however far apart (at both stages).
"""

from __future__ import annotations

import functools
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from diff_match_patch import diff_match_patch

from .diff import DELETE, EQUAL, _Encoder
from .merge_words import (
    NEAR_LINES,
    Brought,
    Conflict,
    Segment,
    Sentence,
    merge_words,
    near_duplicates,
    own_sentences,
    repeated_spans,
    sentences_of,
    spans_to_fuse,
)

#: Seconds the line-level pass of a merge may spend aligning each side with the base.
LINE_DIFF_TIMEOUT = 2.0

__all__ = ["Conflict", "MergeResult", "merge3", "merge3_with_markers"]


@dataclass(frozen=True)
class MergeResult:
    """Outcome of :func:`merge3`: the merged text, or ``None`` with the conflicts."""

    text: str | None
    conflicts: tuple[Conflict, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _split_lines(text: str) -> list[str]:
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _lines_once(lines: str, blank: Callable[[str], bool]) -> dict[str, int]:
    """Where each line (one character each) that occurs once is, blank lines left out."""
    counts = Counter(lines)
    return {c: k for k, c in enumerate(lines) if counts[c] == 1 and not blank(c)}


def _unique_anchors(a: str, b: str, blank: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Pairs of positions of the lines that occur exactly once in ``a`` and once in ``b``,
    the longest run of them in the same order on both sides (patience diff's anchors).

    Blank lines never anchor: one that a side inserts with a paragraph is no more the base's
    blank line than any other.
    """
    once_a = _lines_once(a, blank)
    once_b = _lines_once(b, blank)
    pairs = sorted((i, once_b[c]) for c, i in once_a.items() if c in once_b)
    # Longest increasing subsequence of the positions in b, by patience sorting.
    tops: list[int] = []  # b position ending the best run of each length
    ends: list[int] = []  # index in pairs of that end
    back: list[int] = []
    for k, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            ends.append(k)
        else:
            tops[length] = j
            ends[length] = k
        back.append(ends[length - 1] if length else -1)
    chain = []
    k = ends[-1] if ends else -1
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


def _matching_blocks(
    a: str, b: str, deadline: float, blank: Callable[[str], bool]
) -> list[tuple[int, int, int]]:
    """Runs of equal lines ``(position in a, position in b, length)``, in order.

    Lines that occur once on each side anchor the alignment, and diff-match-patch aligns the
    stretches between anchors. Without anchors a shortest diff may pair repeated lines in a
    way no author meant: two rewritten lines read as three lines inserted and one deleted,
    which puts an insertion somewhere else than where its author wrote it.
    """
    differ = diff_match_patch()
    # No half-match shortcut: it can pair lines far apart, which a merge must not do.
    differ.Diff_Timeout = 0
    blocks: list[tuple[int, int, int]] = []

    def add(i: int, j: int, n: int) -> None:
        if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
            blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + n)
        else:
            blocks.append((i, j, n))

    # The lines both texts start and end with need no search.
    head = differ.diff_commonPrefix(a, b)
    tail = differ.diff_commonSuffix(a[head:], b[head:])
    if head:
        add(0, 0, head)
    i0 = j0 = head
    a_end, b_end = len(a) - tail, len(b) - tail
    anchors = _unique_anchors(a[head:a_end], b[head:b_end], blank)
    for i1, j1 in [*((i + head, j + head) for i, j in anchors), (a_end, b_end)]:
        if i1 > i0 and j1 > j0:
            i, j = i0, j0
            for op, chars in differ.diff_main(a[i0:i1], b[j0:j1], False, deadline):
                n = len(chars)
                if op == EQUAL:
                    add(i, j, n)
                    i += n
                    j += n
                elif op == DELETE:
                    i += n
                else:
                    j += n
        if i1 < a_end:
            add(i1, j1, 1)
        i0, j0 = i1 + 1, j1 + 1
    if tail:
        add(a_end, b_end, tail)
    return blocks


@dataclass
class _LineEdit:
    """One side's change: base lines ``base_start:base_end`` became its lines
    ``side_start:side_end``. ``highest`` is the highest base line an insertion or a deletion
    could start at and leave the same text (``base_start`` for other edits)."""

    base_start: int
    base_end: int
    side_start: int
    side_end: int
    highest: int

    def shift(self, lines: int) -> None:
        self.base_start += lines
        self.base_end += lines
        self.side_start += lines
        self.side_end += lines


def _line_edits(
    base: str, side: str, deadline: float, blank: Callable[[str], bool]
) -> list[_LineEdit]:
    """The side's edits of the base (both encoded one character per line, ``blank`` telling
    the characters of blank lines), each insertion and deletion moved to its canonical place: as
    low as the lines around it let it slide."""
    edits: list[_LineEdit] = []
    blocks = _matching_blocks(base, side, deadline, blank)
    i = j = 0
    for bi, sj, size in [*blocks, (len(base), len(side), 0)]:
        if i < bi or j < sj:
            edits.append(_LineEdit(i, bi, j, sj, i))
        i, j = bi + size, sj + size
    for k, edit in enumerate(edits):
        if edit.side_start == edit.side_end:  # deletes base[base_start:base_end]
            lines, first, last = base, edit.base_start, edit.base_end - 1
        elif edit.base_start == edit.base_end:  # inserts side[side_start:side_end]
            lines, first, last = side, edit.side_start, edit.side_end - 1
        else:
            continue
        # It could move up while the base line above it equals its last line, and down while
        # the base line below it equals its first; never into the side's next or previous edit.
        above = edits[k - 1].base_end if k else 0
        top = edit.base_start
        while top > above and base[top - 1] == lines[last - (edit.base_start - top)]:
            top -= 1
        edit.highest = top
        below = edits[k + 1].base_start if k + 1 < len(edits) else len(base)
        while edit.base_end < below and lines[first] == base[edit.base_end]:
            edit.shift(1)
            first += 1
    return edits


def _blocks(edits: list[_LineEdit], n_base: int, n_side: int) -> list[tuple[int, int, int]]:
    """The matching blocks ``(base line, side line, length)`` that ``edits`` leave."""
    blocks = []
    i = j = 0
    for edit in [*edits, _LineEdit(n_base, n_base, n_side, n_side, n_base)]:
        if edit.base_start > i:
            blocks.append((i, j, edit.base_start - i))
        i, j = edit.base_end, edit.side_end
    return blocks


def _sync_regions(
    ours_blocks: list[tuple[int, int, int]],
    theirs_blocks: list[tuple[int, int, int]],
    sizes: tuple[int, int, int],
) -> list[tuple[int, int, int, int, int, int]]:
    """Stretches of base lines that both sides kept, with where they sit on each side."""
    regions = []
    ia = ib = 0
    while ia < len(ours_blocks) and ib < len(theirs_blocks):
        abase, amatch, alen = ours_blocks[ia]
        bbase, bmatch, blen = theirs_blocks[ib]
        start = max(abase, bbase)
        end = min(abase + alen, bbase + blen)
        if start < end:
            asub = amatch + (start - abase)
            bsub = bmatch + (start - bbase)
            regions.append((start, end, asub, asub + end - start, bsub, bsub + end - start))
        if abase + alen < bbase + blen:
            ia += 1
        else:
            ib += 1
    n_base, n_ours, n_theirs = sizes
    regions.append((n_base, n_base, n_ours, n_ours, n_theirs, n_theirs))
    return regions


@dataclass(frozen=True)
class _Stretch:
    """Base lines ``base`` that ours turned into its lines ``ours`` and theirs into ``theirs``
    (pairs of start and end), between lines that both sides kept."""

    base: tuple[int, int]
    ours: tuple[int, int]
    theirs: tuple[int, int]


class _LineMerge:
    """The line-level stage of one merge: the stretches, and what each side did in them."""

    def __init__(self, base: str, ours: str, theirs: str) -> None:
        self.lines = _split_lines(base)
        encoder = _Encoder()
        self.encoder = encoder
        b = encoder.encode(self.lines)
        self.texts = (b, encoder.encode(_split_lines(ours)), encoder.encode(_split_lines(theirs)))

        def blank(char: str) -> bool:
            return not self._line(char).strip()

        deadline = time.time() + LINE_DIFF_TIMEOUT
        edits = (
            _line_edits(b, self.texts[1], deadline, blank),
            _line_edits(b, self.texts[2], deadline, blank),
        )
        # Where each side inserts lines, and the highest line it could insert them at.
        self.highest = tuple(
            {e.base_start: e.highest for e in side if e.base_start == e.base_end} for side in edits
        )
        regions = _sync_regions(
            _blocks(edits[0], len(b), len(self.texts[1])),
            _blocks(edits[1], len(b), len(self.texts[2])),
            (len(b), len(self.texts[1]), len(self.texts[2])),
        )
        self.stretches: list[_Stretch] = []
        iz = ia = ib = 0
        for zs, ze, as_, ae, bs, be in regions:
            if iz < zs or ia < as_ or ib < bs:
                self.stretches.append(_Stretch((iz, zs), (ia, as_), (ib, bs)))
            iz, ia, ib = ze, ae, be
        self.offsets = [0]
        for line in self.lines:
            self.offsets.append(self.offsets[-1] + len(line))
        self._brought_cache: dict[int, Brought] = {}

    def _line(self, char: str) -> str:
        return self.encoder.items[ord(char)]

    def text(self, side: int, span: tuple[int, int]) -> str:
        """Text of ``span`` (lines) on a side: 0 the base, 1 ours, 2 theirs."""
        return self.encoder.decode(self.texts[side][span[0] : span[1]])

    @functools.cached_property
    def words_before(self) -> list[int]:
        """The number of non-blank base lines before each line."""
        return [0, *accumulate(1 if line.strip() else 0 for line in self.lines)]

    def close(self, i: int, j: int) -> bool:
        """Whether at most ``NEAR_LINES`` non-blank base lines separate stretches ``i < j``."""
        gap = self.words_before[self.stretches[j].base[0]]
        return gap - self.words_before[self.stretches[i].base[1]] <= NEAR_LINES

    def clash(self, i: int, j: int) -> bool:
        """Whether close stretches ``i < j`` must be one conflict: each side inserts in one of
        them, at the same place in effect, or sentences that are almost the same."""
        return self._same_place(i, j) or near_duplicates(self._inserted(i), self._inserted(j))

    def _inserter(self, k: int) -> int | None:
        """The side (0 ours, 1 theirs) that alone changed stretch ``k``, if it added lines
        there: inserted them, or the diff joined an insertion to a rewrite next to it."""
        stretch = self.stretches[k]
        base = self.texts[0][slice(*stretch.base)]
        ours = self.texts[1][slice(*stretch.ours)]
        theirs = self.texts[2][slice(*stretch.theirs)]
        if theirs == base and len(ours) > len(base):
            return 0
        if ours == base and len(theirs) > len(base):
            return 1
        return None

    def _same_place(self, i: int, j: int) -> bool:
        """Whether one side adds lines in stretch ``i`` and the other in stretch ``j`` where
        they could have added them next to each other: with only blank lines between, or
        closer still if the second could slide up."""
        first = self._inserter(i)
        second = self._inserter(j)
        if first is None or second is None or first == second:
            return False
        end = self.stretches[i].base[1]
        start = self.stretches[j].base[0]
        top = self.highest[second].get(start, start)
        return top <= end or not any(line.strip() for line in self.lines[end:top])

    def _brought(self, k: int) -> Brought:
        """The sentences each side brings into stretch ``k`` and the other does not bring in
        there: those of the lines it adds that the lines it removes did not have. (A line
        break always ends a sentence, so the lines tell.)"""
        if k not in self._brought_cache:
            stretch = self.stretches[k]
            base = self.texts[0][slice(*stretch.base)]
            ours = self.texts[1][slice(*stretch.ours)]
            theirs = self.texts[2][slice(*stretch.theirs)]
            found: list[list[Sentence]] = [[], []]
            if ours != theirs:
                for side, text in enumerate((ours, theirs)):
                    if text != base:
                        found[side] = self._new_sentences(base, text)
            self._brought_cache[k] = own_sentences(*found)
        return self._brought_cache[k]

    def _new_sentences(self, base: str, side: str) -> list[Sentence]:
        if not base:
            return list(sentences_of(map(self._line, side)))
        lines, old = Counter(side), Counter(base)
        added = sentences_of(map(self._line, (lines - old).elements()))
        if not added:
            return []
        return list(added - sentences_of(map(self._line, (old - lines).elements())))

    def _inserted(self, k: int) -> Brought:
        """The sentences each side brings into stretch ``k`` where it adds lines: rewriting
        a line into one much like a line the other side rewrote is two edits."""
        stretch = self.stretches[k]
        grows = [
            stretch.ours[1] - stretch.ours[0] > stretch.base[1] - stretch.base[0],
            stretch.theirs[1] - stretch.theirs[0] > stretch.base[1] - stretch.base[0],
        ]
        ours, theirs = self._brought(k)
        return (ours if grows[0] else (), theirs if grows[1] else ())

    def segments(self) -> list[Segment]:
        stretches = self.stretches
        # A sentence brought into two places needs two stretches.
        repeated = (
            repeated_spans([self._brought(k) for k in range(len(stretches))])
            if len(stretches) > 1
            else []
        )
        fused = spans_to_fuse(len(stretches), self.close, self.clash, repeated)
        groups: list[tuple[int, int, bool]] = []  # (first stretch, last stretch, fused)
        k = 0
        for first, last in [*fused, (len(stretches), len(stretches))]:
            groups.extend((s, s, False) for s in range(k, first))
            if first < len(stretches):
                groups.append((first, last, True))
            k = last + 1
        segments: list[Segment] = []
        at = 0
        for first, last, fused_group in groups:
            start = stretches[first].base[0]
            end = stretches[last].base[1]
            segments.append(self.text(0, (at, start)))
            base = self.text(0, (start, end))
            ours = self.text(1, (stretches[first].ours[0], stretches[last].ours[1]))
            theirs = self.text(2, (stretches[first].theirs[0], stretches[last].theirs[1]))
            if ours == theirs or theirs == base:
                segments.append(ours)
            elif ours == base:
                segments.append(theirs)
            elif fused_group:
                offsets = self.offsets
                segments.append(Conflict(base, ours, theirs, offsets[start], offsets[end]))
            else:
                segments.extend(merge_words(base, ours, theirs, self.offsets[start]))
            at = end
        segments.append(self.text(0, (at, len(self.lines))))
        return segments


def _merge_segments(base: str, ours: str, theirs: str) -> list[Segment]:
    if ours == theirs or theirs == base:
        return [ours]
    if ours == base:
        return [theirs]
    return _LineMerge(base, ours, theirs).segments()


def merge3(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge the changes ``base → ours`` and ``base → theirs``; ``text`` is None on conflict."""
    segments = _merge_segments(base, ours, theirs)
    conflicts = tuple(s for s in segments if isinstance(s, Conflict))
    if conflicts:
        return MergeResult(text=None, conflicts=conflicts)
    return MergeResult(text="".join(s for s in segments if isinstance(s, str)), conflicts=())


def merge3_with_markers(
    base: str,
    ours: str,
    theirs: str,
    *,
    ours_label: str = "ours",
    theirs_label: str = "theirs",
) -> tuple[str, tuple[Conflict, ...]]:
    """The merge with each conflict shown between ``<<<<<<<``/``=======``/``>>>>>>>`` lines.

    For display only: the marked text is never a valid merge result.
    """
    out: list[str] = []
    conflicts: list[Conflict] = []

    def newline_if_needed() -> None:
        if out and not out[-1].endswith("\n"):
            out.append("\n")

    for segment in _merge_segments(base, ours, theirs):
        if isinstance(segment, str):
            if segment:
                out.append(segment)
            continue
        conflicts.append(segment)
        newline_if_needed()
        out.append(f"<<<<<<< {ours_label}\n")
        out.append(segment.ours)
        newline_if_needed()
        out.append("=======\n")
        out.append(segment.theirs)
        newline_if_needed()
        out.append(f">>>>>>> {theirs_label}\n")
    return "".join(out), tuple(conflicts)
