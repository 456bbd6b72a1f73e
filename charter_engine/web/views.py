"""Placeholder home page until the UI blueprints land: shows the charters and how to reach the API."""

from __future__ import annotations

from flask import Flask, jsonify
from markupsafe import escape

from charter_engine.charters.queries import list_charters
from charter_engine.web.context import db


def register(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    @app.get("/")
    def index():  # type: ignore[no-untyped-def]
        charters = list_charters(db())
        items = "".join(f"<li>{escape(c.title)}</li>" for c in charters)
        return f"<!doctype html><title>Charter Engine</title><h1>Charter Engine</h1><ul>{items}</ul>"
