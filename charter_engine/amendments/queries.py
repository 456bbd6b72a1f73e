"""Reading amendments: loading one (locked when it is about to change), the fingerprint of exactly
what it proposes, the clauses it touches and the conflicts recorded when a rebase failed; the lists
and counts the pages show (by clause, by state, by author), each in a fixed number of queries.

Nothing here changes data; the operations, the ballots, the web pages and the API share these.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union
from sqlalchemy.orm import Session, selectinload

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment, AmendmentBacker, AmendmentChange
from charter_engine.amendments.workflow import PENDING_STATES, STATES
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.charters.queries import versions_by_id
from charter_engine.db import rows_by_id
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


def pending_amendment_counts(session: Session, charter: Charter) -> dict[int, int]:
    """Clause id → number of pending (top-level) amendments that change it or insert after it."""
    direct = (
        select(AmendmentChange.clause_id.label("clause_id"), Amendment.id.label("amendment_id"))
        .join(Amendment, Amendment.id == AmendmentChange.amendment_id)
        .where(
            Amendment.charter_id == charter.id,
            Amendment.state.in_(PENDING_STATES),
            Amendment.parent_id.is_(None),
            AmendmentChange.kind != "insert",
            AmendmentChange.clause_id.is_not(None),
        )
    )
    inserts = (
        select(
            AmendmentChange.after_clause_id.label("clause_id"), Amendment.id.label("amendment_id")
        )
        .join(Amendment, Amendment.id == AmendmentChange.amendment_id)
        .where(
            Amendment.charter_id == charter.id,
            Amendment.state.in_(PENDING_STATES),
            Amendment.parent_id.is_(None),
            AmendmentChange.kind == "insert",
            AmendmentChange.after_clause_id.is_not(None),
        )
    )
    both = union(direct, inserts).subquery()
    rows = session.execute(
        select(both.c.clause_id, func.count(func.distinct(both.c.amendment_id))).group_by(
            both.c.clause_id
        )
    ).all()
    return {clause_id: count for clause_id, count in rows}


def amendments_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Amendment]:
    return rows_by_id(session, Amendment, ids)


def amendment_by_number(session: Session, charter: Charter, number: int) -> Amendment:
    amendment = (
        session.execute(
            select(Amendment)
            .where(Amendment.charter_id == charter.id, Amendment.number == number)
            .options(selectinload(Amendment.changes), selectinload(Amendment.backers))
        ).scalar_one_or_none()
        if is_id(number)  # numbers are 32-bit columns as ids are
        else None
    )
    if amendment is None:
        raise NotFound(f"There is no amendment #{number} to this charter.")
    return amendment


def amendment_list_query(
    charter: Charter, *, state: str | None, clause_id: int | None, author_id: int | None
) -> Select[Any]:
    stmt = (
        select(Amendment)
        .where(Amendment.charter_id == charter.id)
        .order_by(Amendment.number.desc())
    )
    if state in STATES:
        stmt = stmt.where(Amendment.state == state)
    elif state == "pending":
        stmt = stmt.where(Amendment.state.in_(PENDING_STATES))
    if author_id is not None:
        stmt = stmt.where(Amendment.author_id == author_id)
    if clause_id is not None:
        touching = select(AmendmentChange.amendment_id).where(
            or_(
                and_(AmendmentChange.clause_id == clause_id, AmendmentChange.kind != "insert"),
                AmendmentChange.after_clause_id == clause_id,
            )
        )
        stmt = stmt.where(Amendment.id.in_(touching))
    return stmt


def changes_of(session: Session, amendment_ids: Iterable[int]) -> dict[int, list[AmendmentChange]]:
    wanted = set(amendment_ids)
    out: dict[int, list[AmendmentChange]] = {i: [] for i in wanted}
    if not wanted:
        return out
    rows = session.execute(
        select(AmendmentChange)
        .where(AmendmentChange.amendment_id.in_(wanted))
        .order_by(AmendmentChange.amendment_id, AmendmentChange.position)
    ).scalars()
    for change in rows:
        out[change.amendment_id].append(change)
    return out


def amendment_authors(session: Session, charter: Charter) -> list[User]:
    return list(
        session.execute(
            select(User)
            .where(
                User.id.in_(select(Amendment.author_id).where(Amendment.charter_id == charter.id))
            )
            .order_by(User.name)
        ).scalars()
    )


def sub_amendments(session: Session, parent: Amendment) -> Sequence[Amendment]:
    return (
        session.execute(
            select(Amendment).where(Amendment.parent_id == parent.id).order_by(Amendment.number)
        )
        .scalars()
        .all()
    )


# How many of a clause's pending amendments its page and the proposal form list; the rest are
# counted and reached through the amendment list filtered by the clause.
PENDING_LISTED = 20


@dataclass(frozen=True)
class PendingOnClause:
    """The first pending amendments that change a clause (by number), and how many there are."""

    amendments: Sequence[Amendment]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.amendments)


def pending_amendments_on_clause(
    session: Session, charter: Charter, clause_id: int, *, limit: int = PENDING_LISTED
) -> PendingOnClause:
    """Two queries whatever the number: a clause may gather hundreds of proposals."""
    pending = (
        amendment_list_query(charter, state="pending", clause_id=clause_id, author_id=None)
        .where(Amendment.parent_id.is_(None))
        .order_by(None)
    )
    total = session.execute(select(func.count()).select_from(pending.subquery())).scalar_one()
    first = session.execute(pending.order_by(Amendment.number).limit(limit)).scalars().all()
    return PendingOnClause(first, total)


def top_level_amendments(
    session: Session,
    charter: Charter,
    states: Iterable[str],
    *criteria: ColumnElement[bool],
    load_changes: bool = False,
) -> Sequence[Amendment]:
    """The top-level amendments of ``charter`` (sub-amendments left out) in ``states`` that meet
    every one of ``criteria``, by number. With ``load_changes`` their changes are loaded too (one
    more query)."""
    stmt = (
        select(Amendment)
        .where(
            Amendment.charter_id == charter.id,
            Amendment.state.in_(sorted(states)),
            Amendment.parent_id.is_(None),
            *criteria,
        )
        .order_by(Amendment.number)
    )
    if load_changes:
        stmt = stmt.options(selectinload(Amendment.changes))
    return session.execute(stmt).scalars().all()


def backer_of(amendment: Amendment, user: User | None) -> AmendmentBacker | None:
    if user is None:
        return None
    for backer in amendment.backers:
        if backer.user_id == user.id:
            return backer
    return None


def state_counts(session: Session, charter: Charter) -> dict[str, int]:
    rows = session.execute(
        select(Amendment.state, func.count(Amendment.id))
        .where(Amendment.charter_id == charter.id)
        .group_by(Amendment.state)
    ).all()
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: count for state, count in rows})
    return counts


def amendments_in_states(
    session: Session, charter: Charter, states: Iterable[str], *, limit: int = 20
) -> Sequence[Amendment]:
    return (
        session.execute(
            select(Amendment)
            .where(Amendment.charter_id == charter.id, Amendment.state.in_(list(states)))
            .order_by(Amendment.updated_at.desc(), Amendment.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def change_texts(
    kind: str, base: str | None, proposed: str | None
) -> tuple[str | None, str | None]:
    """The old and new text of a change: ``old`` is the text it was written against (``base``;
    None for an insert), ``new`` the text it proposes (None for a delete; a move keeps the old
    text unless it proposes another). Pages, ballots and the API show a change as the diff of
    these two, so what they show is the edit its author made — after a rebase too, since a
    rebase moves the base along with the proposed text."""
    if kind == "insert":
        return None, proposed
    if kind == "delete":
        return base, None
    if kind == "move":
        return base, proposed if proposed is not None else base
    return base, proposed


def written_against(session: Session, changes: Sequence[AmendmentChange]) -> dict[int, str]:
    """Change id → the text each change was written against: the clause version it is based on,
    or for a sub-amendment the proposed text it amends (one query)."""
    versions: dict[int, ClauseVersion] = versions_by_id(
        session, (c.base_version_id for c in changes)
    )
    out = {}
    for change in changes:
        if change.target_change_id is not None:
            base = change.base_text
        else:
            version = versions.get(change.base_version_id or -1)
            base = version.text if version is not None else None
        if base is not None:
            out[change.id] = base
    return out


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


def applies_through(session: Session, amendment: Amendment) -> int | None:
    """The newest revision number whose text ``amendment`` applies to exactly as written: its base,
    or a later revision that left every clause it touches alone (a merge elsewhere does not rebase
    it). ``None`` for an amendment with no base. Two queries."""
    base = session.get(Revision, amendment.base_revision_id) if amendment.base_revision_id else None
    if base is None:
        return None
    touched = {c.clause_id for c in amendment.changes if c.clause_id is not None}
    touched |= {c.after_clause_id for c in amendment.changes if c.after_clause_id is not None}
    later = session.execute(
        select(Revision.id, Revision.number)
        .where(Revision.charter_id == base.charter_id, Revision.number > base.number)
        .order_by(Revision.number)
    ).all()
    shown: dict[int, dict[int, int]] = {revision_id: {} for revision_id, _ in later}
    if later and touched:
        for revision_id, clause_id, version_id in session.execute(
            select(
                RevisionClause.revision_id,
                RevisionClause.clause_id,
                RevisionClause.clause_version_id,
            ).where(
                RevisionClause.revision_id.in_(list(shown)),
                RevisionClause.clause_id.in_(touched),
            )
        ):
            shown[revision_id][clause_id] = version_id
    through = base.number
    for revision_id, number in later:
        if not applies_unchanged(amendment, shown[revision_id]):
            break
        through = number
    return through
