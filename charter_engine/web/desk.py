"""The secretariat's desk: the state of the process at a glance, editorial merges, imports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk", __name__, url_prefix="/desk")
