"""Throttling sign-ins, password confirmations and password-reset requests, counted in the
database.

**Where the counts live.** Several application processes serve one database and keep nothing in
memory between requests, so the counts are rows of ``throttle_counters``, which every process sees
and which survive a restart. Flask-Limiter's in-memory storage would count per process (four
processes, four times the allowance, forgotten at every restart), and its shared storages need a
Redis or Memcached server besides the database.

**Counting without a race.** Time is cut into fixed windows (:data:`WINDOW`); each key has one row
per window holding the number of attempts. An attempt is counted *before* it is judged, by one
statement, ``INSERT … ON CONFLICT (key, window_start) DO UPDATE SET attempts = attempts + 1
RETURNING attempts``: the database takes the row's lock, so parallel attempts are numbered one
after the other and exactly as many as the limit allows get a number within it. (Reading a
count and then inserting a row would let parallel guesses all read the same count.) An
attempt is allowed while its number plus the count of the window before stay within the limit:
no stretch of :data:`WINDOW` ever allows more than the limit, and a lock-out lasts one to two
windows. Keys are counted narrowest first and counting stops at the first key over its limit, so
attempts refused for one account and address do not use up the wider allowances.

**Whom a limit stops.** Signing in counts three keys (:data:`SIGN_IN_LIMITS`):

* the account from one address: a guesser is stopped after a few tries, *from their address
  only* — the member signing in from anywhere else is not affected;
* the address: one address guessing many accounts;
* the account from any address, with a much higher ceiling: many addresses guessing one account.
  Only this one could shut a member out, and only an attacker with dozens of addresses can reach
  it; a browser the member has signed in from before is not held to it (the web layer recognises
  it by a signed cookie and says so with ``trusted_device``).

An IPv6 address counts by its /64 network, which a single subscriber usually holds whole. Unknown
accounts are counted exactly like real ones, so the answers reveal nothing about who has an
account. A successful sign-in takes its own attempt back and forgives the earlier failures of that
account from that address. Password-reset requests count the email typed and the address
(:data:`RESET_LIMITS`), whether or not an account has that email. A signed-in person who confirms
a change with their password (a new password, a new API token) is counted per account, every
confirmation, right or wrong (:data:`PASSWORD_CONFIRMATION`).

Keys are SHA-256 digests: the table holds no email or address in clear.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, cast

from sqlalchemy import CheckConstraint, String, Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from charter_engine.db import Base

WINDOW: Final = timedelta(minutes=15)


class ThrottleCounter(Base):
    """How many attempts one key made in one window."""

    __tablename__ = "throttle_counters"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    attempts: Mapped[int]


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` per window for each key of this ``scope``."""

    scope: str
    attempts: int


SIGN_IN_FROM_ADDRESS: Final = Limit("sign-in account from address", 5)
SIGN_IN_ADDRESS: Final = Limit("sign-in address", 30)
SIGN_IN_ACCOUNT: Final = Limit("sign-in account", 50)
SIGN_IN_LIMITS: Final = (SIGN_IN_FROM_ADDRESS, SIGN_IN_ADDRESS, SIGN_IN_ACCOUNT)

# The code asked for after the password (a second factor): the password is known by then, so
# guesses of the six digits are few per account, and fewer from one address.
SECOND_FACTOR_FROM_ADDRESS: Final = Limit("second factor account from address", 5)
SECOND_FACTOR_ACCOUNT: Final = Limit("second factor account", 10)

# A signed-in person confirming a change with their password (a new password, a new API token):
# whoever holds the session is in already, so every confirmation counts, per account, and few
# are allowed; a stolen session cannot go on guessing the password behind it.
PASSWORD_CONFIRMATION: Final = Limit("password confirmation account", 5)

RESET_EMAIL: Final = Limit("reset email", 3)
RESET_ADDRESS: Final = Limit("reset address", 10)
RESET_LIMITS: Final = (RESET_EMAIL, RESET_ADDRESS)

_counters = cast(Table, ThrottleCounter.__table__)


def window_start(now: datetime) -> datetime:
    """The start of the window ``now`` falls in."""
    seconds = int(WINDOW.total_seconds())
    stamp = int(now.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)


def network_of(address: str | None) -> str:
    """What an address counts as: itself, an IPv6 address its /64 network."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(limit: Limit, *parts: str) -> str:
    text = "\x1f".join((limit.scope, *(part.strip().lower() for part in parts)))
    return hashlib.sha256(text.encode()).hexdigest()


def _count_attempt(session: Session, key: str, start: datetime) -> int:
    """Add one attempt to ``key`` in the window starting at ``start``; the number it got."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(_counters)
        .values(key=key, window_start=start, attempts=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"attempts": _counters.c.attempts + 1},
        )
        .returning(_counters.c.attempts)
    )
    attempts: int = session.execute(stmt).scalar_one()
    if attempts == 1:
        # A key's first attempt in a window: a good moment to drop the windows that no longer
        # count (all but this one and the one before).
        session.execute(
            delete(ThrottleCounter).where(ThrottleCounter.window_start < start - WINDOW)
        )
    return attempts


def _attempts_before(session: Session, key: str, start: datetime) -> int:
    """The attempts of ``key`` in the window before the one starting at ``start`` (it has ended,
    so its count no longer moves)."""
    earlier = session.execute(
        select(ThrottleCounter.attempts).where(
            ThrottleCounter.key == key, ThrottleCounter.window_start == start - WINDOW
        )
    ).scalar_one_or_none()
    return earlier or 0


def take_attempts(
    session: Session, counted: Sequence[tuple[Limit, str]], *, now: datetime
) -> Limit | None:
    """Count one attempt against each ``(limit, key)`` in order; the first limit it goes over
    (counting stops there), or ``None`` when the attempt may go ahead."""
    start = window_start(now)
    for limit, key in counted:
        number = _count_attempt(session, key, start)
        if number + _attempts_before(session, key, start) > limit.attempts:
            return limit
    return None


def _sign_in_keys(email: str, address: str | None, trusted_device: bool) -> list[tuple[Limit, str]]:
    network = network_of(address)
    counted = [
        (SIGN_IN_FROM_ADDRESS, _key(SIGN_IN_FROM_ADDRESS, email, network)),
        (SIGN_IN_ADDRESS, _key(SIGN_IN_ADDRESS, network)),
    ]
    if not trusted_device:
        counted.append((SIGN_IN_ACCOUNT, _key(SIGN_IN_ACCOUNT, email)))
    return counted


def take_sign_in_attempt(
    session: Session,
    email: str,
    address: str | None,
    *,
    now: datetime,
    trusted_device: bool = False,
) -> Limit | None:
    """Count a sign-in attempt before the password is checked; the limit that refuses it, or
    ``None``. A refused attempt must not check the password."""
    return take_attempts(session, _sign_in_keys(email, address, trusted_device), now=now)


def forgive_sign_in(
    session: Session,
    email: str,
    address: str | None,
    *,
    now: datetime,
    trusted_device: bool = False,
) -> None:
    """A successful sign-in was no guess: take its attempt back from the address and the account,
    and forget the failures of this account from this address. A sign-in that followed no
    failure leaves no row behind."""
    counted = _sign_in_keys(email, address, trusted_device)
    (_pair, pair_key), wider = counted[0], [key for _limit, key in counted[1:]]
    start = window_start(now)
    # Rows are locked in the order take_attempts locks them (the account from the address, the
    # address, the account), and only rows of the windows that count, which the clean-up of
    # ended windows never touches: a sign-in under way and this one cannot wait for each other.
    session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.key == pair_key, ThrottleCounter.window_start >= start - WINDOW
        )
    )
    for key in wider:
        session.execute(
            update(ThrottleCounter)
            .where(
                ThrottleCounter.key == key,
                ThrottleCounter.window_start == start,
                ThrottleCounter.attempts > 0,
            )
            .values(attempts=ThrottleCounter.attempts - 1)
        )
    session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.key.in_(wider),
            ThrottleCounter.window_start == start,
            ThrottleCounter.attempts == 0,
        )
    )


def _second_factor_keys(email: str, address: str | None) -> list[tuple[Limit, str]]:
    return [
        (SECOND_FACTOR_FROM_ADDRESS, _key(SECOND_FACTOR_FROM_ADDRESS, email, network_of(address))),
        (SECOND_FACTOR_ACCOUNT, _key(SECOND_FACTOR_ACCOUNT, email)),
    ]


def take_second_factor_attempt(
    session: Session, email: str, address: str | None, *, now: datetime
) -> Limit | None:
    """Count a second-factor code typed for ``email``'s account before it is checked; the limit
    that refuses it, or ``None``. A refused attempt must not check the code."""
    return take_attempts(session, _second_factor_keys(email, address), now=now)


def forgive_second_factor(
    session: Session, email: str, address: str | None, *, now: datetime
) -> None:
    """The right code was typed: forget this account's failed codes from this address. The
    account-wide count stays: whoever else has been guessing is not given a new allowance."""
    (_limit, pair_key), _account = _second_factor_keys(email, address)
    session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.key == pair_key,
            ThrottleCounter.window_start >= window_start(now) - WINDOW,
        )
    )


def take_password_confirmation(session: Session, email: str, *, now: datetime) -> Limit | None:
    """Count a password typed to confirm a change on ``email``'s account before it is checked;
    the limit that refuses it, or ``None``. A refused attempt must not check the password."""
    counted = [(PASSWORD_CONFIRMATION, _key(PASSWORD_CONFIRMATION, email))]
    return take_attempts(session, counted, now=now)


def take_reset_request(
    session: Session, email: str, address: str | None, *, now: datetime
) -> Limit | None:
    """Count a password-reset request (whether or not ``email`` has an account); the limit that
    refuses it, or ``None``."""
    counted = [
        (RESET_EMAIL, _key(RESET_EMAIL, email)),
        (RESET_ADDRESS, _key(RESET_ADDRESS, network_of(address))),
    ]
    return take_attempts(session, counted, now=now)
