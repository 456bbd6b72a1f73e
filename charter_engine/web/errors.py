"""Error answers for the whole app: friendly HTML pages, JSON under ``/api/``, never a stack trace.

Every handler rolls the request's unit of work back first, so an error page always means "nothing
was changed". Domain errors map to their status (``PermissionDenied`` → 403, ``NotFound`` → 404,
``Conflict``/``InvalidTransition`` → 409, ``ValidationError`` → 400); anything unexpected is logged
and answered with the 500 page.

A view that catches a stale edit renders :func:`render_conflict` itself, so the 409 page can show
the text as it is now next to the user's own input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from charter_engine.context import UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER, close_db
from charter_engine.errors import (
    CharterError,
    ValidationError,
)
from charter_engine.web.extensions import login_manager
from charter_engine.web.security import safe_next

log = logging.getLogger(__name__)

TITLES = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "You may not do this",
    404: "Page not found",
    405: "Not allowed here",
    409: "Someone changed this meanwhile",
    413: "The upload is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "The service is briefly unavailable",
}
TEMPLATES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    409: "errors/409.html",
    500: "errors/500.html",
}


def _rollback() -> None:
    session = g.get("_db")
    if session is not None:
        session.rollback()


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, message: str | None = None, **context: Any) -> ResponseReturnValue:
    """Answer ``status`` as JSON under /api/ and as the friendly page elsewhere."""
    title = TITLES.get(status, "Error")
    if wants_json():
        code = title.lower().replace(" ", "_")
        return jsonify(
            error={"code": _JSON_CODES.get(status, code), "message": message or title}
        ), status
    template = TEMPLATES.get(status, "errors/generic.html")
    return render_template(template, status=status, title=title, message=message, **context), status


_JSON_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many",
    500: "internal",
    503: "unavailable",
}


def render_conflict(
    *,
    message: str,
    current_text: str,
    your_text: str,
    form_action: str,
    field_name: str = "text",
    field_label: str = "Your text",
    hidden_fields: Mapping[str, Any] | None = None,
    current_html: str | None = None,
    heading: str | None = None,
    back_url: str | None = None,
    breadcrumbs: list[tuple[str, str | None]] | None = None,
) -> ResponseReturnValue:
    """The 409 page for a stale edit: the text as it is now, and the user's input kept to resend.

    ``hidden_fields`` go into the resubmission form (typically the *new* version number, so a second
    submit is a deliberate overwrite of the text just shown). ``current_html`` is an optional
    ready-made rendering of the current text (e.g. a diff; it must already be escaped/sanitised).
    """
    _rollback()
    return (
        render_template(
            "errors/409.html",
            status=409,
            title=heading or TITLES[409],
            message=message,
            current_text=current_text,
            current_html=current_html,
            your_text=your_text,
            form_action=form_action,
            field_name=field_name,
            field_label=field_label,
            hidden_fields=dict(hidden_fields or {}),
            back_url=back_url,
            breadcrumbs=breadcrumbs,
        ),
        409,
    )


OUT_OF_RANGE = "A value in this request is out of range. Nothing was changed."

# Errors answered with a fixed status and message, once the request's work is rolled back.
FIXED_ANSWERS: dict[type[Exception], tuple[int, str]] = {
    CSRFError: (
        400,
        "The form had expired or did not come from this site, so nothing was changed. "
        "Go back, reload the page and try again.",
    ),
    StaleDataError: (
        409,
        "Someone else changed this at the same time. Nothing was saved; "
        "reload the page to see their change.",
    ),
    IntegrityError: (
        409,
        "This clashes with something saved meanwhile. Nothing was saved; "
        "reload the page and try again.",
    ),
    # A number no column can hold (PostgreSQL refuses it, SQLite cannot bind beyond 64 bits).
    DataError: (400, OUT_OF_RANGE),
    OverflowError: (400, OUT_OF_RANGE),
}


def _fixed_answer(status: int, message: str) -> Callable[[Exception], ResponseReturnValue]:
    def answer(exc: Exception) -> ResponseReturnValue:
        _rollback()
        # The database driver's own message where there is one: not the statement and its values.
        log.info("%s answered as %d: %s", type(exc).__name__, status, getattr(exc, "orig", exc))
        return error_page(status, message)

    return answer


def register_error_handlers(app: Flask) -> None:
    for error, (status, message) in FIXED_ANSWERS.items():
        app.register_error_handler(error, _fixed_answer(status, message))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        _rollback()
        status = exc.code or 500
        if status == 405 and not wants_json():
            return error_page(405, "This address does not take that kind of request.")
        if status == 404:
            return error_page(404, None if not wants_json() else "There is no such address.")
        message = exc.description if wants_json() else None
        return error_page(status, message)

    @app.errorhandler(CharterError)
    def _domain(exc: CharterError) -> ResponseReturnValue:
        """A domain error the view did not handle: its page, with its kind's status (403, 404,
        409), except that a refused input is a 400 page in the browser (the API answers 422)."""
        _rollback()
        status = 400 if isinstance(exc, ValidationError) else exc.status
        return error_page(status if status in TITLES else 400, exc.message)

    @app.errorhandler(OperationalError)
    def _unavailable(exc: OperationalError) -> ResponseReturnValue:
        close_db()  # not a rollback, which would reload the signed-in user from the database
        log.warning("database busy or unavailable: %s", exc.orig)
        headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
        if wants_json():
            body = jsonify(error={"code": "unavailable", "message": UNAVAILABLE_MESSAGE})
            return body, 503, headers
        # A page of its own, without the layout: the layout asks the database who is signed in.
        # Nor may the templates' context ask: whoever could not be loaded is anonymous here.
        g.setdefault("_login_user", login_manager.anonymous_user())
        again = request.full_path.rstrip("?") if request.method == "GET" else None
        page = render_template(
            "errors/unavailable.html",
            title=TITLES[503],
            message=UNAVAILABLE_MESSAGE,
            again_url=safe_next(again),
        )
        return page, 503, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        _rollback()
        log.exception("unexpected error on %s %s", request.method, request.path)
        try:
            return error_page(500)
        except Exception:  # the layout itself may be what broke
            log.exception("the 500 page could not be rendered")
            return FALLBACK_500, 500, {"Content-Type": "text/html; charset=utf-8"}


FALLBACK_500 = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong</title>"
    "<main><h1>Something went wrong on our side</h1><p>Nothing was changed. "
    'Please try again in a moment.</p><p><a href="/">Back to the start page</a></p></main></html>'
)
