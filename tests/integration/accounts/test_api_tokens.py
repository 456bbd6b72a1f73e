"""API tokens on a real database: two revocations of one token at the same moment revoke it once
(real threads, real commits), and a token is only ever revoked by its owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ApiToken, User
from charter_engine.accounts.operations import issue_token, revoke_token, token_holder
from charter_engine.audit.models import AuditEvent
from charter_engine.errors import Conflict, NotFound, PermissionDenied
from tests.threads import all_at_once


def test_two_revocations_at_once_revoke_the_token_once(
    session: Session, session_factory: Callable[[], Session], create_user: Any
) -> None:
    user = create_user("member")
    token = issue_token(session, user, name="script")
    token_id = session.execute(select(ApiToken.id).where(ApiToken.user_id == user.id)).scalar_one()
    session.commit()

    def revoke(_i: int) -> None:
        with session_factory() as own:
            owner = own.get(User, user.id)
            assert owner is not None
            revoke_token(own, owner, token_id, actor=owner)
            own.commit()

    errors = all_at_once(4, revoke)
    assert len(errors) == 3 and all(isinstance(e, Conflict) for e in errors), errors
    session.expire_all()
    assert token_holder(session, token) is None
    revoked = select(func.count()).where(AuditEvent.action == "token.revoked")
    assert session.execute(revoked).scalar_one() == 1


def test_only_the_owner_revokes_a_token(session: Session, create_user: Any) -> None:
    owner, other, staff = create_user("member"), create_user("member"), create_user("secretariat")
    token = issue_token(session, owner, name="script")
    session.commit()
    token_id = session.execute(select(ApiToken.id).where(ApiToken.user_id == owner.id)).scalar_one()
    with pytest.raises(PermissionDenied):
        revoke_token(session, owner, token_id, actor=staff)
    with pytest.raises(NotFound):
        revoke_token(session, other, token_id, actor=other)
    with pytest.raises(NotFound):
        revoke_token(session, owner, 2**40, actor=owner)
    session.rollback()
    assert token_holder(session, token) is not None
