"""Amendment pages: proposing, the list with filters, the review page, editing and resolving."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("amendments", __name__, url_prefix="/charters")
