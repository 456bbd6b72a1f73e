"""Insertions by both sides near one place: a passage is never written twice, and two different
passages at one place are a conflict, whatever place the diff happened to give each of them."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from charter_engine.text import merge3, merge3_with_markers

BLANK_LINES = ["\n", "\n", "  \n"]
TEXT_LINES = [
    "The council meets monthly.\n",
    "Members vote.\n",
    "- Alice\n",
    "## Rules\n",
    "It has five members. The chair counts.\n",
]
base_lines = st.lists(st.sampled_from(TEXT_LINES + BLANK_LINES), min_size=1, max_size=10)


# Sentences no base line contains, with few words in common.
SENTENCES = {
    "shared": "The shared passage is added here.\n",
    "first": "Quorum rules apply to every vote.\n",
    "second": "Observers may attend all meetings.\n",
}


def _passage(name: str, extra: list[str]) -> list[str]:
    """A new sentence followed by lines like those of the base."""
    return [SENTENCES[name], *extra]


passages_extra = st.lists(st.sampled_from(TEXT_LINES + BLANK_LINES), max_size=2)


@dataclass(frozen=True)
class Rewrite:
    """A side's edit elsewhere, so that the two sides differ beyond the insertion and each
    side's diff may place the insertion differently."""

    line: int
    text: str


def _rewrites(data: st.DataObject, lines: list[str], label: str) -> list[Rewrite]:
    """Up to two of ``lines`` that the side rewrites."""
    if not lines:
        return []
    chosen = data.draw(st.lists(st.integers(0, len(lines) - 1), max_size=2, unique=True))
    return [Rewrite(k, f"{label} rewrote line {k} entirely.\n") for k in chosen]


def _apply(lines: list[str], rewrites: list[Rewrite]) -> list[str]:
    out = list(lines)
    for rewrite in rewrites:
        out[rewrite.line] = rewrite.text
    return out


def _insert(lines: list[str], at: int, passage: list[str]) -> str:
    return "".join(lines[:at] + passage + lines[at:])


def _blank_run_after(lines: list[str], at: int, data: st.DataObject) -> int:
    """A position at or after ``at`` with only blank lines of ``lines`` in between."""
    end = at
    while end < len(lines) and not lines[end].strip():
        end += 1
    return data.draw(st.integers(at, end))


@settings(max_examples=400, deadline=None)
@given(base_lines, passages_extra, st.data())
def test_the_same_passage_apart_by_blank_lines_is_never_kept_twice(
    lines: list[str], extra: list[str], data: st.DataObject
) -> None:
    passage = _passage("shared", extra)
    at = data.draw(st.integers(0, len(lines)))
    other_at = _blank_run_after(lines, at, data)
    ours_lines = _apply(lines, _rewrites(data, lines, "Ours"))
    theirs_lines = _apply(lines, _rewrites(data, lines, "Theirs"))
    base = "".join(lines)
    for ours, theirs in (
        (_insert(ours_lines, at, passage), _insert(theirs_lines, other_at, passage)),
        (_insert(ours_lines, other_at, passage), _insert(theirs_lines, at, passage)),
    ):
        result = merge3(base, ours, theirs)
        assert result.text is None or result.text.count("shared passage") == 1
        marked, conflicts = merge3_with_markers(base, ours, theirs)
        assert conflicts or marked.count("shared passage") == 1


repeated_lines = st.lists(st.sampled_from(TEXT_LINES + BLANK_LINES), min_size=1, max_size=3)


def _slid_sides(rest: list[str], repeated: list[str]) -> tuple[str, str, str, str]:
    """Base, ours, theirs and the expected merge: both sides insert the passage next to the
    lines ``repeated``, which it can slide over, and rewrite a line of their own far from it.

    Inserting "R + passage" before the lines R, or "passage + R" after them, gives the same
    text: one edit, whichever place each side's diff picked.
    """
    lines = ["First line stays.\n", "Second line stays.\n", *repeated, *rest]
    local = [*lines[:2], *repeated, SENTENCES["shared"], *lines[2:]]
    base = "".join([*lines, "Keep this line.\n", "Last line.\n"])
    ours = "".join([*local, "Keep this line.\n", "Ours rewrote the end.\n"])
    theirs = "".join(
        ["Theirs rewrote the start.\n", *local[1:], "Keep this line.\n", "Last line.\n"]
    )
    expected = "".join(
        ["Theirs rewrote the start.\n", *local[1:], "Keep this line.\n", "Ours rewrote the end.\n"]
    )
    return base, ours, theirs, expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 99), max_size=6, unique=True), repeated_lines)
def test_an_insertion_that_slides_over_identical_lines_is_one_edit(
    numbers: list[int], repeated: list[str]
) -> None:
    rest = [f"Clause {n} stands.\n" for n in numbers]
    base, ours, theirs, expected = _slid_sides(rest, repeated)
    assert merge3(base, ours, theirs).text == expected
    assert merge3(base, theirs, ours).text == expected


@settings(max_examples=300, deadline=None)
@given(base_lines, repeated_lines)
def test_an_insertion_slid_among_repeated_lines_is_kept_once_or_conflicts(
    rest: list[str], repeated: list[str]
) -> None:
    # When the rest of the text repeats the same lines too, a side's diff may pair them in a
    # way that reads as other edits: then a conflict is fair, but a clean merge is exact.
    base, ours, theirs, expected = _slid_sides(rest, repeated)
    for result in (merge3(base, ours, theirs), merge3(base, theirs, ours)):
        assert result.text is None or result.text == expected


blank_extra = st.lists(st.sampled_from(BLANK_LINES), max_size=2)

HEAD = ["The head stays.\n", "Its second line stays.\n", "The part starts here.\n"]
TAIL = ["The part ends here.\n", "The tail stays.\n", "Its last line stays.\n"]


@settings(max_examples=400, deadline=None)
@given(base_lines, blank_extra, blank_extra, st.data())
def test_different_passages_at_one_place_conflict(
    lines: list[str], ours_extra: list[str], theirs_extra: list[str], data: st.DataObject
) -> None:
    # Each side also rewrites a line of the head or the tail, beyond a line both keep. (Next
    # to repeated lines, a rewrite can give a diff an equally short reading in which the side
    # rewrites and appends elsewhere instead of inserting where the test means.)
    at = data.draw(st.integers(0, len(lines)))
    other_at = _blank_run_after(lines, at, data)
    ours_lines = _apply([*HEAD, *lines, *TAIL], _rewrites(data, HEAD[:2], "Ours"))
    theirs_lines = [*HEAD, *lines, *TAIL]
    if data.draw(st.booleans()):
        theirs_lines[-1] = "Theirs rewrote the last line.\n"
    ours = _insert(ours_lines, len(HEAD) + at, _passage("first", ours_extra))
    theirs = _insert(theirs_lines, len(HEAD) + other_at, _passage("second", theirs_extra))
    base = "".join([*HEAD, *lines, *TAIL])
    assert merge3(base, ours, theirs).text is None
    assert merge3(base, theirs, ours).text is None


@settings(max_examples=300, deadline=None)
@given(base_lines, st.data())
def test_near_identical_passages_close_together_conflict(
    lines: list[str], data: st.DataObject
) -> None:
    # "Close": at most two lines with words between the two places.
    at = data.draw(st.integers(0, len(lines)))
    other_at = at
    words_between = 0
    while other_at < len(lines) and data.draw(st.booleans()):
        words_between += 1 if lines[other_at].strip() else 0
        other_at += 1
    assume(words_between <= 2)
    ours = _insert(lines, at, ["The board meets every month in public.\n"])
    theirs = _insert(lines, other_at, ["The board meets each month in public.\n"])
    base = "".join(lines)
    assert merge3(base, ours, theirs).text is None
    assert merge3(base, theirs, ours).text is None


def test_the_same_sentence_before_and_after_a_blank_line_is_not_kept_twice() -> None:
    base = "The council has five members.\n\nIt meets monthly.\n"
    ours = "The council has five members.\nThe chair is elected.\n\nIt meets monthly.\n"
    theirs = "The council has five members.\n\nThe chair is elected.\nIt meets monthly.\n"
    assert merge3(base, ours, theirs).text is None


def test_a_sentence_slid_over_a_repeated_line_is_one_edit() -> None:
    # Both insert "The chair is elected yearly." and repeat "It meets monthly." after it; the
    # sides' diffs put the insertion on either side of the repeated line.
    base = "The council has five members.\n\nIt meets monthly.\n\nMinutes are public.\n"
    added = "It meets monthly.\nThe chair is elected yearly.\nIt meets monthly.\n"
    ours = f"The council has five members.\n\n{added}\nMinutes are published.\n"
    theirs = f"The council has seven members.\n\n{added}\nMinutes are public.\n"
    expected = f"The council has seven members.\n\n{added}\nMinutes are published.\n"
    assert merge3(base, ours, theirs).text == expected
    assert merge3(base, theirs, ours).text == expected


def test_near_identical_paragraphs_one_line_apart_conflict() -> None:
    base = "Scope.\n\nMembers.\n\nVotes.\n"
    ours = "Scope.\n\nThe board meets every month in public.\n\nMembers.\n\nVotes.\n"
    theirs = "Scope.\n\nMembers.\n\nThe board meets every month in private.\n\nVotes.\n"
    result = merge3(base, ours, theirs)
    assert result.text is None
    (conflict,) = result.conflicts
    assert "public" in conflict.ours and "private" in conflict.theirs
    assert base[conflict.base_start : conflict.base_end] == conflict.base


def test_sections_appended_by_both_with_a_shared_sentence_conflict() -> None:
    base = "Intro.\nSee the annex.\n"
    ours = base + "## Annex A\nSee the annex.\n"
    theirs = base + "## Annex B\nSee the annex.\n"
    assert merge3(base, ours, theirs).text is None


def test_the_same_sentence_in_two_sentences_of_one_paragraph_conflicts() -> None:
    base = "Members vote yearly. The chair counts. Results are final. Minutes are kept.\n"
    ours = (
        "Members vote yearly. Abstentions do not count. The chair counts. Results are final. "
        "Minutes are kept.\n"
    )
    theirs = (
        "Members vote yearly. The chair counts. Results are final. Abstentions do not count. "
        "Minutes are kept.\n"
    )
    assert merge3(base, ours, theirs).text is None


def test_the_same_sentence_far_apart_is_a_conflict() -> None:
    # However far apart, a sentence both sides add would be written twice: where a diff put
    # each side's copy can depend on how it paired repeated lines.
    lines = [f"Clause {k} stands on its own.\n" for k in range(8)]
    passage = "A sentence both sides wrote.\n"
    ours = "".join([*lines[:1], passage, *lines[1:]])
    theirs = "".join([*lines[:7], passage, *lines[7:]])
    assert merge3("".join(lines), ours, theirs).text is None
    # Near-identical sentences far apart are two edits.
    theirs = "".join([*lines[:7], "A sentence both sides wrote too.\n", *lines[7:]])
    assert merge3("".join(lines), ours, theirs).text == "".join(
        [*lines[:1], passage, *lines[1:7], "A sentence both sides wrote too.\n", *lines[7:]]
    )


def test_repeated_lines_do_not_hide_a_sentence_written_twice() -> None:
    # With no line unique to both texts, a shortest diff may read theirs' two rewritten lines
    # as lines moved around, which puts their copy of the new passage four lines from ours.
    council, members = "The council meets monthly.\n", "Members vote.\n"
    shared = "The shared passage is added here.\n"
    base = [council, council, council, members, council, members]
    ours = "".join([*base, shared, members, members])
    theirs = "".join(
        ["Theirs rewrote one.\n", "Theirs rewrote two.\n", *base[2:], shared, members, members]
    )
    for result in (merge3("".join(base), ours, theirs), merge3("".join(base), theirs, ours)):
        assert result.text is None or result.text.count("shared passage") == 1


def test_an_edit_next_to_the_others_new_paragraph_still_combines() -> None:
    base = "The council has five members.\n\nIt meets monthly.\n"
    ours = "The council has seven members.\n\nIt meets monthly.\n"
    theirs = "The council has five members.\n\nA new paragraph.\n\nIt meets monthly.\n"
    assert merge3(base, ours, theirs).text == (
        "The council has seven members.\n\nA new paragraph.\n\nIt meets monthly.\n"
    )
