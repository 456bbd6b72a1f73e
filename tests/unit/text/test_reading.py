"""Clauses rendered as readers expect: paragraphs flow, headings and lists render, nothing raw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from charter_engine.text import split_document
from charter_engine.text.render import render_blocks, render_markdown, render_text
from tests.shared_data import require_shared_data


def _render(text: str, fmt: str = "markdown") -> list[tuple[str, str, str]]:
    blocks = render_blocks(split_document(text, fmt), fmt)
    return [(b.kind, b.html, b.text) for b in blocks]


def test_soft_line_breaks_flow_into_one_paragraph() -> None:
    [(kind, html, text)] = _render("The council shall\nmeet twice\na year.\n")
    assert kind == "paragraph"
    assert html == "<p>The council shall\nmeet twice\na year.</p>\n"  # newlines collapse in HTML
    assert "<br" not in html
    assert text == "The council shall meet twice a year."


def test_a_hard_break_stays_a_break() -> None:
    [(_kind, html, text)] = _render("First line  \nsecond line\n")
    assert "<br>" in html and text == "First line\nsecond line"


def test_headings_render_without_their_markers() -> None:
    rendered = _render("# Charter\n\n## 2. Members *all*\n\nText.\n")
    assert [kind for kind, _h, _t in rendered] == ["heading", "heading", "paragraph"]
    assert rendered[0][1] == "Charter"
    assert rendered[1][1] == "2. Members <em>all</em>"
    assert not any("#" in html for _k, html, _t in rendered)


def test_setext_headings_too() -> None:
    blocks = render_blocks(split_document("Charter\n-------\n\nText.\n", "markdown"), "markdown")
    assert (blocks[0].kind, blocks[0].level, blocks[0].html) == ("heading", 2, "Charter")


def test_nested_list_items_render_as_items_not_code() -> None:
    text = "-\t(a) Stewardship\n\n\t-\ti. Ensuring\n\tthat it works\n\n-\t(b) Growth\n"
    blocks = render_blocks(split_document(text, "markdown"), "markdown")
    assert [b.nesting for b in blocks] == [0, 1, 0]
    assert blocks[1].html == "<ul>\n<li>i. Ensuring\nthat it works</li>\n</ul>\n"
    assert "<pre>" not in "".join(b.html for b in blocks)
    assert blocks[1].text == "• i. Ensuring that it works"


def test_ordered_items_keep_the_documents_numbers() -> None:
    [(_kind, html, text)] = _render("3. Third\n4. Fourth\n")
    assert '<ol start="3">' in html and text == "3. Third\n4. Fourth"


def test_link_references_resolve_across_clauses() -> None:
    blocks = render_blocks(
        split_document("See [the rules][r].\n\n[r]: https://example.org/rules\n", "markdown"),
        "markdown",
    )
    assert '<a href="https://example.org/rules"' in blocks[0].html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>\n",
        "[x](javascript:alert(1))\n",
        '<img src=x onerror="alert(1)">\n',
        "<!-- a note for editors -->\nVisible.\n",
    ],
)
def test_raw_html_and_dangerous_links_never_pass(source: str) -> None:
    html = render_text(source, "markdown").html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "editors" not in html  # comments are for editors, not readers


def test_user_markdown_headings_step_down() -> None:
    assert render_markdown("# Title") == "<h3>Title</h3>\n"


RST = """\
PEP: 13
Title: Governance
Status: Active


Abstract
========

This PEP defines the formal
governance process, see :pep:`8016` and the
`devguide <https://devguide.python.org/>`__.

* Phase 1: Candidates advertise
  their interest.
* Phase 2: ``votes`` are *cast*.

Example::

    code stays
    as it is

.. note:: The devguide has a
   suggested template.

..
   Local Variables:
   mode: indented-text
"""


def test_restructuredtext_renders_like_the_markdown() -> None:
    blocks = render_blocks(split_document(RST, "rst"), "rst")
    by_kind = [(b.kind, b.html) for b in blocks]
    header, heading, paragraph, items, example, code, note, comment = by_kind
    assert header[1].count("<br>") == 2  # a PEP's header keeps one field a line
    assert heading == ("heading", "Abstract")
    assert paragraph[1].startswith("<p>This PEP defines the formal\ngovernance process")
    assert '<a href="https://peps.python.org/pep-8016/"' in paragraph[1]
    assert '<a href="https://devguide.python.org/"' in paragraph[1]
    assert "`" not in paragraph[1] and "__" not in paragraph[1]
    assert items[1].count("<li>") == 2 and "<code>votes</code>" in items[1]
    assert "<em>cast</em>" in items[1]
    assert example[1] == "<p>Example:</p>\n"
    assert code[1] == "<pre><code>code stays\nas it is\n</code></pre>\n"
    assert note[1].startswith("<blockquote>\n<p><strong>Note:</strong> The devguide has a")
    assert comment[1] == ""  # a comment is not shown, as docutils does


def test_restructuredtext_plain_text_never_turns_into_markdown() -> None:
    html = render_text("A [bracket] and 2 * 3 *\nand snake_case_name_\n- not a list\n", "rst").html
    assert html == ("<p>A [bracket] and 2 * 3 *\nand snake_case_name\n- not a list</p>\n"), html


@pytest.mark.parametrize(("name", "fmt"), [("cncf-charter", "markdown"), ("pep-0013", "rst")])
def test_real_charters_render_every_clause(name: str, fmt: str) -> None:
    folder = require_shared_data("histories", name)
    for path in sorted(p for p in Path(folder).iterdir() if p.name.startswith("v")):
        text = path.read_text(encoding="utf-8")
        blocks = render_blocks(split_document(text, fmt), fmt)
        headings = [b for b in blocks if b.kind == "heading"]
        assert headings, path.name
        for block in blocks:
            assert not re.search(r"^\s*#{1,6}\s", block.text), (path.name, block.text)
            assert "<pre>" not in block.html or "```" not in block.html
            if block.kind == "paragraph" and fmt == "markdown":
                assert "\n" not in block.text, (path.name, block.text)  # soft breaks joined
