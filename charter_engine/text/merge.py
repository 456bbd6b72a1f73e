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

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

from diff_match_patch import diff_match_patch

from .diff import DELETE, DIFF_TIMEOUT, EQUAL, INSERT, _Encoder, diff_tokens
from .sentences import sentence_units
from .tokens import is_word, tokenize

#: Seconds the line-level pass of a merge may spend aligning each side with the base.
LINE_DIFF_TIMEOUT = 2.0

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _BoundedCache(Generic[K, V]):
    """A small thread-safe least-recently-used cache of results that depend only on the key.

    Rebasing pending amendments calls :func:`merge3` many times with the same base and the
    same new text, so the work that depends only on those is worth keeping. Keys whose texts
    are longer than ``max_chars`` together are computed but never stored, to bound memory.
    """

    def __init__(self, maxsize: int, max_chars: int) -> None:
        self.maxsize = maxsize
        self.max_chars = max_chars
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V, size: int) -> None:
        if size > self.max_chars:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


# Clauses are a few kilobytes; the caches skip anything much larger, so that at worst they hold
# a few tens of megabytes (tokens of a text take about fifteen times its size).
_MAX_CACHED_CHARS = 20_000


@dataclass(frozen=True)
class Conflict:
    """A stretch of the base that both sides changed differently (offsets index ``base``)."""

    base: str
    ours: str
    theirs: str
    base_start: int
    base_end: int


@dataclass(frozen=True)
class MergeResult:
    """Outcome of :func:`merge3`: the merged text, or ``None`` with the conflicts."""

    text: str | None
    conflicts: tuple[Conflict, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


Segment = str | Conflict


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
                    _merge_words(
                        encoder.decode(base_chunk),
                        encoder.decode(ours_chunk),
                        encoder.decode(theirs_chunk),
                        line_offsets[iz],
                    )
                )
        segments.append(encoder.decode(b[zs:ze]))
        iz, ia, ib = ze, ae, be
    return segments


@dataclass(frozen=True)
class _Base:
    """What a merge needs to know about a stretch of the base, whatever the two sides did."""

    tokens: tuple[str, ...]
    units: tuple[int, ...]
    unit_starts: tuple[int, ...]
    char_at: tuple[int, ...]


@dataclass(frozen=True)
class _Hunk:
    """One side's change: base tokens ``start:end`` replaced by ``tokens``, touching the base
    units ``unit_lo`` to ``unit_hi``."""

    start: int
    end: int
    tokens: tuple[str, ...]
    unit_lo: int
    unit_hi: int


_BASES: _BoundedCache[str, _Base] = _BoundedCache(maxsize=8, max_chars=_MAX_CACHED_CHARS)
_HUNKS: _BoundedCache[tuple[str, str], tuple[_Hunk, ...]] = _BoundedCache(
    maxsize=32, max_chars=_MAX_CACHED_CHARS
)


def clear_caches() -> None:
    """Forget every cached base and change (results never depend on them; for tests)."""
    _BASES.clear()
    _HUNKS.clear()


def _base(text: str) -> _Base:
    cached = _BASES.get(text)
    if cached is not None:
        return cached
    tokens = tuple(tokenize(text))
    units, starts = sentence_units(tokens)
    char_at = tuple(accumulate(map(len, tokens), initial=0))
    value = _Base(tokens, tuple(units), tuple(starts), char_at)
    _BASES.put(text, value, len(text))
    return value


def _hunks(base_text: str, other_text: str) -> tuple[_Hunk, ...]:
    """The changes from ``base_text`` to ``other_text``, each charged to the units it touches."""
    key = (base_text, other_text)
    cached = _HUNKS.get(key)
    if cached is not None:
        return cached
    started = time.time()
    value = _compute_hunks(_base(base_text), tokenize(other_text))
    # A diff cut short by its deadline is still correct but coarser: never keep one.
    if time.time() - started < DIFF_TIMEOUT:
        _HUNKS.put(key, value, len(base_text) + len(other_text))
    return value


def _compute_hunks(base: _Base, other: Sequence[str]) -> tuple[_Hunk, ...]:
    tokens = base.tokens
    units = base.units
    n = len(tokens)
    spans: list[tuple[int, int, list[str]]] = []
    i = j = 0
    current: tuple[int, int, list[str]] | None = None
    for op, count in diff_tokens(tokens, other):
        if op == EQUAL:
            if current is not None:
                spans.append(current)
                current = None
            i += count
            j += count
            continue
        if current is None:
            current = (i, i, [])
        if op == DELETE:
            i += count
            current = (current[0], i, current[2])
        elif op == INSERT:
            current[2].extend(other[j : j + count])
            j += count
    if current is not None:
        spans.append(current)

    hunks = []
    for start, end, inserted in spans:
        if n == 0:
            lo = hi = 0
        elif start < end:
            lo = units[start]
            hi = units[end - 1]
        else:
            # An insertion touches the sentences on both sides of where it lands, reaching
            # past spaces and punctuation: between "end." and " Next" is still between two
            # sentences, wherever the diff happened to put it.
            left = start - 1
            while left > 0 and not is_word(tokens[left]):
                left -= 1
            right = start
            while right < n - 1 and not is_word(tokens[right]):
                right += 1
            lo = units[max(left, 0)]
            hi = units[min(right, n - 1)]
        hunks.append(_Hunk(start, end, tuple(inserted), lo, hi))
    return tuple(hunks)


def _apply(base: Sequence[str], start: int, end: int, hunks: Sequence[_Hunk]) -> str:
    out: list[str] = []
    at = start
    for hunk in hunks:
        out.extend(base[at : hunk.start])
        out.extend(hunk.tokens)
        at = hunk.end
    out.extend(base[at:end])
    return "".join(out)


def _merge_words(base: str, ours: str, theirs: str, offset: int) -> list[Segment]:
    """Merge one stretch that both sides changed, sentence by sentence."""
    analysed = _base(base)
    base_tokens = analysed.tokens
    n = len(base_tokens)
    unit_starts = analysed.unit_starts
    char_at = analysed.char_at
    # Each hunk with its side: 0 for ours, 1 for theirs.
    hunks = [(h, 0) for h in _hunks(base, ours)] + [(h, 1) for h in _hunks(base, theirs)]
    hunks.sort(key=lambda hs: (hs[0].unit_lo, hs[0].start, hs[0].end, hs[1]))

    clusters: list[list[tuple[_Hunk, int]]] = []
    reach = -1
    for hunk, side in hunks:
        if clusters and hunk.unit_lo <= reach:
            clusters[-1].append((hunk, side))
            reach = max(reach, hunk.unit_hi)
        else:
            clusters.append([(hunk, side)])
            reach = hunk.unit_hi

    segments: list[Segment] = []
    at = 0
    for tagged in clusters:
        cluster = [h for h, _ in tagged]
        ours_hunks = sorted((h for h, side in tagged if side == 0), key=lambda h: h.start)
        theirs_hunks = sorted((h for h, side in tagged if side == 1), key=lambda h: h.start)
        start = min(h.start for h in cluster)
        end = max(h.end for h in cluster)
        ours_text = _apply(base_tokens, start, end, ours_hunks)
        theirs_text = _apply(base_tokens, start, end, theirs_hunks)
        if ours_hunks and theirs_hunks and ours_text != theirs_text:
            # Report whole sentences: they are what a person has to reconcile.
            if n:
                lo = min(h.unit_lo for h in cluster)
                hi = max(h.unit_hi for h in cluster)
                start = unit_starts[lo]
                end = unit_starts[hi + 1] if hi + 1 < len(unit_starts) else n
            segments.append("".join(base_tokens[at:start]))
            segments.append(
                Conflict(
                    base="".join(base_tokens[start:end]),
                    ours=_apply(base_tokens, start, end, ours_hunks),
                    theirs=_apply(base_tokens, start, end, theirs_hunks),
                    base_start=offset + char_at[start],
                    base_end=offset + char_at[end],
                )
            )
        else:
            segments.append("".join(base_tokens[at:start]))
            segments.append(ours_text if ours_hunks else theirs_text)
        at = end
    segments.append("".join(base_tokens[at:]))
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
