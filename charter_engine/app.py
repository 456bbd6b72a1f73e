"""The application factory: everything a request can reach is wired here, explicitly.

:func:`create_app` reads the settings, makes the database engine and the sessions (with the
subscribers of :mod:`charter_engine.subscribers`), and registers, in this order: the JSON API
(:mod:`charter_engine.api`), the browser UI's security, templates and error pages, mail after
commit, and the browser blueprints below. Nothing registers itself when it is imported:

* :data:`BLUEPRINTS` — the browser blueprints, in registration order. A new feature adds its
  blueprint here. Two of them spread their views over several modules, which declare their routes
  on the first module's ``bp``: :data:`VIEW_MODULES` names those other modules.
* :data:`NAVIGATION` — the main navigation, in the order it is shown.
* :data:`LINKS` — how to link each kind of object (notifications and generic pages use it).
* The API's endpoint modules are listed in :mod:`charter_engine.api`.

No database query happens while the app is created; the schema comes from the migrations.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy import Engine

from charter_engine.api import api_bp
from charter_engine.audit.chainer import AUDIT_CHAINER, AuditChainer
from charter_engine.config import load_settings
from charter_engine.context import AppState, close_db
from charter_engine.db import is_sqlite, make_engine, make_session_factory
from charter_engine.subscribers import make_app_sessions
from charter_engine.web import (
    amendment_editing,
    amendment_proposals,
    amendments,
    api_tokens,
    auth,
    ballot_admin,
    ballot_proxies,
    ballot_records,
    ballots,
    charters,
    comments,
    desk,
    home,
    notifications,
    people,
    publication,
    second_factor,
)
from charter_engine.web.errors import register_error_handlers
from charter_engine.web.extensions import csrf, login_manager
from charter_engine.web.links import LinkBuilder, init_links
from charter_engine.web.mailer import init_mail_after_commit
from charter_engine.web.navigation import NavItem, init_navigation
from charter_engine.web.security import init_security
from charter_engine.web.templating import init_templating

PROJECT_ROOT = Path(__file__).resolve().parents[1]

BLUEPRINTS: tuple[Blueprint, ...] = (
    home.bp,
    auth.bp,
    people.bp,
    notifications.bp,
    ballots.bp,
    charters.bp,
    amendments.bp,
    comments.bp,
    desk.bp,
    publication.bp,
    second_factor.bp,
    api_tokens.bp,
)
# Views that live beside their blueprint's main module: proposing, editing and resolving
# amendments (on amendments.bp); running ballots, closed ballots' records and proxies (on
# ballots.bp).
VIEW_MODULES: tuple[ModuleType, ...] = (
    amendment_proposals,
    amendment_editing,
    ballot_admin,
    ballot_records,
    ballot_proxies,
)
NAVIGATION = (
    NavItem("Home", "home.index", active_prefix="home."),
    NavItem("Published", "publication.index"),
    NavItem("Charters", "charters.index", permission="charter:read"),
    NavItem("Votes", "ballots.overview", permission="ballot:read"),
    NavItem("Directory", "people.directory", permission="directory:view"),
    NavItem("Desk", "desk.index", permission="desk:view"),
)
LINKS: dict[str, LinkBuilder] = {
    "charter": charters.charter_url,
    "amendment": amendments.amendment_url,
    "comment": comments.comment_url,
    "ballot": ballots.ballot_url,
    "user": people.profile_url,
    "release": publication.release_link,
}


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app. No database query happens here; the schema comes from migrations."""
    settings = load_settings().with_overrides(**(config_overrides or {}))
    app = Flask(
        "charter_engine",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "charter_engine" / "web" / "static"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update({k.upper(): v for k, v in settings.extra.items()})
    pool = {} if is_sqlite(settings.database_url) else {"pool_size": settings.db_pool_size}
    engine = make_engine(settings.database_url, **pool)
    chainer_engine = _chainer_engine(settings.database_url, engine)
    chainer = AuditChainer(make_session_factory(chainer_engine))
    session_factory = make_app_sessions(engine, info={AUDIT_CHAINER: chainer})
    app.extensions["charter_engine"] = AppState(
        settings, engine, session_factory, chainer, chainer_engine
    )
    # Events a previous process committed but did not live to chain are chained now, in the
    # chainer's thread: creating the app itself still runs no query.
    chainer.poke()
    app.teardown_appcontext(close_db)

    csrf.init_app(app)
    login_manager.init_app(app)

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)

    init_security(app)
    init_templating(app)
    register_error_handlers(app)
    init_mail_after_commit(app)
    init_navigation(app, NAVIGATION)
    init_links(app, LINKS)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # After the login gate: a secretariat account that must have a second factor and has none
    # is sent to set one up (CHARTER_REQUIRE_SECRETARIAT_TOTP).
    app.before_request(second_factor.send_to_enrolment)
    return app


def _chainer_engine(url: str, engine: Engine) -> Engine:
    """The chainer's own small pool, so that chaining never waits for a connection that requests
    hold under load (an in-memory SQLite database exists only in the app's engine)."""
    if ":memory:" in url or url == "sqlite://":
        return engine
    if is_sqlite(url):
        return make_engine(url)
    return make_engine(url, pool_size=2, max_overflow=2)
