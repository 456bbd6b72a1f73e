"""Three-way merge of texts (base, ours, theirs) that never guesses.

The merge works in two stages. First a line-level diff3, as ``git merge-file`` does: each
side is diffed against the base, lines unchanged on both sides anchor the merge, and every
stretch between anchors that only one side changed (or both changed identically) is taken
as is. A stretch that both sides changed differently is then merged word by word, under a
deliberately strict rule: each side's word changes are charged to the sentences (or lines)
of the base they touch, and the two sides may only be combined when no sentence is touched
by both. An insertion at the boundary between two sentences touches both. Everything else is
reported as a conflict, with no text produced; fuzzy patching is never used, because a merge
that reports success must contain exactly what both sides wrote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from .diff import DELETE, EQUAL, _Encoder
from .merge_words import Conflict, Segment, merge_words

__all__ = ["Conflict", "MergeResult", "merge3", "merge3_with_markers"]

#: Seconds the line-level pass of a merge may spend aligning each side with the base.
LINE_DIFF_TIMEOUT = 2.0


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


def _matching_blocks(a: str, b: str, deadline: float) -> list[tuple[int, int, int]]:
    differ = diff_match_patch()
    # No half-match shortcut: it can pair lines far apart, which a merge must not do.
    differ.Diff_Timeout = 0
    blocks = []
    i = j = 0
    for op, chars in differ.diff_main(a, b, False, deadline):
        n = len(chars)
        if op == EQUAL:
            blocks.append((i, j, n))
            i += n
            j += n
        elif op == DELETE:
            i += n
        else:
            j += n
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


def _merge_segments(base: str, ours: str, theirs: str) -> list[Segment]:
    if ours == theirs or theirs == base:
        return [ours]
    if ours == base:
        return [theirs]
    base_lines = _split_lines(base)
    ours_lines = _split_lines(ours)
    theirs_lines = _split_lines(theirs)
    encoder = _Encoder()
    b = encoder.encode(base_lines)
    o = encoder.encode(ours_lines)
    t = encoder.encode(theirs_lines)
    deadline = time.time() + LINE_DIFF_TIMEOUT
    regions = _sync_regions(
        _matching_blocks(b, o, deadline),
        _matching_blocks(b, t, deadline),
        (len(b), len(o), len(t)),
    )
    line_offsets = [0]
    for line in base_lines:
        line_offsets.append(line_offsets[-1] + len(line))

    segments: list[Segment] = []
    iz = ia = ib = 0
    for zs, ze, as_, ae, bs, be in regions:
        if iz < zs or ia < as_ or ib < bs:
            base_chunk = b[iz:zs]
            ours_chunk = o[ia:as_]
            theirs_chunk = t[ib:bs]
            if ours_chunk == theirs_chunk or theirs_chunk == base_chunk:
                segments.append(encoder.decode(ours_chunk))
            elif ours_chunk == base_chunk:
                segments.append(encoder.decode(theirs_chunk))
            else:
                segments.extend(
                    merge_words(
                        encoder.decode(base_chunk),
                        encoder.decode(ours_chunk),
                        encoder.decode(theirs_chunk),
                        line_offsets[iz],
                    )
                )
        segments.append(encoder.decode(b[zs:ze]))
        iz, ia, ib = ze, ae, be
    return segments


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
