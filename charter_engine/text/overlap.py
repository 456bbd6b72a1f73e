"""What a merge conflict is about, said so that its author can act on it.

A :class:`~charter_engine.text.merge_words.Conflict` holds whole sentences of the base and both
sides' versions of them, often more than the two changes share. :func:`overlap_of` narrows it to
the sentences both changes touch — the sentence both rewrote, or the place where both inserted —
and gives them as the base, ours and theirs have them, so a message can say "another change also
changed this sentence: …, it now reads: …" rather than that some text overlapped.
"""

from __future__ import annotations

from dataclasses import dataclass

from .merge_words import Conflict, Hunk, analysed, apply_hunks, hunks


@dataclass(frozen=True)
class Overlap:
    """The sentences of the base both sides changed (``base``, at ``start:end`` of the
    conflict's base; empty when both inserted at one place), ``sentences`` of them, and how
    ``ours`` and ``theirs`` have that passage."""

    base: str
    ours: str
    theirs: str
    sentences: int
    start: int
    end: int


def _units(side: tuple[Hunk, ...]) -> set[int]:
    return {unit for h in side for unit in range(h.unit_lo, h.unit_hi + 1)}


def overlap_of(conflict: Conflict) -> Overlap:
    """The sentences both sides of ``conflict`` touch, as each side has them.

    When the two sides touch no sentence in common (two passages inserted a few lines apart
    that repeat each other), the whole conflict is the overlap.
    """
    base = analysed(conflict.base)
    tokens = base.tokens
    if not tokens:
        return Overlap("", conflict.ours, conflict.theirs, 0, 0, 0)
    ours = hunks(conflict.base, conflict.ours)
    theirs = hunks(conflict.base, conflict.theirs)
    shared = _units(ours) & _units(theirs)
    if not shared:
        whole = len(set(base.units))
        return Overlap(conflict.base, conflict.ours, conflict.theirs, whole, 0, len(conflict.base))
    lo, hi = min(shared), max(shared)
    units = base.units
    bounds = (*base.unit_starts, len(tokens))
    # Take in every change that reaches into those sentences, so that each side's version of
    # them is whole; that may reach further sentences, and so on. (An insertion at the edge
    # of the span is inside it already.)
    while True:
        start, end = bounds[lo], bounds[hi + 1]
        touching = [h for h in (*ours, *theirs) if h.unit_lo <= hi and h.unit_hi >= lo]
        wider = (
            min([lo, *(units[h.start] for h in touching if h.start < start)]),
            max([hi, *(units[h.end - 1] for h in touching if h.end > end)]),
        )
        if wider == (lo, hi):
            break
        lo, hi = wider

    def version(side: tuple[Hunk, ...]) -> str:
        return apply_hunks(
            tokens, start, end, [h for h in side if start <= h.start <= h.end <= end]
        )

    return Overlap(
        "".join(tokens[start:end]),
        version(ours),
        version(theirs),
        hi - lo + 1,
        base.char_at[start],
        base.char_at[end],
    )
