"""Editorial changes: the secretariat corrects a clause directly (a typo, formatting) with a reason,
without an amendment or a vote.

An editorial change writes a charter revision, but it lives here, above both charters and
amendments, because the new text entails what a merge entails: it is refused while an amendment on
the same clause is under an open ballot, comment anchors are carried onto the new version, and the
pending amendments are rebased onto it (:mod:`.merging`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.merging import ensure_no_open_vote, rebase_pending
from charter_engine.audit.operations import record
from charter_engine.charters.models import Charter, Revision
from charter_engine.charters.operations import (
    Entry,
    create_revision,
    validate_document_text,
)
from charter_engine.charters.queries import current_entries, get_charter_for_update
from charter_engine.comments.operations import carry_anchors
from charter_engine.errors import StaleVersion, ValidationError
from charter_engine.limits import REASON, required_text

if TYPE_CHECKING:
    from charter_engine.accounts.models import User


def editorial_change(
    session: Session,
    charter: Charter,
    *,
    clause_id: int,
    text: str,
    reason: str,
    actor: User,
    expected_revision: int | None = None,
) -> Revision:
    """The secretariat corrects a clause directly (typo, formatting); recorded with its reason."""
    ensure_can(actor, "charter:edit_editorial", charter)
    reason = required_text(
        reason,
        REASON,
        field="reason",
        what="the reason",
        missing="Say why this editorial change is made.",
    )
    text = validate_document_text(text)
    charter = get_charter_for_update(session, charter.id)
    if expected_revision is not None and expected_revision != charter.head_revision_number:
        raise StaleVersion(
            f"The charter changed meanwhile: it is now at revision {charter.head_revision_number}."
        )
    ensure_no_open_vote(session, charter.id, {clause_id})
    entries = current_entries(session, charter)
    found = False
    new_entries: list[Entry] = []
    for clause, version in entries:
        if clause == clause_id:
            found = True
            if version.text == text:
                raise ValidationError("The new text is the same as the current text.", field="text")
            new_entries.append(Entry(clause_id, text=text, previous_version_id=version.id))
        else:
            new_entries.append(Entry(clause, version_id=version.id))
    if not found:
        raise ValidationError("That clause is not in the current text.", field="clause_id")
    revision = create_revision(
        session,
        charter,
        new_entries,
        cause="editorial",
        actor=actor,
        note=reason,
        editorial=True,
    )
    carry_anchors(session, revision)
    record(
        session,
        "charter.editorial_change",
        charter,
        actor=actor,
        payload={"clause_id": clause_id, "revision": revision.number, "reason": reason},
    )
    rebase_pending(session, charter, revision, actor=actor)
    return revision
