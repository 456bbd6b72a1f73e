"""User Markdown becomes safe HTML: raw HTML is never passed through, links are restricted."""

from __future__ import annotations

import re

import pytest

from charter_engine.web.markdown import render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://example.org" onclick="x()">a</a>',
        "<style>body{display:none}</style>",
    ],
)
def test_dangerous_input_is_neutralised(source: str) -> None:
    html = str(render_markdown(source)).lower()
    tags = re.findall(r"<[a-z][^>]*>", html)
    assert not [t for t in tags if re.search(r"\son\w+\s*=", t)], tags
    assert not [t for t in tags if t.startswith(("<script", "<style", "<img"))], tags
    assert 'href="javascript' not in html and 'src="data' not in html


def test_ordinary_markdown_renders() -> None:
    html = str(
        render_markdown("# Title\n\nSome *emphasis*, a [link](https://example.org).\n\n- a\n- b")
    )
    assert "<h3>Title</h3>" in html  # headings step down below the page's own
    assert "<em>emphasis</em>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">link</a>' in html
    assert "<li>a</li>" in html


def test_empty_input() -> None:
    assert str(render_markdown("")) == "" and str(render_markdown(None)) == ""
