"""Creating charters and revisions.

Every text change to a charter ends in :func:`create_revision`, which writes a new numbered revision
from an ordered list of clauses: unchanged clauses reuse their version, changed ones get a new
version linked to the previous one. What a new revision entails beyond the charter (comment anchors
carried to the new versions, pending amendments rebased) is done by the packages above that write
revisions: :mod:`charter_engine.amendments.merging` and :mod:`charter_engine.amendments.editorial`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import ensure_can
from charter_engine.audit.operations import record
from charter_engine.charters.models import Charter, Clause, ClauseVersion, Revision, RevisionClause
from charter_engine.errors import ValidationError
from charter_engine.limits import CHARTER_TITLE, DOCUMENT, FILENAME, check_length, required_text
from charter_engine.text import classify_block, rst_heading_styles, split_document

if TYPE_CHECKING:
    from charter_engine.accounts.models import User

FORMATS = ("markdown", "rst", "text")


@dataclass(frozen=True)
class Entry:
    """One clause of a revision being written.

    ``version_id`` reuses an existing version unchanged; otherwise ``text`` becomes a new version of
    ``clause_id`` (or of a new clause when ``clause_id`` is None).
    """

    clause_id: int | None
    text: str | None = None
    version_id: int | None = None
    previous_version_id: int | None = None


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].strip("-") or "charter"


def guess_format(filename: str | None, text: str) -> str:
    name = (filename or "").lower()
    if name.endswith((".rst", ".rest")):
        return "rst"
    if name.endswith((".md", ".markdown")):
        return "markdown"
    if name.endswith(".txt"):
        return "text"
    if re.search(r"^#{1,6}\s", text, re.MULTILINE):
        return "markdown"
    if re.search(r"^([=\-~^\"'`#*+])\1{2,}\s*$", text, re.MULTILINE):
        return "rst"
    return "text"


def parser_format(source_format: str) -> str:
    """The text engine's parsing mode for a charter's source format."""
    return "rst" if source_format == "rst" else "markdown"


def validate_document_text(text: object, *, field: str = "text") -> str:
    if not isinstance(text, str):
        raise ValidationError("The document must be text.", field=field)
    if "\x00" in text:
        raise ValidationError("The document contains a NUL character; it is not text.", field=field)
    if not text.strip():
        raise ValidationError("The document is empty.", field=field)
    return check_length(text, DOCUMENT, field=field, what="the document")


def _unique_slug(session: Session, title: str) -> str:
    base = slugify(title)
    taken = set(
        session.execute(
            select(Charter.slug).where(
                (Charter.slug == base) | Charter.slug.like(base.replace("%", "") + "-%")
            )
        ).scalars()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def import_charter(
    session: Session,
    *,
    title: str,
    text: str,
    actor: User,
    filename: str | None = None,
    source_format: str | None = None,
    language: str = "en",
) -> Charter:
    """Create a charter whose first revision is ``text`` split into clauses, byte for byte."""
    ensure_can(actor, "charter:import")
    title = required_text(
        title, CHARTER_TITLE, field="title", what="the title", missing="A charter needs a title."
    )
    if filename is not None:
        check_length(filename, FILENAME, field="filename", what="the file name")
    text = validate_document_text(text)
    fmt = source_format or guess_format(filename, text)
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    charter = Charter(
        slug=_unique_slug(session, title),
        title=title,
        source_format=fmt,
        source_language=language,
        head_revision_number=1,
        created_by_id=actor.id,
    )
    session.add(charter)
    session.flush()
    blocks = split_document(text, parser_format(fmt))
    revision = create_revision(
        session,
        charter,
        [Entry(clause_id=None, text=b.text) for b in blocks],
        cause="import",
        actor=actor,
        note=f"Imported from {filename}" if filename else "Imported",
    )
    record(
        session,
        "charter.imported",
        charter,
        actor=actor,
        payload={
            "slug": charter.slug,
            "title": title,
            "revision": revision.number,
            "clauses": revision.clause_count,
            "sha256": revision.text_sha256,
        },
    )
    return charter


def create_revision(
    session: Session,
    charter: Charter,
    entries: Sequence[Entry],
    *,
    cause: str,
    actor: User | None,
    amendment_id: int | None = None,
    note: str | None = None,
    editorial: bool = False,
) -> Revision:
    """Append the next revision of ``charter`` (which the caller has locked for update).

    The import is revision 1 of a new charter; every later revision follows the head.
    """
    number = 1 if cause == "import" else charter.head_revision_number + 1
    if not entries:
        raise ValidationError("A charter cannot be left without any clause.")
    texts: list[str] = []
    reused_ids = [e.version_id for e in entries if e.version_id is not None]
    reused: dict[int, ClauseVersion] = {}
    if reused_ids:
        reused = {
            v.id: v
            for v in session.execute(
                select(ClauseVersion).where(ClauseVersion.id.in_(reused_ids))
            ).scalars()
        }
    revision = Revision(
        charter_id=charter.id,
        number=number,
        cause=cause,
        amendment_id=amendment_id,
        editorial=editorial,
        actor_id=actor.id if actor else None,
        note=note,
        text_sha256="",
        clause_count=len(entries),
    )
    session.add(revision)
    fmt = parser_format(charter.source_format)
    # RST heading levels depend on the order adornment styles first appear in the whole text.
    rst_styles = None
    if fmt == "rst":
        rst_styles = rst_heading_styles(
            "".join(
                e.text
                if e.version_id is None and e.text
                else reused[e.version_id].text
                if e.version_id in reused
                else ""
                for e in entries
            )
        )
    new_clauses = [Clause(charter_id=charter.id) for e in entries if e.clause_id is None]
    session.add_all(new_clauses)
    session.flush()
    new_clause_iter = iter(new_clauses)
    versions: list[ClauseVersion] = []
    created: list[ClauseVersion] = []
    for entry in entries:
        if entry.version_id is not None:
            version = reused.get(entry.version_id)
            if version is None:
                raise ValidationError(f"Unknown clause version {entry.version_id}.")
        else:
            if entry.text is None or entry.text == "":
                raise ValidationError("A clause cannot be empty.")
            clause_id = entry.clause_id
            if clause_id is None:
                clause_id = next(new_clause_iter).id
            block = classify_block(entry.text, fmt, rst_styles)
            version = ClauseVersion(
                clause_id=clause_id,
                text=entry.text,
                kind=block.kind,
                level=block.level,
                heading=block.heading,
                previous_version_id=entry.previous_version_id,
                revision_id=revision.id,
            )
            created.append(version)
        versions.append(version)
    session.add_all(created)
    session.flush()
    seen: set[int] = set()
    for version in versions:
        if version.clause_id in seen:
            raise ValidationError("A clause may appear only once in a revision.")
        seen.add(version.clause_id)
        texts.append(version.text)
    full_text = "".join(texts)
    revision.text_sha256 = hashlib.sha256(full_text.encode("utf-8")).hexdigest()
    rows = []
    for position, (version, parent, depth, label) in enumerate(_tree(versions)):
        rows.append(
            RevisionClause(
                revision_id=revision.id,
                position=position,
                clause_id=version.clause_id,
                clause_version_id=version.id,
                parent_clause_id=parent,
                depth=depth,
                number=label,
            )
        )
    session.add_all(rows)
    session.flush()
    charter.head_revision_number = number
    return revision


def _tree(
    versions: Sequence[ClauseVersion],
) -> list[tuple[ClauseVersion, int | None, int, str]]:
    """Parent, depth and display number of each clause, derived from heading levels and order.

    A clause belongs to the nearest preceding heading of a lower level; numbers count siblings.
    A document that opens with its only top-level heading has a title: the title is not
    numbered, and what it contains is numbered 1, 2, 3 … as people expect.
    """
    stack: list[tuple[int, int, str]] = []  # (heading level, clause id, number)
    child_counts: dict[int | None, int] = {}
    out = []
    title = _title_clause(versions)
    for version in versions:
        level = version.level if version.kind == "heading" else 99
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent_id = stack[-1][1] if stack else None
        parent_number = stack[-1][2] if stack else ""
        if version.clause_id == title:
            number = ""
        else:
            index = child_counts.get(parent_id, 0) + 1
            child_counts[parent_id] = index
            number = f"{parent_number}.{index}" if parent_number else str(index)
        out.append((version, parent_id, len(stack), number))
        if version.kind == "heading":
            stack.append((level, version.clause_id, number))
    return out


def _title_clause(versions: Sequence[ClauseVersion]) -> int | None:
    if not versions or versions[0].kind != "heading":
        return None
    top = versions[0].level
    others = [v for v in versions[1:] if v.kind == "heading" and v.level <= top]
    return None if others else versions[0].clause_id
