"""What an export is made from: plain, frozen data read from one revision (and its release).

The exporters (:mod:`.formats`) are pure functions of these values, so the same source always gives
the same file, and the hash of a source together with the format and options is the key under
which a rendering is cached (:func:`cache_key`). Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# Bump when any exporter's output changes for the same source: old cache entries then no longer
# match, and the next request renders anew (release files keep the bytes they were published with).
EXPORTER_VERSION = "1"


@dataclass(frozen=True)
class Provenance:
    """Where a clause's current text comes from: the revision that introduced its version and
    what caused that revision (the import, an amendment, an editorial change)."""

    revision: int
    cause: str
    amendment_number: int | None = None
    amendment_title: str | None = None
    editorial: bool = False
    date: datetime | None = None


@dataclass(frozen=True)
class SourceClause:
    clause_id: int
    number: str  # the engine's number, derived from the position ("2.1"; "" for the title)
    depth: int
    parent_id: int | None
    kind: str
    level: int
    heading: str | None
    text: str  # the exact source, trailing blank lines included
    version_id: int
    provenance: Provenance | None = None


@dataclass(frozen=True)
class AnnexEntry:
    """One adopted amendment of the changelog annex."""

    number: int
    title: str
    rationale: str
    author: str | None
    revision: int | None
    decided_by: str  # "ballot" or "editorial"
    ballot_title: str | None = None
    tally: str | None = None
    date: datetime | None = None


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
    annex_since: str | None = None  # "release 1.0", or None for the whole history

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
    """Choices that change a rendering (the PDF's line numbers; the changelog annex)."""

    line_numbers: bool = False
    annex: bool = False


@dataclass(frozen=True)
class RedlineClause:
    """One clause of a redline: ``status`` is unchanged, changed, inserted, deleted or moved;
    ``pieces`` is the word diff (``-1`` deleted, ``0`` kept, ``1`` inserted)."""

    clause_id: int
    status: str
    old_number: str | None
    new_number: str | None
    heading: str | None
    kind: str
    level: int
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
    clauses: tuple[RedlineClause, ...] = field(default_factory=tuple)

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
