"""Signed, expiring links for invitations and password resets (itsdangerous).

A token carries the user id and a fingerprint of the user's current password hash and session
generation. Setting a password changes both, so a link works once: after the invitation is accepted
or the password reset, the same link is refused. Tokens of the two purposes use different salts
and cannot stand in for each other. Nothing about tokens is stored in the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.config import Settings
from charter_engine.errors import ValidationError

INVITATION = "invitation"
RESET = "password-reset"
# Where the web app serves the links (kept here so mails can be written outside a request).
INVITATION_PATH = "/invite/{token}"
RESET_PATH = "/reset/{token}"


def _fingerprint(user: User) -> str:
    material = f"{user.password_hash or ''}|{user.session_generation or 0}|{user.email}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class TokenSigner:
    secret_key: str
    invitation_max_age: int
    reset_max_age: int

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenSigner:
        return cls(settings.secret_key, settings.invitation_max_age, settings.reset_max_age)

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=f"charter-engine.{purpose}")

    def make(self, purpose: str, user: User) -> str:
        return self._serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})

    def read(self, session: Session, purpose: str, token: str) -> User:
        """The user a valid token is for; otherwise a ValidationError that says what to do."""
        max_age = self.invitation_max_age if purpose == INVITATION else self.reset_max_age
        again = (
            "Ask the secretariat to send a new invitation."
            if purpose == INVITATION
            else "Ask for a new password reset link."
        )
        try:
            data = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired:
            raise ValidationError(f"This link has expired. {again}") from None
        except BadSignature:
            raise ValidationError(f"This link is not valid. {again}") from None
        user = session.get(User, data.get("u")) if isinstance(data, dict) else None
        if user is None or not user.active or data.get("f") != _fingerprint(user):
            raise ValidationError(f"This link has already been used or is no longer valid. {again}")
        if purpose == INVITATION and user.password_hash:
            raise ValidationError("This invitation was already accepted. Sign in instead.")
        return user
