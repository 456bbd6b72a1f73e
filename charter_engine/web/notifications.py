"""The inbox: notifications for the signed-in member, marking them read, mail preferences."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import RadioField

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import ensure_can
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.notifications.actions import pending_actions
from charter_engine.notifications.models import Notification
from charter_engine.notifications.operations import (
    KINDS,
    get_notification,
    inbox_groups,
    mark_all_read,
    mark_read,
    mark_topic_read,
    mark_unread,
    preferences,
    set_preferences,
    unread_count,
)
from charter_engine.web.forms import Form, choices
from charter_engine.web.links import object_url
from charter_engine.web.pagination import Page, page_number
from charter_engine.web.security import current_account, require_user, safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

MODE_CHOICES = [
    ("immediate", "Mail me at once"),
    ("digest", "In the daily digest"),
    ("off", "Do not mail me"),
]


@bp.app_context_processor
def _inject_unread() -> dict[str, object]:
    def count() -> int:
        user = current_account()
        return unread_count(db(), user) if user is not None else 0

    return {"unread_count": count}


@bp.get("/")
def inbox() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "notifications:read")
    unread_only = request.args.get("show") == "unread"
    # One entry per amendment, ballot or charter: a busy day is a few lines, not dozens.
    number, per_page = page_number(request.args.get("page")), 30
    groups, total = inbox_groups(
        db(), user, unread_only=unread_only, offset=(number - 1) * per_page, limit=per_page
    )
    page = Page(items=groups, page=number, per_page=per_page, total=total)
    return render_template(
        "notifications/inbox.html",
        page=page,
        unread_only=unread_only,
        kinds=KINDS,
        still_needed=_still_needed(user),
    )


def _still_needed(user: User) -> set[tuple[str | None, str | None]]:
    """What still waits for the member, so a notification is marked "needs you" only while it
    does (a closed ballot or a resolved conflict needs nobody)."""
    return {item.key for item in pending_actions(db(), user, now=utcnow())}


def _target(row: Notification) -> str:
    return object_url(row.object_type, row.object_id) or url_for("notifications.inbox")


@bp.get("/<int:notification_id>")
def open(notification_id: int) -> ResponseReturnValue:
    """Follow a notification: a GET link (from mail too) that shows it and where it leads."""
    user = require_user()
    row = get_notification(db(), notification_id, user)
    return render_template(
        "notifications/show.html",
        item=row,
        target=_target(row),
        kinds=KINDS,
        still_needed=_still_needed(user),
    )


@bp.post("/<int:notification_id>/read")
def read(notification_id: int) -> ResponseReturnValue:
    user = require_user()
    row = get_notification(db(), notification_id, user)
    if request.form.get("unread"):
        mark_unread(db(), row)
    elif request.form.get("group"):
        mark_topic_read(db(), row)
    else:
        mark_read(db(), row)
    db().commit()
    if request.form.get("go"):
        return redirect(_target(row))
    return redirect(safe_next(request.form.get("next"), url_for("notifications.inbox")))


@bp.post("/read-all")
def read_all() -> ResponseReturnValue:
    user = require_user()
    count = mark_all_read(db(), user)
    db().commit()
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for("notifications.inbox"))


def _preferences_form(current: dict[str, str]) -> Form:
    class PreferencesForm(Form):
        pass

    for name, kind in KINDS.items():
        setattr(
            PreferencesForm,
            name,
            RadioField(kind.label, choices=choices(MODE_CHOICES), default=current[name]),
        )
    return PreferencesForm()


@bp.route("/preferences", methods=["GET", "POST"])
def settings_page() -> ResponseReturnValue:
    user = require_user()
    current = preferences(db(), user.id)
    form = _preferences_form(current)
    if form.validate_on_submit():
        set_preferences(db(), user, {name: getattr(form, name).data for name in KINDS}, actor=user)
        db().commit()
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("notifications.settings_page"))
    return render_template("notifications/preferences.html", form=form, kinds=KINDS)
