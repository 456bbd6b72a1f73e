"""Charter text on the pages, as readers read it: Jinja helpers over
:mod:`charter_engine.charters.display` and :mod:`charter_engine.text.render`.

Filters
  ``block.html|rendered``  the HTML the renderer produced (sanitised by nh3) as ``Markup``
Globals
  ``revision_view(charter, revision)``  the revision's clauses as :class:`DisplayClause` (for
      pages whose view hands over only the revision, such as a ballot's text), with ``labels``
  ``change_view(charter, old, new)``  one clause's rendered redline (a ``RenderedBlock``)
  ``redline_of(charter, old, new)``  the same inline and side by side (a :class:`RedlineView`)
  ``text_view(charter, text)``  one clause's text rendered (a ``RenderedBlock``)
Views build :class:`RedlineView` (inline and side-by-side redlines) and :class:`BlameView`
(who wrote what) with the functions below; ``charters/_macros.html`` shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import Flask
from markupsafe import Markup

from charter_engine.charters.display import DisplayClause, displayed, render_format
from charter_engine.charters.models import Charter, Revision
from charter_engine.context import db
from charter_engine.publication.provenance import ClauseBlame, Origin
from charter_engine.text import Block, classify_block, diff_words
from charter_engine.text.blame import Passage
from charter_engine.text.diff import DELETE, INSERT
from charter_engine.text.marks import render_passages, render_redline, render_text_diff
from charter_engine.text.render import RenderedBlock, render_text


def rendered(html: str | None) -> Markup:
    """HTML made by :mod:`charter_engine.text.render`, which sanitises everything it returns."""
    return Markup(html or "")  # nosec B704  # text.render sanitises all it returns


@dataclass(frozen=True)
class RevisionView:
    clauses: Sequence[DisplayClause]

    def label(self, clause_id: int | None) -> str | None:
        for clause in self.clauses:
            if clause.clause_id == clause_id:
                return clause.label
        return None


def revision_view(charter: Charter, revision: Revision) -> RevisionView:
    return RevisionView(displayed(db(), charter, revision))


@dataclass(frozen=True)
class RedlineView:
    """A text change rendered three ways: inline, and old/new for side by side."""

    inline: RenderedBlock
    left: RenderedBlock
    right: RenderedBlock


def redline_view(
    charter: Charter, pieces: Sequence[tuple[int, str]], *, kind: str, level: int
) -> RedlineView:
    """A clause's word diff rendered as it reads, inline and side by side."""
    fmt = render_format(charter)
    return RedlineView(
        render_redline(pieces, fmt, kind=kind, level=level),
        render_redline([p for p in pieces if p[0] != INSERT], fmt, kind=kind, level=level),
        render_redline([p for p in pieces if p[0] != DELETE], fmt, kind=kind, level=level),
    )


def redline_of(charter: Charter, old: str | None, new: str | None) -> RedlineView:
    """:func:`redline_view` of two texts of one clause (an insert has no old text, a deletion
    no new one)."""
    block = _classified(charter, new or old or "")
    return redline_view(
        charter,
        diff_words(old or "", new or ""),
        kind=block.kind if block else "paragraph",
        level=block.level if block else 0,
    )


def _classified(charter: Charter, text: str) -> Block | None:
    return classify_block(text, render_format(charter)) if text.strip() else None


def change_view(charter: Charter, old: str | None, new: str | None) -> RenderedBlock:
    """The redline of one clause's change (an insert has no old text, a deletion no new)."""
    block = _classified(charter, new or old or "")
    return render_text_diff(
        old or "",
        new or "",
        render_format(charter),
        kind=block.kind if block else "paragraph",
        level=block.level if block else 0,
    )


@dataclass(frozen=True)
class BlameView:
    """A clause with its passages marked by origin, and the key to the marks."""

    block: RenderedBlock
    key: Sequence[tuple[int, Origin]]  # (colour group, origin), oldest first


def blame_view(
    charter: Charter, clause: ClauseBlame, origins: Mapping[int, Origin], kind: str, level: int
) -> BlameView:
    numbers = sorted({passage_revision(p) for p in clause.passages})
    group = {number: index for index, number in enumerate(numbers)}
    labels = [_origin_title(origins[n]) if n in origins else f"Revision {n}" for n in numbers]
    block = render_passages(
        [(p.text, group[passage_revision(p)]) for p in clause.passages],
        labels,
        render_format(charter),
        kind=kind,
        level=level,
    )
    return BlameView(block, [(group[n], origins[n]) for n in numbers if n in origins])


def passage_revision(passage: Passage) -> int:
    assert isinstance(passage.origin, int)
    return passage.origin


def _origin_title(origin: Origin) -> str:
    who = origin.amendment.author if origin.amendment else origin.actor
    return f"Revision {origin.revision}: {origin.label}" + (f" ({who})" if who else "")


def text_view(charter: Charter, text: str) -> RenderedBlock:
    """One clause's text rendered on its own (an older version, a deleted clause)."""
    block = _classified(charter, text)
    if block is None:
        return render_text(text, render_format(charter))
    return render_text(text, render_format(charter), kind=block.kind, level=block.level)


def init_rendering(app: Flask) -> None:
    app.jinja_env.filters["rendered"] = rendered
    app.jinja_env.globals.update(
        revision_view=revision_view,
        change_view=change_view,
        redline_of=redline_of,
        text_view=text_view,
    )
