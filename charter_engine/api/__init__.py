"""The JSON API under ``/api/v1``: bearer-token authentication, one error format, OpenAPI.

Every handler is a unit of work: it validates the body, calls operations, commits once and answers.
Any error answers ``{"error": {"code", "message"}}`` with a 4xx status and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from charter_engine.api import core  # noqa: E402  (auth, errors, openapi)

core.load_endpoint_modules()
