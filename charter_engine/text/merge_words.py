"""The word-level stage of ``merge3`` (:mod:`.merge`).

A stretch of lines that both sides changed differently is merged word by word, under a strict
rule: each side's word changes are charged to the sentences (or lines) of the base they touch
(:mod:`.sentences`), and changes of the two sides may only be combined when no sentence is
touched by both. An insertion at the boundary between two sentences touches both, reaching over
spaces and punctuation, so two insertions separated only by whitespace always meet.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from .diff import DELETE, EQUAL, INSERT, diff_tokens
from .sentences import sentence_units
from .tokens import is_word, tokenize

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


Segment = str | Conflict


@dataclass(frozen=True)
class _Base:
    """What a merge needs to know about a stretch of the base, whatever the two sides did."""

    tokens: tuple[str, ...]
    units: tuple[int, ...]
    unit_starts: tuple[int, ...]
    char_at: tuple[int, ...]


@dataclass(frozen=True)
class Hunk:
    """One side's change: base tokens ``start:end`` replaced by ``tokens``, touching the base
    units ``unit_lo`` to ``unit_hi``."""

    start: int
    end: int
    tokens: tuple[str, ...]
    unit_lo: int
    unit_hi: int


def _analyse(text: str) -> _Base:
    tokens = tuple(tokenize(text))
    units, starts = sentence_units(tokens)
    char_at = tuple(accumulate(map(len, tokens), initial=0))
    return _Base(tokens, tuple(units), tuple(starts), char_at)


def _compute_hunks(base_text: str, other_text: str) -> tuple[Hunk, ...]:
    base = analysed(base_text)
    other = tokenize(other_text)
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
        hunks.append(Hunk(start, end, tuple(inserted), lo, hi))
    return tuple(hunks)


# Rebasing pending amendments calls merge3 many times with the same base and the same new text,
# so the analysis of the base and the diff base → new text are worth keeping between calls.
# Results never depend on the caches: a cached value is exactly what computing it gives.
_cached_analyse = functools.lru_cache(maxsize=8)(_analyse)
_cached_hunks = functools.lru_cache(maxsize=32)(_compute_hunks)


def analysed(text: str) -> _Base:
    """Tokens of ``text`` with their sentence units and character offsets."""
    if len(text) > _MAX_CACHED_CHARS:
        return _analyse(text)
    return _cached_analyse(text)


def hunks(base_text: str, other_text: str) -> tuple[Hunk, ...]:
    """The changes from ``base_text`` to ``other_text``, each charged to the units it touches."""
    if len(base_text) + len(other_text) > _MAX_CACHED_CHARS:
        return _compute_hunks(base_text, other_text)
    return _cached_hunks(base_text, other_text)


def clear_caches() -> None:
    """Forget every cached base and change (results never depend on them; for tests)."""
    _cached_analyse.cache_clear()
    _cached_hunks.cache_clear()


def apply_hunks(base: Sequence[str], start: int, end: int, changes: Sequence[Hunk]) -> str:
    """Base tokens ``start:end`` with ``changes`` (in order, all inside) made."""
    out: list[str] = []
    at = start
    for hunk in changes:
        out.extend(base[at : hunk.start])
        out.extend(hunk.tokens)
        at = hunk.end
    out.extend(base[at:end])
    return "".join(out)


def merge_words(base: str, ours: str, theirs: str, offset: int) -> list[Segment]:
    """Merge one stretch that both sides changed, sentence by sentence; ``offset`` is where
    the stretch starts in the whole base (for the conflicts' offsets)."""
    analysis = analysed(base)
    base_tokens = analysis.tokens
    n = len(base_tokens)
    unit_starts = analysis.unit_starts
    char_at = analysis.char_at
    # Each hunk with its side: 0 for ours, 1 for theirs.
    tagged = [(h, 0) for h in hunks(base, ours)] + [(h, 1) for h in hunks(base, theirs)]
    tagged.sort(key=lambda hs: (hs[0].unit_lo, hs[0].start, hs[0].end, hs[1]))

    clusters: list[list[tuple[Hunk, int]]] = []
    reach = -1
    for hunk, side in tagged:
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
        ours_text = apply_hunks(base_tokens, start, end, ours_hunks)
        theirs_text = apply_hunks(base_tokens, start, end, theirs_hunks)
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
                    ours=apply_hunks(base_tokens, start, end, ours_hunks),
                    theirs=apply_hunks(base_tokens, start, end, theirs_hunks),
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
