"""Word-level diffs between two texts, built on diff-match-patch over word tokens.

Each distinct token is mapped to one private character so that diff-match-patch diffs token
sequences instead of characters; the result is mapped back to text. Large inputs are first
diffed line by line and only the changed regions are refined word by word, and every diff runs
against a deadline, so no input can make a request take seconds. Whatever the deadline cuts
short, the result is always a correct diff: its equal and deleted pieces concatenate to the old
text and its equal and inserted pieces to the new text.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from diff_match_patch import diff_match_patch

from .tokens import is_space, is_word, tokenize

DELETE = -1
EQUAL = 0
INSERT = 1

Diff = list[tuple[int, str]]

#: Seconds a single diff may spend searching for the best alignment before settling for a
#: coarser (still correct) one.
DIFF_TIMEOUT = 0.5

# Above this many tokens (both sides together) a line-level pass narrows the word-level work.
_LINE_MODE_TOKENS = 6000

# A changed stretch bigger than this (in tokens) is diffed line by line, pairing similar lines.
_PAIR_LINES_TOKENS = 400
_PAIR_WINDOW = 20

_SURROGATES = range(0xD800, 0xE000)


class _Encoder:
    """Assigns each distinct token (or line) one character, skipping the surrogate range."""

    def __init__(self) -> None:
        self.items: list[str] = [""]
        self.index: dict[str, str] = {}

    def encode(self, items: Sequence[str]) -> str:
        index = self.index
        # New items get their characters in order of first appearance; the dict does the
        # per-item work, which matters because whole clauses are encoded on every diff.
        for item in dict.fromkeys(items):
            if item not in index:
                code = len(self.items)
                if code == _SURROGATES.start:
                    self.items.extend([""] * len(_SURROGATES))
                    code = len(self.items)
                if code > 0x10FFFF:
                    raise OverflowError("too many distinct tokens to diff")
                index[item] = chr(code)
                self.items.append(item)
        return "".join(map(index.__getitem__, items))

    def decode(self, chars: str) -> str:
        items = self.items
        return "".join([items[ord(c)] for c in chars])


class _TokenDiffer(diff_match_patch):  # type: ignore[misc]
    """diff-match-patch whose boundary cleanup scores positions by the tokens they separate."""

    def __init__(self, encoder: _Encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def _boundary_score(self, one: str, two: str) -> int:
        # Same tiers as diff-match-patch's character scoring, applied to whole tokens.
        if not one or not two:
            return 6
        left = self.encoder.items[ord(one[-1])]
        right = self.encoder.items[ord(two[0])]
        if not left or not right:
            return 6
        space1 = is_space(left)
        space2 = is_space(right)
        newline1 = space1 and ("\n" in left or "\r" in left)
        newline2 = space2 and ("\n" in right or "\r" in right)
        if (newline1 and left.count("\n") >= 2) or (newline2 and right.count("\n") >= 2):
            return 5
        if newline1 or newline2:
            return 4
        word1 = is_word(left)
        word2 = is_word(right)
        if not word1 and not space1 and space2:
            return 3
        if space1 or space2:
            return 2
        if not word1 or not word2:
            return 1
        return 0

    def diff_cleanupSemanticLossless(self, diffs: list[tuple[int, str]]) -> None:
        score = self._boundary_score
        pointer = 1
        while pointer < len(diffs) - 1:
            if diffs[pointer - 1][0] == EQUAL and diffs[pointer + 1][0] == EQUAL:
                equality1 = diffs[pointer - 1][1]
                edit = diffs[pointer][1]
                equality2 = diffs[pointer + 1][1]
                common = self.diff_commonSuffix(equality1, edit)
                if common:
                    shared = edit[-common:]
                    equality1 = equality1[:-common]
                    edit = shared + edit[:-common]
                    equality2 = shared + equality2
                best = (equality1, edit, equality2)
                best_score = score(equality1, edit) + score(edit, equality2)
                while edit and equality2 and edit[0] == equality2[0]:
                    equality1 += edit[0]
                    edit = edit[1:] + equality2[0]
                    equality2 = equality2[1:]
                    current = score(equality1, edit) + score(edit, equality2)
                    # >= so that, among equally good positions, the edit moves as far right as
                    # it can, like diff-match-patch does.
                    if current >= best_score:
                        best_score = current
                        best = (equality1, edit, equality2)
                if diffs[pointer - 1][1] != best[0]:
                    if best[0]:
                        diffs[pointer - 1] = (diffs[pointer - 1][0], best[0])
                    else:
                        del diffs[pointer - 1]
                        pointer -= 1
                    diffs[pointer] = (diffs[pointer][0], best[1])
                    if best[2]:
                        diffs[pointer + 1] = (diffs[pointer + 1][0], best[2])
                    else:
                        del diffs[pointer + 1]
                        pointer -= 1
            pointer += 1


def _split_lines(tokens: Sequence[str]) -> list[list[str]]:
    lines: list[list[str]] = []
    current: list[str] = []
    for token in tokens:
        current.append(token)
        if "\n" in token and is_space(token):
            lines.append(current)
            current = []
    if current:
        lines.append(current)
    return lines


def _diff_encoded(
    differ: _TokenDiffer,
    old_tokens: Sequence[str],
    new_tokens: Sequence[str],
    deadline: float,
    by_lines: bool = False,
) -> list[tuple[int, str]]:
    encoder = differ.encoder
    if not by_lines and len(old_tokens) + len(new_tokens) <= _LINE_MODE_TOKENS:
        a = encoder.encode(old_tokens)
        b = encoder.encode(new_tokens)
        diffs: list[tuple[int, str]] = differ.diff_main(a, b, False, deadline)
        differ.diff_cleanupSemantic(diffs)
        return diffs
    # Line pass first: a coarse alignment that is cheap even for whole documents, then the
    # changed stretches are diffed word by word.
    old_lines = _split_lines(old_tokens)
    new_lines = _split_lines(new_tokens)
    line_encoder = _Encoder()
    a = line_encoder.encode(["".join(line) for line in old_lines])
    b = line_encoder.encode(["".join(line) for line in new_lines])
    line_differ = diff_match_patch()
    line_diffs = line_differ.diff_main(a, b, False, deadline)
    line_differ.diff_cleanupSemantic(line_diffs)
    diffs = []
    old_at = 0
    new_at = 0
    pending_old: list[str] = []
    pending_new: list[str] = []

    def flush() -> None:
        if pending_old or pending_new:
            if len(pending_old) + len(pending_new) > _PAIR_LINES_TOKENS:
                diffs.extend(_diff_by_paired_lines(differ, pending_old, pending_new, deadline))
            else:
                x = encoder.encode(pending_old)
                y = encoder.encode(pending_new)
                diffs.extend(differ.diff_main(x, y, False, deadline))
            pending_old.clear()
            pending_new.clear()

    for op, chars in line_diffs:
        count = len(chars)
        if op == EQUAL:
            flush()
            tokens = [t for line in old_lines[old_at : old_at + count] for t in line]
            diffs.append((EQUAL, encoder.encode(tokens)))
            old_at += count
            new_at += count
        elif op == DELETE:
            pending_old.extend(t for line in old_lines[old_at : old_at + count] for t in line)
            old_at += count
        else:
            pending_new.extend(t for line in new_lines[new_at : new_at + count] for t in line)
            new_at += count
    flush()
    differ.diff_cleanupMerge(diffs)
    differ.diff_cleanupSemantic(diffs)
    return diffs


def _bag(tokens: Sequence[str]) -> Counter[str]:
    return Counter(t for t in tokens if not is_space(t))


def _diff_by_paired_lines(
    differ: _TokenDiffer, old_tokens: Sequence[str], new_tokens: Sequence[str], deadline: float
) -> list[tuple[int, str]]:
    """Diff a large rewritten stretch line by line: similar lines (in order) are diffed word
    by word, the others are whole-line deletions and insertions. Much cheaper than one
    word-level search over the whole stretch, and the diff reads better."""
    encoder = differ.encoder
    old_lines = _split_lines(old_tokens)
    new_lines = _split_lines(new_tokens)
    new_bags = [_bag(line) for line in new_lines]
    diffs: list[tuple[int, str]] = []
    j = 0
    for line in old_lines:
        bag = _bag(line)
        size = bag.total()
        best, best_k = 0.5, -1
        for k in range(j, min(len(new_lines), j + _PAIR_WINDOW)):
            total = size + new_bags[k].total()
            score = 2.0 * (bag & new_bags[k]).total() / total if total else 1.0
            if score >= best:
                best, best_k = score, k
                if score == 1.0:
                    break
        if best_k < 0:
            diffs.append((DELETE, encoder.encode(line)))
            continue
        for skipped in new_lines[j:best_k]:
            diffs.append((INSERT, encoder.encode(skipped)))
        x = encoder.encode(line)
        y = encoder.encode(new_lines[best_k])
        diffs.extend(differ.diff_main(x, y, False, deadline))
        j = best_k + 1
    for rest in new_lines[j:]:
        diffs.append((INSERT, encoder.encode(rest)))
    return diffs


def diff_tokens(
    old_tokens: Sequence[str],
    new_tokens: Sequence[str],
    *,
    timeout: float = DIFF_TIMEOUT,
    by_lines: bool = False,
) -> list[tuple[int, int]]:
    """Diff two token sequences; returns ``(op, token_count)`` runs in order.

    ``by_lines`` aligns whole lines first whatever the size, as large inputs always are: much
    cheaper for long stretches that changed a lot (several rewritten clauses at once).
    """
    if list(old_tokens) == list(new_tokens):
        return [(EQUAL, len(old_tokens))] if old_tokens else []
    encoder = _Encoder()
    differ = _TokenDiffer(encoder)
    deadline = time.time() + timeout if timeout > 0 else float("inf")
    try:
        diffs = _diff_encoded(differ, old_tokens, new_tokens, deadline, by_lines)
    except OverflowError:
        # More distinct tokens than characters: give up on alignment, stay correct.
        diffs = [(DELETE, "x" * len(old_tokens)), (INSERT, "x" * len(new_tokens))]
    runs: list[tuple[int, int]] = []
    for op, chars in diffs:
        if not chars:
            continue
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + len(chars))
        else:
            runs.append((op, len(chars)))
    return runs


def diff_words(old: str, new: str) -> Diff:
    """Word-level diff: ``(-1, text)`` deleted, ``(0, text)`` kept, ``(1, text)`` inserted.

    The kept and deleted pieces concatenate to ``old``; the kept and inserted ones to ``new``.
    Adjacent pieces never share an operation.
    """
    if old == new:
        return [(EQUAL, old)] if old else []
    old_tokens = tokenize(old)
    new_tokens = tokenize(new)
    pieces: Diff = []
    old_at = 0
    new_at = 0
    for op, count in diff_tokens(old_tokens, new_tokens):
        if op == INSERT:
            text = "".join(new_tokens[new_at : new_at + count])
            new_at += count
        else:
            text = "".join(old_tokens[old_at : old_at + count])
            old_at += count
            if op == EQUAL:
                new_at += count
        pieces.append((op, text))
    return _normalise(pieces)


def _normalise(pieces: Diff) -> Diff:
    """Order each changed stretch as deletion then insertion and merge same-op neighbours."""
    out: Diff = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            out.append((DELETE, "".join(deleted)))
            deleted.clear()
        if inserted:
            out.append((INSERT, "".join(inserted)))
            inserted.clear()

    for op, text in pieces:
        if not text:
            continue
        if op == DELETE:
            deleted.append(text)
        elif op == INSERT:
            inserted.append(text)
        else:
            flush()
            if out and out[-1][0] == EQUAL:
                out[-1] = (EQUAL, out[-1][1] + text)
            else:
                out.append((EQUAL, text))
    flush()
    return out


def old_text(pieces: Sequence[tuple[int, str]]) -> str:
    """The text a diff starts from."""
    return "".join(text for op, text in pieces if op != INSERT)


def new_text(pieces: Sequence[tuple[int, str]]) -> str:
    """The text a diff arrives at."""
    return "".join(text for op, text in pieces if op != DELETE)


def changed_spans(old: str, new: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Each changed stretch as ``((old_start, old_end), (new_start, new_end))`` offsets."""
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    old_at = 0
    new_at = 0
    open_span: list[int] | None = None
    for op, text in diff_words(old, new):
        if op == EQUAL:
            if open_span is not None:
                spans.append(((open_span[0], old_at), (open_span[1], new_at)))
                open_span = None
            old_at += len(text)
            new_at += len(text)
            continue
        if open_span is None:
            open_span = [old_at, new_at]
        if op == DELETE:
            old_at += len(text)
        else:
            new_at += len(text)
    if open_span is not None:
        spans.append(((open_span[0], old_at), (open_span[1], new_at)))
    return spans


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if not is_space(t)]


def similarity(a: str, b: str) -> float:
    """Share of words (and punctuation) the two texts have in common, in order: 0.0 to 1.0.

    Whitespace does not count, so re-wrapping a paragraph keeps it at 1.0. Two empty (or
    whitespace-only) texts are identical: 1.0.
    """
    ta = _content(tokenize(a))
    tb = _content(tokenize(b))
    total = len(ta) + len(tb)
    if total == 0:
        return 1.0
    if not ta or not tb:
        return 0.0
    same = sum(count for op, count in diff_tokens(ta, tb) if op == EQUAL)
    return 2.0 * same / total


def quick_similarity(a: str, b: str) -> float:
    """Order-blind upper bound of :func:`similarity`, cheap enough for many comparisons."""
    ca = Counter(_content(tokenize(a)))
    cb = Counter(_content(tokenize(b)))
    total = sum(ca.values()) + sum(cb.values())
    if total == 0:
        return 1.0
    return 2.0 * sum((ca & cb).values()) / total
