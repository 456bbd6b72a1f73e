"""Display numbers that follow the document's own numbering, and list nesting from indentation.

The engine numbers every clause by its place in the tree ("3.1"), but many charters number
themselves: "#### 4. Membership.", "### 2.1 Members", "Article 3", list items "(a)" and "ii.".
Showing both gives readers "3.1 2.1 Members" and makes "Article 3" read as "§ 4". So the display
number of a clause is, in order of preference:

* its own label when that label is complete on its own: "Article 3", "§ 12", "2.1";
* its own single label ("4.", "(a)", "ii.") under its parent's display number: "4", "4.a",
  "4.a.ii" (a list item's parent is the list item it is indented under, else its heading);
* for an unlabelled clause in a document that numbers its headings: its parent's display
  number and its place among the parent's unlabelled clauses: "4 ¶1", "¶2" under a title;
* otherwise the engine's own number, unchanged.

A document that numbers none of its headings keeps the engine's numbers throughout, so the two
schemes never mix in one list. :func:`citation` turns a display number into how a page names
the clause ("§ 4.a", "Article 3", "Title").

Pure functions over plain values; :func:`list_parents` is shared with the renderer, which uses
the same indentation to nest list items.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .document import HEADING, LIST, PARAGRAPH

_KEYWORDS = (
    "Article|Art\\.|Section|Sec\\.|Chapter|Part|Annex|Appendix|Schedule|Rule|Clause|Regulation"
    "|Artículo|Sección|Capítulo|Parte|Anexo|Chapitre|Partie|Annexe|Titre|Título"
)
_NUMBER = r"(?:\d{1,4}[A-Za-z]?|[IVXLC]{1,7}|[A-Z])(?:\.\d{1,4})*"
_KEYWORD_LABEL = re.compile(rf"(?P<label>(?:(?i:{_KEYWORDS})\s+|§\s*){_NUMBER})")
# After a keyword label, a heading may go on with anything; a paragraph ("Part A of …") only
# with punctuation, so ordinary sentences are not taken for labels.
_AFTER_HEADING_LABEL = re.compile(r"$|[\s.:)\u2013\u2014-]")
_AFTER_PARAGRAPH_LABEL = re.compile(r"$|[.:)\u2013\u2014-]|\s+[\u2013\u2014-]")
_END = r"(?=[*_]*(?:\s|$))"  # a label ends the word (closing emphasis allowed)
_PATH_LABEL = re.compile(rf"(?P<label>\d{{1,4}}(?:\.\d{{1,4}})+)\.?{_END}")
_SINGLE_LABEL = re.compile(
    r"(?:\((?P<paren>[A-Za-z]{1,4}|\d{1,4})\)\.?"
    rf"|(?P<dotted>\d{{1,4}}|[A-Za-z]|[ivxlcIVXLC]{{1,7}})[.)]){_END}"
)
_ROMAN = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.IGNORECASE)
# What may precede a label: a bullet, heading hashes, emphasis or link brackets. (An ordered
# list item's number is its label.)
_LEAD = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+\u2022][ \t]+)?[*_\[]*")
_WIDTH_TAB = 4


class Numbered(Protocol):
    """What numbering needs of a clause: its source, kind, heading and place in the tree."""

    @property
    def text(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def heading(self) -> str | None: ...


@dataclass(frozen=True)
class Label:
    """A clause's own number as the document writes it.

    ``complete`` labels ("Article 3", "2.1") stand alone; the others ("4", "a", "ii") are read
    under the parent's number.
    """

    value: str
    complete: bool


def leading_width(text: str) -> int:
    """Columns of indentation before the first character of ``text`` (a tab is four)."""
    width = 0
    for char in text:
        if char == " ":
            width += 1
        elif char == "\t":
            width += _WIDTH_TAB - width % _WIDTH_TAB
        else:
            break
    return width


def own_label(kind: str, heading: str | None, text: str) -> Label | None:
    """The label a heading, paragraph or list item starts with, if it has one."""
    if kind == HEADING:
        title = (heading or "").strip()
    elif kind in (LIST, PARAGRAPH):
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        title = _LEAD.sub("", first, count=1)
    else:
        return None
    keyword = _KEYWORD_LABEL.match(title)
    after = _AFTER_HEADING_LABEL if kind == HEADING else _AFTER_PARAGRAPH_LABEL
    if keyword and after.match(title, keyword.end()):
        value = re.sub(r"^§\s*", "§ ", " ".join(keyword.group("label").split()))
        return Label(value, True)
    path = _PATH_LABEL.match(title)
    if path and kind == HEADING:
        return Label(path.group("label"), True)
    if path and re.match(r"\d{1,4}(?:\.\d{1,4})+[.)]", title):
        return Label(path.group("label"), True)
    single = _SINGLE_LABEL.match(title)
    if single is None:
        return None
    value = single.group("paren") or single.group("dotted") or ""
    if len(value) > 1 and not value.isdigit() and not _ROMAN.match(value):
        return None  # "(see" or "Re." are words, not labels
    return Label(value, False)


_MARKER = re.compile(r"[ \t]*(?:[-*+\u2022]|\d{1,9}[.)]|#\.)(?:[ \t]+|$)")


def content_column(text: str) -> int:
    """The column where a list item's text starts (after its indentation and marker)."""
    marker = _MARKER.match(text)
    return leading_width(text) if marker is None else _columns(marker.group(0))


def _columns(prefix: str) -> int:
    width = 0
    for char in prefix:
        width += _WIDTH_TAB - width % _WIDTH_TAB if char == "\t" else 1
    return width


def list_parents(kinds: Sequence[str], texts: Sequence[str]) -> list[int | None]:
    """For each block, the list item it is nested under, else None.

    A block belongs to an item when it is indented at least to where the item's text starts,
    as in Markdown. A run of list items and the indented paragraphs between them forms one
    list; a heading or an unindented paragraph ends it.
    """
    parents: list[int | None] = []
    stack: list[tuple[int, int]] = []  # (content column, index) of the open list items
    for index, (kind, text) in enumerate(zip(kinds, texts, strict=True)):
        width = leading_width(text)
        in_list = kind == LIST or (kind == PARAGRAPH and width > 0 and bool(stack))
        if not in_list:
            stack.clear()
            parents.append(None)
            continue
        while stack and stack[-1][0] > width:
            stack.pop()
        parents.append(stack[-1][1] if stack else None)
        if kind == LIST:
            stack.append((content_column(text), index))
    return parents


@dataclass(frozen=True)
class DisplayNumber:
    """A display number, and whether the clause's own text starts with (the end of) it."""

    value: str
    written: bool


def display_numbers(
    clauses: Sequence[Numbered],
    structural: Sequence[str],
    tree_parents: Sequence[int | None],
) -> list[DisplayNumber]:
    """The display number of each clause of a revision (see the module docstring).

    ``structural`` are the engine's numbers and ``tree_parents`` the index of each clause's
    parent heading (None at the top), both in document order (:func:`tree_parents`).
    """
    labels = [own_label(c.kind, c.heading, c.text) for c in clauses]
    numbered_document = any(
        label is not None and c.kind == HEADING for c, label in zip(clauses, labels, strict=True)
    )
    if not numbered_document:
        return [DisplayNumber(number, False) for number in structural]
    nested = list_parents([c.kind for c in clauses], [c.text for c in clauses])
    out: list[DisplayNumber] = []
    unlabelled_children: dict[int | None, int] = {}
    for index, (clause, label) in enumerate(zip(clauses, labels, strict=True)):
        parent = nested[index] if nested[index] is not None else tree_parents[index]
        base = out[parent].value if parent is not None else ""
        if label is None:
            if clause.kind == HEADING:
                # An unnumbered heading (the title, "Preamble") goes by its name.
                out.append(DisplayNumber("", False))
                continue
            count = unlabelled_children.get(parent, 0) + 1
            unlabelled_children[parent] = count
            out.append(DisplayNumber(f"{base} ¶{count}".strip(), False))
        elif label.complete or not base:
            out.append(DisplayNumber(label.value, True))
        elif clause.kind == HEADING and parent is not None and not out[parent].written:
            # Numbered headings under an unnumbered part count on their own.
            out.append(DisplayNumber(label.value, True))
        else:
            out.append(DisplayNumber(f"{base}.{label.value}", True))
    return out


def tree_parents(kinds: Sequence[str], levels: Sequence[int]) -> list[int | None]:
    """Each clause's parent heading, as the engine derives the tree: the nearest preceding
    heading of a lower level (None at the top)."""
    stack: list[tuple[int, int]] = []  # (level, index) of the open headings
    out: list[int | None] = []
    for index, (kind, level) in enumerate(zip(kinds, levels, strict=True)):
        rank = level if kind == HEADING else 99
        while stack and stack[-1][0] >= rank:
            stack.pop()
        out.append(stack[-1][1] if stack else None)
        if kind == HEADING:
            stack.append((rank, index))
    return out


def citation(number: str | None, heading: str | None = None) -> str:
    """How a page names a clause: "§ 4.a", "Article 3" and "¶ 2" as they are; a clause without
    a number by its heading, else "Title"."""
    if not number:
        return heading or "Title"
    if number[0].isalpha() or number[0] in "§¶":
        return number
    return f"§ {number}"
