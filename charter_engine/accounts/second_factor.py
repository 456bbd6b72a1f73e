"""A second factor for signing in: time-based codes (TOTP, RFC 6238) and recovery codes.

**Optional per account, required by a setting for the secretariat.** A member turns it on from
their account page; the secretariat can be made to (``CHARTER_REQUIRE_SECRETARIAT_TOTP``), in which
case the web layer sends a secretariat account without one to the enrolment page and nowhere else.

**Enrolment** is two steps: :func:`begin_enrolment` stores a fresh secret, not yet in force, which
the page shows (as text, as an ``otpauth://`` URI and as a QR code); :func:`confirm_enrolment`
puts it in force once the person types a code their app made from it, so nobody is locked out
by a secret their app never read. Confirming hands back the recovery codes, in clear, once: only
their SHA-256 digests are stored. (A recovery code is random and long enough that a fast digest
is safe; the slow hash passwords need is for secrets people choose.)

**Checking a code** (:func:`use_second_factor`) locks the factor's row: a TOTP code is accepted
for its own 30-second step and the steps either side (clocks drift), and only for a step later
than the last one accepted, so a code seen over someone's shoulder cannot be used again; a
recovery code works once. Guessing is slowed down by the sign-in throttle
(:func:`charter_engine.accounts.throttle.take_second_factor_attempt`), not here.

The TOTP secret is stored as it is: the server needs it to compute the codes. Whoever can read
the database can read it, as they can read everything else the second factor protects.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from charter_engine.accounts.models import User
from charter_engine.audit.operations import record
from charter_engine.db import Base, utcnow
from charter_engine.errors import Conflict, ValidationError

ISSUER = "Charter Engine"
RECOVERY_CODE_COUNT = 10
# Recovery codes are three groups of four characters from an alphabet without look-alikes
# (no 0/o, 1/l/i): 31**12, about 59 bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS = 3
_RECOVERY_GROUP_LENGTH = 4
# Steps either side of now whose code is accepted: a phone's clock may be off by half a minute.
DRIFT_STEPS = 1

TOTP = "totp"
RECOVERY_CODE = "recovery code"


class TotpFactor(Base):
    """An account's TOTP secret: pending until ``confirmed_at`` is set, in force afterwards."""

    __tablename__ = "totp_factors"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The time step of the last code accepted: that code and earlier ones are refused.
    last_used_step: Mapped[int | None]

    @property
    def in_force(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(Base):
    """One recovery code of an account, as the SHA-256 of its normalised text."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret three ways."""

    secret: str
    uri: str


def factor_of(session: Session, user: User) -> TotpFactor | None:
    """The account's factor, in force or pending, or ``None``."""
    return session.get(TotpFactor, user.id)


def has_second_factor(session: Session, user: User) -> bool:
    """Whether signing in to ``user`` asks for a code after the password."""
    factor = factor_of(session, user)
    return factor is not None and factor.in_force


def second_factor_required(user: User, *, require_for_secretariat: bool) -> bool:
    """Whether the account must have a second factor under the setting."""
    return require_for_secretariat and user.role == "secretariat"


def enrolment_of(factor: TotpFactor, user: User) -> Enrolment:
    uri = pyotp.TOTP(factor.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret=factor.secret, uri=uri)


def begin_enrolment(session: Session, user: User) -> TotpFactor:
    """A new secret for ``user``, not in force until confirmed. Starting again replaces a pending
    secret; an account whose factor is in force must turn it off first."""
    factor = factor_of(session, user)
    if factor is not None and factor.in_force:
        raise Conflict("A second factor is already on for this account.")
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=pyotp.random_base32())
        session.add(factor)
    else:
        factor.secret = pyotp.random_base32()
        factor.created_at = utcnow()
    session.flush()
    record(session, "user.second_factor_enrolment_started", user, actor=user, payload={})
    return factor


def confirm_enrolment(session: Session, user: User, code: object, *, now: datetime) -> list[str]:
    """Put the pending secret in force, given a code made from it; the new recovery codes (shown
    once, stored only as digests)."""
    factor = _locked_factor(session, user)
    if factor is None or factor.in_force:
        raise Conflict("There is no second factor waiting to be confirmed: start again.")
    step = _matching_step(factor, _digits(code), now)
    if step is None:
        raise ValidationError(
            "That code does not match. Check the clock of the device and type the newest code.",
            field="code",
        )
    factor.confirmed_at = now
    factor.last_used_step = step
    return _new_recovery_codes(session, user, now=now, event="user.second_factor_enabled")


def use_second_factor(session: Session, user: User, code: object, *, now: datetime) -> str | None:
    """Check a sign-in code: a TOTP code or an unused recovery code. Returns which kind it was
    (:data:`TOTP` or :data:`RECOVERY_CODE`), having used it up, or ``None`` when it is wrong."""
    factor = _locked_factor(session, user)
    if factor is None or not factor.in_force:
        return None
    text = code if isinstance(code, str) else ""
    method: str | None = None
    step = _matching_step(factor, _digits(text), now)
    if step is not None:
        factor.last_used_step = step
        method = TOTP
    else:
        recovery = session.execute(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _recovery_digest(text),
                RecoveryCode.used_at.is_(None),
            )
        ).scalar_one_or_none()
        if recovery is not None:
            recovery.used_at = now
            method = RECOVERY_CODE
    if method is None:
        return None
    record(
        session,
        "user.second_factor_used",
        user,
        actor=user,
        payload={"method": method, "recovery_codes_left": _codes_left(session, user)},
    )
    return method


def renew_recovery_codes(session: Session, user: User, code: object, *, now: datetime) -> list[str]:
    """New recovery codes (the old ones stop working), given a current code."""
    if use_second_factor(session, user, code, now=now) is None:
        raise ValidationError("That code does not match.", field="code")
    return _new_recovery_codes(session, user, now=now, event="user.recovery_codes_renewed")


def turn_off_second_factor(
    session: Session, user: User, code: object, *, now: datetime, required: bool
) -> None:
    """The account's owner turns the second factor off, given a current code; refused when the
    setting requires one for this account."""
    if required:
        raise Conflict("Your role must sign in with a second factor: it cannot be turned off.")
    if use_second_factor(session, user, code, now=now) is None:
        raise ValidationError("That code does not match.", field="code")
    _remove(session, user)
    record(session, "user.second_factor_disabled", user, actor=user, payload={"by": "owner"})


def reset_second_factor(session: Session, user: User, *, reason: str) -> bool:
    """An operator removes the second factor of someone who lost both their device and their
    recovery codes (the command line; the person then signs in with the password alone, or is
    sent to enrol again if the setting requires it). Whether there was one."""
    if factor_of(session, user) is None:
        return False
    _remove(session, user)
    record(
        session,
        "user.second_factor_disabled",
        user,
        actor=None,
        payload={"by": "operator", "reason": reason},
    )
    return True


def recovery_codes_left(session: Session, user: User) -> int:
    return _codes_left(session, user)


# --- helpers ------------------------------------------------------------------------------------


def _locked_factor(session: Session, user: User) -> TotpFactor | None:
    """The factor's row, locked until the transaction ends: two sign-ins with the same code take
    turns, and the second sees the step the first used."""
    return session.execute(
        select(TotpFactor).where(TotpFactor.user_id == user.id).with_for_update()
    ).scalar_one_or_none()


def _digits(code: object) -> str:
    return re.sub(r"[\s-]", "", code) if isinstance(code, str) else ""


def _matching_step(factor: TotpFactor, code: str, now: datetime) -> int | None:
    """The time step near ``now`` whose code is ``code`` and is later than the last one used."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(factor.secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if factor.last_used_step is not None and step <= factor.last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise_recovery(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User, *, now: datetime, event: str) -> list[str]:
    """Replace the recovery codes of ``user`` with new ones, recorded as ``event``."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(
            secrets.choice(_RECOVERY_ALPHABET)
            for _ in range(_RECOVERY_GROUPS * _RECOVERY_GROUP_LENGTH)
        )
        n = _RECOVERY_GROUP_LENGTH
        codes.append("-".join(raw[i : i + n] for i in range(0, len(raw), n)))
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_digest(code), created_at=now)
        for code in codes
    )
    session.flush()
    record(session, event, user, actor=user, payload={"recovery_codes": len(codes)})
    return codes


def _codes_left(session: Session, user: User) -> int:
    rows = session.execute(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    return len(rows)


def _remove(session: Session, user: User) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    session.flush()
