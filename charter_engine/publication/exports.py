"""Delivering exports: the file of a revision, a release or a redline in a format, rendered once
and then served from the export cache.

A release's own files are served exactly as they were published. Anything else is looked up by
the hash of its source (:func:`~charter_engine.publication.source.cache_key`); on a miss it is
rendered and stored for the next request. The caller commits (a cache entry is the only thing
these functions write). Call them in a reading transaction (GET requests have one; the command
line asks for one), so that on SQLite rendering never holds the write lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from charter_engine.charters.models import Charter
from charter_engine.errors import ValidationError
from charter_engine.publication.formats import (
    EXPORT_FORMATS,
    MEDIA_TYPES,
    REDLINE_FORMATS,
    render_export,
    render_redline,
)
from charter_engine.publication.models import ExportFile
from charter_engine.publication.operations import RELEASE_OPTIONS, store_export
from charter_engine.publication.queries import (
    export_source,
    find_export,
    redline_source,
    release_file,
    revision_or_release,
)
from charter_engine.publication.source import ExportOptions, cache_key, sha256_hex

Progress = Callable[[str], None]
# The formats that carry the changelog annex (Markdown is the text alone; JSON has provenance).
ANNEX_FORMATS = ("html", "pdf", "docx")


@dataclass(frozen=True)
class Delivery:
    """An exported file, ready to be sent or written."""

    content: bytes
    sha256: str
    format: str
    filename: str
    media_type: str
    revision: int
    cached: bool  # served from the cache (or a release's published file)


def check_format(fmt: object, allowed: tuple[str, ...] = EXPORT_FORMATS) -> str:
    if not isinstance(fmt, str) or fmt not in allowed:
        raise ValidationError(
            f"Unknown format {fmt!r}; use one of {', '.join(allowed)}.", field="format"
        )
    return fmt


def _delivery(file: ExportFile, name: str, revision: int, cached: bool) -> Delivery:
    return Delivery(
        content=file.content,
        sha256=file.sha256,
        format=file.format,
        filename=f"{name}.{file.format}",
        media_type=MEDIA_TYPES[file.format],
        revision=revision,
        cached=cached,
    )


def export_file(
    session: Session,
    charter: Charter,
    *,
    fmt: str,
    revision: int | None = None,
    release: str | None = None,
    options: ExportOptions = RELEASE_OPTIONS,
    progress: Progress | None = None,
) -> Delivery:
    """The file of a revision (the head by default) or of a release, in ``fmt``."""
    fmt = check_format(fmt)
    if revision is not None and release is not None:
        raise ValidationError("Name a revision or a release, not both.", field="release")
    found_revision, found_release = revision_or_release(
        session, charter, revision=revision, release=release
    )
    if found_release is not None and options == RELEASE_OPTIONS:
        published = release_file(session, found_release, fmt)
        name = f"{charter.slug}-{found_release.label}"
        return _delivery(published, name, found_revision.number, True)
    source = export_source(
        session,
        charter,
        found_revision,
        found_release,
        with_blame=fmt == "json",
        annex=options.annex and fmt in ANNEX_FORMATS,
    )
    return _cached_or_rendered(
        session,
        cache_key(fmt, options, source),
        fmt,
        source.name,
        source.revision,
        lambda: render_export(fmt, source, options, progress),
    )


def redline_file(
    session: Session,
    charter: Charter,
    *,
    fmt: str,
    old_revision: int | None = None,
    old_release: str | None = None,
    new_revision: int | None = None,
    new_release: str | None = None,
    progress: Progress | None = None,
) -> Delivery:
    """The redline from one revision or release to another (the head by default)."""
    fmt = check_format(fmt, REDLINE_FORMATS)
    old, old_rel = revision_or_release(session, charter, revision=old_revision, release=old_release)
    new, new_rel = revision_or_release(session, charter, revision=new_revision, release=new_release)
    source = redline_source(
        session,
        charter,
        old,
        new,
        old_name=f"release {old_rel.label}" if old_rel else None,
        new_name=f"release {new_rel.label}" if new_rel else None,
    )
    return _cached_or_rendered(
        session,
        cache_key(fmt, RELEASE_OPTIONS, source),
        fmt,
        source.name,
        source.new_revision,
        lambda: render_redline(fmt, source, progress),
    )


def _cached_or_rendered(
    session: Session,
    key: str,
    fmt: str,
    name: str,
    revision: int,
    render: Callable[[], bytes],
) -> Delivery:
    hit = find_export(session, key)
    if hit is not None:
        return _delivery(hit, name, revision, True)
    content = render()
    try:
        stored = store_export(session, key, fmt, content)
    except OperationalError:
        # SQLite could not turn this reading transaction into a writing one because another
        # writer holds the lock: serve the file without caching it; a later request stores it.
        return Delivery(
            content=content,
            sha256=sha256_hex(content),
            format=fmt,
            filename=f"{name}.{fmt}",
            media_type=MEDIA_TYPES[fmt],
            revision=revision,
            cached=False,
        )
    return _delivery(stored, name, revision, False)
