"""The API blueprint and what all its endpoints share: authentication, error answers, body helpers
and the OpenAPI route."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NoReturn

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from charter_engine import __version__
from charter_engine.accounts.models import User
from charter_engine.accounts.operations import TokenHolder, token_holder
from charter_engine.api.openapi import document, json_response, register_paths
from charter_engine.context import UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER, close_db, db
from charter_engine.errors import CharterError
from charter_engine.ids import MAX_ID, is_id

log = logging.getLogger(__name__)

# The endpoint modules (listed in :mod:`charter_engine.api`) declare their routes on it.
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}
_DIGITS = re.compile(r"[0-9]{1,10}")


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


@api_bp.before_app_request
def _unrouted() -> ResponseReturnValue | None:
    """Unknown paths and methods under the API prefix answer in JSON too (blueprint error
    handlers never see routing errors, which happen before a blueprint is chosen)."""
    exc = request.routing_exception
    if exc is None or not request.path.startswith(f"{api_bp.url_prefix}/"):
        return None
    if not isinstance(exc, HTTPException) or exc.code not in (404, 405):
        return None
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
    g.holder = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error_response(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
        g.holder = token_holder(db(), token.strip())
        if g.holder is None:
            return error_response(
                401, "unauthorized", "The token is unknown, revoked or its account is inactive."
            )
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


def json_object(allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx that says what is wrong.

    The body must be UTF-8 JSON; strings may not hold NUL characters or unpaired surrogates (no
    column could store them). With ``allowed``, an unknown member is refused, so that a misspelt
    field is not silently ignored.
    """
    if not request.is_json:
        abort_json(
            415 if request.data else 400,
            "bad_request",
            "Send a JSON object with 'Content-Type: application/json'.",
        )
    try:
        body = json.loads(request.get_data().decode("utf-8"))
    except UnicodeDecodeError:
        abort_json(400, "bad_request", "The body is not valid UTF-8.")
    except (ValueError, RecursionError):
        abort_json(400, "bad_request", "The body is not valid JSON.")
    if not isinstance(body, dict):
        abort_json(400, "bad_request", "The body must be a JSON object.")
    _check_strings(body)
    if allowed is not None:
        refuse_unknown_fields(body, frozenset(allowed))
    return body


def optional_json_object(allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """Like :func:`json_object`, for bodies that may be left out entirely."""
    if not request.get_data():
        return {}
    return json_object(allowed)


def refuse_unknown_fields(body: dict[str, Any], allowed: frozenset[str]) -> None:
    """Answer 422 naming every member of ``body`` that is not ``allowed``."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        abort_json(
            422,
            "invalid",
            f"Unknown field(s): {', '.join(unknown)}.",
            field=unknown[0],
        )


def iso_time(value: datetime | None) -> str | None:
    """A timestamp as ISO 8601 text, or None when there is none."""
    return value.isoformat() if value else None


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts: Iterable[str] = (item,)
        elif isinstance(item, dict):
            texts = item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in texts:
            if "\x00" in text:
                abort_json(400, "bad_request", "Text may not contain NUL characters.")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                abort_json(
                    400, "bad_request", "The body holds an unpaired surrogate; it is not text."
                )


def _valid_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_ID


def int_field(
    body: dict[str, Any], name: str, *, required: bool = True, minimum: int = 1
) -> int | None:
    """A whole-number member of the body (an id, a version, a revision number), or a 422."""
    value = body.get(name)
    if value is None:
        if required:
            abort_json(422, "invalid", f"The field '{name}' is required.", field=name)
        return None
    if not _valid_int(value, minimum):
        abort_json(
            422,
            "invalid",
            f"The field '{name}' must be a whole number from {minimum} to {MAX_ID}.",
            field=name,
        )
    result: int = value
    return result


def bool_field(body: dict[str, Any], name: str, *, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        abort_json(422, "invalid", f"The field '{name}' must be true or false.", field=name)
    return value


def str_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A text member; emptiness and length are the operations' to judge."""
    value = body.get(name)
    if value is None:
        if required:
            abort_json(422, "invalid", f"The field '{name}' is required.", field=name)
        return None
    if not isinstance(value, str):
        abort_json(422, "invalid", f"The field '{name}' must be text.", field=name)
    return value


def int_arg(name: str, *, required: bool = False, minimum: int = 1) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            abort_json(400, "bad_request", f"The query parameter '{name}' is required.")
        return None
    if not _DIGITS.fullmatch(raw) or not _valid_int(int(raw), minimum):
        abort_json(
            400,
            "bad_request",
            f"The query parameter '{name}' must be a whole number from {minimum} to {MAX_ID}.",
        )
    return int(raw)


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
    return error_response(
        409, "stale", "Someone else changed this at the same time; reload and try again."
    )


@api_bp.errorhandler(IntegrityError)
def _integrity(exc: IntegrityError) -> ResponseReturnValue:
    db().rollback()
    log.info("integrity error answered as 409: %s", exc.orig)
    return error_response(
        409, "conflict", "This clashes with existing data (a duplicate or a stale reference)."
    )


@api_bp.errorhandler(DataError)
def _data_error(exc: DataError) -> ResponseReturnValue:
    db().rollback()
    log.info("data error answered as 400: %s", exc.orig)
    return error_response(400, "bad_request", "A value is out of range or malformed.")


@api_bp.errorhandler(OverflowError)
def _overflow(exc: OverflowError) -> ResponseReturnValue:
    # SQLite refuses to bind integers beyond 64 bits; such an id or number names nothing.
    db().rollback()
    return error_response(400, "bad_request", "A number in the request is out of range.")


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


@api_bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document(__version__))


register_paths(
    {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "getOpenApi",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": json_response("The OpenAPI 3.1 document", {"type": "object"})},
            }
        }
    }
)


# A path segment that names a row. Werkzeug's own min/max bounds would turn an out-of-range id
# into a 405 when another method is routed on the same path; handlers call ``known_id`` instead.
ID = "int"


def known_id(value: int, what: str) -> int:
    """``value`` when it can name a row; a 404 otherwise (no query for an impossible id)."""
    if not is_id(value):
        abort_json(404, "not_found", f"There is no {what} {value}.")
    return value
