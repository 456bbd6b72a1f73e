"""The landing page and the health check.

Signed-in people see the charters being drafted and what waits for them; visitors see a welcome
page with the way in (published releases will be listed here once publication exists).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from charter_engine.charters.queries import list_charters
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.notifications.actions import pending_actions
from charter_engine.web.security import current_account, public

bp = Blueprint("home", __name__)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    user = current_account()
    if user is None:
        return render_template("home/welcome.html")
    return render_template(
        "home/index.html",
        charters=list_charters(db()),
        action_items=pending_actions(db(), user, now=utcnow()),
    )
