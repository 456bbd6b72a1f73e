"""Sub-amendments: changes to the proposed text of a pending amendment, proposed like any other
amendment and merged into the amendment they amend (see :mod:`charter_engine.amendments.merging`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.models import Amendment, AmendmentChange
from charter_engine.amendments.operations import (
    add_draft,
    check_proposed_text,
    check_total_text,
    record_proposal,
    validate_meta,
)
from charter_engine.amendments.queries import get_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.amendments.workflow import EDITABLE_STATES
from charter_engine.charters.queries import get_charter_for_update
from charter_engine.errors import InvalidTransition, ValidationError

if TYPE_CHECKING:
    from charter_engine.accounts.models import User


def propose_sub_amendment(
    session: Session,
    parent: Amendment,
    *,
    actor: User,
    title: str,
    rationale: str = "",
    changes: Sequence[Mapping[str, Any]] | None = None,
    submit: bool = False,
) -> Amendment:
    """Propose changes to a pending amendment's proposed text.

    ``changes`` is a list of ``{"change_id": <id of a replace or insert change of the parent>,
    "text": <the new proposed text>}``.
    """
    ensure_can(actor, "amendment:propose", parent)
    title_s, rationale_s = validate_meta(title, rationale)
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
        if not isinstance(text, str):
            raise ValidationError(f"Change {index + 1}: give the new text.", field="changes")
        check_proposed_text(text, index)
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
    check_total_text(row.new_text or "" for row in rows)
    charter = get_charter_for_update(session, parent.charter_id)
    sub = add_draft(
        session,
        charter,
        actor=actor,
        title=title_s,
        rationale=rationale_s,
        base_revision_id=parent.base_revision_id,
        parent_id=parent.id,
        changes=rows,
    )
    record_proposal(session, sub, actor=actor, context={"parent": parent.id})
    if submit:
        transition_amendment(session, sub, "submit", actor=actor)
    return sub
