"""Blame: which step of a charter's history introduced each passage of a revision.

A history is a list of steps — the import, then each revision after it — and each step lists
its clauses in order as :class:`Slot` values (clause identity, version identity, text). The
text of a clause version is fixed, so its attribution is computed in the step that introduced
it and kept for as long as the version stays:

* a clause version that is still there (in place or moved elsewhere) keeps the attribution it
  had: moving a clause does not make its words new;
* between two clauses that stayed in place, the text of the clause versions that appeared is
  aligned word by word (:func:`charter_engine.text.diff.diff_tokens`, the engine's word diff)
  with the text of the versions that went away there; words that line up keep their origin, the
  others are new in this step. So a paragraph split in two, two merged into one, or a clause
  rewritten keeps the origin of every word that survived;
* a clause that moved and changed is aligned with its own previous version.

Tokens are :func:`charter_engine.text.tokens.tokenize` tokens, whitespace included, so the
passages of a version concatenate to its text exactly.

Usage::

    steps = [Step(origin=1, slots=[Slot(clause_id, version_id, text), ...]), ...]  # oldest first
    result = blame(steps)
    for slot in steps[-1].slots:
        for passage in result[slot.version]:
            passage.text, passage.origin    # origin: the Step.origin that introduced it

Cost: tokenising each version once and one word diff per stretch of changed clauses per step.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .diff import DELETE, EQUAL, INSERT, diff_tokens
from .redline import between_anchors, stable_keys
from .tokens import tokenize


@dataclass(frozen=True)
class Slot:
    """One clause of one step: its identity, its version's identity and its exact text."""

    key: Hashable
    version: Hashable
    text: str


@dataclass(frozen=True)
class Step:
    """One revision of the history, named by ``origin`` (a revision number, say)."""

    origin: Hashable
    slots: Sequence[Slot]


@dataclass(frozen=True)
class Passage:
    """A run of a clause version's text introduced by one step."""

    text: str
    origin: Hashable


class _Versions:
    """Tokens and per-token origins of every version seen so far."""

    def __init__(self) -> None:
        self.tokens: dict[Hashable, list[str]] = {}
        self.origins: dict[Hashable, list[Hashable]] = {}

    def tokens_of(self, slot: Slot) -> list[str]:
        tokens = self.tokens.get(slot.version)
        if tokens is None:
            tokens = self.tokens[slot.version] = tokenize(slot.text)
        return tokens


def _align(versions: _Versions, old: Sequence[Slot], new: Sequence[Slot], origin: Hashable) -> None:
    """Attribute the tokens of ``new`` (versions that appeared) from those of ``old``."""
    old_tokens: list[str] = []
    old_origins: list[Hashable] = []
    for slot in old:
        old_tokens.extend(versions.tokens_of(slot))
        old_origins.extend(versions.origins[slot.version])
    new_tokens: list[str] = []
    for slot in new:
        new_tokens.extend(versions.tokens_of(slot))
    attributed: list[Hashable] = [origin] * len(new_tokens)
    old_at = new_at = 0
    if old_tokens:
        for op, count in diff_tokens(old_tokens, new_tokens, by_lines=True):
            if op == EQUAL:
                attributed[new_at : new_at + count] = old_origins[old_at : old_at + count]
                old_at += count
                new_at += count
            elif op == DELETE:
                old_at += count
            elif op == INSERT:
                new_at += count
    at = 0
    for slot in new:
        size = len(versions.tokens_of(slot))
        versions.origins[slot.version] = attributed[at : at + size]
        at += size


def _step(
    versions: _Versions, before: Sequence[Slot], after: Sequence[Slot], origin: Hashable
) -> None:
    previous = {slot.key: slot for slot in before}
    kept = [s.key for s in after if s.key in previous and previous[s.key].version == s.version]
    positions = {slot.key: index for index, slot in enumerate(before)}
    anchors = stable_keys([positions[key] for key in kept], kept)
    staying = {slot.version for slot in after}
    present = {slot.version for slot in before}
    # Between two anchors: the versions that went away there, and those that appeared there.
    gone = {
        anchor: [s for s in slots if s.version not in staying]
        for anchor, slots in between_anchors(before, anchors).items()
    }
    appeared = {
        anchor: [s for s in slots if s.version not in present]
        for anchor, slots in between_anchors(after, anchors).items()
    }
    gone_where = {slot.key: anchor for anchor, slots in gone.items() for slot in slots}
    for anchor, slots in appeared.items():
        for slot in list(slots):
            if slot.key in gone_where and gone_where[slot.key] != anchor:
                # Moved and changed: its own previous version is its only source.
                gone[gone_where[slot.key]].remove(previous[slot.key])
                slots.remove(slot)
                _align(versions, [previous[slot.key]], [slot], origin)
    for anchor, slots in appeared.items():
        if slots:
            _align(versions, gone.get(anchor, []), slots, origin)


def blame(steps: Sequence[Step]) -> dict[Hashable, list[Passage]]:
    """The passages of every clause version of the last step, by version identity."""
    versions = _Versions()
    before: Sequence[Slot] = ()
    for step in steps:
        _step(versions, before, step.slots, step.origin)
        before = step.slots
    out: dict[Hashable, list[Passage]] = {}
    for slot in before:
        out[slot.version] = passages(versions.tokens_of(slot), versions.origins[slot.version])
    return out


def passages(tokens: Sequence[str], origins: Sequence[Hashable]) -> list[Passage]:
    """Join runs of tokens with the same origin into passages."""
    out: list[Passage] = []
    text: list[str] = []
    current: Hashable | None = None
    for token, origin in zip(tokens, origins, strict=True):
        if text and origin != current:
            out.append(Passage("".join(text), current))
            text = []
        current = origin
        text.append(token)
    if text:
        out.append(Passage("".join(text), current))
    return out
