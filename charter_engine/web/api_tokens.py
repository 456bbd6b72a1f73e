"""Pages of one's own API tokens: list them, make one, revoke one.

A token acts in the API as its owner, with the owner's role. Making one asks for the password
again (a borrowed browser session must not be able to leave a lasting credential behind); those
confirmations are throttled like changing the password (:func:`.auth.confirmation_allowed`). The
token is shown once, in the answer to the request that made it (never through a redirect, a flash
message or the session), on a page that is not cached. Only its SHA-256 is stored
(:mod:`charter_engine.accounts.operations`).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from charter_engine.accounts.models import User
from charter_engine.accounts.operations import issue_own_token, revoke_token
from charter_engine.accounts.queries import tokens_of
from charter_engine.context import db
from charter_engine.limits import PASSWORD, TOKEN_NAME
from charter_engine.web.auth import confirmation_allowed
from charter_engine.web.forms import Form, commit_or_flash, commit_or_show
from charter_engine.web.security import require_user

bp = Blueprint("api_tokens", __name__)


class TokenForm(Form):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=TOKEN_NAME)],
        description="What will use it, such as “minutes script” or “our website”.",
    )
    password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )


def _page(user: User, form: TokenForm, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/api_tokens.html", form=form, tokens=tokens_of(db(), user)), status


@bp.get("/account/api-tokens")
def manage() -> ResponseReturnValue:
    return _page(require_user(), TokenForm())


@bp.post("/account/api-tokens")
def create() -> ResponseReturnValue:
    user = require_user()
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(user, form, 400)
    if not confirmation_allowed(user, form.password):
        return _page(user, form, 429)
    done = commit_or_show(
        form,
        lambda: issue_own_token(
            db(), user, actor=user, name=form.name.data, password=form.password.data
        ),
    )
    if done is None:
        return _page(user, form, 400)
    return render_template(
        "auth/api_token_created.html", token=done.value, name=form.name.data.strip()
    )


@bp.post("/account/api-tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> ResponseReturnValue:
    user = require_user()
    commit_or_flash(
        lambda: revoke_token(db(), user, token_id, actor=user),
        lambda row: f"The token “{row.name}” is revoked: it no longer works.",
    )
    return redirect(url_for("api_tokens.manage")), 303
