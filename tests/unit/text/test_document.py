from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import (
    BLOCK_KINDS,
    Block,
    classify_block,
    format_of,
    join_blocks,
    rst_heading_styles,
    split_document,
)


def kinds(text: str, fmt: str | None = None) -> list[tuple[str, int, str | None]]:
    blocks = split_document(text, fmt)
    assert join_blocks(blocks) == text
    return [(b.kind, b.level, b.heading) for b in blocks]


def test_empty_and_whitespace_only() -> None:
    assert split_document("") == []
    assert split_document(" \n\t\n") == [Block(" \n\t\n", "verbatim", 0, None)]


def test_blocks_own_their_trailing_blank_lines_and_first_owns_leading() -> None:
    text = "\n\n# Title\n\nFirst para\nstill first.\n\n\n- item\n- item two\n"
    blocks = split_document(text)
    assert [b.text for b in blocks] == [
        "\n\n# Title\n\n",
        "First para\nstill first.\n\n\n",
        "- item\n- item two\n",
    ]
    assert [b.kind for b in blocks] == ["heading", "paragraph", "list"]


def test_atx_headings() -> None:
    assert kinds("# One\n## Two ##\n###### Six\n####### Seven\n#nospace\n") == [
        ("heading", 1, "One"),
        ("heading", 2, "Two"),
        ("heading", 6, "Six"),
        ("paragraph", 0, None),
    ]


def test_heading_markup_is_stripped() -> None:
    blocks = split_document("## **Bold** [link](http://x) `code` *em*\n")
    assert blocks[0].heading == "Bold link code em"


def test_setext_headings_and_thematic_break() -> None:
    text = "Title\n=====\n\nSub\n---\n\ntext\n\n---\n\nmore\n"
    assert kinds(text, "markdown") == [
        ("heading", 1, "Title"),
        ("heading", 2, "Sub"),
        ("paragraph", 0, None),
        ("verbatim", 0, None),
        ("paragraph", 0, None),
    ]


def test_fences_are_never_split() -> None:
    text = (
        "Intro\n```python\n# not a heading\n\n\nx = 1\n```\nAfter\n\n"
        "~~~\nopen fence\n\n# runs to end\n"
    )
    blocks = split_document(text, "markdown")
    assert [b.kind for b in blocks] == ["paragraph", "code", "paragraph", "code"]
    assert blocks[1].text == "```python\n# not a heading\n\n\nx = 1\n```\n"
    assert blocks[3].text == "~~~\nopen fence\n\n# runs to end\n"


def test_rst_levels_follow_first_appearance() -> None:
    text = (
        "=======\nTitle\n=======\n\nPart\n----\n\nSection\n=======\n\ntext\n\n"
        "Sub\n~~~\n\nPart two\n--------\n"
    )
    assert kinds(text, "rst") == [
        ("heading", 1, "Title"),
        ("heading", 2, "Part"),
        ("heading", 3, "Section"),
        ("paragraph", 0, None),
        ("heading", 4, "Sub"),
        ("heading", 2, "Part two"),
    ]
    assert rst_heading_styles(text) == [("=", True), ("-", False), ("=", False), ("~", False)]


def test_rst_underline_shorter_than_title_is_not_a_heading() -> None:
    assert kinds("Long title\n~~~\n", "rst") == [("paragraph", 0, None)]


def test_rst_literal_block_and_directive() -> None:
    text = (
        "Example::\n\n    code line\n\n    more code\n\nBack.\n\n"
        ".. note::\n\n   Indented.\n\nEnd.\n"
    )
    assert kinds(text, "rst") == [
        ("paragraph", 0, None),
        ("code", 0, None),
        ("paragraph", 0, None),
        ("verbatim", 0, None),
        ("paragraph", 0, None),
    ]


def test_crlf_cr_tabs_and_bom() -> None:
    text = "\ufeff# Title\r\n\r\nPara\twith tab\r\n\r\n- item\rold mac line\r"
    blocks = split_document(text)
    assert join_blocks(blocks) == text
    assert blocks[0] == Block("\ufeff# Title\r\n\r\n", "heading", 1, "Title")
    assert blocks[1].kind == "paragraph"


def test_no_trailing_newline() -> None:
    assert [b.text for b in split_document("# A\n\nlast")] == ["# A\n\n", "last"]


def test_format_of() -> None:
    assert format_of("charter.md") == "markdown"
    assert format_of("pep-0013.rst") == "rst"
    assert format_of("Title\n~~~~~\n\nSee :pep:`8`.\n\n.. note:: x\n") == "rst"
    assert format_of("# Title\n\n[link](http://x)\n") == "markdown"


def test_classify_block() -> None:
    assert classify_block("## Membership\n\n") == Block(
        "## Membership\n\n", "heading", 2, "Membership"
    )
    assert classify_block("- (a) item\n").kind == "list"
    assert classify_block("Plain words.").kind == "paragraph"
    assert classify_block("").kind == "verbatim"
    styles = [("=", False), ("-", False)]
    assert classify_block("Votes\n-----\n", "rst", styles).level == 2
    assert classify_block("Votes\n~~~~~\n", "rst", styles).level == 3


def test_unknown_format_rejected() -> None:
    with pytest.raises(ValueError):
        split_document("x", "latex")


def test_four_hundred_clauses_import_fast() -> None:
    parts = []
    for k in range(400):
        parts.append(f"#### {k}. Clause {k}\n\n")
        parts.append(f"The council shall do thing {k}, as the members decide.\n\n")
        parts.append(f"-\t(a) first item of {k}\n\n-\t(b) second item\n\n")
    text = "".join(parts)
    started = time.perf_counter()
    blocks = split_document(text)
    assert join_blocks(blocks) == text
    assert time.perf_counter() - started < 0.5
    assert sum(b.kind == "heading" for b in blocks) == 400


LINE_PIECES = [
    "# Title",
    "## Sub ##",
    "Title",
    "=====",
    "-----",
    "~~~~~",
    "```",
    "~~~",
    "",
    "  ",
    "\t",
    "- item",
    "1. item",
    "text here",
    ".. note::",
    "    indented",
    "Example::",
    "***",
    "\ufeff",
]
ENDINGS = ["\n", "\r\n", "\r", ""]

structured = st.lists(
    st.tuples(st.sampled_from(LINE_PIECES), st.sampled_from(ENDINGS)), max_size=20
).map(lambda parts: "".join(a + b for a, b in parts))


def check_blocks(text: str, fmt: str | None) -> None:
    blocks = split_document(text, fmt)
    assert join_blocks(blocks) == text
    assert "".join(b.text for b in blocks) == text
    assert all(b.text for b in blocks)
    for block in blocks:
        assert block.kind in BLOCK_KINDS
        assert (block.level > 0) == (block.kind == "heading")
        assert (block.heading is not None) == (block.kind == "heading")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), structured), st.sampled_from([None, "markdown", "rst"]))
def test_round_trip_any_text(text: str, fmt: str | None) -> None:
    check_blocks(text, fmt)
