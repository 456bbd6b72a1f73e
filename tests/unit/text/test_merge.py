from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from charter_engine.text import Conflict, MergeResult, merge3, merge3_with_markers

from .strategies import any_texts, line_texts, small_texts

texts = st.one_of(small_texts, line_texts)


def test_result_type() -> None:
    result = merge3("a\n", "b\n", "a\n")
    assert result == MergeResult(text="b\n", conflicts=())
    assert result.clean
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


def test_empty_texts() -> None:
    assert merge3("", "", "").text == ""
    assert merge3("", "a", "").text == "a"
    assert merge3("", "", "b").text == "b"
    assert merge3("", "same", "same").text == "same"
    result = merge3("", "a", "b")
    assert result.text is None
    assert result.conflicts == (Conflict(base="", ours="a", theirs="b", base_start=0, base_end=0),)


def test_changes_on_separate_lines_combine() -> None:
    base = "one\ntwo\nthree\nfour\n"
    assert merge3(base, "ONE\ntwo\nthree\nfour\n", "one\ntwo\nthree\nFOUR\n").text == (
        "ONE\ntwo\nthree\nFOUR\n"
    )


def test_identical_changes_apply_once() -> None:
    base = "one\ntwo\n"
    assert merge3(base, "one\n2\n", "one\n2\n").text == "one\n2\n"
    assert merge3(base, "zero\none\ntwo\n", "zero\none\ntwo\n").text == "zero\none\ntwo\n"


def test_different_sentences_of_one_paragraph_combine() -> None:
    base = "The council has five members. It meets monthly. Minutes are public.\n"
    ours = "The council has seven members. It meets monthly. Minutes are public.\n"
    theirs = "The council has five members. It meets monthly. Minutes are published.\n"
    assert merge3(base, ours, theirs).text == (
        "The council has seven members. It meets monthly. Minutes are published.\n"
    )


def test_adjacent_lines_changed_by_each_side_combine() -> None:
    base = "- Alice\n- Bob\n- Carol\n"
    ours = "- Alice\n- Robert\n- Carol\n"
    theirs = "- Alice\n- Bob\n- Caroline\n"
    assert merge3(base, ours, theirs).text == "- Alice\n- Robert\n- Caroline\n"


def test_same_sentence_changed_by_both_is_a_conflict() -> None:
    base = "The council has five members and meets monthly. Next.\n"
    ours = "The council has seven members and meets monthly. Next.\n"
    theirs = "The council has five members and meets weekly. Next.\n"
    result = merge3(base, ours, theirs)
    assert result.text is None
    (conflict,) = result.conflicts
    assert conflict.base == "The council has five members and meets monthly. "
    assert conflict.ours == "The council has seven members and meets monthly. "
    assert conflict.theirs == "The council has five members and meets weekly. "
    assert base[conflict.base_start : conflict.base_end] == conflict.base


def test_insertions_at_the_same_place_conflict() -> None:
    base = "- Alice\n- Bob\n"
    result = merge3(base, base + "- Carol\n", base + "- Dave\n")
    assert result.text is None
    assert result.conflicts == (
        Conflict(base="", ours="- Carol\n", theirs="- Dave\n", base_start=14, base_end=14),
    )
    assert merge3(base, base + "- Carol\n", base + "- Carol\n").text == base + "- Carol\n"


def test_insertion_touching_the_other_sides_change_conflicts() -> None:
    base = "First rule. Second rule.\n"
    ours = "First rule. New rule. Second rule.\n"
    theirs = "First rule. Second law.\n"
    assert merge3(base, ours, theirs).text is None
    assert merge3(base, theirs, ours).text is None


def test_deletion_against_edit_conflicts() -> None:
    base = "Keep.\nDrop this line.\nKeep too.\n"
    assert merge3(base, "Keep.\nKeep too.\n", "Keep.\nDrop this text.\nKeep too.\n").text is None


def test_abbreviations_do_not_split_sentences() -> None:
    base = "Votes, e.g. ballots, count. More.\n"
    ours = "Votes, e.g. paper ballots, count. More.\n"
    theirs = "Ballots, e.g. ballots, count. More.\n"
    assert merge3(base, ours, theirs).text is None


def test_crlf_texts() -> None:
    base = "a\r\nb\r\nc\r\nd\r\n"
    ours = "A\r\nb\r\nc\r\nd\r\n"
    theirs = "a\r\nb\r\nc\r\nD\r\n"
    assert merge3(base, ours, theirs).text == "A\r\nb\r\nc\r\nD\r\n"


def test_markers() -> None:
    text, conflicts = merge3_with_markers("x\n", "y\n", "z\n", ours_label="A", theirs_label="B")
    assert text == "<<<<<<< A\ny\n=======\nz\n>>>>>>> B\n"
    assert len(conflicts) == 1
    clean, none = merge3_with_markers("x\n", "y\n", "x\n")
    assert (clean, none) == ("y\n", ())


@settings(max_examples=150, deadline=None)
@given(any_texts, any_texts)
def test_one_side_unchanged_takes_the_other(base: str, other: str) -> None:
    assert merge3(base, base, other).text == other
    assert merge3(base, other, base).text == other


@settings(max_examples=150, deadline=None)
@given(any_texts, any_texts)
def test_same_change_on_both_sides(base: str, other: str) -> None:
    assert merge3(base, other, other).text == other


@settings(max_examples=300, deadline=None)
@given(texts, texts, texts)
def test_swapping_sides_is_symmetric(base: str, ours: str, theirs: str) -> None:
    forward = merge3(base, ours, theirs)
    backward = merge3(base, theirs, ours)
    assert forward.clean == backward.clean
    assert forward.text == backward.text
    assert len(forward.conflicts) == len(backward.conflicts)
    for a, b in zip(forward.conflicts, backward.conflicts, strict=True):
        assert (a.base, a.ours, a.theirs) == (b.base, b.theirs, b.ours)
        assert base[a.base_start : a.base_end] == a.base


@settings(max_examples=300, deadline=None)
@given(texts, texts, texts)
def test_conflicts_are_real(base: str, ours: str, theirs: str) -> None:
    result = merge3(base, ours, theirs)
    if result.clean:
        assert result.text is not None
        return
    assert result.text is None
    for conflict in result.conflicts:
        assert conflict.ours != conflict.theirs
        assert base[conflict.base_start : conflict.base_end] == conflict.base


distinct_lines = st.lists(st.integers(0, 10_000), min_size=3, max_size=12, unique=True)


@settings(max_examples=200, deadline=None)
@given(distinct_lines, st.data())
def test_separate_edits_are_both_kept(numbers: list[int], data: st.DataObject) -> None:
    lines = [f"Clause {n} stands.\n" for n in numbers]
    i = data.draw(st.integers(0, len(lines) - 1))
    j = data.draw(st.integers(0, len(lines) - 1))
    assume(abs(i - j) >= 2)
    ours_line = data.draw(st.sampled_from(["", "Ours rewrote this.\n", "Ours one.\nOurs two.\n"]))
    theirs_line = data.draw(st.sampled_from(["", "Theirs rewrote this.\n", "Theirs new.\n"]))
    ours = lines.copy()
    ours[i] = ours_line
    theirs = lines.copy()
    theirs[j] = theirs_line
    expected = lines.copy()
    expected[i] = ours_line
    expected[j] = theirs_line
    assert merge3("".join(lines), "".join(ours), "".join(theirs)).text == "".join(expected)


def test_insertion_inside_one_sentence_and_edit_of_another_combine() -> None:
    base = "Members vote yearly. The chair counts. Results are final.\n"
    ours = "Members vote online yearly. The chair counts. Results are final.\n"
    theirs = "Members vote yearly. The chair counts. Results are binding.\n"
    assert merge3(base, ours, theirs).text == (
        "Members vote online yearly. The chair counts. Results are binding.\n"
    )
