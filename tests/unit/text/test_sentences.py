"""Where sentences end, and what that lets a merge combine."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import merge3, tokenize
from charter_engine.text.sentences import ends_unit, sentence_units

from .strategies import SENTENCES, VOCABULARY, any_texts


def _sentences(text: str) -> list[str]:
    tokens = tokenize(text)
    starts = sentence_units(tokens)[1]
    return ["".join(tokens[a:b]) for a, b in zip(starts, [*starts[1:], len(tokens)], strict=True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Members appeal under Article 12. The secretariat decides.",
            ["Members appeal under Article 12. ", "The secretariat decides."],
        ),
        (
            "A quorum is at least 5. Members vote by show of hands.",
            ["A quorum is at least 5. ", "Members vote by show of hands."],
        ),
        (
            "Members act as Article 12 says. The secretariat decides.",
            ["Members act as Article 12 says. ", "The secretariat decides."],
        ),
        # A number opening a line is a list or section number, not a sentence.
        ("1. Mission of the group", ["1. Mission of the group"]),
        ("  2. Scope\n1.2. Members vote.", ["  2. Scope\n", "1.2. Members vote."]),
        # A number followed by a lower-case word or another number goes on.
        ("It has 12. members and more", ["It has 12. members and more"]),
        ("See item 4. 5 members vote.", ["See item 4. 5 members vote."]),
        # Abbreviations.
        ("Votes, e.g. ballots, count.", ["Votes, e.g. ballots, count."]),
        ("Rule No. 5 stands. Next.", ["Rule No. 5 stands. ", "Next."]),
    ],
)
def test_sentence_ends(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_edits_on_each_side_of_a_sentence_ending_in_a_number_combine() -> None:
    base = "Members may appeal under Article 12. The secretariat decides within a month.\n"
    ours = (
        "Members may appeal in writing under Article 12. The secretariat decides within a month.\n"
    )
    theirs = "Members may appeal under Article 12. The secretariat decides within a week.\n"
    assert merge3(base, ours, theirs).text == (
        "Members may appeal in writing under Article 12. The secretariat decides within a week.\n"
    )
    base = "A quorum is at least 5. Members vote by show of hands.\n"
    ours = "A quorum is at least 7. Members vote by show of hands.\n"
    theirs = "A quorum is at least 5. Members vote by secret ballot.\n"
    assert merge3(base, ours, theirs).text == (
        "A quorum is at least 7. Members vote by secret ballot.\n"
    )


def test_a_list_number_does_not_split_its_item() -> None:
    # "1." opens the line: the item is one unit, so edits on both sides of it conflict.
    base = "1. Mission of the group\n"
    assert merge3(base, "1. Mission of the Core Group\n", "2. Mission of the group\n").text is None


def _reference_sentence_units(tokens: Sequence[str]) -> tuple[list[int], list[int]]:
    """The per-token loop that ``sentence_units`` shortens by checking only candidates."""
    units: list[int] = []
    starts: list[int] = [0]
    unit = 0
    n = len(tokens)
    for k in range(n):
        units.append(unit)
        if k + 1 == n:
            break
        if ends_unit(tokens, k):
            unit += 1
            starts.append(k + 1)
    return units, starts


NUMBERED = ["under Article 12. The", "at least 5. Members"]

_UNIT_TEXTS = st.lists(
    st.sampled_from(
        [*VOCABULARY, *SENTENCES, *NUMBERED, "!", "?", "。", "”", ")", "e.g.", "5", "12"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_UNIT_TEXTS, any_texts))
def test_sentence_units_match_the_per_token_loop(text: str) -> None:
    tokens = tokenize(text)
    assert sentence_units(tokens) == _reference_sentence_units(tokens)
