"""Merging amendments, and rebasing the pending ones onto the text a merge leaves.

A merge never silently changes what another amendment says: each pending amendment that touches a
clause the merge changed is re-applied with a three-way merge; if its edits still apply cleanly its
text is updated (its diff against the new text is exactly the edit its author made), otherwise it
goes to ``needs_rebase`` with the conflicting passages. A sub-amendment merges into the proposed
text of the amendment it amends instead of into the charter.

Every new revision written here carries the comment anchors onto the clause versions it introduces
(:func:`~charter_engine.comments.operations.carry_anchors`), as the editorial change does
(:mod:`.editorial`).
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.changes import ChangeError, ChangeSpec, apply_changes
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.queries import (
    get_amendment,
    top_level_amendments,
    touched_clause_ids,
)
from charter_engine.amendments.transitions import ensure_version, record_text_event, set_state
from charter_engine.amendments.workflow import EDITABLE_STATES, next_state, permission_for
from charter_engine.audit.operations import record
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.charters.operations import Entry, create_revision, parser_format
from charter_engine.charters.queries import get_charter_for_update, get_revision, revision_clauses
from charter_engine.comments.operations import carry_anchors
from charter_engine.db import utcnow
from charter_engine.errors import Conflict, InvalidTransition
from charter_engine.text import MergeResult, Overlap, merge3, overlap_of, split_document

if TYPE_CHECKING:
    from charter_engine.accounts.models import User

# Amendments whose text the engine keeps in step with the charter.
REBASE_STATES = frozenset({"draft", "submitted", "discussion"})


def head_versions(session: Session, head: Revision) -> dict[int, ClauseVersion]:
    return {rc.clause_id: rc.version for rc in revision_clauses(session, head)}


def ensure_no_open_vote(
    session: Session, charter_id: int, clause_ids: set[int], *, besides: int | None = None
) -> None:
    """Refuse a text change to clauses that an amendment under an open ballot also changes:
    a ballot is tied to the exact text voted on."""
    if not clause_ids:
        return
    voting = (
        session.execute(
            select(Amendment)
            .where(Amendment.charter_id == charter_id, Amendment.state == "voting")
            .options(selectinload(Amendment.changes))
        )
        .scalars()
        .all()
    )
    blocking = [a for a in voting if a.id != besides and touched_clause_ids(a) & clause_ids]
    if blocking:
        numbers = ", ".join(f"#{a.number}" for a in blocking)
        raise Conflict(
            f"Amendment {numbers} on the same clauses is being voted on; "
            "the text cannot change until that ballot closes."
        )


def merge_amendment(
    session: Session,
    amendment: Amendment,
    *,
    actor: User | None,
    editorial: bool = False,
    system: bool = False,
    expected_version: int | None = None,
) -> Revision | None:
    """Apply an adopted amendment (or, editorially, a submitted one) as a new revision, then
    rebase every other pending amendment on the clauses it changed.

    A sub-amendment merges into the proposed text of its parent amendment instead: no revision
    is made and ``None`` is returned.
    """
    action = "merge_editorial" if editorial else "merge"
    if not system:
        ensure_can(actor, permission_for(action), amendment)
    charter = get_charter_for_update(session, amendment.charter_id)
    amendment = get_amendment(session, amendment.id, for_update=True)
    ensure_version(amendment, expected_version)
    target = next_state(amendment.state, action)
    if target is None:
        wanted = "submitted or under discussion" if editorial else "adopted"
        raise InvalidTransition(
            f"Only an amendment that is {wanted} can be merged; this one is "
            f"{amendment.state.replace('_', ' ')}."
        )
    if amendment.parent_id is not None:
        _merge_into_parent(session, amendment, target=target, actor=actor, editorial=editorial)
        return None
    head = get_revision(session, charter)
    versions = head_versions(session, head)
    ensure_no_open_vote(session, charter.id, touched_clause_ids(amendment), besides=amendment.id)
    stale = [
        c
        for c in amendment.changes
        if c.base_version_id is not None
        and (c.clause_id not in versions or versions[c.clause_id].id != c.base_version_id)
    ]
    if stale:
        raise Conflict(
            "This amendment was written against text that has changed since; it must be rebased "
            "before it can be merged."
        )
    order = [rc for rc in revision_clauses(session, head)]
    pairs: list[tuple[Hashable, str]] = [(rc.clause_id, rc.version.text) for rc in order]
    specs = [
        ChangeSpec(c.kind, clause=c.clause_id, after=c.after_clause_id, text=c.new_text)
        for c in amendment.changes
    ]
    try:
        placed = apply_changes(pairs, specs)
    except ChangeError as exc:
        raise Conflict(f"The amendment no longer applies: {exc}.") from exc
    entries: list[Entry] = []
    fmt = parser_format(charter.source_format)
    for item in placed:
        clause_id = item.key if isinstance(item.key, int) else None
        if clause_id is not None and item.text == versions[clause_id].text:
            # Untouched, or moved with its text as it was: the same version, in its new place.
            entries.append(Entry(clause_id, version_id=versions[clause_id].id))
            continue
        # New text: split it into blocks so that headings and paragraphs stay separate clauses.
        blocks = [b.text for b in split_document(item.text, fmt)] or [item.text]
        first, rest = blocks[0], blocks[1:]
        if clause_id is not None:
            entries.append(Entry(clause_id, text=first, previous_version_id=versions[clause_id].id))
        else:
            entries.append(Entry(None, text=first))
        entries.extend(Entry(None, text=t) for t in rest)
    revision = create_revision(
        session,
        charter,
        entries,
        cause="amendment",
        actor=actor,
        amendment_id=amendment.id,
        note=f"Amendment #{amendment.number}: {amendment.title}",
        editorial=editorial,
    )
    carry_anchors(session, revision)
    amendment.merged_revision_id = revision.id
    set_state(
        session,
        amendment,
        target,
        action="merged",
        actor=actor,
        extra={"revision": revision.number, "editorial": editorial, "sha256": revision.text_sha256},
    )
    session.flush()
    rebase_pending(session, charter, revision, actor=actor, exclude=amendment.id)
    return revision


def rebase_pending(
    session: Session,
    charter: Charter,
    revision: Revision,
    *,
    actor: User | None,
    exclude: int | None = None,
) -> dict[str, list[int]]:
    """Carry every pending amendment of ``charter`` onto ``revision``.

    Only the amendments out of step with ``revision`` are touched (:func:`out_of_step_with`):
    those whose changes name a clause version the revision no longer shows, or place a clause
    after one it deleted. Every other pending amendment applies to ``revision`` exactly as
    written, so it keeps its rows, its base revision and its version — a merge costs in
    proportion to the amendments on the clauses it changed, not to every pending one.

    Returns the ids of the amendments rebased cleanly and of those flagged ``needs_rebase``.
    """
    versions = head_versions(session, revision)
    candidates = top_level_amendments(
        session,
        charter,
        REBASE_STATES,
        Amendment.base_revision_id != revision.id,
        out_of_step_with(revision.id),
        load_changes=True,
    )
    outcome: dict[str, list[int]] = {"rebased": [], "conflicted": []}
    base_ids = {
        c.base_version_id for a in candidates for c in a.changes if c.base_version_id is not None
    }
    texts = _version_texts(session, base_ids)
    other = _cause_label(session, revision)
    for amendment in candidates:
        if amendment.id == exclude:
            continue
        conflicts = rebase_one(session, amendment, revision, versions, texts=texts, other=other)
        if conflicts:
            amendment.state_before_rebase = amendment.state
            amendment.conflicts = json.dumps(conflicts, ensure_ascii=False)
            set_state(
                session,
                amendment,
                "needs_rebase",
                action="flag_conflict",
                actor=actor,
                extra={"revision": revision.number, "conflicts": len(conflicts)},
            )
            outcome["conflicted"].append(amendment.id)
        else:
            outcome["rebased"].append(amendment.id)
    session.flush()
    if outcome["rebased"]:
        record(
            session,
            "charter.amendments_rebased",
            charter,
            actor=actor,
            payload={"revision": revision.number, "amendments": outcome["rebased"]},
        )
    return outcome


def out_of_step_with(revision_id: int) -> ColumnElement[bool]:
    """A condition on :class:`Amendment`: some change of it was written against a clause version
    that revision ``revision_id`` does not show (the clause changed or was deleted since), or
    places a clause after one that revision does not have.

    An amendment for which it is false applies to that revision exactly as written: its diffs,
    its fingerprint and its merge are the same as if it had been rebased onto it.
    """
    shown = RevisionClause.revision_id == revision_id
    stale_base = and_(
        AmendmentChange.base_version_id.is_not(None),
        ~exists().where(
            shown,
            RevisionClause.clause_id == AmendmentChange.clause_id,
            RevisionClause.clause_version_id == AmendmentChange.base_version_id,
        ),
    )
    lost_anchor = and_(
        AmendmentChange.after_clause_id.is_not(None),
        ~exists().where(shown, RevisionClause.clause_id == AmendmentChange.after_clause_id),
    )
    return exists().where(
        AmendmentChange.amendment_id == Amendment.id, or_(stale_base, lost_anchor)
    )


def _cause_label(session: Session, revision: Revision) -> str:
    """How a conflict message names the change that made ``revision``."""
    if revision.cause == "amendment" and revision.amendment_id is not None:
        merged = session.get(Amendment, revision.amendment_id)
        if merged is not None:
            return f"Amendment #{merged.number}"
    if revision.cause == "editorial":
        return "An editorial change"
    return f"Revision {revision.number}"


def _version_texts(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(ClauseVersion.id, ClauseVersion.text).where(ClauseVersion.id.in_(ids))
    ).all()
    return {row.id: row.text for row in rows}


def rebase_one(
    session: Session,
    amendment: Amendment,
    head: Revision,
    versions: dict[int, ClauseVersion],
    *,
    texts: dict[int, str] | None = None,
    other: str = "A change merged since",
) -> list[dict[str, Any]]:
    """Rebase one amendment's changes onto ``head``; returns the conflicts (then none changed).

    ``other`` names the change the amendment is rebased over, in the conflict messages.
    """
    if texts is None:
        texts = _version_texts(
            session, {c.base_version_id for c in amendment.changes if c.base_version_id}
        )
    updates: list[tuple[AmendmentChange, int | None, str | None]] = []
    conflicts: list[dict[str, Any]] = []
    for change in amendment.changes:
        if change.after_clause_id is not None and change.after_clause_id not in versions:
            conflicts.append(_conflict(change, "The clause it was placed after has been deleted."))
            continue
        if change.base_version_id is None:
            continue
        current = versions.get(change.clause_id or -1)
        if current is None:
            conflicts.append(_conflict(change, "The clause it changes has been deleted."))
            continue
        if current.id == change.base_version_id:
            continue
        base_text = texts.get(change.base_version_id)
        if base_text is None:
            base_text = session.get(ClauseVersion, change.base_version_id).text  # type: ignore[union-attr]
        if change.new_text is not None:  # replace, or a move that also changes the text
            result = merge3(base_text, change.new_text, current.text)
            if result.text is None:
                conflicts.append(
                    _merge_conflict(
                        change,
                        f"{other} changed the clause where this amendment changes it.",
                        result,
                        current=current.text,
                        other=other,
                    )
                )
            else:
                updates.append((change, current.id, result.text))
        elif change.kind == "delete":
            if current.text != base_text:
                conflicts.append(
                    _conflict(
                        change,
                        "The clause to delete was changed meanwhile.",
                        current=current.text,
                    )
                )
            else:
                updates.append((change, current.id, None))
        else:  # move: the text travels as it is
            updates.append((change, current.id, None))
    if conflicts:
        return conflicts
    for change, version_id, new_text in updates:
        change.base_version_id = version_id
        if new_text is not None:
            change.new_text = new_text
    amendment.base_revision_id = head.id
    # Changing the rows of a versioned amendment must bump its version for optimistic checks.
    amendment.updated_at = utcnow()
    return []


def _conflict(
    change: AmendmentChange,
    reason: str,
    *,
    passages: list[dict[str, str]] | None = None,
    current: str | None = None,
) -> dict[str, Any]:
    return {
        "change": change.position + 1,
        "kind": change.kind,
        "clause_id": change.clause_id,
        "reason": reason,
        "proposed": change.new_text,
        "current": current,
        "passages": passages or [],
    }


def _merge_conflict(
    change: AmendmentChange, reason: str, result: MergeResult, *, current: str, other: str
) -> dict[str, Any]:
    """A conflict report with the base / proposed / current passages the merge could not join,
    each with a message naming the sentence both changes touch and what ``other`` did there."""
    passages = [
        {
            "base": c.base,
            "ours": c.ours,
            "theirs": c.theirs,
            "message": conflict_message(other, overlap_of(c)),
        }
        for c in result.conflicts
    ]
    return _conflict(change, reason, passages=passages, current=current)


def _quoted(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return f"“{flat}”"


def conflict_message(other: str, overlap: Overlap) -> str:
    """The message for one conflicting passage, such as: Amendment #6 also changed this
    sentence: “…” It now reads: “…”."""
    if not overlap.base.strip():
        return f"{other} also inserted text at this place: {_quoted(overlap.theirs)}."
    what = "this sentence" if overlap.sentences == 1 else "these sentences"
    if not overlap.theirs.strip():
        return f"{other} deleted {what}: {_quoted(overlap.base)}."
    reads = "It now reads" if overlap.sentences == 1 else "They now read"
    return (
        f"{other} also changed {what}: {_quoted(overlap.base)} {reads}: {_quoted(overlap.theirs)}."
    )


def _merge_into_parent(
    session: Session, sub: Amendment, *, target: str, actor: User | None, editorial: bool
) -> None:
    parent = get_amendment(session, sub.parent_id or 0, for_update=True)
    if parent.state not in EDITABLE_STATES or parent.state == "needs_rebase":
        raise Conflict(
            f"Amendment #{parent.number} is {parent.state.replace('_', ' ')}; "
            "its text cannot change now."
        )
    targets = {c.id: c for c in parent.changes}
    updates: list[tuple[AmendmentChange, str]] = []
    problems: list[dict[str, Any]] = []
    for change in sub.changes:
        aim = targets.get(change.target_change_id or -1)
        if aim is None or aim.new_text is None or change.new_text is None:
            problems.append(_conflict(change, "The amended change no longer exists."))
            continue
        base = change.base_text or ""
        if aim.new_text == base:
            updates.append((aim, change.new_text))
            continue
        result = merge3(base, change.new_text, aim.new_text)
        if result.text is None:
            problems.append(
                _merge_conflict(
                    change,
                    "The amendment's text changed meanwhile where this sub-amendment changes it.",
                    result,
                    current=aim.new_text,
                    other=f"Amendment #{parent.number}",
                )
            )
        else:
            updates.append((aim, result.text))
    if problems:
        raise Conflict(
            "The sub-amendment no longer applies cleanly.", details={"conflicts": problems}
        )
    for aim, text in updates:
        aim.new_text = text
    parent.updated_at = utcnow()
    set_state(
        session,
        sub,
        target,
        action="merged",
        actor=actor,
        extra={"into": parent.id, "editorial": editorial},
    )
    session.flush()
    record_text_event(
        session,
        "amendment.sub_amendment_merged",
        parent,
        actor=actor,
        payload={"sub_amendment": sub.id},
    )
