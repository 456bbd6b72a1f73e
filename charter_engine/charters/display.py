"""A revision as readers see it, for the pages and the exports: each clause with its display
number, heading level and rendered HTML and plain text, and the redline between two revisions.

Usage (``session`` a SQLAlchemy session, ``charter`` a Charter)::

    from charter_engine.charters.display import display_revision, revision_redline

    for clause in display_revision(session, charter, revision_number):   # None: the head
        clause.number   # "4.a", "Article 3", "2.1" — the document's own where it has one;
                        # "" for the title or an unnumbered heading (then use clause.heading)
        clause.written  # True when the text itself starts with the number ("4. Membership"):
                        # show the heading alone, without the number in front again
        clause.label    # how to cite it: "§ 4.a", "Article 3", "Preamble", "Title"
        clause.title    # how to title it: "§ 2 Members", "4. Membership.", "§ 4.a"
        clause.kind     # heading | paragraph | list | code | verbatim
        clause.level    # heading level 1-6 as written (0 for other blocks)
        clause.nesting  # how deep a list item sits under other items (0 at the top)
        clause.html     # sanitised HTML: a heading's title inline (no <hN>), else block elements
        clause.text     # the same as plain text (soft breaks joined, one line per item)
        clause.source   # the exact stored text (exports of the source stay byte-identical)

    changes = revision_redline(session, charter, 3, 7)
    changes.redline.counts()                         # {"changed": …, "inserted": …, …}
    for entry, block in changes.rendered(only_changed=True):   # view="old"/"new": side by side
        entry.status, entry.old.number, entry.new.number, block.html   # <del>/<ins> inside
        entry.pieces    # the word diff of the source, (-1 | 0 | 1, text), for a DOCX redline

Each call runs a fixed number of queries; rendering is cached per clause text, so a page or an
export of an unchanged clause costs no rendering after the first. A whole revision's display and
its side of a redline are kept once worked out (per revision and process, under
:func:`~charter_engine.charters.queries.revision_identity`): a revision never changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cachetools import LRUCache, cached
from sqlalchemy.orm import Session

from charter_engine.charters.models import Charter, Revision, RevisionClause
from charter_engine.charters.queries import get_revision, revision_clauses, revision_identity
from charter_engine.text.numbering import DisplayNumber, citation, display_numbers
from charter_engine.text.redline import Redline, RedlineEntry, Side, redline, render_entries
from charter_engine.text.render import RST, RenderedBlock, render_blocks


@dataclass(frozen=True)
class DisplayClause:
    clause_id: int
    version_id: int
    position: int
    number: str
    written: bool  # the text starts with its own number ("4. Membership"): pages need not repeat it
    structural_number: str
    depth: int
    nesting: int
    kind: str
    level: int
    heading: str | None
    html: str
    text: str
    source: str

    @property
    def label(self) -> str:
        return citation(self.number, self.heading)

    @property
    def title(self) -> str:
        """A page title for the clause: "§ 2 Members", "4. Membership.", "§ 4.a"."""
        return clause_title(self.kind, self.number, self.written, self.heading)


def clause_title(kind: str, number: str, written: bool, heading: str | None) -> str:
    """How a page titles a clause: a heading by its title (after its number unless the title
    carries it), any other clause by its number."""
    if kind == "heading" and heading:
        return heading if written or not number else f"{citation(number)} {heading}"
    return citation(number, heading)


def render_format(charter: Charter) -> str:
    """The markup a charter's text is rendered as."""
    return RST if charter.source_format == "rst" else "markdown"


def numbers_of(rows: Sequence[RevisionClause]) -> list[DisplayNumber]:
    """The display numbers of a revision's clauses, in order."""
    index = {rc.clause_id: i for i, rc in enumerate(rows)}
    parents = [index.get(rc.parent_clause_id) if rc.parent_clause_id else None for rc in rows]
    return display_numbers([rc.version for rc in rows], [rc.number for rc in rows], parents)


def display_rows(charter: Charter, rows: Sequence[RevisionClause]) -> list[DisplayClause]:
    """:func:`display_revision` for revision clauses already loaded (with their versions)."""
    numbers = numbers_of(rows)
    rendered = render_blocks([rc.version for rc in rows], render_format(charter))
    return [
        DisplayClause(
            clause_id=rc.clause_id,
            version_id=rc.clause_version_id,
            position=rc.position,
            number=number.value,
            written=number.written,
            structural_number=rc.number,
            depth=rc.depth,
            nesting=block.nesting,
            kind=block.kind,
            level=block.level,
            heading=rc.version.heading,
            html=block.html,
            text=block.text,
            source=rc.version.text,
        )
        for rc, number, block in zip(rows, numbers, rendered, strict=True)
    ]


def display_revision(
    session: Session, charter: Charter, number: int | None = None
) -> Sequence[DisplayClause]:
    """Every clause of revision ``number`` (the head when None) as readers see it."""
    return displayed(session, charter, get_revision(session, charter, number))


@cached(
    LRUCache(maxsize=16),
    key=lambda session, charter, revision: revision_identity(session, revision),
    lock=threading.Lock(),
)
def displayed(session: Session, charter: Charter, revision: Revision) -> tuple[DisplayClause, ...]:
    """Every clause of ``revision`` as readers see it, worked out once per revision and process
    (a revision never changes): the reading page of a 400-clause charter then loads no clause."""
    return tuple(display_rows(charter, revision_clauses(session, revision)))


def sides_of(rows: Sequence[RevisionClause]) -> list[Side]:
    """A revision's clauses as one side of a redline, with their display numbers."""
    return [
        Side(
            key=rc.clause_id,
            text=rc.version.text,
            version=rc.clause_version_id,
            kind=rc.version.kind,
            level=rc.version.level,
            heading=rc.version.heading,
            number=number.value,
        )
        for rc, number in zip(rows, numbers_of(rows), strict=True)
    ]


@cached(
    LRUCache(maxsize=16),
    key=lambda session, revision: revision_identity(session, revision),
    lock=threading.Lock(),
)
def _sides(session: Session, revision: Revision) -> tuple[Side, ...]:
    """A revision as one side of a redline, worked out once per revision and process."""
    return tuple(sides_of(revision_clauses(session, revision)))


@dataclass(frozen=True)
class RevisionRedline:
    charter: Charter
    from_revision: Revision
    to_revision: Revision
    redline: Redline

    def rendered(
        self, *, only_changed: bool = False, view: str = "inline"
    ) -> Iterator[tuple[RedlineEntry, RenderedBlock]]:
        """Each entry with its rendering; ``view`` is inline, old or new (side by side)."""
        return render_entries(
            self.redline, render_format(self.charter), only_changed=only_changed, view=view
        )


def revision_redline(
    session: Session, charter: Charter, from_number: int, to_number: int
) -> RevisionRedline:
    """The redline from revision ``from_number`` to ``to_number`` (either may be the older)."""
    old = get_revision(session, charter, from_number)
    new = get_revision(session, charter, to_number)
    lines = redline(_sides(session, old), _sides(session, new))
    return RevisionRedline(charter, old, new, lines)
