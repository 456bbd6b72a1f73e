"""Amendment operations: propose an amendment (change by change or as the whole edited document),
edit it, and resolve it against the current text after a merge elsewhere left it in conflict.

A proposal written against an older revision is carried onto the head with the same three-way
merge as a rebase (:mod:`charter_engine.amendments.merging`). Moving through the workflow is in
:mod:`charter_engine.amendments.transitions`, backing in :mod:`charter_engine.amendments.backers`,
sub-amendments in :mod:`charter_engine.amendments.sub_amendments`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.changes import ChangeError, ChangeSpec, apply_changes, derive_changes
from charter_engine.amendments.merging import head_versions, rebase_one
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.queries import get_amendment
from charter_engine.amendments.transitions import (
    ensure_version,
    record_text_event,
    set_state,
    transition_amendment,
)
from charter_engine.amendments.workflow import EDITABLE_STATES, next_state
from charter_engine.charters.models import Charter, Revision, RevisionClause
from charter_engine.charters.operations import parser_format, validate_document_text
from charter_engine.charters.queries import (
    get_charter_for_update,
    get_revision,
    revision_clauses,
)
from charter_engine.db import utcnow
from charter_engine.errors import (
    Conflict,
    InvalidTransition,
    ValidationError,
)
from charter_engine.limits import CLAUSE_TEXT, RATIONALE, TITLE, check_length, required_text

if TYPE_CHECKING:
    from charter_engine.accounts.models import User

MAX_CHANGES = 500
# One change as a caller gives it: {"kind", "clause_id"?, "after_clause_id"?, "text"?}. Its shape is
# checked here too (:func:`parse_change_specs`), whoever the caller.
ChangeInput = Mapping[str, Any]


def validate_meta(title: object, rationale: object) -> tuple[str, str]:
    title = required_text(
        title, TITLE, field="title", what="the title", missing="An amendment needs a title."
    )
    if rationale is None:
        rationale = ""
    if not isinstance(rationale, str):
        raise ValidationError("The rationale must be text.", field="rationale")
    check_length(rationale, RATIONALE, field="rationale", what="the rationale")
    return title, rationale.strip()


def check_proposed_text(text: str, index: int) -> None:
    """One change's proposed text: not empty, text, and not longer than a clause may be."""
    if not text.strip():
        raise ValidationError(f"Change {index + 1}: give the new text.", field="changes")
    if "\x00" in text:
        raise ValidationError(f"Change {index + 1}: the text is not text.", field="changes")
    check_length(text, CLAUSE_TEXT, field="changes", what=f"change {index + 1}'s text")


def check_total_text(texts: Iterable[str]) -> None:
    """All of an amendment's proposed texts together are held to the same limit as one."""
    if sum(len(text) for text in texts) > CLAUSE_TEXT:
        raise ValidationError(
            f"The changes' texts together are longer than {CLAUSE_TEXT:,} characters.",
            field="changes",
        )


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
            if not isinstance(text, str):
                raise ValidationError(f"Change {index + 1}: give the new text.", field="changes")
            check_proposed_text(text, index)
        else:
            text = None
        if kind != "insert" and clause is None:
            raise ValidationError(
                f"Change {index + 1}: name the clause (clause_id).", field="changes"
            )
        specs.append(ChangeSpec(kind, clause=clause, after=after, text=text))
    check_total_text(spec.text or "" for spec in specs)
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
    title: str,
    rationale: str = "",
    base_revision: int | None = None,
    changes: Sequence[ChangeInput] | None = None,
    text: str | None = None,
    submit: bool = False,
) -> Amendment:
    """Propose an amendment against ``base_revision`` (the head when None).

    When the charter has moved on since the base revision, the proposal is carried onto the head
    with a three-way merge, or refused with the conflicting passages.
    """
    ensure_can(actor, "amendment:propose", charter)
    title_s, rationale_s = validate_meta(title, rationale)
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
    amendment = add_draft(
        session,
        charter,
        actor=actor,
        title=title_s,
        rationale=rationale_s,
        base_revision_id=base.id,
        changes=_build_changes(specs, base_rows),
    )
    if base.number != charter.head_revision_number:
        head = get_revision(session, charter)
        conflicts = rebase_one(
            session,
            amendment,
            head,
            head_versions(session, head),
            other=f"A change merged since revision {base.number}",
        )
        if conflicts:
            raise Conflict(
                f"The charter changed since revision {base.number}; your changes overlap "
                f"changes made since. Revision {head.number} is current.",
                details={"conflicts": conflicts, "head_revision": head.number},
            )
    record_proposal(
        session,
        amendment,
        actor=actor,
        context={"charter": charter.slug, "base_revision": base.number},
    )
    if submit:
        transition_amendment(session, amendment, "submit", actor=actor)
    return amendment


def add_draft(
    session: Session,
    charter: Charter,
    *,
    actor: User,
    title: str,
    rationale: str,
    base_revision_id: int,
    changes: list[AmendmentChange],
    parent_id: int | None = None,
) -> Amendment:
    """Insert a draft amendment under the next number of ``charter`` (locked for update)."""
    amendment = Amendment(
        charter_id=charter.id,
        number=charter.next_amendment_number,
        title=title,
        rationale=rationale,
        author_id=actor.id,
        state="draft",
        base_revision_id=base_revision_id,
        parent_id=parent_id,
        changes=changes,
    )
    charter.next_amendment_number += 1
    session.add(amendment)
    session.flush()
    return amendment


def record_proposal(
    session: Session, amendment: Amendment, *, actor: User, context: dict[str, Any]
) -> None:
    """Record ``amendment.proposed``: its number and title, where it stands (``context``) and the
    fingerprint of what it proposes."""
    record_text_event(
        session,
        "amendment.proposed",
        amendment,
        actor=actor,
        payload={"number": amendment.number, "title": amendment.title, **context},
    )


def _locked_as_seen(
    session: Session,
    amendment: Amendment,
    permission: str,
    *,
    actor: User,
    expected_version: int | None,
) -> Amendment:
    """The amendment's row, locked, once ``actor`` may ``permission`` it and it is still the
    version they saw."""
    ensure_can(actor, permission, amendment)
    amendment = get_amendment(session, amendment.id, for_update=True)
    ensure_version(amendment, expected_version)
    return amendment


def update_amendment(
    session: Session,
    amendment: Amendment,
    *,
    actor: User,
    expected_version: int | None,
    title: str | None = None,
    rationale: str | None = None,
    changes: Sequence[ChangeInput] | None = None,
    text: str | None = None,
) -> Amendment:
    """The author edits title, rationale or changes (against the current head)."""
    amendment = _locked_as_seen(
        session, amendment, "amendment:edit", actor=actor, expected_version=expected_version
    )
    if amendment.state not in EDITABLE_STATES or amendment.state == "needs_rebase":
        raise InvalidTransition(
            f"An amendment in state {amendment.state!r} cannot be edited"
            + (" (resolve the conflict instead)." if amendment.state == "needs_rebase" else ".")
        )
    title_s, rationale_s = validate_meta(
        amendment.title if title is None else title,
        amendment.rationale if rationale is None else rationale,
    )
    amendment.title, amendment.rationale = title_s, rationale_s
    if changes is not None or text is not None:
        _replace_changes(session, amendment, changes=changes, text=text)
    amendment.updated_at = utcnow()
    session.flush()
    record_text_event(
        session, "amendment.edited", amendment, actor=actor, payload={"version": amendment.version}
    )
    return amendment


def _replace_changes(
    session: Session,
    amendment: Amendment,
    *,
    changes: Sequence[ChangeInput] | None,
    text: str | None,
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
    changes: Sequence[ChangeInput] | None = None,
    text: str | None = None,
) -> Amendment:
    """The author settles a conflict by restating the amendment against the current text."""
    amendment = _locked_as_seen(
        session, amendment, "amendment:resolve", actor=actor, expected_version=expected_version
    )
    target = next_state(amendment.state, "resolve", previous=amendment.state_before_rebase)
    if target is None:
        raise InvalidTransition("Only an amendment that needs a rebase can be resolved.")
    _replace_changes(session, amendment, changes=changes, text=text)
    set_state(session, amendment, target, action="resolve", actor=actor)
    amendment.conflicts = None
    amendment.state_before_rebase = None
    session.flush()
    return amendment
