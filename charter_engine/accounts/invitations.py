"""Inviting members, accepting invitations, resetting forgotten passwords, ending sessions.

The mails carrying links are queued in the outbox in the same transaction (their links hold a
signed token, never stored). A password reset request answers the same way whether or not the
address has an account, so the form cannot be used to find out who is a member.
"""

from __future__ import annotations

from typing import Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.operations import (
    NewAccount,
    create_user,
    normalise_email,
    set_password,
)
from charter_engine.accounts.permissions import ensure_can
from charter_engine.accounts.tokens import (
    INVITATION,
    INVITATION_PATH,
    RESET,
    RESET_PATH,
    TokenSigner,
)
from charter_engine.audit.operations import record
from charter_engine.errors import Conflict, ValidationError
from charter_engine.mail.outbox import BASE_URL_MARK, queue_mail

ROLE_WORDS = {
    "member": "a member",
    "secretariat": "a member of the secretariat",
    "observer": "an observer",
}


def _days(seconds: int) -> str:
    days = max(1, round(seconds / 86400))
    return f"{days} day" + ("" if days == 1 else "s")


def _hours(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour" + ("" if hours == 1 else "s")


def _link(signer: TokenSigner, purpose: str, user: User) -> str:
    """A new link of ``purpose`` for ``user``, as it is written in a mail."""
    path = INVITATION_PATH if purpose == INVITATION else RESET_PATH
    return BASE_URL_MARK + path.format(token=signer.make(purpose, user))


def _queue_to(session: Session, user: User, *, subject: str, kind: str, body: str) -> None:
    queue_mail(session, to=user.email, subject=subject, body=body, kind=kind, user_id=user.id)


def _queue_invitation(session: Session, user: User, actor: User, signer: TokenSigner) -> None:
    link = _link(signer, INVITATION, user)
    _queue_to(
        session,
        user,
        subject="Your invitation to the Core Group",
        kind="invitation",
        body=(
            f"Hello {user.name},\n\n"
            f"{actor.name} invites you to join the Core Group drafting the charter on Charter "
            f"Engine as {ROLE_WORDS.get(user.role, user.role)}.\n\n"
            f"Choose your password here to accept the invitation:\n{link}\n\n"
            f"The link works once and for {_days(signer.invitation_max_age)}. "
            "If you did not expect this invitation, you can ignore this mail.\n"
        ),
    )


def invite_member(
    session: Session, *, actor: User, signer: TokenSigner, **account: Unpack[NewAccount]
) -> User:
    """Create an account without a password and mail its owner an invitation link."""
    ensure_can(actor, "user:invite")
    user = create_user(session, **account, actor=actor)
    _queue_invitation(session, user, actor, signer)
    record(
        session, "user.invited", user, actor=actor, payload={"email": user.email, "role": user.role}
    )
    return user


def resend_invitation(session: Session, user: User, *, actor: User, signer: TokenSigner) -> None:
    ensure_can(actor, "user:invite")
    if user.password_hash:
        raise Conflict(f"{user.name} has already accepted the invitation.")
    if not user.active:
        raise Conflict(f"{user.name}'s account is deactivated; reactivate it first.")
    _queue_invitation(session, user, actor, signer)
    record(
        session,
        "user.invited",
        user,
        actor=actor,
        payload={"email": user.email, "role": user.role, "again": True},
    )


def accept_invitation(session: Session, *, token: str, password: str, signer: TokenSigner) -> User:
    """Set the invited person's password; the invitation link stops working."""
    user = signer.read(session, INVITATION, token)
    set_password(user, password)
    record(session, "user.invitation_accepted", user, actor=user, payload={})
    return user


def request_password_reset(session: Session, *, email: object, signer: TokenSigner) -> None:
    """Mail a reset link if an active account with a password has this address; say nothing."""
    try:
        address = normalise_email(email)
    except ValidationError:
        return
    user = session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None or not user.active:
        return
    if not user.password_hash:
        # Never accepted the invitation: a reset link would not help; send a fresh invitation link.
        _queue_to(
            session,
            user,
            subject="Choose your password",
            kind="invitation",
            body=(
                f"Hello {user.name},\n\nSomeone asked to reset the password of your Charter "
                "Engine account, but you have not chosen a password yet. Choose it here:\n"
                f"{_link(signer, INVITATION, user)}\n\n"
                f"The link works once and for {_days(signer.invitation_max_age)}.\n"
            ),
        )
        return
    _queue_to(
        session,
        user,
        subject="Reset your password",
        kind="password_reset",
        body=(
            f"Hello {user.name},\n\nSomeone (probably you) asked to reset the password of your "
            f"Charter Engine account. Choose a new password here:\n{_link(signer, RESET, user)}"
            f"\n\nThe link works once and for {_hours(signer.reset_max_age)}. If you did not "
            "ask for it, ignore this mail: your password stays as it is.\n"
        ),
    )
    record(session, "user.password_reset_requested", user, actor=None, payload={})


def reset_password(session: Session, *, token: str, password: str, signer: TokenSigner) -> User:
    """Set a new password from a reset link; every existing session of the account ends."""
    user = signer.read(session, RESET, token)
    set_password(user, password)
    record(session, "user.password_reset", user, actor=user, payload={})
    return user


def end_sessions(session: Session, user: User, *, reason: str = "logout") -> None:
    """Invalidate every session cookie issued to ``user`` (logout signs out everywhere)."""
    user.session_generation = (user.session_generation or 0) + 1
    record(session, "user.sessions_ended", user, actor=user, payload={"reason": reason})
