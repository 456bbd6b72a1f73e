"""Releases and the files exported from revisions.

A **release** is a revision the secretariat published under a label ("1.0"), with notes and a
date. Its text never changes: the revision it names is immutable, the release records that text's
SHA-256, and the files exported for it at release time are kept with their SHA-256 as well.

An **export file** is one rendering (Markdown, HTML, PDF, DOCX or JSON) of one revision, stored
under a key that is the hash of everything the rendering depends on. It is made once and served
from the database ever after: the database is the one store every application process shares (the
app keeps nothing on a server's disk between requests, and several servers may serve one
PostgreSQL), and a release's files must outlive any one machine.

Rows of these three tables are written once. Beyond the unique constraints, triggers created by
the migration refuse any UPDATE or DELETE, so not even a hand-written statement can change what
was published (see ``migrations/versions/20261206_0010_releases.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_engine.db import Base, utcnow

EXPORT_FORMATS = ("md", "html", "pdf", "docx", "json")
_FORMAT_CHECK = "format IN ('md', 'html', 'pdf', 'docx', 'json')"


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("charter_id", "label"),
        # The release names a revision of its own charter: (charter, number) is the revision's
        # unique key, so the pair cannot point into another charter.
        ForeignKeyConstraint(
            ["charter_id", "revision_number"], ["revisions.charter_id", "revisions.number"]
        ),
        CheckConstraint("length(label) BETWEEN 1 AND 40", name="label_length"),
        CheckConstraint("length(text_sha256) = 64", name="text_sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int]
    text_sha256: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    files: Mapped[list[ReleaseFile]] = relationship(
        order_by="ReleaseFile.format", viewonly=True, lazy="selectin"
    )


class ExportFile(Base):
    """One rendering of one revision, stored under the hash of what it was made from."""

    __tablename__ = "export_files"
    __table_args__ = (
        CheckConstraint(_FORMAT_CHECK, name="format_known"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the exporter's version, the format, the options and the exported content.
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReleaseFile(Base):
    """A file exported when the release was made; its SHA-256 is part of the release's record."""

    __tablename__ = "release_files"
    __table_args__ = (CheckConstraint(_FORMAT_CHECK, name="format_known"),)

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), primary_key=True)
    format: Mapped[str] = mapped_column(String(10), primary_key=True)
    export_file_id: Mapped[int] = mapped_column(ForeignKey("export_files.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
