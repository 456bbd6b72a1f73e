"""Login throttling kept in the database, so every application process sees the same counts.

Each failed sign-in stores one row per key — the account (the email as typed, hashed) and the client
address (hashed) — with its time. A key with too many failures inside the window is refused until
the oldest of them ages out. The counter lives in the database rather than in process memory because
the app must stay stateless between requests: with several processes behind a load balancer an
in-memory limiter would multiply the allowance by the number of processes and forget on restart.
Failures for unknown emails are counted the same way, so the lock-out reveals nothing about which
accounts exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from charter_engine.db import Base


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime]


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 30


DEFAULT_POLICY = ThrottlePolicy()


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


def _keys(email: str, address: str | None) -> dict[str, str]:
    keys = {"account": _key("account", email)}
    if address:
        keys["address"] = _key("address", address)
    return keys


def login_blocked(
    session: Session,
    email: str,
    address: str | None,
    *,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> bool:
    """True when the account or the address used up its failures in the current window."""
    keys = _keys(email, address)
    rows = session.execute(
        select(LoginFailure.key, func.count())
        .where(LoginFailure.key.in_(keys.values()), LoginFailure.failed_at > now - policy.window)
        .group_by(LoginFailure.key)
    ).all()
    counts = {key: count for key, count in rows}
    return counts.get(keys["account"], 0) >= policy.per_account or (
        "address" in keys and counts.get(keys["address"], 0) >= policy.per_address
    )


def record_login_failure(
    session: Session,
    email: str,
    address: str | None,
    *,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    for key in _keys(email, address).values():
        session.add(LoginFailure(key=key, failed_at=now))
    # Keep the table small: failures older than the window no longer count.
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - policy.window))


def clear_login_failures(session: Session, email: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == _key("account", email)))
