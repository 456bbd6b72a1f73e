"""``charter-engine reset-second-factor``: an operator removes a lost second factor, on record."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.second_factor import (
    RecoveryCode,
    TotpFactor,
    begin_enrolment,
    confirm_enrolment,
    has_second_factor,
)
from charter_engine.audit.models import AuditEvent
from charter_engine.db import utcnow


def test_an_operator_removes_a_lost_second_factor(
    cli: Any, session: Session, create_user: Any
) -> None:
    import pyotp

    user = create_user("secretariat", email="lost@example.org")
    factor = begin_enrolment(session, user)
    now = utcnow()
    confirm_enrolment(session, user, pyotp.TOTP(factor.secret).at(now), now=now)
    session.commit()

    result = cli("reset-second-factor", "Lost@Example.org", "--reason", "phone and codes lost")
    assert result.exit_code == 0, result.output
    assert "second factor removed" in result.output
    session.expire_all()
    assert not has_second_factor(session, user)
    assert session.execute(select(TotpFactor)).first() is None
    assert session.execute(select(RecoveryCode)).first() is None
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.second_factor_disabled")
    ).scalar_one()
    assert json.loads(event.payload) == {"by": "operator", "reason": "phone and codes lost"}

    session.rollback()  # end the read, so that the command may write
    again = cli("reset-second-factor", "lost@example.org", "--reason", "twice")
    assert again.exit_code == 0 and "had no second factor" in again.output, again.output
    unknown = cli("reset-second-factor", "nobody@example.org", "--reason", "x")
    assert unknown.exit_code != 0 and "no account" in unknown.output
