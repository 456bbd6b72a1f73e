"""The browser UI: blueprints, forms, templates glue and error pages."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    """Register the browser blueprints and the HTML error pages."""
    from charter_engine.web import views

    views.register(app)
