"""The word-level stage of ``merge3`` (:mod:`.merge`), and the rules both its stages share.

A stretch of lines that both sides changed differently is merged word by word, under a strict
rule: each side's word changes are charged to the sentences (or lines) of the base they touch
(:mod:`.sentences`), and changes of the two sides may only be combined when no sentence is
touched by both. An insertion at the boundary between two sentences touches both, reaching over
spaces and punctuation, so two insertions separated only by whitespace always meet.

Both stages also refuse to keep two passages that say (almost) the same thing: when one side
inserts a sentence close to where the other inserts one that shares most of its words
(:func:`near_identical`), or both sides bring the same sentence into different places
(:func:`repeated_spans`), the stretches are reported as one conflict instead of both kept.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from .diff import DELETE, EQUAL, diff_tokens
from .sentences import sentence_units
from .tokens import is_space, is_word, tokenize

#: Two insertions are close when at most this many non-blank lines of the base separate them.
NEAR_LINES = 2

#: Sentences of fewer words than this are never compared for near-identity: two short list
#: items ("- Alice, Google", "- Bob, Google") share most of their few words by chance, and
#: the same short phrase may well belong in two sentences.
_MIN_WORDS = 3

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


# The words of one sentence, case folded: what near-identity compares.
Sentence = tuple[str, ...]


@dataclass(frozen=True)
class Hunk:
    """One side's change: base tokens ``start:end`` replaced by ``tokens``, touching the base
    units ``unit_lo`` to ``unit_hi``. ``sentences`` are the sentences (or lines) of the side's
    text that the change brings in, those with enough words to compare."""

    start: int
    end: int
    tokens: tuple[str, ...]
    unit_lo: int
    unit_hi: int
    sentences: tuple[Sentence, ...]


def _analyse(text: str) -> _Base:
    tokens = tuple(tokenize(text))
    units, starts = sentence_units(tokens)
    char_at = tuple(accumulate(map(len, tokens), initial=0))
    return _Base(tokens, tuple(units), tuple(starts), char_at)


def _changed_spans(base: Sequence[str], other: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Each change as ``(base start, base end, other start, other end)`` token positions."""
    spans = []
    i = j = 0
    current: list[int] | None = None
    for op, count in diff_tokens(base, other):
        if op == EQUAL:
            if current is not None:
                spans.append((current[0], i, current[1], j))
                current = None
            i += count
            j += count
            continue
        if current is None:
            current = [i, j]
        if op == DELETE:
            i += count
        else:
            j += count
    if current is not None:
        spans.append((current[0], i, current[1], j))
    # An insertion that could equally come after the whitespace that follows it goes there:
    # "vote.| Proxies count. The" becomes "vote. |Proxies count. The", at the start of the
    # sentence it precedes. (The sentences it touches stay the same.)
    for k, (start, end, other_start, other_end) in enumerate(spans):
        limit = spans[k + 1][0] if k + 1 < len(spans) else len(base)
        while (
            start == end < limit
            and other_start < other_end
            and is_space(base[start])
            and other[other_start] == base[start]
        ):
            start, end, other_start, other_end = start + 1, end + 1, other_start + 1, other_end + 1
        spans[k] = (start, end, other_start, other_end)
    return spans


def _new_sentences(
    tokens: Sequence[str], starts: Sequence[int], lo: int, hi: int
) -> list[Sentence]:
    """The sentences of ``tokens`` (units starting at ``starts``) that ``tokens[lo:hi]``
    brings in: most of their words lie there. Inserting "not" into a sentence does not bring
    the sentence in; writing it anew does, even if the diff kept its first word "The"."""
    out = []
    first = max(bisect_right(starts, lo) - 1, 0)
    for unit_start, unit_end in zip(
        starts[first:], [*starts[first + 1 :], len(tokens)], strict=True
    ):
        if unit_start >= hi:
            break
        at = [k for k in range(unit_start, unit_end) if is_word(tokens[k])]
        inside = sum(1 for k in at if lo <= k < hi)
        if len(at) >= _MIN_WORDS and 2 * inside > len(at):
            out.append(tuple(tokens[k].casefold() for k in at))
    return out


def _compute_hunks(base_text: str, other_text: str) -> tuple[Hunk, ...]:
    base = analysed(base_text)
    other = tokenize(other_text)
    tokens = base.tokens
    units = base.units
    n = len(tokens)
    other_starts: list[int] | None = None
    hunks = []
    for start, end, other_start, other_end in _changed_spans(tokens, other):
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
        sentences: list[Sentence] = []
        # A sentence is brought in when most of its words, at least two, are inserted.
        if sum(1 for t in other[other_start:other_end] if is_word(t)) >= 2:
            if other_starts is None:
                other_starts = sentence_units(other)[1]
            sentences = _new_sentences(other, other_starts, other_start, other_end)
        inserted = tuple(other[other_start:other_end])
        hunks.append(Hunk(start, end, inserted, lo, hi, tuple(sentences)))
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
    _line_sentences.cache_clear()


# The sentences each side brings into one stretch and the other does not: (ours, theirs).
Brought = tuple[tuple[Sentence, ...], tuple[Sentence, ...]]


def own_sentences(ours: Iterable[Sentence], theirs: Iterable[Sentence]) -> Brought:
    """Each side's sentences of one stretch, less those both sides bring in there: a
    sentence both write in the same stretch is one shared edit."""
    mine, other = list(ours), list(theirs)
    mine_set, other_set = set(mine), set(other)
    return (
        tuple(s for s in mine if s not in other_set),
        tuple(s for s in other if s not in mine_set),
    )


@functools.lru_cache(maxsize=4096)
def _line_sentences(line: str) -> tuple[Sentence, ...]:
    tokens = tokenize(line)
    starts = sentence_units(tokens)[1]
    found = []
    for start, end in zip(starts, [*starts[1:], len(tokens)], strict=True):
        words = tuple(t.casefold() for t in tokens[start:end] if is_word(t))
        if len(words) >= _MIN_WORDS:
            found.append(words)
    return tuple(found)


def sentences_of(lines: Iterable[str]) -> Counter[Sentence]:
    """The sentences of ``lines`` with enough words to compare. (A line break always ends a
    sentence, so each line can be split on its own, and one seen lately is split once.)"""
    found: Counter[Sentence] = Counter()
    for line in lines:
        if len(line) > _MAX_CACHED_CHARS:
            found.update(_line_sentences.__wrapped__(line))
        elif line.strip():
            found.update(_line_sentences(line))
    return found


def near_identical(a: Sentence, b: Sentence) -> bool:
    """Whether two sentences share most of their words, in order: more than half of all
    their words (2 × shared / (len(a) + len(b)) > 1/2)."""
    if a == b:
        return True
    # The shared words in any order bound those shared in order, and cost far less.
    if 4 * sum((Counter(a) & Counter(b)).values()) <= len(a) + len(b):
        return False
    same = sum(count for op, count in diff_tokens(a, b) if op == EQUAL)
    return 4 * same > len(a) + len(b)


def few_lines_between(text: str) -> bool:
    """Whether ``text`` (base text between two changes) spans at most ``NEAR_LINES`` lines of
    words: changes this close read as one place."""
    return sum(1 for line in text.splitlines() if line.strip()) <= NEAR_LINES


def near_duplicates(first: Brought, second: Brought) -> bool:
    """Whether one side inserts into ``first`` a sentence almost the same as one the other
    side inserts into ``second``."""
    (ours_1, theirs_1), (ours_2, theirs_2) = first, second
    return any(near_identical(a, b) for a in ours_1 for b in theirs_2) or any(
        near_identical(a, b) for a in theirs_1 for b in ours_2
    )


def repeated_spans(brought: Sequence[Brought]) -> list[tuple[int, int]]:
    """Ranges ``(first, last)`` of stretches to report as one conflict because one side
    brings in a sentence that the other brings into another stretch, however far: kept
    both, it would be written twice. (Unlike nearness, this never depends on where a diff
    placed an edit among repeated lines.)"""
    where: dict[Sentence, tuple[list[int], list[int]]] = {}
    for k, sides in enumerate(brought):
        for side, sentences in enumerate(sides):
            for sentence in sentences:
                where.setdefault(sentence, ([], []))[side].append(k)
    return [
        (min(ours_at + theirs_at), max(ours_at + theirs_at))
        for ours_at, theirs_at in where.values()
        if ours_at and theirs_at
    ]


def spans_to_fuse(
    count: int,
    close: Callable[[int, int], bool],
    clash: Callable[[int, int], bool],
    also: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Ranges ``(first, last)`` of ``count`` stretches in order to report as one conflict:
    those from ``i`` to ``j`` when ``clash(i, j)``, and the ranges ``also``.

    Only stretches ``close(i, j)`` are compared; ``close`` must turn false for good as ``j``
    grows, which lets the search stop early.
    """
    spans = list(also)
    for i in range(count):
        for j in range(i + 1, count):
            if not close(i, j):
                break
            if clash(i, j):
                spans.append((i, j))
    return union_of_spans(spans)


def union_of_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping inclusive ranges joined, in order."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


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


def _clusters(tagged: list[tuple[Hunk, int]]) -> list[list[tuple[Hunk, int]]]:
    """Hunks grouped so that hunks touching a common unit are in one group."""
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
    return clusters


def _cluster_sentences(cluster: list[tuple[Hunk, int]], *, inserted_only: bool) -> Brought:
    """The sentences each side's hunks in ``cluster`` bring in (only those of insertions)."""
    by_side: tuple[list[Sentence], list[Sentence]] = ([], [])
    for hunk, side in cluster:
        if hunk.start == hunk.end or not inserted_only:
            by_side[side].extend(hunk.sentences)
    return own_sentences(*by_side)


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
    clusters = _clusters(tagged)

    def start_of(c: int) -> int:
        return min(h.start for h, _ in clusters[c])

    def end_of(c: int) -> int:
        return max(h.end for h, _ in clusters[c])

    def close(i: int, j: int) -> bool:
        return few_lines_between("".join(base_tokens[end_of(i) : start_of(j)]))

    inserted = [_cluster_sentences(c, inserted_only=True) for c in clusters]
    brought = [_cluster_sentences(c, inserted_only=False) for c in clusters]

    def clash(i: int, j: int) -> bool:
        return near_duplicates(inserted[i], inserted[j])

    fused = spans_to_fuse(len(clusters), close, clash, repeated_spans(brought))
    for first, last in reversed(fused):
        clusters[first : last + 1] = [[tagged for c in clusters[first : last + 1] for tagged in c]]

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
