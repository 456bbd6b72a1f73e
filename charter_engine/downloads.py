"""Exported files as HTTP downloads, answered the same way by the browser UI and the JSON API."""

from __future__ import annotations

from flask import Response

from charter_engine.publication.exports import Delivery


def file_response(delivered: Delivery) -> Response:
    """An exported file as a download, with its SHA-256 as ETag and ``X-Content-SHA256``."""
    response = Response(delivered.content, mimetype=delivered.media_type)
    response.headers["Content-Type"] = delivered.media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{delivered.filename}"'
    response.headers["ETag"] = f'"{delivered.sha256}"'
    response.headers["X-Content-SHA256"] = delivered.sha256
    response.headers["X-Charter-Revision"] = str(delivered.revision)
    if delivered.format == "html":
        # The exported page carries its own stylesheet and no script: allow that, nothing else.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        )
    return response
