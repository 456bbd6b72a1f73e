"""The redline between two revisions, and its rendering as the clauses read."""

from __future__ import annotations

import re
from html import unescape

from hypothesis import given, settings

from charter_engine.text.diff import diff_words
from charter_engine.text.marks import render_redline, render_text_diff
from charter_engine.text.redline import Side, redline, render_entries

from .strategies import any_texts


def _side(key: int, text: str, kind: str = "paragraph", level: int = 0) -> Side:
    return Side(key, text, version=(key, text), kind=kind, level=level, number=str(key))


def test_clauses_are_matched_by_identity() -> None:
    old = [_side(1, "# Title\n\n", "heading", 1), _side(2, "One.\n\n"), _side(3, "Two.\n\n")]
    new = [
        _side(1, "# Title\n\n", "heading", 1),
        _side(4, "New.\n\n"),
        _side(2, "One, amended.\n\n"),
    ]
    lines = redline(old, new)
    assert [(e.key, e.status) for e in lines.entries] == [
        (1, "unchanged"),
        (4, "inserted"),
        (2, "changed"),
        (3, "deleted"),
    ]
    assert lines.counts() == {"unchanged": 1, "changed": 1, "inserted": 1, "deleted": 1, "moved": 0}
    assert [e.key for e in lines.changed] == [4, 2, 3]


def test_a_moved_clause_is_moved_and_may_change_too() -> None:
    old = [_side(1, "A.\n\n"), _side(2, "B.\n\n"), _side(3, "C.\n\n")]
    new = [_side(3, "C, now first.\n\n"), _side(1, "A.\n\n"), _side(2, "B.\n\n")]
    entries = redline(old, new).entries
    assert [(e.key, e.status, e.text_changed) for e in entries] == [
        (3, "moved", True),
        (1, "unchanged", False),
        (2, "unchanged", False),
    ]


def test_the_pieces_concatenate_to_the_two_documents() -> None:
    old = [_side(1, "Alpha beta.\n\n"), _side(2, "Gamma.\n\n"), _side(3, "Delta.\n")]
    new = [_side(1, "Alpha gamma.\n\n"), _side(3, "Delta.\n"), _side(5, "Epsilon.\n")]
    pieces = [p for e in redline(old, new).entries for p in e.pieces]
    assert "".join(t for op, t in pieces if op != 1) == "Alpha beta.\n\nGamma.\n\nDelta.\n"
    assert "".join(t for op, t in pieces if op != -1) == "Alpha gamma.\n\nDelta.\nEpsilon.\n"


def test_rendered_entries_show_structure_and_changes() -> None:
    old = [_side(1, "## Members\n\n", "heading", 2), _side(2, "The council\nmeets.\n\n")]
    new = [_side(1, "## Our members\n\n", "heading", 2), _side(2, "The board\nmeets.\n\n")]
    rendered = [block for _entry, block in render_entries(redline(old, new), "markdown")]
    assert rendered[0].kind == "heading"
    assert rendered[0].html == (
        '<del class="diff-del">Members</del>'
        '<span class="diff-sep"> </span><ins class="diff-ins">Our members</ins>'
    )
    assert rendered[1].html == (
        '<p>The <del class="diff-del">council</del>'
        '<span class="diff-sep"> </span><ins class="diff-ins">board</ins>\nmeets.</p>\n'
    )
    old_view = [b.html for _e, b in render_entries(redline(old, new), "markdown", view="old")]
    assert "<ins" not in "".join(old_view) and "council" in old_view[1]


def test_whitespace_only_changes_are_visible() -> None:
    rewrapped = render_text_diff("One two\nthree.\n", "One two three.\n", "markdown")
    assert rewrapped.html == (
        '<p>One two<del class="diff-del diff-ws">↵</del><ins class="diff-ins diff-ws">·</ins>'
        " three.</p>\n"
    )
    split = render_text_diff("One. Two.\n", "One.\n\nTwo.\n", "markdown")
    assert split.html.count("<p>") == 2 and '<ins class="diff-ins diff-ws">¶</ins>' in split.html
    trailing = render_text_diff("One.\n\n", "One.\n\n\n", "markdown")
    assert "diff-ws" in trailing.html


def test_a_change_inside_a_link_target_shows_the_source() -> None:
    block = render_text_diff(
        "See [x](http://a.org/one).\n", "See [x](http://a.org/two).\n", "markdown"
    )
    assert block.kind == "verbatim"
    assert block.html.startswith('<pre class="redline-source">')
    assert (
        '<del class="diff-del">one</del>'
        '<span class="diff-sep"> </span><ins class="diff-ins">two</ins>' in block.html
    )


def test_list_items_keep_their_markers_out_of_the_marks() -> None:
    block = render_text_diff("- a\n- b\n", "- a\n- b\n- c\n", "markdown", kind="list")
    assert (
        block.html
        == '<ul>\n<li>a</li>\n<li>b</li>\n<li><ins class="diff-ins">c</ins></li>\n</ul>\n'
    )


_MARKED = re.compile(r'<(del|ins) class="diff-(?:del|ins)(?: diff-ws)?">')


@settings(max_examples=200, deadline=None)
@given(any_texts, any_texts)
def test_a_change_is_never_lost_in_rendering(old: str, new: str) -> None:
    for fmt in ("markdown", "rst"):
        block = render_redline(diff_words(old, new), fmt)
        if not re.search("[\ufdd0-\ufdd9]", old + new):  # the marks never leak out
            assert not re.search("[\ufdd0-\ufdd9]", block.html)
        if old != new:
            assert _MARKED.search(block.html), (old, new, block.html)
        if block.kind == "verbatim":  # the source diff: every deleted and inserted piece kept
            deleted = "".join(
                unescape(t) for t in re.findall(r"<del[^>]*>(.*?)</del>", block.html, re.S)
            )
            wanted = "".join(t for op, t in diff_words(old, new) if op == -1)
            # HTML reads every line end as "\n".
            assert deleted == wanted.replace("\r\n", "\n").replace("\r", "\n")
