"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from charter_engine.audit.chainer import AUDIT_CHAINER, AuditChainer
from charter_engine.config import load_settings
from charter_engine.db import is_sqlite, make_engine, make_session_factory
from charter_engine.web.context import AppState, close_db
from charter_engine.web.extensions import csrf, login_manager

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    session_factory = make_session_factory(engine, info={AUDIT_CHAINER: chainer})
    app.extensions["charter_engine"] = AppState(
        settings, engine, session_factory, chainer, chainer_engine
    )
    # Events a previous process committed but did not live to chain are chained now, in the
    # chainer's thread: creating the app itself still runs no query.
    chainer.poke()
    app.teardown_appcontext(close_db)

    csrf.init_app(app)
    login_manager.init_app(app)

    from charter_engine.api import api_bp

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)

    from charter_engine.web import register_web

    register_web(app)
    return app


def _chainer_engine(url: str, engine: Engine) -> Engine:
    """The chainer's own small pool, so that chaining never waits for a connection that requests
    hold under load (an in-memory SQLite database exists only in the app's engine)."""
    if ":memory:" in url or url == "sqlite://":
        return engine
    if is_sqlite(url):
        return make_engine(url)
    return make_engine(url, pool_size=2, max_overflow=2)
