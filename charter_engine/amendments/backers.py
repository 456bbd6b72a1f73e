"""Backing an amendment: members co-sponsor or support a pending amendment, or stop backing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.models import BACKER_KINDS, Amendment, AmendmentBacker
from charter_engine.amendments.workflow import PENDING_STATES
from charter_engine.audit.operations import record
from charter_engine.errors import InvalidTransition, NotFound, ValidationError

if TYPE_CHECKING:
    from charter_engine.accounts.models import User


def add_backer(
    session: Session, amendment: Amendment, *, actor: User, kind: str
) -> AmendmentBacker:
    ensure_can(actor, "amendment:back", amendment)
    if kind not in BACKER_KINDS:
        raise ValidationError("Back an amendment as a cosponsor or a supporter.", field="kind")
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
    record(session, "amendment.backed", amendment, actor=actor, payload={"kind": kind})
    return backer


def remove_backer(session: Session, amendment: Amendment, *, actor: User) -> None:
    """Stop backing a pending amendment; once decided, its backers are part of its record."""
    if amendment.state not in PENDING_STATES:
        raise InvalidTransition(
            "This amendment is no longer pending; who backed it stays on its record."
        )
    backer = session.execute(
        select(AmendmentBacker).where(
            AmendmentBacker.amendment_id == amendment.id, AmendmentBacker.user_id == actor.id
        )
    ).scalar_one_or_none()
    if backer is None:
        raise NotFound("You are not backing this amendment.")
    session.delete(backer)
    session.flush()
    record(session, "amendment.unbacked", amendment, actor=actor, payload={})
