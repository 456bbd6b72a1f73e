"""Amendment operations: propose, edit, move through the workflow, merge, and rebase the others.

A merge never silently changes what another amendment says: each pending amendment that touches a
clause the merge changed is re-applied with a three-way merge; if its edits still apply cleanly its
text is updated (its diff against the new text is exactly the edit its author made), otherwise it
goes to ``needs_rebase`` with the conflicting passages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.amendments.changes import ChangeError, ChangeSpec, apply_changes, derive_changes
from charter_engine.amendments.models import Amendment, AmendmentBacker, AmendmentChange
from charter_engine.amendments.workflow import (
    EDITABLE_STATES,
    PENDING_STATES,
    next_state,
    permission_for,
)
from charter_engine.audit.operations import record_event
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.charters.operations import (
    Entry,
    create_revision,
    parser_format,
    validate_document_text,
)
from charter_engine.charters.queries import (
    get_charter_for_update,
    get_revision,
    revision_clauses,
)
from charter_engine.db import utcnow
from charter_engine.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    StaleVersion,
    ValidationError,
)
from charter_engine.text import MergeResult, merge3, split_document

if TYPE_CHECKING:
    from charter_engine.accounts.models import User

MAX_TITLE = 300
MAX_CHANGES = 500
# Amendments whose text the engine keeps in step with the charter.
REBASE_STATES = frozenset({"draft", "submitted", "discussion"})


# ---------------------------------------------------------------------------------------------
# reading


def get_amendment(session: Session, amendment_id: int, *, for_update: bool = False) -> Amendment:
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


# ---------------------------------------------------------------------------------------------
# proposing and editing


def _validate_meta(title: object, rationale: object) -> tuple[str, str]:
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("An amendment needs a title.", field="title")
    if len(title.strip()) > MAX_TITLE:
        raise ValidationError(f"The title is longer than {MAX_TITLE} characters.", field="title")
    if rationale is None:
        rationale = ""
    if not isinstance(rationale, str):
        raise ValidationError("The rationale must be text.", field="rationale")
    return title.strip(), rationale.strip()


def _int_or_none(value: object, name: str, index: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"Change {index + 1}: {name} must be a clause id (a number).")
    return value


def parse_change_specs(raw: object) -> list[ChangeSpec]:
    """Validate the shape of changes given by a person or a script (the API, the forms)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError("Give at least one change.", field="changes")
    if len(raw) > MAX_CHANGES:
        raise ValidationError(f"At most {MAX_CHANGES} changes per amendment.", field="changes")
    specs = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValidationError(f"Change {index + 1} must be an object.", field="changes")
        kind = item.get("kind")
        if kind not in ("replace", "insert", "delete", "move"):
            raise ValidationError(
                f"Change {index + 1}: kind must be replace, insert, delete or move.",
                field="changes",
            )
        clause = _int_or_none(item.get("clause_id"), "clause_id", index)
        after = _int_or_none(item.get("after_clause_id"), "after_clause_id", index)
        text = item.get("text")
        if kind in ("replace", "insert") or (kind == "move" and text is not None):
            if not isinstance(text, str) or not text.strip():
                raise ValidationError(f"Change {index + 1}: give the new text.", field="changes")
            if "\x00" in text:
                raise ValidationError(f"Change {index + 1}: the text is not text.", field="changes")
        else:
            text = None
        if kind != "insert" and clause is None:
            raise ValidationError(
                f"Change {index + 1}: name the clause (clause_id).", field="changes"
            )
        specs.append(ChangeSpec(kind, clause=clause, after=after, text=text))
    return specs


def _base_clauses(session: Session, revision: Revision) -> list[RevisionClause]:
    return list(revision_clauses(session, revision))


def _build_changes(
    specs: Sequence[ChangeSpec], base: Sequence[RevisionClause]
) -> list[AmendmentChange]:
    pairs: list[tuple[Hashable, str]] = [(rc.clause_id, rc.version.text) for rc in base]
    try:
        apply_changes(pairs, specs)
    except ChangeError as exc:
        raise ValidationError(str(exc).capitalize() + ".", field="changes") from exc
    versions = {rc.clause_id: rc.version for rc in base}
    rows = []
    for position, spec in enumerate(specs):
        clause_id = spec.clause if isinstance(spec.clause, int) else None
        after_id = spec.after if isinstance(spec.after, int) else None
        if (
            spec.kind == "replace"
            and clause_id is not None
            and versions[clause_id].text == spec.text
        ):
            raise ValidationError(
                f"Change {position + 1}: the new text is the same as the current text.",
                field="changes",
            )
        rows.append(
            AmendmentChange(
                position=position,
                kind=spec.kind,
                clause_id=clause_id,
                base_version_id=versions[clause_id].id if clause_id is not None else None,
                after_clause_id=after_id,
                new_text=spec.text,
            )
        )
    return rows


def _specs_from_input(
    base: Sequence[RevisionClause], *, changes: object, text: object, fmt: str
) -> list[ChangeSpec]:
    if (changes is None) == (text is None):
        raise ValidationError("Give either the whole edited text or a list of changes.")
    if text is not None:
        document = validate_document_text(text)
        pairs: list[tuple[Hashable, str]] = [(rc.clause_id, rc.version.text) for rc in base]
        if document == "".join(t for _k, t in pairs):
            raise ValidationError("The text is unchanged: there is nothing to amend.", field="text")
        return derive_changes(pairs, document, fmt)
    return parse_change_specs(changes)


def propose_amendment(
    session: Session,
    charter: Charter,
    *,
    actor: User,
    title: object,
    rationale: object = "",
    base_revision: object = None,
    changes: object = None,
    text: object = None,
    submit: bool = False,
) -> Amendment:
    """Propose an amendment against ``base_revision`` (the head when None).

    When the charter has moved on since the base revision, the proposal is carried onto the head
    with a three-way merge, or refused with the conflicting passages.
    """
    ensure_can(actor, "amendment:propose", charter)
    title_s, rationale_s = _validate_meta(title, rationale)
    if base_revision is not None and (
        isinstance(base_revision, bool) or not isinstance(base_revision, int)
    ):
        raise ValidationError("base_revision must be a revision number.", field="base_revision")
    charter = get_charter_for_update(session, charter.id)
    base = get_revision(session, charter, base_revision)
    base_rows = _base_clauses(session, base)
    specs = _specs_from_input(
        base_rows, changes=changes, text=text, fmt=parser_format(charter.source_format)
    )
    rows = _build_changes(specs, base_rows)
    amendment = Amendment(
        charter_id=charter.id,
        number=charter.next_amendment_number,
        title=title_s,
        rationale=rationale_s,
        author_id=actor.id,
        state="draft",
        base_revision_id=base.id,
        changes=rows,
    )
    charter.next_amendment_number += 1
    session.add(amendment)
    session.flush()
    if base.number != charter.head_revision_number:
        head = get_revision(session, charter)
        conflicts = _rebase_one(session, amendment, head, _head_versions(session, head))
        if conflicts:
            raise Conflict(
                f"The charter changed since revision {base.number}; your changes overlap "
                f"changes made since. Revision {head.number} is current.",
                details={"conflicts": conflicts, "head_revision": head.number},
            )
    record_event(
        session,
        "amendment.proposed",
        actor_id=actor.id,
        object_type="amendment",
        object_id=amendment.id,
        payload={
            "charter": charter.slug,
            "number": amendment.number,
            "title": title_s,
            "base_revision": base.number,
            "fingerprint": fingerprint(amendment),
        },
    )
    if submit:
        transition_amendment(session, amendment, "submit", actor=actor)
    return amendment


def update_amendment(
    session: Session,
    amendment: Amendment,
    *,
    actor: User,
    expected_version: int | None,
    title: object = None,
    rationale: object = None,
    changes: object = None,
    text: object = None,
) -> Amendment:
    """The author edits title, rationale or changes (against the current head)."""
    ensure_can(actor, "amendment:edit", amendment)
    amendment = get_amendment(session, amendment.id, for_update=True)
    if expected_version is not None and expected_version != amendment.version:
        raise StaleVersion(
            "This amendment was changed by someone else since you opened it.",
            details={"version": amendment.version},
        )
    if amendment.state not in EDITABLE_STATES or amendment.state == "needs_rebase":
        raise InvalidTransition(
            f"An amendment in state {amendment.state!r} cannot be edited"
            + (" (resolve the conflict instead)." if amendment.state == "needs_rebase" else ".")
        )
    title_s, rationale_s = _validate_meta(
        amendment.title if title is None else title,
        amendment.rationale if rationale is None else rationale,
    )
    amendment.title, amendment.rationale = title_s, rationale_s
    if changes is not None or text is not None:
        _replace_changes(session, amendment, changes=changes, text=text)
    amendment.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        "amendment.edited",
        actor_id=actor.id,
        object_type="amendment",
        object_id=amendment.id,
        payload={"version": amendment.version, "fingerprint": fingerprint(amendment)},
    )
    return amendment


def _replace_changes(
    session: Session, amendment: Amendment, *, changes: object, text: object
) -> None:
    charter = get_charter_for_update(session, amendment.charter_id)
    head = get_revision(session, charter)
    base_rows = _base_clauses(session, head)
    specs = _specs_from_input(
        base_rows, changes=changes, text=text, fmt=parser_format(charter.source_format)
    )
    rows = _build_changes(specs, base_rows)
    amendment.changes.clear()
    session.flush()
    amendment.changes.extend(rows)
    amendment.base_revision_id = head.id


def resolve_amendment(
    session: Session,
    amendment: Amendment,
    *,
    actor: User,
    expected_version: int | None = None,
    changes: object = None,
    text: object = None,
) -> Amendment:
    """The author settles a conflict by restating the amendment against the current text."""
    ensure_can(actor, "amendment:resolve", amendment)
    amendment = get_amendment(session, amendment.id, for_update=True)
    if expected_version is not None and expected_version != amendment.version:
        raise StaleVersion(
            "This amendment was changed meanwhile.", details={"version": amendment.version}
        )
    target = next_state(amendment.state, "resolve", previous=amendment.state_before_rebase)
    if target is None:
        raise InvalidTransition("Only an amendment that needs a rebase can be resolved.")
    _replace_changes(session, amendment, changes=changes, text=text)
    _set_state(session, amendment, target, action="resolve", actor=actor)
    amendment.conflicts = None
    amendment.state_before_rebase = None
    session.flush()
    return amendment


# ---------------------------------------------------------------------------------------------
# workflow


def _set_state(
    session: Session,
    amendment: Amendment,
    target: str,
    *,
    action: str,
    actor: User | None,
    extra: dict[str, Any] | None = None,
) -> None:
    before = amendment.state
    amendment.state = target
    amendment.updated_at = utcnow()
    if target == "submitted" and amendment.submitted_at is None:
        amendment.submitted_at = utcnow()
    record_event(
        session,
        f"amendment.{action}",
        actor_id=actor.id if actor else None,
        object_type="amendment",
        object_id=amendment.id,
        payload={"from": before, "to": target, **(extra or {})},
    )


def transition_amendment(
    session: Session,
    amendment: Amendment,
    action: str,
    *,
    actor: User | None,
    system: bool = False,
) -> Amendment:
    """Move an amendment through the workflow (not merges: see :func:`merge_amendment`).

    ``system=True`` is for moves made by the engine itself as part of another operation (a ballot
    opening or closing), which the caller has already authorised.
    """
    if action in ("merge", "merge_editorial"):
        raise InvalidTransition("Use the merge operation to merge an amendment.")
    if action == "resolve":
        raise InvalidTransition("Resolve a conflict by giving the resolved text.")
    target = next_state(amendment.state, action)
    if target is None:
        raise InvalidTransition(
            f"You cannot {action.replace('_', ' ')} an amendment that is "
            f"{amendment.state.replace('_', ' ')}."
        )
    if not system:
        ensure_can(actor, permission_for(action), amendment)
    if action == "submit" and not amendment.changes:
        raise ValidationError("An amendment without changes cannot be submitted.")
    _set_state(session, amendment, target, action=action, actor=actor)
    session.flush()
    return amendment


def actions_for(user: User | None, amendment: Amendment) -> list[str]:
    """The workflow actions ``user`` may take now — what the UI shows as buttons."""
    from charter_engine.amendments.workflow import USER_ACTIONS, available_actions

    out = []
    for action in available_actions(amendment.state):
        if action in USER_ACTIONS and can(user, permission_for(action), amendment):
            out.append(action)
    if amendment.state in ("submitted", "discussion") and can(
        user, "amendment:merge_editorial", amendment
    ):
        out.append("merge_editorial")
    if amendment.state == "needs_rebase" and can(user, "amendment:resolve", amendment):
        out.append("resolve")
    return out


def add_backer(
    session: Session, amendment: Amendment, *, actor: User, kind: str
) -> AmendmentBacker:
    if kind not in ("cosponsor", "supporter"):
        raise ValidationError("Back an amendment as a cosponsor or a supporter.", field="kind")
    ensure_can(actor, "amendment:back", amendment)
    if amendment.state not in PENDING_STATES:
        raise InvalidTransition("This amendment is no longer open for support.")
    existing = session.execute(
        select(AmendmentBacker).where(
            AmendmentBacker.amendment_id == amendment.id, AmendmentBacker.user_id == actor.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.kind = kind
        backer = existing
    else:
        backer = AmendmentBacker(amendment_id=amendment.id, user_id=actor.id, kind=kind)
        session.add(backer)
    session.flush()
    record_event(
        session,
        "amendment.backed",
        actor_id=actor.id,
        object_type="amendment",
        object_id=amendment.id,
        payload={"kind": kind},
    )
    return backer


def remove_backer(session: Session, amendment: Amendment, *, actor: User) -> None:
    backer = session.execute(
        select(AmendmentBacker).where(
            AmendmentBacker.amendment_id == amendment.id, AmendmentBacker.user_id == actor.id
        )
    ).scalar_one_or_none()
    if backer is None:
        raise NotFound("You are not backing this amendment.")
    session.delete(backer)
    session.flush()
    record_event(
        session,
        "amendment.unbacked",
        actor_id=actor.id,
        object_type="amendment",
        object_id=amendment.id,
        payload={},
    )


# ---------------------------------------------------------------------------------------------
# merging and rebasing


def _head_versions(session: Session, head: Revision) -> dict[int, ClauseVersion]:
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
    versions = _head_versions(session, head)
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
    amendment.merged_revision_id = revision.id
    _set_state(
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

    Returns the ids of the amendments rebased cleanly and of those flagged ``needs_rebase``.
    """
    versions = _head_versions(session, revision)
    candidates = (
        session.execute(
            select(Amendment)
            .where(
                Amendment.charter_id == charter.id,
                Amendment.state.in_(REBASE_STATES),
                Amendment.parent_id.is_(None),
                Amendment.base_revision_id != revision.id,
            )
            .options(selectinload(Amendment.changes))
            .order_by(Amendment.id)
        )
        .scalars()
        .all()
    )
    outcome: dict[str, list[int]] = {"rebased": [], "conflicted": []}
    base_ids = {
        c.base_version_id for a in candidates for c in a.changes if c.base_version_id is not None
    }
    texts = _version_texts(session, base_ids)
    for amendment in candidates:
        if amendment.id == exclude:
            continue
        conflicts = _rebase_one(session, amendment, revision, versions, texts=texts)
        if conflicts:
            amendment.state_before_rebase = amendment.state
            amendment.conflicts = json.dumps(conflicts, ensure_ascii=False)
            _set_state(
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
        record_event(
            session,
            "charter.amendments_rebased",
            actor_id=actor.id if actor else None,
            object_type="charter",
            object_id=charter.id,
            payload={"revision": revision.number, "amendments": outcome["rebased"]},
        )
    return outcome


def _version_texts(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(ClauseVersion.id, ClauseVersion.text).where(ClauseVersion.id.in_(ids))
    ).all()
    return {row.id: row.text for row in rows}


def _rebase_one(
    session: Session,
    amendment: Amendment,
    head: Revision,
    versions: dict[int, ClauseVersion],
    *,
    texts: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Rebase one amendment's changes onto ``head``; returns the conflicts (then none changed)."""
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
                        "The clause was changed meanwhile where this amendment changes it.",
                        result,
                        current=current.text,
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
    change: AmendmentChange, reason: str, result: MergeResult, *, current: str
) -> dict[str, Any]:
    """A conflict report with the base / proposed / current passages the merge could not join."""
    passages = [{"base": c.base, "ours": c.ours, "theirs": c.theirs} for c in result.conflicts]
    return _conflict(change, reason, passages=passages, current=current)


def amendment_conflicts(amendment: Amendment) -> list[dict[str, Any]]:
    return json.loads(amendment.conflicts) if amendment.conflicts else []


def charter_of(session: Session, amendment: Amendment) -> Charter:
    charter = session.get(Charter, amendment.charter_id)
    assert charter is not None
    return charter


# ---------------------------------------------------------------------------------------------
# sub-amendments


def propose_sub_amendment(
    session: Session,
    parent: Amendment,
    *,
    actor: User,
    title: object,
    rationale: object = "",
    changes: object = None,
    submit: bool = False,
) -> Amendment:
    """Propose changes to a pending amendment's proposed text.

    ``changes`` is a list of ``{"change_id": <id of a replace or insert change of the parent>,
    "text": <the new proposed text>}``.
    """
    ensure_can(actor, "amendment:propose", parent)
    title_s, rationale_s = _validate_meta(title, rationale)
    parent = get_amendment(session, parent.id, for_update=True)
    if parent.parent_id is not None:
        raise ValidationError("A sub-amendment cannot itself be amended.")
    if parent.state not in EDITABLE_STATES or parent.state == "needs_rebase":
        raise InvalidTransition(
            f"Amendment #{parent.number} is {parent.state.replace('_', ' ')}; "
            "it can no longer be amended."
        )
    if not isinstance(changes, list) or not changes:
        raise ValidationError("Give at least one change to the amendment's text.", field="changes")
    by_id = {c.id: c for c in parent.changes if c.new_text is not None}
    rows: list[AmendmentChange] = []
    seen: set[int] = set()
    for index, item in enumerate(changes):
        if not isinstance(item, dict):
            raise ValidationError(f"Change {index + 1} must be an object.", field="changes")
        change_id, text = item.get("change_id"), item.get("text")
        if isinstance(change_id, bool) or not isinstance(change_id, int) or change_id not in by_id:
            raise ValidationError(
                f"Change {index + 1}: change_id must name a change of amendment #{parent.number} "
                "that proposes text.",
                field="changes",
            )
        if change_id in seen:
            raise ValidationError(
                f"Change {index + 1}: that change is already amended.", field="changes"
            )
        seen.add(change_id)
        target = by_id[change_id]
        if not isinstance(text, str) or not text.strip() or "\x00" in text:
            raise ValidationError(f"Change {index + 1}: give the new text.", field="changes")
        if text == target.new_text:
            raise ValidationError(
                f"Change {index + 1}: the text is the same as the amendment's.", field="changes"
            )
        rows.append(
            AmendmentChange(
                position=index,
                kind="replace",
                clause_id=target.clause_id,
                target_change_id=target.id,
                base_text=target.new_text,
                new_text=text,
            )
        )
    charter = get_charter_for_update(session, parent.charter_id)
    sub = Amendment(
        charter_id=charter.id,
        number=charter.next_amendment_number,
        title=title_s,
        rationale=rationale_s,
        author_id=actor.id,
        state="draft",
        base_revision_id=parent.base_revision_id,
        parent_id=parent.id,
        changes=rows,
    )
    charter.next_amendment_number += 1
    session.add(sub)
    session.flush()
    record_event(
        session,
        "amendment.proposed",
        actor_id=actor.id,
        object_type="amendment",
        object_id=sub.id,
        payload={
            "parent": parent.id,
            "number": sub.number,
            "title": title_s,
            "fingerprint": fingerprint(sub),
        },
    )
    if submit:
        transition_amendment(session, sub, "submit", actor=actor)
    return sub


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
    _set_state(
        session,
        sub,
        target,
        action="merged",
        actor=actor,
        extra={"into": parent.id, "editorial": editorial},
    )
    session.flush()
    record_event(
        session,
        "amendment.sub_amendment_merged",
        actor_id=actor.id if actor else None,
        object_type="amendment",
        object_id=parent.id,
        payload={"sub_amendment": sub.id, "fingerprint": fingerprint(parent)},
    )
