"""Reading amendments: loading one (locked when it is about to change), the fingerprint of exactly
what it proposes, the clauses it touches and the conflicts recorded when a rebase failed.

Nothing here changes data; the operations, the ballots, the web pages and the API share these.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from charter_engine.amendments.models import Amendment
from charter_engine.errors import NotFound
from charter_engine.ids import is_id


def get_amendment(session: Session, amendment_id: int, *, for_update: bool = False) -> Amendment:
    if not is_id(amendment_id):
        raise NotFound(f"There is no amendment {amendment_id}.")
    stmt = (
        select(Amendment)
        .where(Amendment.id == amendment_id)
        .options(selectinload(Amendment.changes), selectinload(Amendment.backers))
    )
    if for_update:
        stmt = stmt.with_for_update(of=Amendment).execution_options(populate_existing=True)
    amendment = session.execute(stmt).scalar_one_or_none()
    if amendment is None:
        raise NotFound(f"There is no amendment {amendment_id}.")
    return amendment


def fingerprint(amendment: Amendment) -> str:
    """A hash of exactly what the amendment proposes; a ballot pins it."""
    material = [
        {
            "kind": c.kind,
            "clause": c.clause_id,
            "base": c.base_version_id,
            "after": c.after_clause_id,
            "text": c.new_text,
            "target": c.target_change_id,
        }
        for c in sorted(amendment.changes, key=lambda c: c.position)
    ]
    data = json.dumps(
        {"title": amendment.title, "changes": material}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def touched_clause_ids(amendment: Amendment) -> set[int]:
    ids: set[int] = set()
    for change in amendment.changes:
        if change.clause_id is not None and change.kind != "insert":
            ids.add(change.clause_id)
        if change.after_clause_id is not None:
            ids.add(change.after_clause_id)
    return ids


def amendment_conflicts(amendment: Amendment) -> list[dict[str, Any]]:
    return json.loads(amendment.conflicts) if amendment.conflicts else []


def applies_unchanged(amendment: Amendment, shown: Mapping[int, int]) -> bool:
    """Whether ``amendment`` applies exactly as written to a revision showing ``shown`` (clause id
    → clause version id): every clause it changes is still at the version it was written
    against, and every clause it places a clause after is still there. A merge that left its
    clauses alone does not rebase it (see ``merging.out_of_step_with``, the same rule in SQL)."""
    for change in amendment.changes:
        if change.base_version_id is not None and shown.get(change.clause_id or -1) != (
            change.base_version_id
        ):
            return False
        if change.after_clause_id is not None and change.after_clause_id not in shown:
            return False
    return True
