"""Reading accounts: the people a page names, in one query; one's own API tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ApiToken, User
from charter_engine.db import rows_by_id


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    return rows_by_id(session, User, ids)


def tokens_of(session: Session, user: User) -> Sequence[ApiToken]:
    """``user``'s API tokens: those in use first, then the revoked ones; newest first in each."""
    return (
        session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
        .scalars()
        .all()
    )
