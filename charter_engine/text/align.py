"""Aligning the blocks of two versions of a document, for "edit the whole document" amendments.

The result says, for every block, whether it was kept, rewritten, deleted, inserted or moved,
so that a whole-document edit can be turned into clause-level changes. Unchanged runs come
from a sequence diff of the block texts; inside each changed stretch, old and new blocks that
are similar enough are paired (in order) as rewrites; a deleted block that reappears with the
same text elsewhere is a move.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from .diff import DELETE, EQUAL, _Encoder, similarity
from .tokens import is_space, tokenize

EQUAL_OP = "equal"
REPLACE = "replace"
DELETE_OP = "delete"
INSERT_OP = "insert"
MOVE = "move"

#: Blocks at least this similar (see :func:`similarity`) are paired as a rewrite.
REPLACE_THRESHOLD = 0.5

# Above this many old×new candidate pairs in one changed stretch, pair greedily.
_DP_LIMIT = 20_000
# Up to this many pairs, weigh candidates with the order-aware similarity, not word counts.
_EXACT_LIMIT = 400
_GREEDY_WINDOW = 30


@dataclass(frozen=True)
class BlockOp:
    """What happened to one block: ``old_index`` is None for inserts, ``new_index`` for deletes."""

    kind: str
    old_index: int | None
    new_index: int | None


def _move_key(text: str) -> str:
    # A block moved to or from the end of the document gains or loses its trailing blank lines.
    return text.rstrip()


def _words(text: str) -> Counter[str]:
    return Counter(t for t in tokenize(text) if not is_space(t))


def _bag_similarity(a: Counter[str], b: Counter[str]) -> float:
    total = a.total() + b.total()
    if total == 0:
        return 1.0
    return 2.0 * (a & b).total() / total


def _pair(
    old: Sequence[str], new: Sequence[str], olds: list[int], news: list[int]
) -> list[tuple[int, int]]:
    """Order-preserving pairs (old, new) of similar blocks, maximising the total similarity."""
    if not olds or not news:
        return []
    bags_old = [_words(old[i]) for i in olds]
    bags_new = [_words(new[j]) for j in news]
    exact = len(olds) * len(news) <= _EXACT_LIMIT

    def weight(x: int, y: int) -> float:
        quick = _bag_similarity(bags_old[x], bags_new[y])
        if quick < REPLACE_THRESHOLD:
            return 0.0
        if exact:
            score = similarity(old[olds[x]], new[news[y]])
            return score if score >= REPLACE_THRESHOLD else 0.0
        return quick

    if len(olds) * len(news) > _DP_LIMIT:
        pairs = []
        y0 = 0
        for x in range(len(olds)):
            best, best_y = 0.0, -1
            for y in range(y0, min(len(news), y0 + _GREEDY_WINDOW)):
                w = weight(x, y)
                if w > best:
                    best, best_y = w, y
            if best_y >= 0:
                pairs.append((olds[x], news[best_y]))
                y0 = best_y + 1
        return pairs

    rows, cols = len(olds), len(news)
    score = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    weights = [[weight(x, y) for y in range(cols)] for x in range(rows)]
    for x in range(rows - 1, -1, -1):
        row, below = score[x], score[x + 1]
        for y in range(cols - 1, -1, -1):
            best = max(below[y], row[y + 1])
            w = weights[x][y]
            if w > 0.0 and w + below[y + 1] > best:
                best = w + below[y + 1]
            row[y] = best
    pairs = []
    x = y = 0
    while x < rows and y < cols:
        w = weights[x][y]
        if w > 0.0 and score[x][y] == w + score[x + 1][y + 1]:
            pairs.append((olds[x], news[y]))
            x += 1
            y += 1
        elif score[x][y] == score[x + 1][y]:
            x += 1
        else:
            y += 1
    return pairs


def align_blocks(old: Sequence[str], new: Sequence[str]) -> list[BlockOp]:
    """Align two block lists; ops come in new-document order with deletes where they stood.

    Every old index appears in exactly one op and so does every new index.
    """
    encoder = _Encoder()
    a = encoder.encode(old)
    b = encoder.encode(new)
    differ = diff_match_patch()
    differ.Diff_Timeout = 0
    diffs = differ.diff_main(a, b, False, time.time() + 2.0)

    # Equal runs and the changed stretches between them, as index lists.
    stretches: list[tuple[list[int], list[int]] | tuple[int, int, int]] = []
    i = j = 0
    for op, chars in diffs:
        count = len(chars)
        if op == EQUAL:
            stretches.append((i, j, count))
            i += count
            j += count
            continue
        if not stretches or not isinstance(stretches[-1][0], list):
            stretches.append(([], []))
        changed = stretches[-1]
        assert isinstance(changed[0], list) and isinstance(changed[1], list)
        if op == DELETE:
            changed[0].extend(range(i, i + count))
            i += count
        else:
            changed[1].extend(range(j, j + count))
            j += count

    # Moves: a deleted block whose text comes back, anywhere, as an inserted block.
    deleted: defaultdict[str, deque[int]] = defaultdict(deque)
    for stretch in stretches:
        if isinstance(stretch[0], list):
            for oi in stretch[0]:
                deleted[_move_key(old[oi])].append(oi)
    moved_to: dict[int, int] = {}
    moved_from: dict[int, int] = {}
    for stretch in stretches:
        if isinstance(stretch[0], list):
            assert isinstance(stretch[1], list)
            for nj in stretch[1]:
                queue = deleted.get(_move_key(new[nj]))
                if queue:
                    oi = queue.popleft()
                    moved_to[oi] = nj
                    moved_from[nj] = oi

    ops: list[BlockOp] = []
    for stretch in stretches:
        if not isinstance(stretch[0], list):
            oi, nj, count = stretch
            ops.extend(BlockOp(EQUAL_OP, oi + k, nj + k) for k in range(count))
            continue
        olds_all, news_all = stretch
        assert isinstance(news_all, list)
        olds = [x for x in olds_all if x not in moved_to]
        news = [y for y in news_all if y not in moved_from]
        paired = dict((y, x) for x, y in _pair(old, new, olds, news))
        pending = deque(olds)
        for nj in news_all:
            if nj in paired:
                oi = paired[nj]
                while pending and pending[0] != oi:
                    ops.append(BlockOp(DELETE_OP, pending.popleft(), None))
                pending.popleft()
                ops.append(BlockOp(REPLACE, oi, nj))
            elif nj in moved_from:
                ops.append(BlockOp(MOVE, moved_from[nj], nj))
            else:
                ops.append(BlockOp(INSERT_OP, None, nj))
        ops.extend(BlockOp(DELETE_OP, oi, None) for oi in pending)
    return _deletes_first(ops)


def _deletes_first(ops: list[BlockOp]) -> list[BlockOp]:
    """Within each run of inserts and deletes, list the deletes first, keeping their order."""
    out: list[BlockOp] = []
    run: list[BlockOp] = []

    def flush() -> None:
        out.extend(op for op in run if op.kind == DELETE_OP)
        out.extend(op for op in run if op.kind != DELETE_OP)
        run.clear()

    for op in ops:
        if op.kind in (DELETE_OP, INSERT_OP, MOVE):
            run.append(op)
        else:
            flush()
            out.append(op)
    flush()
    return out


def apply_block_ops(old: Sequence[str], new: Sequence[str], ops: Sequence[BlockOp]) -> list[str]:
    """Rebuild the new block list from ``old`` and the ops: kept blocks keep their old text.

    Rewritten and inserted blocks take their new text; a moved block keeps its old text
    unless only its trailing whitespace changed, in which case it takes the new one.
    """
    out: list[str] = []
    for op in ops:
        if op.kind == DELETE_OP:
            continue
        if op.kind == EQUAL_OP:
            assert op.old_index is not None
            out.append(old[op.old_index])
        elif op.kind == MOVE:
            assert op.old_index is not None and op.new_index is not None
            text = old[op.old_index]
            out.append(text if text == new[op.new_index] else new[op.new_index])
        else:
            assert op.new_index is not None
            out.append(new[op.new_index])
    return out
