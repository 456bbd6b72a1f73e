"""Comment threads on clauses and amendments, anchored to quoted passages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("comments", __name__, url_prefix="/charters")
