"""Authentication, error answers, body helpers and the OpenAPI route shared by all endpoints."""

from __future__ import annotations

import importlib
import logging
from typing import Any, NoReturn

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from charter_engine import __version__
from charter_engine.accounts.models import User
from charter_engine.accounts.operations import user_for_token
from charter_engine.api import api_bp
from charter_engine.api.openapi import document
from charter_engine.errors import CharterError
from charter_engine.web.context import db

log = logging.getLogger(__name__)

# Endpoint modules, imported once the blueprint exists; each registers its routes and paths.
ENDPOINT_MODULES = ("charters", "amendments", "comments", "voting")
PUBLIC_ENDPOINTS = {"api.openapi"}


def load_endpoint_modules() -> None:
    for name in ENDPOINT_MODULES:
        try:
            importlib.import_module(f"charter_engine.api.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"charter_engine.api.{name}":
                raise


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def abort_json(status: int, code: str, message: str, **extra: Any) -> NoReturn:
    raise ApiError(status, code, message, **extra)


def error_response(status: int, code: str, message: str, **extra: Any) -> ResponseReturnValue:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return jsonify(error=body), status


@api_bp.before_request
def authenticate() -> ResponseReturnValue | None:
    g.actor = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error_response(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
        user = user_for_token(db(), token.strip())
        if user is None:
            return error_response(401, "unauthorized", "The token is unknown, revoked or its account is inactive.")
        g.actor = user
    if g.actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return error_response(401, "unauthorized", "This API needs a bearer token.")
    return None


def actor() -> User:
    user: User = g.actor
    return user


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong."""
    if not request.is_json:
        abort_json(415 if request.data else 400, "bad_request",
                   "Send a JSON object with 'Content-Type: application/json'.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort_json(400, "bad_request", "The body must be a JSON object.")
    return body


def int_arg(name: str, *, required: bool = False, minimum: int = 1) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            abort_json(400, "bad_request", f"The query parameter '{name}' is required.")
        return None
    try:
        value = int(raw)
    except ValueError:
        abort_json(400, "bad_request", f"The query parameter '{name}' must be a whole number.")
    if value < minimum:
        abort_json(400, "bad_request", f"The query parameter '{name}' must be at least {minimum}.")
    return value


def commit() -> None:
    db().commit()


@api_bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> ResponseReturnValue:
    db().rollback()
    return error_response(exc.status, exc.code, exc.message, **exc.extra)


@api_bp.errorhandler(CharterError)
def _domain_error(exc: CharterError) -> ResponseReturnValue:
    db().rollback()
    return error_response(
        exc.status, exc.code, exc.message, field=getattr(exc, "field", None), details=exc.details
    )


@api_bp.errorhandler(StaleDataError)
def _stale(exc: StaleDataError) -> ResponseReturnValue:
    db().rollback()
    return error_response(409, "stale", "Someone else changed this at the same time; reload and try again.")


@api_bp.errorhandler(IntegrityError)
def _integrity(exc: IntegrityError) -> ResponseReturnValue:
    db().rollback()
    log.info("integrity error answered as 409: %s", exc.orig)
    return error_response(409, "conflict", "This clashes with existing data (a duplicate or a stale reference).")


@api_bp.errorhandler(OperationalError)
def _operational(exc: OperationalError) -> ResponseReturnValue:
    db().rollback()
    log.warning("database busy: %s", exc.orig)
    return error_response(503, "busy", "The database is busy; try again in a moment.")


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 400, code, exc.description or exc.name or "Error")


@api_bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> ResponseReturnValue:
    db().rollback()
    log.exception("unexpected error in the API")
    return error_response(500, "internal", "Something went wrong on our side; nothing was changed.")


@api_bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document(__version__))
