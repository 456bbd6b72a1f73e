from __future__ import annotations

import random
import time
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import (
    changed_spans,
    diff_tokens,
    diff_words,
    new_text,
    old_text,
    similarity,
    tokenize,
)

from .strategies import any_texts, small_texts


def check_diff(old: str, new: str) -> list[tuple[int, str]]:
    pieces = diff_words(old, new)
    assert old_text(pieces) == old
    assert new_text(pieces) == new
    assert all(text for _, text in pieces)
    assert all(op in (-1, 0, 1) for op, _ in pieces)
    for (op1, _), (op2, _) in pairwise(pieces):
        assert op1 != op2
    return pieces


def test_empty_inputs() -> None:
    assert diff_words("", "") == []
    assert diff_words("", "new") == [(1, "new")]
    assert diff_words("old", "") == [(-1, "old")]
    assert diff_words("same", "same") == [(0, "same")]


def test_changes_whole_words() -> None:
    pieces = check_diff(
        "The quick brown fox jumps over the lazy dog.",
        "The quick red fox jumped over the lazy dog!",
    )
    assert (-1, "brown") in pieces and (1, "red") in pieces
    assert (-1, "jumps") in pieces and (1, "jumped") in pieces
    assert (0, " fox ") in pieces


def test_deletion_then_insertion_order() -> None:
    pieces = check_diff("a b c", "a x c")
    assert pieces == [(0, "a "), (-1, "b"), (1, "x"), (0, " c")]


def test_whole_line_deletion_lands_on_line_boundary() -> None:
    pieces = check_diff("- Jupyter Enterprise\n- Jupyter Security\n", "- Jupyter Security\n")
    assert pieces == [(-1, "- Jupyter Enterprise\n"), (0, "- Jupyter Security\n")]


def test_crlf_and_unicode() -> None:
    check_diff(
        "Règle 1.\r\nالمادة الأولى\r\n中文版本\r\n",
        "Règle 2.\r\nالمادة الثانية\r\n中文版\r\n",
    )
    pieces = diff_words("中文版本", "中文版")
    assert pieces == [(0, "中文版"), (-1, "本")]


def test_astral_and_surrogate_neighbour_characters() -> None:
    check_diff("a \U0001f600 b \ud7ff \ue000", "a \U0001f601 b \ue000 \ud7ff")


def test_many_distinct_tokens_skip_surrogate_range() -> None:
    old = " ".join(f"w{k}" for k in range(60_000))
    new = old.replace("w30000 ", "changed ")
    pieces = check_diff(old, new)
    assert (-1, "w30000") in pieces and (1, "changed") in pieces


def test_huge_input_is_bounded_in_time() -> None:
    rng = random.Random(7)
    words = [rng.choice(["council", "vote", "member", "shall", "the", "of"]) for _ in range(46_000)]
    old_words = list(words)
    for _ in range(2_000):
        words[rng.randrange(len(words))] = rng.choice(["board", "may", "a", "ballot"])
    lines_old = "\n".join(" ".join(old_words[k : k + 12]) for k in range(0, len(old_words), 12))
    lines_new = "\n".join(" ".join(words[k : k + 12]) for k in range(0, len(words), 12))
    assert len(lines_old) > 250_000
    started = time.perf_counter()
    check_diff(lines_old, lines_new)
    assert time.perf_counter() - started < 5.0


def test_diff_tokens_counts() -> None:
    runs = diff_tokens(tokenize("a b c"), tokenize("a c"))
    assert sum(n for op, n in runs if op != 1) == 5
    assert sum(n for op, n in runs if op != -1) == 3


def test_changed_spans() -> None:
    old, new = "one two three", "one 2 three four"
    spans = changed_spans(old, new)
    assert spans == [((4, 7), (4, 5)), ((13, 13), (11, 16))]
    assert old[4:7] == "two" and new[4:5] == "2" and new[11:16] == " four"


def test_similarity() -> None:
    assert similarity("", "") == 1.0
    assert similarity("a b", "") == 0.0
    assert similarity("The council votes.", "The council votes.") == 1.0
    assert similarity("The council votes.", "The  council\nvotes.") == 1.0
    assert 0.0 < similarity("The council votes.", "The board votes.") < 1.0
    assert similarity("alpha beta", "gamma delta") == 0.0


@settings(max_examples=300, deadline=None)
@given(any_texts, any_texts)
def test_diff_reconstructs_both_texts(old: str, new: str) -> None:
    check_diff(old, new)


@settings(max_examples=100, deadline=None)
@given(small_texts, small_texts)
def test_similarity_is_bounded(a: str, b: str) -> None:
    value = similarity(a, b)
    assert 0.0 <= value <= 1.0
    assert similarity(a, a) == 1.0


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_changed_spans_cover_all_changes(old: str, new: str) -> None:
    rebuilt = []
    old_at = 0
    for (os_, oe), (ns, ne) in changed_spans(old, new):
        rebuilt.append(old[old_at:os_])
        rebuilt.append(new[ns:ne])
        old_at = oe
    rebuilt.append(old[old_at:])
    assert "".join(rebuilt) == new
