"""Pure logic of clause changes: applying a list of changes to an ordered list of clauses, and
deriving clause changes from an edit of the whole document.

No database here: clauses are ``(key, text)`` pairs, so the same functions serve proposals,
merges, previews and tests.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from charter_engine.text import align_blocks, split_document


@dataclass(frozen=True)
class ChangeSpec:
    """One change as the engine reasons about it. ``clause`` and ``after`` are clause keys."""

    kind: str
    clause: Hashable | None = None
    after: Hashable | None = None
    text: str | None = None


@dataclass(frozen=True)
class Placed:
    """A clause in the result: an existing key with its text, or new text (key None)."""

    key: Hashable | None
    text: str
    origin_change: int | None = None  # index of the change that produced or altered it


class ChangeError(ValueError):
    """The changes do not apply to the clauses (unknown clause, clause touched twice ...)."""


def apply_changes(
    clauses: Sequence[tuple[Hashable, str]], changes: Sequence[ChangeSpec]
) -> list[Placed]:
    """Apply ``changes`` in order to ``clauses``; raise :class:`ChangeError` when they do not fit.

    Deleted and moved clauses leave their place first; replacements change text in place; inserts
    and moves are then placed after their anchor, in change order, each after the previous one
    placed at the same anchor so that a run keeps its order.
    """
    keys = [key for key, _text in clauses]
    known = set(keys)
    touched: set[Hashable] = set()
    for index, change in enumerate(changes):
        if change.kind not in ("replace", "insert", "delete", "move"):
            raise ChangeError(f"change {index + 1}: unknown kind {change.kind!r}")
        if change.kind != "insert":
            if change.clause not in known:
                raise ChangeError(f"change {index + 1}: that clause is not in the text")
            if change.clause in touched:
                raise ChangeError(f"change {index + 1}: a clause may be changed only once")
            touched.add(change.clause)
        if change.kind in ("replace", "insert") and not change.text:
            raise ChangeError(f"change {index + 1}: the new text is empty")
    removed = {c.clause for c in changes if c.kind in ("delete", "move")}
    replaced = {c.clause: (i, c.text) for i, c in enumerate(changes) if c.kind == "replace"}
    result: list[Placed] = []
    for key, text in clauses:
        if key in removed:
            continue
        if key in replaced:
            index, new_text = replaced[key]
            assert new_text is not None
            result.append(Placed(key, new_text, index))
        else:
            result.append(Placed(key, text))
    original_text = dict(clauses)
    last_at_anchor: dict[Hashable | None, int] = {}
    for index, change in enumerate(changes):
        if change.kind not in ("insert", "move"):
            continue
        if change.after is None:
            at = 0
        else:
            if change.after in removed and not _placed(result, change.after):
                raise ChangeError(
                    f"change {index + 1}: it is placed after a clause that this amendment "
                    "deletes or has not placed yet"
                )
            found = _position(result, change.after)
            if found is None:
                raise ChangeError(f"change {index + 1}: the clause to place it after is unknown")
            at = found + 1
        if change.after in last_at_anchor:
            at = last_at_anchor[change.after] + 1
        if change.kind == "insert":
            assert change.text is not None
            placed = Placed(None, change.text, index)
        else:
            placed = Placed(change.clause, change.text or original_text[change.clause], index)
        result.insert(at, placed)
        for anchor, pos in last_at_anchor.items():
            if pos >= at:
                last_at_anchor[anchor] = pos + 1
        last_at_anchor[change.after] = at
    return result


def _position(result: Sequence[Placed], key: Hashable) -> int | None:
    for i, placed in enumerate(result):
        if placed.key == key:
            return i
    return None


def _placed(result: Sequence[Placed], key: Hashable) -> bool:
    return _position(result, key) is not None


def derive_changes(
    clauses: Sequence[tuple[Hashable, str]], new_document: str, fmt: str | None = None
) -> list[ChangeSpec]:
    """The clause changes that turn ``clauses`` into ``new_document`` exactly.

    Blocks are aligned with the existing clauses; unchanged ones keep their identity, edited ones
    become replacements, runs of new blocks become one insert each, and a clause that reappears
    elsewhere unchanged is a move.
    """
    blocks = [b.text for b in split_document(new_document, fmt)]
    old_texts = [text for _key, text in clauses]
    ops = align_blocks(old_texts, blocks)
    changes: list[ChangeSpec] = []
    previous_key: Hashable | None = None  # the clause that precedes in the new order
    pending_insert: list[str] = []
    pending_after: Hashable | None = None

    def flush_insert() -> None:
        nonlocal pending_insert
        if pending_insert:
            changes.append(ChangeSpec("insert", after=pending_after, text="".join(pending_insert)))
            pending_insert = []

    deletes: list[ChangeSpec] = []
    for op in ops:
        if op.kind == "delete":
            assert op.old_index is not None
            deletes.append(ChangeSpec("delete", clause=clauses[op.old_index][0]))
            continue
        if op.kind == "insert":
            assert op.new_index is not None
            if not pending_insert:
                pending_after = previous_key
            pending_insert.append(blocks[op.new_index])
            continue
        assert op.old_index is not None and op.new_index is not None
        key = clauses[op.old_index][0]
        if op.kind == "move":
            if pending_insert:
                # A move cannot be anchored on a clause that does not exist yet: fold the moved
                # block into the inserted run (its text is unchanged, only its identity is new).
                pending_insert.append(blocks[op.new_index])
                deletes.append(ChangeSpec("delete", clause=key))
                continue
            moved_text = blocks[op.new_index]
            # A block moved to or from the end may gain or lose its trailing blank lines.
            changes.append(
                ChangeSpec(
                    "move",
                    clause=key,
                    after=previous_key,
                    text=None if moved_text == clauses[op.old_index][1] else moved_text,
                )
            )
        else:
            flush_insert()
            if op.kind == "replace":
                changes.append(ChangeSpec("replace", clause=key, text=blocks[op.new_index]))
        previous_key = key
    flush_insert()
    # A moved clause that was folded into an insert is deleted where it was.
    result = [c for c in changes if c.kind == "replace"] + deletes
    result += [c for c in changes if c.kind in ("insert", "move")]
    _check(clauses, result, new_document)
    return result


def _check(
    clauses: Sequence[tuple[Hashable, str]], changes: Sequence[ChangeSpec], new_document: str
) -> None:
    produced = "".join(p.text for p in apply_changes(clauses, changes))
    if produced != new_document:  # pragma: no cover - a bug guard, never an expected path
        raise ChangeError("the derived changes do not reproduce the edited document")
