"""Pages of one's own second factor: set it up, renew the recovery codes, turn it off.

The sign-in step that asks for the code is in :mod:`charter_engine.web.auth`; the rules (codes,
replay, recovery codes) in :mod:`charter_engine.accounts.second_factor`.

When ``CHARTER_REQUIRE_SECRETARIAT_TOTP`` is on, :func:`send_to_enrolment` (wired in the app
factory, after the login gate) sends a signed-in secretariat account that has no second factor
to :func:`manage` from every page but these and signing out.

Recovery codes are shown once, in the answer to the request that made them (never through a
redirect, a flash message or the session), on a page that is not cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from charter_engine.accounts.models import User
from charter_engine.accounts.second_factor import (
    begin_enrolment,
    confirm_enrolment,
    enrolment_of,
    factor_of,
    has_second_factor,
    recovery_codes_left,
    renew_recovery_codes,
    second_factor_required,
    turn_off_second_factor,
)
from charter_engine.context import db, settings
from charter_engine.db import utcnow
from charter_engine.errors import CharterError, Conflict, ValidationError
from charter_engine.web.forms import Done, Form, commit_or_show
from charter_engine.web.security import API_PREFIX, current_account, require_user

bp = Blueprint("second_factor", __name__)

T = TypeVar("T")

# Where a secretariat account without the required second factor may still go.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "second_factor.manage",
        "second_factor.start",
        "second_factor.confirm",
        "auth.logout",
        "static",
    }
)


class CodeForm(Form):
    """A code from the authenticator app, or a recovery code: to sign in, or to change the
    second factor itself."""

    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=40)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "off",
            "spellcheck": "false",
        },
    )


class EmptyForm(Form):
    pass


def _required(user: User) -> bool:
    return second_factor_required(user, require_for_secretariat=settings().require_secretariat_totp)


def send_to_enrolment() -> ResponseReturnValue | None:
    """Before each request: a secretariat account that must have a second factor and has none
    reaches only the pages that set one up."""
    if not settings().require_secretariat_totp or request.path.startswith(API_PREFIX):
        return None
    if request.endpoint is None or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    user = current_account()
    if user is None or not _required(user) or has_second_factor(db(), user):
        return None
    return redirect(url_for("second_factor.manage"))


@bp.get("/account/two-step")
def manage() -> ResponseReturnValue:
    user = require_user()
    factor = factor_of(db(), user)
    return render_template(
        "auth/second_factor.html",
        enabled=factor is not None and factor.in_force,
        required=_required(user),
        codes_left=recovery_codes_left(db(), user),
        start_form=EmptyForm(),
        renew_form=CodeForm(prefix="renew"),
        off_form=CodeForm(prefix="off"),
    )


@bp.post("/account/two-step/start")
def start() -> ResponseReturnValue:
    user = require_user()
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("second_factor.manage"))
    try:
        begin_enrolment(db(), user)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("second_factor.manage"))
    db().commit()
    return redirect(url_for("second_factor.confirm"))


@bp.route("/account/two-step/confirm", methods=["GET", "POST"])
def confirm() -> ResponseReturnValue:
    user = require_user()
    factor = factor_of(db(), user)
    if factor is None or factor.in_force:
        return redirect(url_for("second_factor.manage"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(db(), user, form.code.data, now=utcnow())
        except ValidationError as exc:
            db().rollback()
            form.code.errors = [exc.message]
            status = 400
        except Conflict as exc:
            db().rollback()
            flash(exc.message, "error")
            return redirect(url_for("second_factor.manage"))
        else:
            db().commit()
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
    elif request.method == "POST":
        status = 400
    enrolment = enrolment_of(factor, user)
    qr = segno.make(enrolment.uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template(
        "auth/second_factor_confirm.html",
        form=form,
        secret=" ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)),
        uri=enrolment.uri,
        qr=qr,
    ), status


def _confirmed_by_code(
    prefix: str,
    work: Callable[[User, str], T],
    *,
    refused: str,
    errors: tuple[type[CharterError], ...] = (ValidationError,),
) -> Done[T] | None:
    """A change to one's own second factor, confirmed with a code in the form ``prefix`` of the
    manage page: ``work(user, code)`` as the unit of work, or None when the form was not valid or
    the change was refused (flashed after ``refused``)."""
    user = require_user()
    form = CodeForm(prefix=prefix)
    if not form.validate_on_submit():
        return None
    return commit_or_show(
        form,
        lambda: work(user, form.code.data),
        errors=errors,
        on_error=lambda exc: flash(f"{refused}: {exc.message}", "error"),
    )


@bp.post("/account/two-step/recovery-codes")
def renew() -> ResponseReturnValue:
    done = _confirmed_by_code(
        "renew",
        lambda user, code: renew_recovery_codes(db(), user, code, now=utcnow()),
        refused="No new recovery codes",
    )
    if done:
        return render_template("auth/recovery_codes.html", codes=done.value, first=False)
    return redirect(url_for("second_factor.manage")), 303


@bp.post("/account/two-step/off")
def turn_off() -> ResponseReturnValue:
    done = _confirmed_by_code(
        "off",
        lambda user, code: turn_off_second_factor(
            db(), user, code, now=utcnow(), required=_required(user)
        ),
        refused="The second factor stays on",
        errors=(ValidationError, Conflict),
    )
    if done:
        flash("Two-step sign-in is off: your password alone signs you in.", "success")
    return redirect(url_for("second_factor.manage")), 303
