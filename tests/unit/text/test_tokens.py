from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import tokenize
from charter_engine.text.tokens import is_space, is_word


def test_empty() -> None:
    assert tokenize("") == []


def test_words_spaces_and_punctuation() -> None:
    assert tokenize("The council, by vote:  yes.\r\n") == [
        "The",
        " ",
        "council",
        ",",
        " ",
        "by",
        " ",
        "vote",
        ":",
        "  ",
        "yes",
        ".",
        "\r\n",
    ]


def test_apostrophes_inside_words_only() -> None:
    assert tokenize("don't 'quoted' people’s") == [
        "don't",
        " ",
        "'",
        "quoted",
        "'",
        " ",
        "people’s",
    ]


def test_digits_and_underscores() -> None:
    assert tokenize("v1.0 snake_case") == ["v1", ".", "0", " ", "snake", "_", "case"]


def test_arabic_with_diacritics_stays_one_word() -> None:
    assert tokenize("مُحَمَّد رَسُول،") == ["مُحَمَّد", " ", "رَسُول", "،"]


def test_devanagari_vowel_signs_stay_in_word() -> None:
    assert tokenize("मनुष्य का") == ["मनुष्य", " ", "का"]


def test_decomposed_accents_stay_in_word() -> None:
    assert tokenize("e\u0301cole ok") == ["e\u0301cole", " ", "ok"]


def test_persian_zero_width_non_joiner_inside_word() -> None:
    assert tokenize("می\u200cخواهم") == ["می\u200cخواهم"]


def test_cjk_ideographs_are_separate_tokens() -> None:
    assert tokenize("中文版本 한국어") == ["中", "文", "版", "本", " ", "한국어"]


def test_japanese_kana_are_separate_tokens() -> None:
    assert tokenize("ひらがなカタ") == ["ひ", "ら", "が", "な", "カ", "タ"]


def test_token_classes() -> None:
    assert is_word("abc") and is_word("中") and is_word("42")
    assert not is_word(",") and not is_word(" ")
    assert is_space(" \n\t") and not is_space("a")


@settings(max_examples=300)
@given(st.text())
def test_round_trip_any_text(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert all(tokens)
    for left, right in pairwise(tokens):
        assert not (is_space(left) and is_space(right))
