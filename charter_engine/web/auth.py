"""Signing in and out, accepting an invitation, resetting a forgotten password, changing one's own.

Sign-in failures are throttled per account and per client address in the database
(:mod:`charter_engine.accounts.throttle`). Signing in starts a fresh session (no fixation);
signing out ends every session of the account (see :mod:`charter_engine.web.security`).
"""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from charter_engine.accounts.invitations import (
    accept_invitation,
    end_sessions,
    request_password_reset,
    reset_password,
)
from charter_engine.accounts.models import User
from charter_engine.accounts.operations import MIN_PASSWORD, check_password
from charter_engine.accounts.profiles import change_password
from charter_engine.accounts.throttle import (
    clear_login_failures,
    login_blocked,
    record_login_failure,
)
from charter_engine.accounts.tokens import INVITATION, RESET, TokenSigner
from charter_engine.db import utcnow
from charter_engine.errors import ValidationError
from charter_engine.limits import PASSWORD
from charter_engine.web.context import db, settings
from charter_engine.web.forms import EmailAddress, Form
from charter_engine.web.security import current_account, public, require_user, safe_next

bp = Blueprint("auth", __name__)

# Verifying against a dummy hash when the account does not exist keeps the answer time the same.
_DUMMY_HASH = PasswordHasher().hash("not a real password, only for timing")
PASSWORD_HELP = f"At least {MIN_PASSWORD} characters. A few unrelated words make a good password."


class LoginForm(Form):
    email = EmailField(
        "Email address",
        validators=[DataRequired(), EmailAddress()],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordForm(Form):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD,
                max=PASSWORD,
                message=f"Use at least {MIN_PASSWORD} characters (at most {PASSWORD}).",
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )


class ResetRequestForm(Form):
    email = EmailField(
        "Email address",
        validators=[DataRequired(), EmailAddress()],
        render_kw={"autocomplete": "email"},
    )


def signer() -> TokenSigner:
    return TokenSigner.from_settings(settings())


def _start_session(user: User) -> None:
    session.clear()  # a fresh session on sign-in: nothing from before carries over
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_account() is not None:
        return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = request.remote_addr
        now = utcnow()
        if login_blocked(db(), email, address, now=now):
            form.email.errors = [
                "Too many failed attempts. Wait 15 minutes, or reset your password."
            ]
            status = 429
        else:
            user = db().execute(select(User).where(User.email == email)).scalar_one_or_none()
            if user is None or not user.password_hash:
                _burn_time()
                ok = False
            else:
                ok = check_password(user, form.password.data or "") and user.active
            if ok and user is not None:
                clear_login_failures(db(), email)
                db().commit()
                _start_session(user)
                flash(f"Welcome, {user.name}.", "success")
                return redirect(safe_next(request.args.get("next"), url_for("home.index")))
            record_login_failure(db(), email, address, now=now)
            db().commit()
            form.password.errors = ["The email address or the password is not right."]
            status = 401
    return render_template("auth/login.html", form=form), status


def _burn_time() -> None:
    from argon2.exceptions import VerificationError

    with contextlib.suppress(VerificationError):
        PasswordHasher().verify(_DUMMY_HASH, "a wrong password")


@bp.post("/logout")
@public
def logout() -> ResponseReturnValue:
    user = current_account()
    if user is not None:
        end_sessions(db(), user)
        db().commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("home.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str) -> ResponseReturnValue:
    try:
        invited = signer().read(db(), INVITATION, token)
    except ValidationError as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(
                db(), token=token, password=form.password.data or "", signer=signer()
            )
        except ValidationError as exc:
            form.password.errors = [exc.message]
        else:
            db().commit()
            _start_session(user)
            flash(
                "Welcome to the Core Group. Your password is set and you are signed in.", "success"
            )
            return redirect(url_for("people.edit_profile"))
    return render_template(
        "auth/accept.html", form=form, invited=invited, password_help=PASSWORD_HELP
    )


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_request() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_password_reset(db(), email=form.email.data, signer=signer())
        db().commit()
        # The same answer whether or not the address has an account.
        flash(
            "If this address belongs to an account, a link to reset the password is on its "
            "way. Check your mail.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str) -> ResponseReturnValue:
    try:
        signer().read(db(), RESET, token)
    except ValidationError as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset_password(
                db(), token=token, password=form.password.data or "", signer=signer()
            )
        except ValidationError as exc:
            form.password.errors = [exc.message]
        else:
            db().commit()
            _start_session(user)
            flash(
                "Your new password is set. Every other session of your account has ended.",
                "success",
            )
            return redirect(url_for("home.index"))
    return render_template("auth/reset.html", form=form, password_help=PASSWORD_HELP)


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    user = require_user()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(
                db(),
                user,
                actor=user,
                current=form.current_password.data or "",
                new=form.password.data or "",
            )
        except ValidationError as exc:
            field = getattr(form, exc.field or "password", form.password)
            field.errors = [exc.message]
        else:
            db().commit()
            _start_session(user)  # the new generation: this browser stays signed in
            flash(
                "Your password is changed. Every other session of your account has ended.",
                "success",
            )
            return redirect(url_for("people.profile", user_id=user.id))
    return render_template("auth/password.html", form=form, password_help=PASSWORD_HELP)
