"""What a conflict is about: the sentences both changes touch, as each side has them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import Conflict, Overlap, merge3, overlap_of

from .strategies import line_texts, small_texts

texts = st.one_of(small_texts, line_texts)


def _only_conflict(base: str, ours: str, theirs: str) -> Conflict:
    (conflict,) = merge3(base, ours, theirs).conflicts
    return conflict


def test_the_sentence_both_rewrote() -> None:
    base = "Members vote yearly. The council has five members and meets monthly. Next.\n"
    ours = "Members vote yearly. The council has seven members and meets monthly. Next.\n"
    theirs = "Members vote yearly. The council has five members and meets weekly. Next.\n"
    conflict = _only_conflict(base, ours, theirs)
    assert overlap_of(conflict) == Overlap(
        base="The council has five members and meets monthly. ",
        ours="The council has seven members and meets monthly. ",
        theirs="The council has five members and meets weekly. ",
        sentences=1,
        start=0,
        end=len(conflict.base),
    )


def test_of_two_sentences_in_conflict_the_one_both_touch() -> None:
    # Ours inserts between the first and the second sentence, so it touches both; theirs
    # rewrites the second (and the third, which merges on its own).
    base = "Members vote. The chair counts. Results are final. Minutes are kept.\n"
    ours = "Members vote. Proxies count. The chair counts. Results are final. Minutes are kept.\n"
    theirs = "Members vote. The secretary counts. Results are binding. Minutes are kept.\n"
    conflict = _only_conflict(base, ours, theirs)
    assert conflict.base == "Members vote. The chair counts. "
    assert overlap_of(conflict) == Overlap(
        base="The chair counts. ",
        ours="Proxies count. The chair counts. ",
        theirs="The secretary counts. ",
        sentences=1,
        start=len("Members vote. "),
        end=len(conflict.base),
    )


def test_insertions_at_one_place() -> None:
    conflict = _only_conflict(
        "- Alice\n- Bob\n", "- Alice\n- Bob\n- Carol\n", "- Alice\n- Bob\n- Dave\n"
    )
    assert overlap_of(conflict) == Overlap("", "- Carol\n", "- Dave\n", 0, 0, 0)


def test_near_identical_passages_with_no_sentence_in_common() -> None:
    # Both insert almost the same sentence, two sentences apart: no base sentence is touched
    # by both, so the whole conflict is what the author has to look at.
    base = "Members vote yearly. The chair counts. Results are final. Minutes are kept.\n"
    ours = base.replace("yearly. ", "yearly. Abstentions do not count. ")
    theirs = base.replace("final. ", "final. Abstentions do not count at all. ")
    conflict = _only_conflict(base, ours, theirs)
    overlap = overlap_of(conflict)
    assert (overlap.base, overlap.ours, overlap.theirs, overlap.sentences) == (
        conflict.base,
        conflict.ours,
        conflict.theirs,
        4,
    )


@settings(max_examples=300, deadline=None)
@given(texts, texts, texts)
def test_the_overlap_is_one_stretch_of_the_conflict_on_all_sides(
    base: str, ours: str, theirs: str
) -> None:
    for conflict in merge3(base, ours, theirs).conflicts:
        overlap = overlap_of(conflict)
        assert conflict.base[overlap.start : overlap.end] == overlap.base
        assert overlap.ours in conflict.ours
        assert overlap.theirs in conflict.theirs
        assert overlap.ours != overlap.theirs
        if (overlap.start, overlap.end) == (0, len(conflict.base)):
            assert (overlap.ours, overlap.theirs) == (conflict.ours, conflict.theirs)
