"""Moving an amendment through the workflow: every state an operation assigns goes through
:func:`set_state` (which stamps the time and writes the audit event), and the actions a person may
take now are read from the pure table in :mod:`charter_engine.amendments.workflow`.

Merges are not workflow moves here: see :mod:`charter_engine.amendments.merging`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import fingerprint
from charter_engine.amendments.workflow import (
    USER_ACTIONS,
    available_actions,
    next_state,
    permission_for,
)
from charter_engine.audit.operations import record
from charter_engine.db import utcnow
from charter_engine.errors import InvalidTransition, StaleVersion, ValidationError

if TYPE_CHECKING:
    from charter_engine.accounts.models import User


def set_state(
    session: Session,
    amendment: Amendment,
    target: str,
    *,
    action: str,
    actor: User | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Assign ``target`` (already allowed by the table) and record it as ``amendment.<action>``."""
    before = amendment.state
    amendment.state = target
    amendment.updated_at = utcnow()
    if target == "submitted" and amendment.submitted_at is None:
        amendment.submitted_at = utcnow()
    record(
        session,
        f"amendment.{action}",
        amendment,
        actor=actor,
        payload={"from": before, "to": target, **(extra or {})},
        object_type="amendment",
    )


def record_text_event(
    session: Session,
    action: str,
    amendment: Amendment,
    *,
    actor: User | None,
    payload: dict[str, Any],
) -> None:
    """Record ``action`` on an amendment whose text it set, with the fingerprint of that text (a
    ballot pins the fingerprint of what it puts to the vote)."""
    record(
        session,
        action,
        amendment,
        actor=actor,
        payload={**payload, "fingerprint": fingerprint(amendment)},
    )


def ensure_version(amendment: Amendment, expected: int | None) -> None:
    """Refuse (:class:`StaleVersion`) when someone changed the amendment since the person saw
    version ``expected``. Checked after the permission, never before it."""
    if expected is not None and expected != amendment.version:
        raise StaleVersion(
            "This amendment was changed by someone else since you opened it.",
            details={"version": amendment.version},
        )


def transition_amendment(
    session: Session,
    amendment: Amendment,
    action: str,
    *,
    actor: User | None,
    system: bool = False,
    expected_version: int | None = None,
) -> Amendment:
    """Move an amendment through the workflow (not merges: see :func:`.merging.merge_amendment`).

    ``system=True`` is for moves made by the engine itself as part of another operation (a ballot
    opening or closing), which the caller has already authorised. ``expected_version`` is the
    version the person saw, when they said (:func:`ensure_version`).
    """
    if action in ("merge", "merge_editorial"):
        raise InvalidTransition("Use the merge operation to merge an amendment.")
    if action == "resolve":
        raise InvalidTransition("Resolve a conflict by giving the resolved text.")
    # Who may ask comes first: someone who may not take the action is told so (403), whatever
    # state the amendment is in, rather than learning why it could not happen now (409).
    if not system:
        ensure_can(actor, permission_for(action), amendment)
    ensure_version(amendment, expected_version)
    target = next_state(amendment.state, action)
    if target is None:
        raise InvalidTransition(
            f"You cannot {action.replace('_', ' ')} an amendment that is "
            f"{amendment.state.replace('_', ' ')}."
        )
    if action == "submit" and not amendment.changes:
        raise ValidationError("An amendment without changes cannot be submitted.")
    set_state(session, amendment, target, action=action, actor=actor)
    session.flush()
    return amendment


def actions_for(user: User | None, amendment: Amendment) -> list[str]:
    """The workflow actions ``user`` may take now — what the UI shows as buttons."""
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
