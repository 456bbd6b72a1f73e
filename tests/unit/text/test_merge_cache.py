"""The merge caches change nothing: cold, warm and uncached merges give the same results."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import MergeResult, merge3, merge3_with_markers
from charter_engine.text import merge_words as words_module
from charter_engine.text.diff import _Encoder
from charter_engine.text.merge_words import clear_caches
from tests.shared_data import require_shared_data

from .strategies import SENTENCES, VOCABULARY, any_texts, line_texts, small_texts
from .test_merge_real import _cases, _read

texts = st.one_of(small_texts, line_texts)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


def _uncached(base: str, ours: str, theirs: str) -> MergeResult:
    """The merge computed from empty caches: nothing it uses was kept from an earlier call."""
    clear_caches()
    return merge3(base, ours, theirs)


def _assert_same_everywhere(base: str, ours: str, theirs: str) -> None:
    reference = _uncached(base, ours, theirs)
    clear_caches()
    assert merge3(base, ours, theirs) == reference  # cold
    assert merge3(base, ours, theirs) == reference  # warm: everything cached
    clear_caches()
    merge3(base, theirs, ours)  # the same texts cached on the other sides
    assert merge3(base, ours, theirs) == reference


@pytest.mark.parametrize("case", _cases())
def test_real_merges_cold_warm_and_uncached(case: str) -> None:
    folder = require_shared_data("merges") / case
    base, ours, theirs = (_read(folder, s) for s in ("base", "a", "b"))
    forward = _uncached(base, ours, theirs)
    backward = _uncached(base, theirs, ours)
    clear_caches()
    assert merge3(base, ours, theirs) == forward  # cold
    assert merge3(base, ours, theirs) == forward  # warm
    assert merge3(base, theirs, ours) == backward  # warm, sides swapped


@settings(max_examples=300, deadline=None)
@given(texts, texts, texts)
def test_generated_merges_cold_warm_and_uncached(base: str, ours: str, theirs: str) -> None:
    _assert_same_everywhere(base, ours, theirs)


@settings(max_examples=100, deadline=None)
@given(any_texts, any_texts, any_texts)
def test_markers_do_not_depend_on_the_caches(base: str, ours: str, theirs: str) -> None:
    clear_caches()
    cold = merge3_with_markers(base, ours, theirs)
    assert merge3_with_markers(base, ours, theirs) == cold
    assert merge3(base, ours, theirs).clean == (not cold[1])


def _rewrite_word(text: str, index: int) -> str:
    words = list(re.finditer(r"[A-Za-z]{3,}", text))
    match = words[index % len(words)]
    return text[: match.start()] + match.group().upper() + text[match.end() :]


def _clause(sentences: int, separator: str = " ") -> str:
    return separator.join(SENTENCES[(k * 7) % len(SENTENCES)] for k in range(sentences))


@pytest.mark.parametrize("separator", [" ", "\n", "  ", " \n"])
def test_rebase_burst_matches_individual_merges(separator: str) -> None:
    base = _clause(60, separator)
    words = len(re.findall(r"[A-Za-z]{3,}", base))
    theirs = _rewrite_word(base, words // 2)
    pending = [_rewrite_word(base, k * 13) for k in range(words)]
    pending += [base + " Added.", "Replaced entirely.", "", base.replace("e", "E", 3)]
    burst = [merge3(base, ours, theirs) for ours in pending]
    assert any(r.clean for r in burst)
    assert any(not r.clean for r in burst)
    for ours, result in zip(pending, burst, strict=True):
        assert result == _uncached(base, ours, theirs)


@settings(max_examples=60, deadline=None)
@given(texts, texts, st.lists(texts, max_size=8))
def test_generated_bursts_match_individual_merges(
    base: str, theirs: str, pending: list[str]
) -> None:
    clear_caches()
    burst = [merge3(base, ours, theirs) for ours in pending]
    assert burst == [_uncached(base, ours, theirs) for ours in pending]


def test_interleaved_bursts_on_two_clauses() -> None:
    first = _clause(30)
    second = _clause(30, "\n")
    jobs = []
    for k in range(40):
        base = first if k % 2 else second
        jobs.append((base, _rewrite_word(base, k * 5), _rewrite_word(base, 3)))
    results = [merge3(*job) for job in jobs]
    assert results == [_uncached(*job) for job in jobs]


def _cached_entries() -> int:
    return (
        words_module._cached_analyse.cache_info().currsize
        + words_module._cached_hunks.cache_info().currsize
    )


@pytest.mark.parametrize(
    ("sentences", "kept"), [(words_module._MAX_CACHED_CHARS // 10, False), (100, True)]
)
def test_huge_texts_are_not_kept(sentences: int, kept: bool) -> None:
    base = "Members vote. " * sentences
    ours = "Chairs vote. " + base[14:]
    theirs = base[:-14] + "Members decide. "
    result = merge3(base, ours, theirs)
    assert result.text == "Chairs vote. " + base[14:-14] + "Members decide. "
    assert (_cached_entries() > 0) == kept


# A reference version of the per-token loop the diff used to run.


def _reference_encode(encoder: _Encoder, items: Sequence[str]) -> str:
    chars = []
    for item in items:
        char = encoder.index.get(item)
        if char is None:
            char = chr(len(encoder.items))
            encoder.index[item] = char
            encoder.items.append(item)
        chars.append(char)
    return "".join(chars)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([*VOCABULARY, "x", "y", "z"]), max_size=30), max_size=4))
def test_encoder_matches_the_per_token_loop(batches: list[list[str]]) -> None:
    fast = _Encoder()
    slow = _Encoder()
    for items in batches:
        assert fast.encode(items) == _reference_encode(slow, items)
        assert fast.items == slow.items
