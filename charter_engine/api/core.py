"""The API blueprint and what all its endpoints share: authentication, error answers and the OpenAPI
route."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any, NoReturn

from flask import Blueprint, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from charter_engine.accounts.models import User
from charter_engine.accounts.operations import TokenHolder, token_holder
from charter_engine.api.spec import ID, IdConverter, RequestRefused, document, endpoint
from charter_engine.context import UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER, close_db, db
from charter_engine.errors import CharterError

log = logging.getLogger(__name__)

# The endpoint modules (listed in :mod:`charter_engine.api`) declare their routes on it.
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


@api_bp.record_once
def _id_converter(state: BlueprintSetupState) -> None:
    """Before any route is added: the routes' id segments use it."""
    state.app.url_map.converters[ID] = IdConverter


PUBLIC_ENDPOINTS = {"api.openapi"}


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


def _token_refusal() -> ResponseReturnValue | None:
    """Sets ``g.holder`` from the bearer token; a 401 when a token is given and does not hold."""
    g.holder = None
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
    g.holder = token_holder(db(), token.strip())
    if g.holder is None:
        return error_response(
            401, "unauthorized", "The token is unknown, revoked or its account is inactive."
        )
    return None


@api_bp.before_app_request
def _unrouted() -> ResponseReturnValue | None:
    """Unknown paths and methods under the API prefix answer in JSON too (blueprint error
    handlers never see routing errors, which happen before a blueprint is chosen); a token that
    does not hold is refused first, as on every route."""
    exc = request.routing_exception
    if exc is None or not request.path.startswith(f"{api_bp.url_prefix}/"):
        return None
    if not isinstance(exc, HTTPException) or exc.code not in (404, 405):
        return None
    refused = _token_refusal()
    if refused is not None:
        return refused
    if exc.code == 405:
        response = jsonify(
            error={
                "code": "method_not_allowed",
                "message": f"{request.method} is not allowed here.",
            }
        )
        response.status_code = 405
        response.headers["Allow"] = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return response
    return error_response(404, "not_found", "There is no such API endpoint.")


@api_bp.before_request
def authenticate() -> ResponseReturnValue | None:
    """Every API request is authenticated here, before its handler runs: a bearer token of an
    active account, or an endpoint in ``PUBLIC_ENDPOINTS``."""
    refused = _token_refusal()
    if refused is not None:
        return refused
    if g.holder is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return error_response(401, "unauthorized", "This API needs a bearer token.")
    return None


def holder() -> TokenHolder:
    """The authenticated account's id and role, enough for permission checks."""
    found: TokenHolder = g.holder
    return found


def actor() -> User:
    """The authenticated account, loaded on first use (the token check does not load it)."""
    user: User | None = g.get("actor")
    if user is None:
        user = db().get(User, holder().id)
        if user is None or not user.active:
            abort_json(401, "unauthorized", "The token's account is inactive.")
        g.actor = user
    return user


def iso_time(value: datetime | None) -> str | None:
    """A timestamp as ISO 8601 text, or None when there is none."""
    return value.isoformat() if value else None


def commit() -> None:
    db().commit()


def created(answer: dict[str, Any], location: str) -> ResponseReturnValue:
    """A ``201`` answer: the new object, and its address in ``Location``."""
    response = jsonify(answer)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@api_bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> ResponseReturnValue:
    db().rollback()
    return error_response(exc.status, exc.code, exc.message, **exc.extra)


@api_bp.errorhandler(RequestRefused)
def _refused(exc: RequestRefused) -> ResponseReturnValue:
    db().rollback()
    code = "invalid" if exc.status == 422 else "bad_request"
    return error_response(
        exc.status,
        code,
        exc.message,
        field=exc.field,
        details={"errors": exc.errors} if exc.errors else None,
    )


@api_bp.errorhandler(CharterError)
def _domain_error(exc: CharterError) -> ResponseReturnValue:
    db().rollback()
    return error_response(
        exc.status, exc.code, exc.message, field=getattr(exc, "field", None), details=exc.details
    )


# What the database (or binding a value for it) refuses, answered as a refusal of the request:
# (status, code, message). The transaction is rolled back; the database's own words go to the log.
_DATABASE_REFUSALS: dict[type[Exception], tuple[int, str, str]] = {
    StaleDataError: (
        409,
        "stale",
        "Someone else changed this at the same time; reload and try again.",
    ),
    IntegrityError: (
        409,
        "conflict",
        "This clashes with existing data (a duplicate or a stale reference).",
    ),
    DataError: (400, "bad_request", "A value is out of range or malformed."),
    # SQLite refuses to bind integers beyond 64 bits; such an id or number names nothing.
    OverflowError: (400, "bad_request", "A number in the request is out of range."),
}


def _database_refusal(status: int, code: str, message: str, exc: Exception) -> ResponseReturnValue:
    db().rollback()
    if isinstance(exc, DBAPIError):
        log.info("%s answered as %d: %s", type(exc).__name__, status, exc.orig)
    return error_response(status, code, message)


for _error, _answer in _DATABASE_REFUSALS.items():
    api_bp.register_error_handler(_error, partial(_database_refusal, *_answer))


@api_bp.errorhandler(OperationalError)
def _operational(exc: OperationalError) -> ResponseReturnValue:
    close_db()
    log.warning("database busy or unavailable: %s", exc.orig)
    body = jsonify(error={"code": "unavailable", "message": UNAVAILABLE_MESSAGE})
    return body, 503, {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 400, code, exc.description or exc.name or "Error")


@api_bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> ResponseReturnValue:
    db().rollback()
    log.exception("unexpected error in the API")
    return error_response(500, "internal", "Something went wrong on our side; nothing was changed.")


class OpenApiDocument(BaseModel):
    """Any JSON object: the OpenAPI 3.1 document."""

    model_config = ConfigDict(extra="allow")

    openapi: str


@api_bp.get("/openapi.json")
@endpoint(operation_id="getOpenApi", tags="meta", ok={200: OpenApiDocument}, public=True)
def openapi() -> ResponseReturnValue:
    """This document"""
    return jsonify(document())
