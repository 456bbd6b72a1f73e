"""Reading accounts in bulk: the people a page names, in one query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.db import rows_by_id


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    return rows_by_id(session, User, ids)
