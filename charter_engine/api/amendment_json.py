"""How an amendment looks in the API: the full representation with each change's diff against the
current text, the summary the lists show, and the models that declare them.

The endpoint modules (:mod:`.amendments`, :mod:`.amendment_workflow`) answer with these.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.queries import amendment_conflicts, fingerprint, get_amendment
from charter_engine.amendments.transitions import actions_for
from charter_engine.amendments.workflow import STATES
from charter_engine.api.charters import DiffPiece, UserRef, pieces_json, user_json
from charter_engine.api.core import actor
from charter_engine.api.spec import Answer
from charter_engine.charters.models import Charter, Revision, RevisionClause
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.context import db
from charter_engine.text import diff_words

# The states of the workflow table, in its order. mypy cannot read a Literal made from a tuple
# (pydantic can), so it takes State for Any.
State = Literal[STATES]  # type: ignore[valid-type]
ChangeKind = Literal["replace", "insert", "delete", "move"]


class Backer(Answer):
    user: UserRef | None
    kind: Literal["cosponsor", "supporter"]


class AmendmentSummary(Answer):
    id: int
    number: int
    title: str
    state: State
    author: UserRef | None
    base_revision: int | None
    editorial: bool
    parent_id: int | None
    version: int
    created_at: str
    updated_at: str
    clause_ids: list[int]
    change_count: int


class Change(Answer):
    id: int
    position: int
    kind: ChangeKind
    target_change_id: int | None = Field(description="Sub-amendments: the parent's change amended")
    clause_id: int | None
    clause_number: str | None
    after_clause_id: int | None
    after_clause_number: str | None
    base_version_id: int | None
    text: str | None
    current_text: str | None
    diff: list[DiffPiece] | None = Field(
        description="Against the current text of the clause (for a sub-amendment, against the "
        "proposal it amends); null when the clause is no longer in the text"
    )


class AmendmentDetail(Answer):
    id: int
    number: int
    charter: str
    title: str
    rationale: str
    state: State
    author: UserRef | None
    base_revision: int | None
    head_revision: int
    merged_revision: int | None
    editorial: bool
    parent_id: int | None
    version: int = Field(description="Send it back when editing")
    fingerprint: str = Field(description="SHA-256 of what it proposes")
    created_at: str
    updated_at: str
    submitted_at: str | None
    changes: list[Change]
    backers: list[Backer]
    conflicts: list[dict[str, Any]] = Field(
        description="While needs_rebase: what collides with the current text"
    )
    actions: list[str] = Field(description="Workflow actions the caller may take now")


def amendment_or_404(amendment_id: int) -> Amendment:
    return get_amendment(db(), amendment_id)


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db().execute(select(User).where(User.id.in_(ids))).scalars()}


def _revision_number(revision_id: int | None) -> int | None:
    if revision_id is None:
        return None
    revision = db().get(Revision, revision_id)
    return revision.number if revision is not None else None


def _change_json(change: AmendmentChange, head: dict[int, RevisionClause]) -> dict[str, Any]:
    """A change with its diff against the current text of the clause it touches."""
    current = head.get(change.clause_id) if change.clause_id is not None else None
    current_text = current.version.text if current is not None else None
    diff: list[tuple[int, str]] | None
    if change.target_change_id is not None:  # a sub-amendment: against the amended proposal
        diff = diff_words(change.base_text or "", change.new_text or "")
    elif change.kind == "insert":
        diff = [(1, change.new_text or "")]
    elif current_text is None:
        diff = None  # the clause is no longer in the text
    elif change.kind == "delete":
        diff = [(-1, current_text)]
    elif change.new_text is not None:
        diff = diff_words(current_text, change.new_text)
    else:  # a move that keeps the text
        diff = [(0, current_text)]
    after = head.get(change.after_clause_id) if change.after_clause_id is not None else None
    return {
        "id": change.id,
        "position": change.position + 1,
        "kind": change.kind,
        "target_change_id": change.target_change_id,
        "clause_id": change.clause_id,
        "clause_number": current.number if current is not None else None,
        "after_clause_id": change.after_clause_id,
        "after_clause_number": after.number if after is not None else None,
        "base_version_id": change.base_version_id,
        "text": change.new_text,
        "current_text": current_text,
        "diff": pieces_json(diff),
    }


def _head_rows(charter: Charter) -> dict[int, RevisionClause]:
    session = db()
    head = get_revision(session, charter)
    return {rc.clause_id: rc for rc in revision_clauses(session, head)}


def amendment_json(amendment: Amendment, *, viewer: User | None) -> dict[str, Any]:
    session = db()
    charter = session.get(Charter, amendment.charter_id)
    assert charter is not None
    head = _head_rows(charter)
    users = users_by_id({amendment.author_id} | {b.user_id for b in amendment.backers})
    return {
        "id": amendment.id,
        "number": amendment.number,
        "charter": charter.slug,
        "title": amendment.title,
        "rationale": amendment.rationale,
        "state": amendment.state,
        "author": user_json(users.get(amendment.author_id)),
        "base_revision": _revision_number(amendment.base_revision_id),
        "head_revision": charter.head_revision_number,
        "merged_revision": _revision_number(amendment.merged_revision_id),
        "editorial": amendment.editorial,
        "parent_id": amendment.parent_id,
        "version": amendment.version,
        "fingerprint": fingerprint(amendment),
        "created_at": amendment.created_at.isoformat(),
        "updated_at": amendment.updated_at.isoformat(),
        "submitted_at": amendment.submitted_at.isoformat() if amendment.submitted_at else None,
        "changes": [_change_json(c, head) for c in amendment.changes],
        "backers": [
            {"user": user_json(users.get(b.user_id)), "kind": b.kind}
            for b in sorted(amendment.backers, key=lambda b: (b.created_at, b.id))
        ],
        "conflicts": amendment_conflicts(amendment) if amendment.state == "needs_rebase" else [],
        "actions": actions_for(viewer, amendment),
    }


def fresh_amendment_json(amendment_id: int) -> dict[str, Any]:
    """The amendment as committed, read again (versions and rows may have moved on flush)."""
    session = db()
    session.expire_all()
    return amendment_json(get_amendment(session, amendment_id), viewer=actor())


def summary_json(
    amendment: Amendment, users: dict[int, User], revisions: dict[int, int]
) -> dict[str, Any]:
    return {
        "id": amendment.id,
        "number": amendment.number,
        "title": amendment.title,
        "state": amendment.state,
        "author": user_json(users.get(amendment.author_id)),
        "base_revision": revisions.get(amendment.base_revision_id),
        "editorial": amendment.editorial,
        "parent_id": amendment.parent_id,
        "version": amendment.version,
        "created_at": amendment.created_at.isoformat(),
        "updated_at": amendment.updated_at.isoformat(),
        "clause_ids": sorted({c.clause_id for c in amendment.changes if c.clause_id is not None}),
        "change_count": len(amendment.changes),
    }
