"""Closing a ballot and the schedule: count the votes and carry out the decision in the same
transaction (adopt and merge the winning amendment and reject the others, or adopt the charter), and
open or close every ballot whose time has come (``charter-engine ballots tick``, and any request
that reads a ballot past its time settles it first).

Like every operation these check permission and state, change rows, queue the audit event and
never commit; the caller is the unit of work. The one exception is :func:`settled_ballot`, which
the web pages and the API call *before* their own work: settling a ballot that is due is a unit
of work of its own, committed before the request reads or votes, so that it holds whatever the
request does next. Closing takes the ballot row ``FOR UPDATE`` (the locks:
``docs/architecture.md``, "Locks"), so it waits for every cast in flight and counts them all.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.queries import fingerprint, get_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.audit.operations import record
from charter_engine.charters.queries import get_charter_for_update
from charter_engine.errors import CharterError, InvalidTransition
from charter_engine.voting.models import Ballot
from charter_engine.voting.operations import current_time, open_ballot
from charter_engine.voting.queries import count_ballot, get_ballot
from charter_engine.voting.results import Count, count_to_json
from charter_engine.voting.rules import due_action
from charter_engine.voting.secrecy import rewrite_papers

# --------------------------------------------------------------------------------------------
# closing


def close_ballot(
    session: Session,
    ballot: Ballot,
    *,
    actor: User | None,
    now: datetime | None = None,
    system: bool = False,
) -> Ballot:
    """Close an open ballot, count it and carry out the decision in the same transaction.

    - amendment ballot: adopted → the amendment is adopted and merged (and the other pending
      amendments are rebased); otherwise rejected;
    - ranked ballot: the winner, unless it is "keep the current text", is adopted and merged and
      the other amendments rejected; "keep" rejects them all; an unresolved tie sends them all back
      to discussion;
    - adoption ballot: the charter becomes adopted at the pinned revision.

    If the winning amendment can no longer be merged (its text changed under it), it stays
    ``adopted`` for the secretariat to merge once brought up to date, and the result says why.
    """
    if not system:
        ensure_can(actor, "ballot:close", ballot)
    now = current_time(now)
    ballot = get_ballot(session, ballot.id, lock="update")
    if ballot.state != "open":
        raise InvalidTransition(
            "This ballot is not open yet."
            if ballot.state == "draft"
            else "This ballot is already closed."
        )
    if ballot.secrecy == "secret":
        rewrite_papers(session, ballot)
    count = count_ballot(session, ballot)
    body = count_to_json(count)
    outcome = count.outcome
    if ballot.kind == "adoption":
        outcome = _decide_adoption(session, ballot, count, body, actor, now)
    else:
        outcome = _decide_amendments(session, ballot, count, body, actor)
    body["outcome"] = outcome
    ballot.state = "closed"
    ballot.closed_at = now
    ballot.closed_by_id = actor.id if actor else None
    ballot.outcome = outcome
    ballot.result = json.dumps(body, sort_keys=True, ensure_ascii=False)
    session.flush()
    record(
        session,
        "ballot.closed",
        ballot,
        actor=actor,
        payload={
            "outcome": outcome,
            "reason": body["reason"],
            "voters": count.voters,
            "scheduled": system,
            "merged_revision": body.get("merged_revision"),
            "result_sha256": _sha256(ballot.result),
        },
    )
    return ballot


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decide_adoption(
    session: Session,
    ballot: Ballot,
    count: Count,
    body: dict[str, Any],
    actor: User | None,
    now: datetime,
) -> str:
    if not count.passed:
        return "rejected"
    charter = get_charter_for_update(session, ballot.charter_id)
    if charter.head_revision_number != ballot.revision_number:
        body["reason"] = (
            f"Void: the vote passed, but the charter changed since the ballot opened (revision "
            f"{ballot.revision_number} was voted on, revision {charter.head_revision_number} is "
            "current); nothing is adopted."
        )
        return "void"
    charter.status = "adopted"
    charter.adopted_revision_number = ballot.revision_number
    charter.adopted_at = now
    body["adopted_revision"] = ballot.revision_number
    record(
        session,
        "charter.adopted",
        charter,
        actor=actor,
        payload={
            "ballot": ballot.id,
            "revision": ballot.revision_number,
            "text_sha256": ballot.text_sha256,
        },
    )
    return "adopted"


def _decide_amendments(
    session: Session, ballot: Ballot, count: Count, body: dict[str, Any], actor: User | None
) -> str:
    options = [o for o in ballot.options if o.amendment_id is not None]
    # Lock in primary-key order, as when opening.
    amendments = {
        o.amendment_id: get_amendment(session, o.amendment_id, for_update=True)
        for o in sorted(options, key=lambda o: o.amendment_id or 0)
        if o.amendment_id is not None
    }
    changed = [
        f"#{amendments[o.amendment_id].number}"
        for o in options
        if o.amendment_id is not None and fingerprint(amendments[o.amendment_id]) != o.fingerprint
    ]
    if changed:
        # Cannot happen while voting amendments are frozen; if it ever does, adopt nothing.
        for amendment in amendments.values():
            transition_amendment(session, amendment, "cancel_voting", actor=actor, system=True)
        body["reason"] = (
            f"Void: amendment {', '.join(changed)} no longer says what was voted on; the "
            "amendments go back to discussion."
        )
        return "void"
    if ballot.kind == "amendment":
        winner = options[0] if count.passed else None
    elif count.outcome == "tie":
        for amendment in amendments.values():
            transition_amendment(session, amendment, "cancel_voting", actor=actor, system=True)
        return "tie"
    else:
        winner = next((o for o in options if o.key == count.winner), None)
    for option in options:
        if winner is None or option.id != winner.id:
            assert option.amendment_id is not None
            transition_amendment(
                session, amendments[option.amendment_id], "reject", actor=actor, system=True
            )
    if winner is None:
        return count.outcome if ballot.kind == "ranked" else "rejected"
    assert winner.amendment_id is not None
    amendment = amendments[winner.amendment_id]
    body["adopted_amendment"] = amendment.id
    try:
        with session.begin_nested():
            transition_amendment(session, amendment, "adopt", actor=actor, system=True)
            merged = merge_amendment(session, amendment, actor=actor, system=True)
            body["merged_revision"] = merged.number if merged is not None else None
    except CharterError as exc:
        amendment = get_amendment(session, amendment.id, for_update=True)
        transition_amendment(session, amendment, "adopt", actor=actor, system=True)
        body["merge_error"] = exc.message
        body["reason"] += (
            f" Amendment #{amendment.number} is adopted but could not be merged automatically: "
            f"{exc.message}"
        )
        return "adopted"
    return "adopted"


# --------------------------------------------------------------------------------------------
# the schedule


def settle_ballot(session: Session, ballot_id: int, *, now: datetime | None = None) -> str | None:
    """Open or close the ballot if its schedule says so at ``now``; returns what was done."""
    now = current_time(now)
    ballot = get_ballot(session, ballot_id, lock="update")
    action = due_action(ballot.state, ballot.opens_at, ballot.closes_at, now)
    if action == "open":
        open_ballot(session, ballot, actor=None, now=now, system=True)
        return "opened"
    if action == "close":
        close_ballot(session, ballot, actor=None, now=now, system=True)
        return "closed"
    return None


def settled_ballot(session: Session, ballot_id: object) -> Ballot:
    """The ballot, opened or closed first (and committed) if its schedule says so.

    Leaves the session's current transaction (which may be a read-only one), settles the ballot
    in a write transaction of its own and commits it; a scheduled opening that cannot happen (the
    amendment moved on) is left undone and the ballot shown as it is. Unknown ids raise NotFound.
    """
    ballot = get_ballot(session, ballot_id)
    if ballot_due(ballot):
        session.rollback()
        try:
            settle_ballot(session, ballot.id)
            session.commit()
        except CharterError:
            session.rollback()
        ballot = get_ballot(session, ballot.id)
    return ballot


def ballot_due(ballot: Ballot, now: datetime | None = None) -> bool:
    """Whether reading this ballot must first open or close it (a cheap check, no query)."""
    return (
        due_action(ballot.state, ballot.opens_at, ballot.closes_at, current_time(now)) is not None
    )


def tick_ballots(session: Session, *, now: datetime | None = None) -> list[tuple[int, str]]:
    """Open and close every ballot whose time has come (``charter-engine ballots tick``).

    Returns ``(ballot id, what happened)`` pairs: ``"opened"``, ``"closed"`` or
    ``"failed: <reason>"`` (the ballot stays as it was; the other ballots are still handled).
    """
    now = current_time(now)
    due = (
        session.execute(
            select(Ballot.id)
            .where(
                or_(
                    and_(Ballot.state == "draft", Ballot.opens_at <= now),
                    and_(Ballot.state == "open", Ballot.closes_at <= now),
                )
            )
            .order_by(Ballot.id)
        )
        .scalars()
        .all()
    )
    done: list[tuple[int, str]] = []
    for ballot_id in due:
        try:
            with session.begin_nested():
                action = settle_ballot(session, ballot_id, now=now)
        except CharterError as exc:
            done.append((ballot_id, f"failed: {exc.message}"))
            continue
        if action is not None:
            done.append((ballot_id, action))
    return done
