"""Release and export endpoints: publish a revision as a release (secretariat), list releases,
and export any revision or release — or a redline between two of them — as a file.

Exports are rendered once and served from the cache; a release's files are the ones it was
published with, so their SHA-256 matches what the release recorded.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue

from charter_engine.api.charters import charter_or_404
from charter_engine.api.core import (
    abort_json,
    actor,
    api_bp,
    commit,
    int_arg,
    int_field,
    iso_time,
    json_object,
    str_field,
)
from charter_engine.api.openapi import (
    error_responses,
    json_body,
    json_response,
    path_params,
    query_param,
    register_paths,
)
from charter_engine.context import db
from charter_engine.downloads import file_response
from charter_engine.publication.exports import export_file, redline_file
from charter_engine.publication.formats import EXPORT_FORMATS, REDLINE_FORMATS
from charter_engine.publication.models import Release
from charter_engine.publication.operations import publish_release
from charter_engine.publication.queries import list_releases
from charter_engine.publication.source import ExportOptions


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


@api_bp.post("/charters/<slug>/releases")
def releases_create(slug: str) -> ResponseReturnValue:
    body = json_object(allowed={"label", "notes", "revision"})
    charter = charter_or_404(slug)
    label = str_field(body, "label")
    notes = str_field(body, "notes", required=False)
    revision = int_field(body, "revision", required=False)
    release = publish_release(
        db(), charter, label=label, notes=notes or "", revision_number=revision, actor=actor()
    )
    out = {
        "label": release.label,
        "revision": release.revision_number,
        "sha256": release.text_sha256,
        "files": {f.format: f.sha256 for f in release.files},
    }
    commit()
    response = jsonify(out)
    response.status_code = 201
    response.headers["Location"] = url_for(
        "publication.release", slug=slug, label=out["label"], _external=False
    )
    return response


@api_bp.get("/charters/<slug>/releases")
def releases_index(slug: str) -> ResponseReturnValue:
    charter = charter_or_404(slug)
    return jsonify(releases=[release_json(r, slug) for r in list_releases(db(), charter)])


def _choice_arg(name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = request.args.get(name, default)
    if value is None or value not in allowed:
        abort_json(
            400,
            "bad_request",
            f"The query parameter '{name}' must be one of {', '.join(allowed)}.",
        )
    return value


def _flag_arg(name: str, default: str) -> bool:
    return _choice_arg(name, ("0", "1", "true", "false"), default) in ("1", "true")


def _label_arg(name: str) -> str | None:
    value = request.args.get(name)
    return value or None


@api_bp.get("/charters/<slug>/export")
def charters_export(slug: str) -> ResponseReturnValue:
    fmt = _choice_arg("format", EXPORT_FORMATS, "md")
    options = ExportOptions(
        line_numbers=_flag_arg("line_numbers", "0"), annex=_flag_arg("annex", "1")
    )
    revision = int_arg("revision")
    release = _label_arg("release")
    charter = charter_or_404(slug)
    delivered = export_file(
        db(), charter, fmt=fmt, revision=revision, release=release, options=options
    )
    commit()  # the cache entry, when this request rendered the file
    return file_response(delivered)


@api_bp.get("/charters/<slug>/redline")
def charters_redline(slug: str) -> ResponseReturnValue:
    fmt = _choice_arg("format", REDLINE_FORMATS, "pdf")
    charter = charter_or_404(slug)
    from_revision, from_release = int_arg("from_revision"), _label_arg("from_release")
    if from_revision is None and from_release is None:
        abort_json(400, "bad_request", "Give 'from_revision' or 'from_release'.")
    delivered = redline_file(
        db(),
        charter,
        fmt=fmt,
        old_revision=from_revision,
        old_release=from_release,
        new_revision=int_arg("to_revision"),
        new_release=_label_arg("to_release"),
    )
    commit()
    return file_response(delivered)


# ---------------------------------------------------------------------------------------------
# OpenAPI

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_FILES = {
    "type": "object",
    "description": "SHA-256 of each file exported when the release was made, by format",
    "additionalProperties": _SHA256,
}
_FILE_CONTENT = {
    media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
    for media in (
        "text/markdown",
        "text/html",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/json",
    )
}
_LABEL = {"type": "string", "minLength": 1, "maxLength": 40}

register_paths(
    {
        "/charters/{slug}/releases": {
            "get": {
                "summary": "The charter's releases, newest first",
                "operationId": "listReleases",
                "tags": ["releases"],
                "parameters": path_params("slug"),
                "responses": {
                    "200": json_response(
                        "Releases",
                        {
                            "type": "object",
                            "required": ["releases"],
                            "properties": {
                                "releases": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Release"},
                                }
                            },
                        },
                    ),
                    **error_responses(401, 404),
                },
            },
            "post": {
                "summary": "Publish a revision as a release (secretariat)",
                "description": (
                    "Publishes the head unless `revision` is given. Every export format is "
                    "rendered now and kept; the answer gives the SHA-256 of the text and of each "
                    "file. A label is used once per charter (409 otherwise)."
                ),
                "operationId": "publishRelease",
                "tags": ["releases"],
                "parameters": path_params("slug"),
                "requestBody": json_body("ReleaseCreate"),
                "responses": {
                    "201": json_response(
                        "The release",
                        {
                            "type": "object",
                            "required": ["label", "revision", "sha256", "files"],
                            "properties": {
                                "label": {"type": "string"},
                                "revision": {"type": "integer"},
                                "sha256": _SHA256,
                                "files": _FILES,
                            },
                        },
                    ),
                    **error_responses(400, 401, 403, 404, 409, 415, 422),
                },
            },
        },
        "/charters/{slug}/export": {
            "get": {
                "summary": "A revision or release as a file",
                "description": (
                    "`md` is the exact text, byte for byte. A release's files are the ones it was "
                    "published with. Other files are rendered once and then served from a cache; "
                    "`X-Content-SHA256` gives the file's hash."
                ),
                "operationId": "exportCharter",
                "tags": ["releases"],
                "parameters": [
                    *path_params("slug"),
                    query_param(
                        "format",
                        "md (default), html, pdf, docx or json",
                        {"type": "string", "enum": list(EXPORT_FORMATS)},
                    ),
                    query_param("revision", "A revision number (default: the head)"),
                    query_param("release", "A release's label, instead of a revision", _LABEL),
                    query_param(
                        "line_numbers",
                        "PDF: number the lines of each page (default 0)",
                        {"type": "string", "enum": ["0", "1", "true", "false"]},
                    ),
                    query_param(
                        "annex",
                        "PDF, DOCX, HTML: the changelog annex (default 1)",
                        {"type": "string", "enum": ["0", "1", "true", "false"]},
                    ),
                ],
                "responses": {
                    "200": {"description": "The file", "content": _FILE_CONTENT},
                    **error_responses(400, 401, 404, 422),
                },
            }
        },
        "/charters/{slug}/redline": {
            "get": {
                "summary": "The changes between two revisions or releases as a file",
                "description": "From `from_revision` or `from_release` to `to_revision`, "
                "`to_release` or the head.",
                "operationId": "exportRedline",
                "tags": ["releases"],
                "parameters": [
                    *path_params("slug"),
                    query_param(
                        "format",
                        "pdf (default), docx or html",
                        {"type": "string", "enum": list(REDLINE_FORMATS)},
                    ),
                    query_param("from_revision", "The older revision"),
                    query_param("from_release", "The older release's label", _LABEL),
                    query_param("to_revision", "The newer revision (default: the head)"),
                    query_param("to_release", "The newer release's label", _LABEL),
                ],
                "responses": {
                    "200": {"description": "The redline", "content": _FILE_CONTENT},
                    **error_responses(400, 401, 404, 422),
                },
            }
        },
    },
    schemas={
        "Release": {
            "type": "object",
            "required": ["label", "revision", "sha256", "notes", "released_at", "files", "url"],
            "properties": {
                "label": {"type": "string"},
                "revision": {"type": "integer"},
                "sha256": _SHA256,
                "notes": {"type": "string"},
                "released_at": {"type": "string", "format": "date-time"},
                "files": _FILES,
                "url": {"type": "string", "description": "The public page of the release"},
            },
        },
        "ReleaseCreate": {
            "type": "object",
            "required": ["label"],
            "additionalProperties": False,
            "properties": {
                "label": {
                    **_LABEL,
                    "pattern": "^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?$",
                    "description": "Such as 1.0; not ending in .md, .html, .pdf, .docx, .json",
                },
                "notes": {"type": "string", "maxLength": 20000},
                "revision": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Default: the head revision",
                },
            },
        },
    },
)
