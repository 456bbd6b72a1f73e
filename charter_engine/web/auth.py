"""Signing in and out, accepting an invitation, resetting a forgotten password, changing one's own.

Sign-in attempts and reset requests are throttled in the database
(:mod:`charter_engine.accounts.throttle`): an account from one address, an address, and (much
higher) an account from anywhere — except from a browser that has signed in to that account
before, which carries a signed cookie saying so (:data:`DEVICE_COOKIE`), so that no stranger can
lock a member out. Signing in starts a fresh session (no fixation); signing out ends every session
of the account (see :mod:`charter_engine.web.security`).

An account with a second factor (:mod:`charter_engine.accounts.second_factor`) is not signed in by
its password: the session only remembers, for :data:`CODE_STEP_MAX_AGE`, whose password was right,
and :func:`login_code` asks for the code, throttled like the password.

A reset request does the same work whatever address is typed until the answer is sent; only then,
after the response, is the account looked up and the link mailed, so neither the answer nor its
timing says whether the address has an account.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from functools import partial
from typing import Any, Protocol

from argon2 import PasswordHasher
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from charter_engine.accounts.invitations import (
    accept_invitation,
    end_sessions,
    request_password_reset,
    reset_password,
)
from charter_engine.accounts.models import User
from charter_engine.accounts.operations import MIN_PASSWORD, check_password, normalise_email
from charter_engine.accounts.profiles import change_password
from charter_engine.accounts.second_factor import (
    RECOVERY_CODE,
    has_second_factor,
    recovery_codes_left,
    use_second_factor,
)
from charter_engine.accounts.throttle import (
    forgive_second_factor,
    forgive_sign_in,
    take_password_confirmation,
    take_reset_request,
    take_second_factor_attempt,
    take_sign_in_attempt,
)
from charter_engine.accounts.tokens import INVITATION, RESET, TokenSigner
from charter_engine.context import AppState, db, settings, state
from charter_engine.db import utcnow
from charter_engine.errors import ValidationError
from charter_engine.limits import PASSWORD
from charter_engine.web.forms import EmailAddress, Form, commit_or_show, show_error
from charter_engine.web.mailer import deliver_now
from charter_engine.web.second_factor import CodeForm
from charter_engine.web.security import current_account, public, require_user, safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# A browser that signed in to an account carries this cookie: a signed digest of the account's
# email. Sign-ins from it are not held to the account-wide ceiling that many addresses guessing
# together could reach. It proves nothing else: the password is checked as always.
DEVICE_COOKIE = "charter_device"
DEVICE_MAX_AGE = 180 * 24 * 3600

# Verifying against a dummy hash when the account does not exist keeps the answer time the same.
_DUMMY_HASH = PasswordHasher().hash("not a real password, only for timing")
# Whose password was right, waiting for the second factor's code (in the signed session cookie).
PENDING_SIGN_IN = "second_step"
CODE_STEP_MAX_AGE = 10 * 60
PASSWORD_HELP = f"At least {MIN_PASSWORD} characters. A few unrelated words make a good password."


def _current_password_field(label: str) -> PasswordField:
    """The password an account has now, which the browser may fill in."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )


class LoginForm(Form):
    email = EmailField(
        "Email address",
        validators=[DataRequired(), EmailAddress()],
        render_kw={"autocomplete": "username"},
    )
    password = _current_password_field("Password")


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
    current_password = _current_password_field("Current password")


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
        trusted = _trusted_device(email)
        refused = take_sign_in_attempt(db(), email, address, now=now, trusted_device=trusted)
        # The attempt counts from now on, whatever follows: committed before the password is
        # checked, so the counter's row lock is not held while the password is hashed.
        db().commit()
        if refused is not None:
            form.email.errors = [
                "Too many failed attempts. Wait half an hour, or reset your password."
            ]
            return render_template("auth/login.html", form=form), 429
        user = db().execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None or not user.password_hash:
            _burn_time()
        elif check_password(user, form.password.data or "") and user.active:
            forgive_sign_in(db(), email, address, now=now, trusted_device=trusted)
            db().commit()
            target = safe_next(request.args.get("next"), url_for("home.index"))
            if has_second_factor(db(), user):
                session.clear()
                session[PENDING_SIGN_IN] = {
                    "user": user.id,
                    "generation": user.session_generation,
                    "next": target,
                    "at": int(time.time()),
                }
                return redirect(url_for("auth.login_code"))
            return _finish_sign_in(user, target)
        form.password.errors = ["The email address or the password is not right."]
        status = 401
    return render_template("auth/login.html", form=form), status


def _finish_sign_in(user: User, target: str, warning: str | None = None) -> Response:
    _start_session(user)
    flash(f"Welcome, {user.name}.", "success")
    if warning:
        flash(warning, "warning")
    response = redirect(target)
    _remember_device(response, user.email)
    return response


def _pending_sign_in() -> tuple[User, str] | None:
    """The account whose password was just right, and where to go next; ``None`` when there is
    none, it is older than :data:`CODE_STEP_MAX_AGE`, or the account changed since."""
    pending = session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None
    at, user_id = pending.get("at"), pending.get("user")
    if not isinstance(at, int) or not isinstance(user_id, int):
        return None
    if not 0 <= time.time() - at <= CODE_STEP_MAX_AGE:
        return None
    user = db().get(User, user_id)
    if user is None or not user.active or user.session_generation != pending.get("generation"):
        return None
    return user, safe_next(pending.get("next"), url_for("home.index"))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> ResponseReturnValue:
    """The second step of signing in to an account with a second factor."""
    pending = _pending_sign_in()
    if pending is None:
        session.pop(PENDING_SIGN_IN, None)
        flash("Sign in with your email address and password first.", "info")
        return redirect(url_for("auth.login"))
    user, target = pending
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        now = utcnow()
        refused = take_second_factor_attempt(db(), user.email, request.remote_addr, now=now)
        db().commit()  # the attempt counts, whatever follows
        if refused is not None:
            form.code.errors = ["Too many wrong codes. Wait half an hour, then sign in again."]
            return render_template("auth/login_code.html", form=form), 429
        method = use_second_factor(db(), user, form.code.data, now=now)
        if method is not None:
            forgive_second_factor(db(), user.email, request.remote_addr, now=now)
            db().commit()
            warning = None
            if method == RECOVERY_CODE:
                warning = (
                    f"You signed in with a recovery code; {recovery_codes_left(db(), user)} left. "
                    "Make new ones from your two-step sign-in page."
                )
            return _finish_sign_in(user, target, warning)
        db().rollback()
        form.code.errors = ["That code is not right. Type the newest code from your app."]
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login_code.html", form=form), status


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="charter-engine device")


def _device_mark(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _trusted_device(email: str) -> bool:
    """Whether this browser has signed in to the account of ``email`` before."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        mark = _device_serializer().loads(raw, max_age=DEVICE_MAX_AGE)
    except BadData:
        return False
    return bool(mark == _device_mark(email))


def _remember_device(response: Response, email: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(_device_mark(email)),
        max_age=DEVICE_MAX_AGE,
        path=url_for("auth.login"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


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


class _SetPasswordByLink(Protocol):
    def __call__(
        self, session: Session, *, token: str, password: str, signer: TokenSigner
    ) -> User: ...


def _new_password_page(
    token: str,
    purpose: str,
    set_password: _SetPasswordByLink,
    *,
    template: str,
    success: str,
    then: str,
) -> ResponseReturnValue:
    """The page an invitation or reset link opens: ask for a new password, set it through
    ``set_password`` and sign its owner in; a link that no longer works says why, and a refused
    password is shown next to its field."""
    try:
        owner = signer().read(db(), purpose, token)
    except ValidationError as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        done = commit_or_show(
            form,
            lambda: set_password(
                db(), token=token, password=form.password.data or "", signer=signer()
            ),
            on_error=lambda exc: show_error(form, exc, field="password"),
        )
        if done:
            _start_session(done.value)
            flash(success, "success")
            return redirect(url_for(then))
    return render_template(template, form=form, owner=owner, password_help=PASSWORD_HELP)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str) -> ResponseReturnValue:
    return _new_password_page(
        token,
        INVITATION,
        accept_invitation,
        template="auth/accept.html",
        success="Welcome to the Core Group. Your password is set and you are signed in.",
        then="people.edit_profile",
    )


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_request() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        refused = take_reset_request(db(), email, request.remote_addr, now=utcnow())
        db().commit()
        if refused is not None:
            form.email.errors = ["Too many requests for a reset link. Wait half an hour."]
            return render_template("auth/reset_request.html", form=form), 429
        # The same answer, after the same work, whether or not the address has an account.
        flash(
            "If this address belongs to an account, a link to reset the password is on its "
            "way. Check your mail.",
            "info",
        )
        response = redirect(url_for("auth.login"))
        response.call_on_close(partial(_mail_reset_link, state(), signer(), email))
        return response
    return render_template("auth/reset_request.html", form=form)


def _mail_reset_link(app_state: AppState, link_signer: TokenSigner, email: str) -> None:
    """Once the answer is sent: queue a reset link if ``email`` has an account, and send it."""
    try:
        with app_state.session_factory() as unit:
            request_password_reset(unit, email=email, signer=link_signer)
            unit.commit()
    except Exception:  # the answer is gone; the person can ask again
        log.exception("queueing a password reset link failed")
        return
    deliver_now(app_state)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str) -> ResponseReturnValue:
    return _new_password_page(
        token,
        RESET,
        reset_password,
        template="auth/reset.html",
        success="Your new password is set. Every other session of your account has ended.",
        then="home.index",
    )


def confirmation_allowed(user: User, field: Any) -> bool:
    """Count the password typed on ``field`` to confirm a change to ``user``'s account, before it
    is checked (:func:`take_password_confirmation`); False, with the error on the field, when
    there have been too many. The count is committed whatever follows, like a sign-in attempt."""
    refused = take_password_confirmation(db(), user.email, now=utcnow())
    db().commit()
    if refused is not None:
        field.errors = [
            "Too many attempts: wait a quarter of an hour, then type your password again."
        ]
        return False
    return True


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    user = require_user()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _password_page(form)
    if not confirmation_allowed(user, form.current_password):
        return _password_page(form, 429)
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
        return _password_page(form)
    db().commit()
    _start_session(user)  # the new generation: this browser stays signed in
    flash("Your password is changed. Every other session of your account has ended.", "success")
    return redirect(url_for("people.profile", user_id=user.id))


def _password_page(form: ChangePasswordForm, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/password.html", form=form, password_help=PASSWORD_HELP), status
