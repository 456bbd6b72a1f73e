"""Who is asking, and whether they may: sessions, deny-by-default, response headers.

* Sessions are Flask-Login sessions whose id is ``"<user id>:<session_generation>"``. Bumping a
  user's ``session_generation`` (logout, password change or reset, deactivation) makes every cookie
  issued before it worthless, so a copied cookie stops working; the user is loaded from the database
  on every request, so deactivation takes effect on the next request.
* Deny by default: a browser view answers anonymous requests only if it is marked :func:`public`;
  every other view redirects anonymous visitors to the login page. The JSON API (``/api/``) has its
  own bearer-token check and is left to it; it neither reads nor sets the session cookie
  (:class:`BrowserSessionInterface`), so a browser's session can never act through the API.
* Every response gets a strict Content-Security-Policy (no inline scripts or styles, nothing from
  other origins), and pages for signed-in users are not cached. When the public address
  (``CHARTER_BASE_URL``) is HTTPS, cookies are marked secure and every response carries
  ``Strict-Transport-Security``, so a browser that has been here once never again asks over plain
  HTTP, where a sign-in could be read or a page altered on the way.
* Behind ``CHARTER_TRUSTED_PROXIES`` reverse proxies, the client's address is the one they pass
  on (``X-Forwarded-For``): the sign-in throttle counts by it, and without it every member would
  share the proxy's address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can
from charter_engine.context import db
from charter_engine.web.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_ATTRIBUTE = "_charter_public"
# Endpoints served by other mechanisms: static files, and the API with its own authentication.
ALWAYS_PASS = {"static"}
API_PREFIX = "/api/"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# A year, the usual figure. Not includeSubDomains: other hosts of the organisation's domain may
# still need plain HTTP, and that is not this application's to decide.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def public(view: F) -> F:
    """Mark a view as reachable without signing in. Everything else needs a session."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    return bool(view is not None and getattr(view, PUBLIC_ATTRIBUTE, False))


def current_account() -> User | None:
    """The signed-in, active user of this request, or ``None``."""
    user = current_user._get_current_object() if current_user else None
    return user if isinstance(user, User) and user.active else None


def require_user() -> User:
    """The signed-in user; views behind the login gate may rely on it being there."""
    user = current_account()
    if user is None:  # pragma: no cover - the before-request gate makes this unreachable
        from werkzeug.exceptions import Unauthorized

        raise Unauthorized()
    return user


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after login (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def _load_user(session_id: str) -> User | None:
    user_part, _, generation = session_id.partition(":")
    if not user_part.isdigit() or not generation.isdigit():
        return None
    user = db().get(User, int(user_part))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def _gate() -> ResponseReturnValue | None:
    """Deny by default: anonymous visitors reach only views marked public."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in ALWAYS_PASS or request.path.startswith(API_PREFIX):
        return None  # unknown routes become 404 pages; the API authenticates itself
    view = current_app.view_functions.get(endpoint)
    if is_public(view):
        return None
    if current_account() is not None:
        return None
    target = request.full_path if request.method == "GET" else None
    if target and target.endswith("?"):
        target = target[:-1]
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))


def _harden(response: Response) -> Response:
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if g.get("_login_user") is not None and current_account() is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


class BrowserSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions for the browser pages only.

    A request to the JSON API gets Flask's null session: the cookie is not read (nor its signature
    checked) and no cookie is set in the answer. The API authenticates every request by its bearer
    token, so this is both what it means and work saved on its busiest path, the votes.
    """

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIX):
            return None  # Flask then uses the null session, which it never saves
        return super().open_session(app, request)


def init_security(app: Flask) -> None:
    settings = app.extensions["charter_engine"].settings
    secure = settings.base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="charter_session",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    app.session_interface = BrowserSessionInterface()
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.before_request(_gate)
    app.after_request(_harden)
    # The very function the server enforces with: ``{% if can(current_user, "x:y", obj) %}``;
    # ``may("x:y", obj)`` asks the same for the current user.
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["may"] = may
    app.jinja_env.globals["current_account"] = current_account


def may(permission: str, obj: Any = None) -> bool:
    """``can`` asked for the current user (templates and views)."""
    return can(current_account(), permission, obj)
