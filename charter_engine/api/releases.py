"""Release and export endpoints: publish a revision as a release (secretariat), list releases,
and export any revision or release — or a redline between two of them — as a file.

Exports are rendered once and served from the cache; a release's files are the ones it was
published with, so their SHA-256 matches what the release recorded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field, StringConstraints

from charter_engine.api.charters import charter_or_404
from charter_engine.api.core import abort_json, actor, api_bp, commit, created, iso_time
from charter_engine.api.spec import (
    Answer,
    Body,
    Notes,
    Number,
    Paged,
    PageQuery,
    Query,
    QueryNumber,
    endpoints_tagged,
    request_body,
    request_query,
)
from charter_engine.context import db
from charter_engine.downloads import file_response
from charter_engine.publication.exports import export_file, redline_file
from charter_engine.publication.formats import EXPORT_FORMATS, REDLINE_FORMATS
from charter_engine.publication.models import Release
from charter_engine.publication.operations import publish_release
from charter_engine.publication.queries import list_releases
from charter_engine.publication.source import ExportOptions

ExportFormat = Literal["md", "html", "pdf", "docx", "json"]
RedlineFormat = Literal["html", "pdf", "docx"]
assert set(ExportFormat.__args__) == set(EXPORT_FORMATS)  # type: ignore[attr-defined]
assert set(RedlineFormat.__args__) == set(REDLINE_FORMATS)  # type: ignore[attr-defined]
Flag = Literal["0", "1", "true", "false"]
Label = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[^\x00]*$")]
NewLabel = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?$"),
    Field(description="Such as 1.0; not ending in .md, .html, .pdf, .docx, .json"),
]
Sha256 = Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")]
Files = Annotated[
    dict[str, Sha256],
    Field(description="SHA-256 of each file exported when the release was made, by format"),
]
_FILE_CONTENT = {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in (
        "text/markdown",
        "text/html",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/json",
    )
}


class ReleaseCreate(Body):
    label: NewLabel
    notes: Notes | None = None
    revision: Number | None = Field(None, description="Default: the head revision")


class ReleaseCreated(Answer):
    label: str
    revision: int
    sha256: Sha256
    files: Files


class ReleaseOut(ReleaseCreated):
    notes: str
    released_at: str | None
    url: str = Field(description="The public page of the release")


class ReleaseList(Paged):
    releases: list[ReleaseOut]


class ExportQuery(Query):
    format: ExportFormat = Field("md", description="md (default), html, pdf, docx or json")
    revision: QueryNumber | None = Field(None, description="A revision number (default: the head)")
    release: Label | None = Field(None, description="A release's label, instead of a revision")
    line_numbers: Flag = Field("0", description="PDF: number the lines of each page")
    annex: Flag = Field("1", description="PDF, DOCX, HTML: the changelog annex")


class RedlineQuery(Query):
    format: RedlineFormat = Field("pdf", description="pdf (default), docx or html")
    from_revision: QueryNumber | None = Field(None, description="The older revision")
    from_release: Label | None = Field(None, description="The older release's label")
    to_revision: QueryNumber | None = Field(
        None, description="The newer revision (default: the head)"
    )
    to_release: Label | None = Field(None, description="The newer release's label")


def release_json(release: Release, slug: str) -> dict[str, Any]:
    return {
        "label": release.label,
        "revision": release.revision_number,
        "sha256": release.text_sha256,
        "notes": release.notes,
        "released_at": iso_time(release.released_at),
        "files": {f.format: f.sha256 for f in release.files},
        "url": url_for("publication.release", slug=slug, label=release.label),
    }


endpoint = endpoints_tagged("releases")


@api_bp.post("/charters/<slug>/releases")
@endpoint(
    operation_id="publishRelease",
    body=ReleaseCreate,
    ok={201: ReleaseCreated},
    errors=(403, 404, 409),
)
def releases_create(slug: str) -> ResponseReturnValue:
    """Publish a revision as a release (secretariat)

    Publishes the head unless `revision` is given. Every export format is rendered now and kept;
    the answer gives the SHA-256 of the text and of each file. A label is used once per charter
    (409 otherwise).
    """
    data = request_body(ReleaseCreate)
    charter = charter_or_404(slug)
    release = publish_release(
        db(),
        charter,
        label=data.label,
        notes=data.notes or "",
        revision_number=data.revision,
        actor=actor(),
    )
    out = {
        "label": release.label,
        "revision": release.revision_number,
        "sha256": release.text_sha256,
        "files": {f.format: f.sha256 for f in release.files},
    }
    commit()
    return created(out, url_for("publication.release", slug=slug, label=out["label"]))


@api_bp.get("/charters/<slug>/releases")
@endpoint(operation_id="listReleases", query=PageQuery, ok={200: ReleaseList}, errors=(404,))
def releases_index(slug: str) -> ResponseReturnValue:
    """The charter's releases, newest first"""
    charter = charter_or_404(slug)
    page = request_query(PageQuery)
    rows, next_page = page.cut(list_releases(db(), charter, limit=page.limit, offset=page.offset))
    return jsonify(releases=[release_json(r, slug) for r in rows], next=next_page)


@api_bp.get("/charters/<slug>/export")
@endpoint(
    operation_id="exportCharter",
    query=ExportQuery,
    ok={200: None},
    errors=(404, 422),
    content={200: _FILE_CONTENT},
)
def charters_export(slug: str) -> ResponseReturnValue:
    """A revision or release as a file

    `md` is the exact text, byte for byte. A release's files are the ones it was published with.
    Other files are rendered once and then served from a cache; `X-Content-SHA256` gives the
    file's hash.
    """
    asked = request_query(ExportQuery)
    options = ExportOptions(
        line_numbers=asked.line_numbers in ("1", "true"), annex=asked.annex in ("1", "true")
    )
    charter = charter_or_404(slug)
    delivered = export_file(
        db(),
        charter,
        fmt=asked.format,
        revision=asked.revision,
        release=asked.release,
        options=options,
    )
    commit()  # the cache entry, when this request rendered the file
    return file_response(delivered)


@api_bp.get("/charters/<slug>/redline")
@endpoint(
    operation_id="exportRedline",
    query=RedlineQuery,
    ok={200: None},
    errors=(404, 422),
    content={200: _FILE_CONTENT},
)
def charters_redline(slug: str) -> ResponseReturnValue:
    """The changes between two revisions or releases as a file

    From `from_revision` or `from_release` to `to_revision`, `to_release` or the head.
    """
    asked = request_query(RedlineQuery)
    charter = charter_or_404(slug)
    if asked.from_revision is None and asked.from_release is None:
        abort_json(400, "bad_request", "Give 'from_revision' or 'from_release'.")
    delivered = redline_file(
        db(),
        charter,
        fmt=asked.format,
        old_revision=asked.from_revision,
        old_release=asked.from_release,
        new_revision=asked.to_revision,
        new_release=asked.to_release,
    )
    commit()
    return file_response(delivered)
