"""The charter pages: the clause tree of any revision, a clause's history, comparing revisions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("charters", __name__, url_prefix="/charters")
