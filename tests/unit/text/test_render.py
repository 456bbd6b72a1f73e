from __future__ import annotations

import re
from html import unescape

from hypothesis import given, settings

from charter_engine.text import diff_html, render_diff_html, side_by_side_html

from .strategies import any_texts

_DEL = re.compile(r'<del class="diff-del">(.*?)</del>', re.DOTALL)
_INS = re.compile(r'<ins class="diff-ins">(.*?)</ins>', re.DOTALL)


def test_inline_marks_changes() -> None:
    html = diff_html("The council votes.", "The board votes.")
    assert html == (
        'The <del class="diff-del">council</del>'
        '<span class="diff-sep"> </span><ins class="diff-ins">board</ins> votes.'
    )


def test_everything_is_escaped() -> None:
    html = diff_html('<b>"a" & b</b>', "<script>alert('x')</script>")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;" in html and "&gt;" in html and "&amp;" in html
    assert "&quot;" in html and "&#x27;" in html
    assert diff_html("", "<i>") == '<ins class="diff-ins">&lt;i&gt;</ins>'


def test_newlines_are_kept() -> None:
    expected = (
        'a\n<del class="diff-del">b</del><span class="diff-sep"> </span><ins class="diff-ins">c'
    )
    expected += "</ins>"
    assert diff_html("a\nb", "a\nc") == expected


def test_empty() -> None:
    assert render_diff_html([]) == ""
    assert diff_html("", "") == ""
    assert side_by_side_html("", "") == ("", "")


def test_side_by_side() -> None:
    left, right = side_by_side_html("one two", "one three")
    assert left == 'one <del class="diff-del">two</del>'
    assert right == 'one <ins class="diff-ins">three</ins>'


@settings(max_examples=150, deadline=None)
@given(any_texts, any_texts)
def test_markup_strips_back_to_the_texts(old: str, new: str) -> None:
    # The space between touching changes is the only thing the markup adds.
    html = diff_html(old, new).replace('<span class="diff-sep"> </span>', "")
    assert unescape(_INS.sub("", _DEL.sub(r"\1", html))) == old
    assert unescape(_DEL.sub("", _INS.sub(r"\1", html))) == new
    left, right = side_by_side_html(old, new)
    assert "<ins" not in left and "<del" not in right
    assert unescape(_DEL.sub(r"\1", left)) == old
    assert unescape(_INS.sub(r"\1", right)) == new


def test_a_deletion_touching_an_insertion_never_reads_as_one_word() -> None:
    html = diff_html("A simple majority.", "An absolute majority.")
    text = re.sub(r"<[^>]+>", "", html)
    assert "simpleabsolute" not in text and "AAn" not in text
    assert '</del><span class="diff-sep"> </span><ins class="diff-ins">' in html
    # Whitespace marks are symbols and stay together.
    assert "diff-sep" not in diff_html("a b", "a  b")
