"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from charter_engine.config import load_settings
from charter_engine.db import make_engine, make_session_factory
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
    engine = make_engine(settings.database_url)
    app.extensions["charter_engine"] = AppState(settings, engine, make_session_factory(engine))
    app.teardown_appcontext(close_db)

    csrf.init_app(app)
    login_manager.init_app(app)

    from charter_engine.api import api_bp

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)

    from charter_engine.web import register_web

    register_web(app)
    return app
