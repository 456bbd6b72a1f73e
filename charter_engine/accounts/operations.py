"""Account operations: creating users, API tokens (issued, checked, revoked), passwords."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import NotRequired, TypedDict, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import String, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ROLES, ApiToken, User
from charter_engine.accounts.permissions import ensure_can
from charter_engine.audit.operations import record
from charter_engine.db import utcnow
from charter_engine.errors import Conflict, NotFound, ValidationError
from charter_engine.ids import is_id
from charter_engine.limits import EMAIL, NAME, ORGANISATION, PASSWORD, TOKEN_NAME, check_length

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "ce_"  # nosec B105  # the public prefix of every token
MIN_PASSWORD = 10


def normalise_email(email: object) -> str:
    if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
        raise ValidationError("Give a valid email address.", field="email")
    return check_length(email, EMAIL, field="email", what="the email address").strip().lower()


class NewAccount(TypedDict):
    """Who a new account is for, as :func:`create_user` checks it."""

    email: object
    name: object
    role: NotRequired[str]
    organisation: NotRequired[str | None]
    country: NotRequired[str | None]


def create_user(
    session: Session,
    *,
    email: object,
    name: object,
    role: str = "member",
    organisation: str | None = None,
    country: str | None = None,
    actor: User | None = None,
    password: str | None = None,
) -> User:
    address = normalise_email(email)
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("Give the person's name.", field="name")
    check_length(name, NAME, field="name", what="the name")
    if organisation is not None:
        check_length(organisation, ORGANISATION, field="organisation", what="the organisation")
    if role not in ROLES:
        raise ValidationError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if country is not None:
        country = country.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ValidationError("Country is a two-letter ISO code such as FR.", field="country")
    exists = session.execute(select(User.id).where(User.email == address)).first()
    if exists:
        raise Conflict(f"There is already an account for {address}.")
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        organisation=(organisation or "").strip() or None,
        country=country,
    )
    if password is not None:
        set_password(user, password)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"There is already an account for {address}.") from exc
    record(session, "user.created", user, actor=actor, payload={"email": address, "role": role})
    return user


def set_password(user: User, password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"A password needs at least {MIN_PASSWORD} characters.", field="password"
        )
    check_length(password, PASSWORD, field="password", what="the password")
    user.password_hash = _hasher.hash(password)
    user.session_generation = (user.session_generation or 0) + 1


def check_password(user: User, password: str) -> bool:
    if not user.password_hash or not isinstance(password, str):
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, user: User, *, name: object = "api", actor: User | None = None
) -> str:
    """Create an API token for ``user``, named for what will use it; the clear token is returned
    once and never stored. ``actor`` is who made it: the owner, or None for an operator at the
    command line."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            "Give the token a name: what will use it, such as a script or a website.", field="name"
        )
    name = check_length(name.strip(), TOKEN_NAME, field="name", what="the token's name")
    if not user.active:
        raise Conflict(f"{user.email} is deactivated: a token would not work.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), name=name))
    session.flush()
    record(session, "token.issued", user, actor=actor, payload={"name": name}, object_type="user")
    return token


def issue_own_token(
    session: Session, user: User, *, actor: User, name: object, password: object
) -> str:
    """:func:`issue_token` for the signed-in owner, who confirms with their password (so a
    borrowed browser session cannot leave a lasting credential behind)."""
    ensure_can(actor, "user:edit_self", user)
    if not isinstance(password, str) or not check_password(user, password):
        raise ValidationError("That is not your password.", field="password")
    return issue_token(session, user, name=name, actor=actor)


@dataclass(frozen=True)
class TokenHolder:
    """The account an API token belongs to: what every request needs to know, read without
    loading the account (permissions need only id, role and active)."""

    id: int
    role: str
    active: bool


_users = cast(Table, User.__table__)
_tokens = cast(Table, ApiToken.__table__)
# ``SELECT id, role, active`` of the active account whose unrevoked token has this hash (at most
# one row): the token check of every API request.
_TOKEN_HOLDER = (
    select(_users.c.id, _users.c.role, _users.c.active)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id))
    .where(
        _tokens.c.token_hash == bindparam("token_hash", type_=String),
        _tokens.c.revoked_at.is_(None),
        _users.c.active.is_(True),
    )
)


def token_hash(token: str) -> str | None:
    """What is stored of a token (its SHA-256), or None when ``token`` cannot be one."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _hash_token(token)


def token_holder(session: Session, token: str) -> TokenHolder | None:
    """The active account of an unrevoked token, or None."""
    hashed = token_hash(token)
    if hashed is None:
        return None
    row = session.execute(_TOKEN_HOLDER, {"token_hash": hashed}).first()
    return None if row is None else TokenHolder(row[0], row[1], row[2])


def revoke_token(session: Session, user: User, token_id: int, *, actor: User) -> ApiToken:
    """Revoke one of ``user``'s own tokens: it stops working with the next request. The row is
    locked, so of two revocations one does it and the other is told it is done."""
    ensure_can(actor, "user:edit_self", user)
    row = (
        session.execute(
            select(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.user_id == user.id)
            .with_for_update()
        ).scalar_one_or_none()
        if is_id(token_id)
        else None
    )
    if row is None:
        raise NotFound("You have no such API token.")
    if row.revoked_at is not None:
        raise Conflict(f"The token “{row.name}” was already revoked.")
    row.revoked_at = utcnow()
    record(
        session,
        "token.revoked",
        user,
        actor=actor,
        payload={"name": row.name, "token": row.id},
        object_type="user",
    )
    return row
