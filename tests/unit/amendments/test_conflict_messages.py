"""The message an author reads about a rebase conflict names the sentence and what the other
change did to it."""

from __future__ import annotations

from charter_engine.amendments.merging import conflict_message
from charter_engine.text import Overlap

SENTENCE = "The council has five members and meets monthly. "


def test_a_sentence_both_changed() -> None:
    overlap = Overlap(
        SENTENCE, SENTENCE.replace("five", "seven"), SENTENCE.replace("monthly", "weekly"), 1, 0, 48
    )
    assert conflict_message("Amendment #6", overlap) == (
        "Amendment #6 also changed this sentence: "
        "“The council has five members and meets monthly.” "
        "It now reads: “The council has five members and meets weekly.”."
    )


def test_several_sentences() -> None:
    base = "The chair counts.\nResults are final. "
    overlap = Overlap(base, base, "The secretary counts.\nResults are binding. ", 2, 0, len(base))
    assert conflict_message("An editorial change", overlap) == (
        "An editorial change also changed these sentences: “The chair counts. Results are "
        "final.” They now read: “The secretary counts. Results are binding.”."
    )


def test_a_sentence_the_other_deleted() -> None:
    overlap = Overlap(SENTENCE, SENTENCE.replace("five", "seven"), "", 1, 0, 48)
    assert conflict_message("Amendment #3", overlap) == (
        "Amendment #3 deleted this sentence: “The council has five members and meets monthly.”."
    )


def test_insertions_at_one_place() -> None:
    overlap = Overlap("", "- Carol\n", "- Dave\n", 0, 0, 0)
    assert conflict_message("Amendment #2", overlap) == (
        "Amendment #2 also inserted text at this place: “- Dave”."
    )


def test_long_passages_are_cut() -> None:
    sentence = "The council " + "really " * 80 + "meets."
    message = conflict_message(
        "Amendment #9", Overlap(sentence, sentence, sentence + " X", 1, 0, 1)
    )
    assert len(message) < 700
    assert message.count("…”") == 2
