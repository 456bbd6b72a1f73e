"""The second factor's rules on a real database: a code is accepted once even when it arrives
twice at the same moment (real threads, real commits), a recovery code once, and a pending secret
is not in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
from sqlalchemy.orm import Session

from charter_engine.accounts.second_factor import (
    RECOVERY_CODE,
    TOTP,
    begin_enrolment,
    confirm_enrolment,
    has_second_factor,
    use_second_factor,
)
from charter_engine.db import utcnow
from tests.threads import all_at_once


def _enrolled(session: Session, user: Any) -> tuple[pyotp.TOTP, list[str]]:
    factor = begin_enrolment(session, user)
    totp = pyotp.TOTP(factor.secret)
    now = utcnow()
    assert not has_second_factor(session, user)  # pending: not in force yet
    codes = confirm_enrolment(session, user, totp.at(now - timedelta(seconds=30)), now=now)
    session.commit()
    assert has_second_factor(session, user)
    return totp, codes


def test_one_code_sent_twice_at_once_signs_in_once(
    session: Session, session_factory: Callable[[], Session], create_user: Any
) -> None:
    user = create_user("member")
    totp, _codes = _enrolled(session, user)
    code = totp.at(utcnow())
    accepted: list[str | None] = []

    def use(_i: int) -> None:
        with session_factory() as own:
            method = use_second_factor(own, own.get(type(user), user.id), code, now=utcnow())
            own.commit()
            accepted.append(method)

    assert all_at_once(4, use) == []
    assert sorted(accepted, key=str) == [None, None, None, TOTP]


def test_a_recovery_code_is_used_up_and_a_wrong_code_changes_nothing(
    session: Session, create_user: Any
) -> None:
    user = create_user("member")
    _totp, codes = _enrolled(session, user)
    now = utcnow()
    assert use_second_factor(session, user, "000000", now=now) is None
    assert use_second_factor(session, user, "not-a-code", now=now) is None
    assert use_second_factor(session, user, codes[0], now=now) == RECOVERY_CODE
    session.commit()
    assert use_second_factor(session, user, codes[0], now=now) is None
    assert use_second_factor(session, user, codes[1], now=now) == RECOVERY_CODE
