"""Display numbers follow the document's own numbering; no double numbers, no "§ 4" for Art. 3."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from charter_engine.text import split_document
from charter_engine.text.numbering import citation, display_numbers, own_label


@dataclass(frozen=True)
class Clause:
    text: str
    kind: str
    heading: str | None


def _numbers(text: str, fmt: str = "markdown") -> list[str]:
    """Display numbers of a document, with the engine's tree (parent = nearest higher heading)."""
    blocks = split_document(text, fmt)
    clauses = [Clause(b.text, b.kind, b.heading) for b in blocks]
    parents: list[int | None] = []
    structural: list[str] = []
    stack: list[tuple[int, int]] = []
    counts: dict[int | None, int] = {}
    for index, block in enumerate(blocks):
        level = block.level if block.kind == "heading" else 99
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        counts[parent] = counts.get(parent, 0) + 1
        prefix = structural[parent] + "." if parent is not None else ""
        structural.append(f"{prefix}{counts[parent]}")
        parents.append(parent)
        if block.kind == "heading":
            stack.append((level, index))
    return [n.value for n in display_numbers(clauses, structural, parents)]


def test_a_document_that_numbers_itself_keeps_its_numbers() -> None:
    text = (
        "Preamble text.\n\n"
        "#### 1. Mission.\n\nThe mission.\n\n"
        "#### 2. Role.\n\nIt serves:\n\n"
        "-\t(a) Stewardship\n\n\t-\ti. Ensuring\n\n\t-\tii. Ensure\n\n-\t(b) Growth\n"
    )
    assert _numbers(text) == ["¶1", "1", "1 ¶1", "2", "2 ¶1", "2.a", "2.a.i", "2.a.ii", "2.b"]


def test_no_double_numbers_for_dotted_headings() -> None:
    text = "# Charter\n\nIntro.\n\n## 2. Governance\n\n### 2.1 Members\n\nText.\n"
    assert _numbers(text) == ["", "¶1", "2", "2.1", "2.1 ¶1"]


def test_articles_are_articles() -> None:
    text = "## Preamble\n\nWe agree.\n\n## Article 3 — Members\n\n1. Everyone may join.\n"
    numbers = _numbers(text)
    assert numbers == ["", "¶1", "Article 3", "Article 3.1"]
    assert [
        citation(n, h) for n, h in zip(numbers, ["Preamble", None, None, None], strict=True)
    ] == [
        "Preamble",
        "¶1",
        "Article 3",
        "Article 3.1",
    ]


def test_a_document_without_numbers_keeps_the_engines() -> None:
    text = "Title\n=====\n\nAbstract\n--------\n\nText.\n\n* a list\n\nMore.\n"
    assert _numbers(text, "rst") == ["1", "1.1", "1.1.1", "1.1.2", "1.1.3"]


@pytest.mark.parametrize(
    ("kind", "heading", "text", "label"),
    [
        ("heading", "Article 12. Members", "", ("Article 12", True)),
        ("heading", "§ 4 Scope", "", ("§ 4", True)),
        ("heading", "Section 2.1: Terms", "", ("Section 2.1", True)),
        ("heading", "2.1 Members", "", ("2.1", True)),
        ("heading", "IV. Finance", "", ("IV", False)),
        ("list", None, "-\t(a) Stewardship\n", ("a", False)),
        ("list", None, "\t-\tiii. Enjoy\n", ("iii", False)),
        ("paragraph", None, "**3.** The board\n", ("3", False)),
        ("paragraph", None, "Part A of the budget is spent.\n", None),
        ("paragraph", None, "(see below) for details\n", None),
        ("paragraph", None, "e.g. the board\n", None),
        ("paragraph", None, "2026 was a good year.\n", None),
        ("heading", "A Charter for Everyone", "", None),
        ("code", None, "1. not a label\n", None),
    ],
)
def test_own_labels(
    kind: str, heading: str | None, text: str, label: tuple[str, bool] | None
) -> None:
    found = own_label(kind, heading, text)
    assert (None if found is None else (found.value, found.complete)) == label


def test_citations() -> None:
    assert citation("4.a") == "§ 4.a"
    assert citation("") == "Title"
    assert citation("", "Preamble") == "Preamble"
    assert citation("Article 3") == "Article 3"
