"""What an export is made from: plain, frozen data read from one revision (and its release).

The exporters (:mod:`.formats`) are pure functions of these values, so the same source always gives
the same file, and the hash of a source together with the format and options is the key under
which a rendering is cached (:func:`cache_key`). Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

# Bump when any exporter's output changes for the same source: old cache entries then no longer
# match, and the next request renders anew (release files keep the bytes they were published with).
EXPORTER_VERSION = "2"


@dataclass(frozen=True)
class SourceClause:
    """One clause as an export shows it: numbered and rendered by the same rules as the pages
    (:mod:`charter_engine.charters.display`)."""

    clause_id: int
    number: str  # the display number: the document's own where it has one ("Article 3", "4.a")
    structural_number: str  # the engine's number from the clause's place ("2.1"; "" the title)
    label: str  # how the clause is named: "§ 2.1", "Article 3", "Preamble", "Title"
    depth: int
    parent_id: int | None
    kind: str
    level: int
    nesting: int  # how deep a list item sits under other items
    heading: str | None
    heading_line: str | None  # a heading as shown: "2 Members", or "Article 3 — Decisions"
    html: str  # sanitised HTML (a heading's title inline, else block elements)
    plain: str  # the same as plain text, one line per paragraph or list item
    text: str  # the exact source, trailing blank lines included
    version_id: int
    # Blame (JSON export): the text in passages, each with the revision that introduced it, and
    # the revisions that gave the clause a new version.
    passages: tuple[tuple[str, int], ...] = ()
    history: tuple[int, ...] = ()


@dataclass(frozen=True)
class AnnexEntry:
    """One revision of the changelog annex: an adopted amendment, or an editorial change."""

    revision: int
    label: str  # "Amendment #4: Clearer quorum", "Editorial change"
    date: datetime | None
    editorial: bool
    note: str | None
    author: str | None
    cosponsors: tuple[str, ...] = ()
    rationale: str = ""
    ballot: str | None = None  # "Ballot “…”: Adopted: 12 yes, 3 no, 1 abstaining (16 voters)"


@dataclass(frozen=True)
class ExportSource:
    slug: str
    title: str
    source_format: str
    revision: int
    revision_sha256: str
    revision_date: datetime
    clauses: tuple[SourceClause, ...]
    release_label: str | None = None
    release_notes: str | None = None
    released_at: datetime | None = None
    adopted_revision: int | None = None
    adopted_at: datetime | None = None
    annex: tuple[AnnexEntry, ...] | None = None
    annex_since: str | None = None  # "release 1.0"; None: since the import
    # Blame (JSON export): every revision a passage or a clause's history names, as JSON.
    origins: tuple[tuple[int, str], ...] = ()

    @property
    def text(self) -> str:
        """The revision's exact text: its clauses joined in order."""
        return "".join(clause.text for clause in self.clauses)

    @property
    def name(self) -> str:
        """A file name stem: ``<slug>-<label>`` for a release, ``<slug>-r<N>`` otherwise."""
        return f"{self.slug}-{self.release_label or f'r{self.revision}'}"


@dataclass(frozen=True)
class ExportOptions:
    """Choices that change a rendering: line numbers (PDF), and the changelog annex (PDF, DOCX
    and HTML: every change since the release before, or since the import), which is included
    unless left out."""

    line_numbers: bool = False
    annex: bool = True


@dataclass(frozen=True)
class RedlineClause:
    """One clause of a redline: ``status`` is unchanged, changed, inserted, deleted or moved;
    ``html`` its rendered word diff (``<del>``/``<ins>``), ``pieces`` the diff itself
    (``-1`` deleted, ``0`` kept, ``1`` inserted)."""

    clause_id: int
    status: str
    old_number: str | None
    new_number: str | None
    label: str
    heading: str | None
    kind: str
    level: int
    html: str
    pieces: tuple[tuple[int, str], ...]

    @property
    def shown_pieces(self) -> list[tuple[int, str]]:
        """The pieces without the blank lines that end the clause (they separate it from the
        next one in the source, and would only add space when shown)."""
        shown = list(self.pieces)
        while shown and not shown[-1][1].strip():
            shown.pop()
        if shown:
            op, text = shown[-1]
            shown[-1] = (op, text.rstrip())
        return shown


def revision_name(name: str, number: int) -> str:
    """ "release 1.0 (revision 4)", or "revision 4" alone."""
    return name if name == f"revision {number}" else f"{name} (revision {number})"


@dataclass(frozen=True)
class RedlineSource:
    slug: str
    title: str
    old_name: str  # "release 1.0" or "revision 3"
    new_name: str
    old_revision: int
    new_revision: int
    clauses: tuple[RedlineClause, ...] = ()

    @property
    def name(self) -> str:
        def short(name: str) -> str:
            kind, _, value = name.partition(" ")
            return value if kind == "release" else f"r{value}"

        return f"{self.slug}-changes-{short(self.old_name)}-to-{short(self.new_name)}"


def cache_key(fmt: str, options: ExportOptions, source: ExportSource | RedlineSource) -> str:
    """SHA-256 of everything a rendering depends on: the exporter version, the format, the
    options and the source itself."""
    payload = {
        "exporter": EXPORTER_VERSION,
        "format": fmt,
        "options": asdict(options),
        "kind": type(source).__name__,
        "source": asdict(source),
    }
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=_json_default)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
