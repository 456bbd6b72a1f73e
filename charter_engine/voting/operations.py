"""Ballot operations: create and edit a draft, open (pin the text, freeze the roll), close and count
(and merge what was adopted), proxies, and the scheduler's tick. Casting is in :mod:`.casting`.

Like every operation these check permission and state, change rows, queue the audit event and
never commit; the caller is the unit of work.

Locks (the design's "row lock between casting and closing"):

- casting takes the ballot row ``FOR SHARE`` and checks state and closing time under it; many
  voters cast at once, none can cast while the ballot is being closed;
- opening, closing and editing take the ballot row ``FOR UPDATE``; closing therefore waits for
  every cast in flight to commit, and counts them all, and a cast that waited for a close sees the
  ballot closed and is refused;
- on PostgreSQL each row lock is preceded by the ballot's advisory lock in the same mode, because
  row share locks let new casters overtake a waiting close (see ``queries.get_ballot``);
- SQLite has no row locks, but every write transaction begins ``IMMEDIATE`` (see ``db.py``), which
  serialises writers the same way.

One vote per voter is the unique constraint on ``votes`` / ``ballot_participations`` (see
:mod:`.casting`).

Proxies: a member gives their vote to another member for one ballot or, until revoked, for all
ballots; a proxy for the ballot wins over a standing one. The agent casts for the principal with the
principal's weight. Proxies are not transitive. While a proxy applies, the principal does not vote
directly (they revoke it first), and the agent never overrides a vote the principal cast
themselves. A proxy for one ballot cannot be revoked once it was used (the vote stands); a standing
proxy can always be revoked, and votes it already cast stand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.amendments.merging import ensure_no_open_vote, merge_amendment
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import fingerprint, get_amendment, touched_clause_ids
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.amendments.workflow import next_state
from charter_engine.audit.operations import record_event
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import get_charter_for_update, get_revision, revision_clauses
from charter_engine.db import utcnow
from charter_engine.errors import (
    CharterError,
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationError,
)
from charter_engine.voting.casting import AlreadyVoted
from charter_engine.voting.models import (
    Ballot,
    BallotOption,
    Proxy,
    RollEntry,
)
from charter_engine.voting.queries import (
    count_ballot,
    get_ballot,
    has_voted,
    rules_of,
)
from charter_engine.voting.results import Count, count_to_json
from charter_engine.voting.rules import (
    DEFAULT_LABEL,
    DEFAULT_OPTION,
    KINDS,
    MAX_OPTIONS,
    MAX_TITLE,
    RULE_FIELDS,
    Eligible,
    Rules,
    check_schedule,
    due_action,
    ensure_rules_editable,
    parse_majorities,
    parse_rules,
    ratio_text,
    roll_weights,
)

# --------------------------------------------------------------------------------------------
# helpers


def _now(now: datetime | None) -> datetime:
    return utcnow() if now is None else now


def _id(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{name} must be an id (a positive whole number).", field=name)
    return value


def _title(value: object, default: str) -> str:
    if value is None:
        return default[:MAX_TITLE]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("The title must be non-empty text.", field="title")
    if len(value.strip()) > MAX_TITLE:
        raise ValidationError(f"The title is longer than {MAX_TITLE} characters.", field="title")
    return value.strip()


def _store_rules(ballot: Ballot, rules: Rules) -> None:
    ballot.threshold = rules.threshold
    ballot.abstentions_count = rules.abstentions_count
    ballot.quorum_kind = rules.quorum_kind
    ballot.quorum_num = None if rules.quorum_value is None else rules.quorum_value.numerator
    ballot.quorum_den = None if rules.quorum_value is None else rules.quorum_value.denominator
    ballot.opens_at = rules.opens_at
    ballot.closes_at = rules.closes_at
    ballot.allow_change = rules.allow_change
    ballot.secrecy = rules.secrecy
    ballot.weighting = rules.weighting
    ballot.unranked = rules.unranked


def rules_payload(rules: Rules) -> dict[str, Any]:
    """The rules in the JSON form the API reads and writes."""
    quorum: dict[str, Any] | None = None
    if rules.quorum_kind == "share" and rules.quorum_value is not None:
        quorum = {"share": f"{rules.quorum_value.numerator}/{rules.quorum_value.denominator}"}
    elif rules.quorum_kind == "votes" and rules.quorum_value is not None:
        quorum = {"votes": int(rules.quorum_value)}
    return {
        "threshold": rules.threshold,
        "abstentions_count": rules.abstentions_count,
        "quorum": quorum,
        "opens_at": rules.opens_at.isoformat() if rules.opens_at else None,
        "closes_at": rules.closes_at.isoformat() if rules.closes_at else None,
        "allow_change": rules.allow_change,
        "secrecy": rules.secrecy,
        "weighting": rules.weighting,
        "unranked": rules.unranked,
    }


def _option_label(amendment: Amendment) -> str:
    return f"Amendment #{amendment.number}: {amendment.title}"[:300]


def _load_amendments(session: Session, charter: Charter, raw: object, kind: str) -> list[Amendment]:
    if kind == "adoption":
        if raw not in (None, []):
            raise ValidationError(
                "An adoption ballot is on the whole charter; give no amendments.",
                field="amendments",
            )
        return []
    if not isinstance(raw, list) or not raw:
        raise ValidationError(
            "Name the amendments to vote on (a list of amendment ids).", field="amendments"
        )
    ids = [_id(item, "amendments") for item in raw]
    if len(set(ids)) != len(ids):
        raise ValidationError("An amendment is listed twice.", field="amendments")
    if kind == "amendment" and len(ids) != 1:
        raise ValidationError(
            "An amendment ballot decides exactly one amendment; use a ranked ballot for several.",
            field="amendments",
        )
    if len(ids) > MAX_OPTIONS:
        raise ValidationError(f"At most {MAX_OPTIONS} amendments per ballot.", field="amendments")
    amendments = []
    for amendment_id in ids:
        try:
            amendment = get_amendment(session, amendment_id)
        except NotFound:
            raise ValidationError(
                f"There is no amendment {amendment_id}.", field="amendments"
            ) from None
        if amendment.charter_id != charter.id:
            raise ValidationError(
                f"Amendment {amendment_id} belongs to another charter.", field="amendments"
            )
        if amendment.parent_id is not None:
            raise ValidationError(
                f"Amendment #{amendment.number} is a sub-amendment; it is decided within its "
                "amendment, not by a ballot on the charter.",
                field="amendments",
            )
        _ensure_votable(amendment)
        amendments.append(amendment)
    if kind == "ranked" and len(amendments) > 1:
        touched = {a.id: touched_clause_ids(a) for a in amendments}
        for a in amendments:
            others = set().union(*(c for k, c in touched.items() if k != a.id))
            if not touched[a.id] & others:
                raise ValidationError(
                    f"Amendment #{a.number} changes none of the clauses the other amendments "
                    "change; a ranked ballot decides between competing amendments.",
                    field="amendments",
                )
    return amendments


def _ensure_votable(amendment: Amendment) -> None:
    if next_state(amendment.state, "start_voting") is None:
        raise InvalidTransition(
            f"Amendment #{amendment.number} is {amendment.state.replace('_', ' ')}; only submitted "
            "amendments and amendments under discussion can be put to the vote."
        )


# --------------------------------------------------------------------------------------------
# creating and editing a draft


def create_ballot(
    session: Session,
    charter: Charter,
    *,
    actor: User,
    kind: object,
    amendments: object = None,
    title: object = None,
    rules: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Ballot:
    """Create a draft ballot with its rules. ``rules`` holds the rule fields as the API takes them
    (see :data:`charter_engine.voting.rules.RULE_FIELDS`, plus ``majority`` / ``majorities``)."""
    ensure_can(actor, "ballot:create", charter)
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of: {', '.join(KINDS)}.", field="kind")
    assert isinstance(kind, str)
    data = dict(rules or {})
    parsed = parse_rules(data)
    check_schedule(parsed, _now(now))
    chosen = _load_amendments(session, charter, amendments, kind)
    if kind != "ranked" and (data.get("majority") is not None or data.get("majorities")):
        raise ValidationError(
            "A majority ratio applies to ranked ballots only; use threshold.", field="majority"
        )
    ratios = parse_majorities(data, [a.id for a in chosen]) if kind == "ranked" else {}
    if kind == "adoption":
        if (
            charter.status == "adopted"
            and charter.adopted_revision_number == charter.head_revision_number
        ):
            raise InvalidTransition("The charter is already adopted as it stands.")
        default_title = f"Adoption of {charter.title}"
    elif kind == "amendment":
        default_title = _option_label(chosen[0])
    else:
        numbers = ", ".join(f"#{a.number}" for a in chosen)
        default_title = f"Amendments {numbers} or the current text"
    ballot = Ballot(
        charter_id=charter.id,
        kind=kind,
        title=_title(title, default_title),
        state="draft",
        created_by_id=actor.id,
        created_at=_now(now),
    )
    _store_rules(ballot, parsed)
    for position, amendment in enumerate(chosen):
        ratio = ratios.get(amendment.id, Fraction(1))
        ballot.options.append(
            BallotOption(
                key=f"A{amendment.number}",
                position=position,
                label=_option_label(amendment),
                amendment_id=amendment.id,
                majority_num=ratio.numerator,
                majority_den=ratio.denominator,
            )
        )
    if kind == "ranked":
        ballot.options.append(
            BallotOption(key=DEFAULT_OPTION, position=len(chosen), label=DEFAULT_LABEL)
        )
    session.add(ballot)
    session.flush()
    record_event(
        session,
        "ballot.created",
        actor_id=actor.id,
        object_type="ballot",
        object_id=ballot.id,
        payload={
            "charter": charter.slug,
            "kind": kind,
            "title": ballot.title,
            "amendments": [a.id for a in chosen],
            "rules": rules_payload(parsed),
            "majorities": {str(k): ratio_text(v) for k, v in ratios.items()},
        },
    )
    return ballot


def _ensure_version(ballot: Ballot, expected: int | None) -> None:
    """Refuse a change based on an older version of the ballot than the one locked now."""
    if expected is not None and expected != ballot.version:
        raise StaleVersion(
            "This ballot was changed meanwhile.", details={"version": ballot.version}
        )


def update_ballot(
    session: Session,
    ballot: Ballot,
    *,
    actor: User,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Ballot:
    """Change the title or rules of a draft ballot; refused once it has opened (frozen rules)."""
    ensure_can(actor, "ballot:edit", ballot)
    ballot = get_ballot(session, ballot.id, lock="update")
    _ensure_version(ballot, expected_version)
    ensure_rules_editable(ballot.state)
    unknown = set(data) - set(RULE_FIELDS) - {"title", "majority", "majorities", "version"}
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    rules = parse_rules(data, rules_of(ballot))
    check_schedule(rules, utcnow())
    if ballot.kind != "ranked" and (data.get("majority") is not None or data.get("majorities")):
        raise ValidationError(
            "A majority ratio applies to ranked ballots only; use threshold.", field="majority"
        )
    if "title" in data:
        ballot.title = _title(data["title"], ballot.title)
    _store_rules(ballot, rules)
    if ballot.kind == "ranked" and ("majority" in data or "majorities" in data):
        options = [o for o in ballot.options if o.amendment_id is not None]
        ratios = parse_majorities(data, [o.amendment_id for o in options if o.amendment_id])
        for option in options:
            assert option.amendment_id is not None
            ratio = ratios[option.amendment_id]
            option.majority_num, option.majority_den = ratio.numerator, ratio.denominator
    session.flush()
    record_event(
        session,
        "ballot.rules_changed",
        actor_id=actor.id,
        object_type="ballot",
        object_id=ballot.id,
        payload={"changed": sorted(set(data) - {"version"}), "rules": rules_payload(rules)},
    )
    return ballot


def delete_ballot(
    session: Session, ballot: Ballot, *, actor: User, expected_version: int | None = None
) -> None:
    """Delete a draft ballot (made by mistake, or no longer wanted), with its options and the
    proxies given for it. Refused once the ballot has opened: its pinned text, roll and votes are
    kept for good. The audit event keeps what was deleted."""
    ensure_can(actor, "ballot:delete", ballot)
    ballot = get_ballot(session, ballot.id, lock="update")
    _ensure_version(ballot, expected_version)
    if ballot.state != "draft":
        raise InvalidTransition(
            "Only a draft ballot can be deleted; this one has opened, so its text, roll and "
            "votes are kept."
        )
    proxies = session.execute(
        select(Proxy.id, Proxy.principal_id, Proxy.agent_id, Proxy.revoked_at)
        .where(Proxy.ballot_id == ballot.id)
        .order_by(Proxy.id)
    ).all()
    payload = {
        "charter_id": ballot.charter_id,
        "kind": ballot.kind,
        "title": ballot.title,
        "amendments": [o.amendment_id for o in ballot.options if o.amendment_id is not None],
        "proxies": [
            {
                "id": p.id,
                "principal": p.principal_id,
                "agent": p.agent_id,
                "active": p.revoked_at is None,
            }
            for p in proxies
        ],
    }
    ballot_id = ballot.id
    # Options and proxies go with it (ON DELETE CASCADE); the state is checked once more by the
    # statement itself, under the row lock taken above.
    deleted = (
        session.connection()
        .execute(delete(Ballot).where(Ballot.id == ballot_id, Ballot.state == "draft"))
        .rowcount
    )
    if deleted != 1:  # pragma: no cover - the lock above makes this unreachable
        raise Conflict("The ballot changed while it was being deleted; nothing was deleted.")
    session.expunge(ballot)
    record_event(
        session,
        "ballot.deleted",
        actor_id=actor.id,
        object_type="ballot",
        object_id=ballot_id,
        payload=payload,
    )


# --------------------------------------------------------------------------------------------
# opening


def open_ballot(
    session: Session,
    ballot: Ballot,
    *,
    actor: User | None,
    now: datetime | None = None,
    system: bool = False,
) -> Ballot:
    """Open a draft: pin the text (revision, amendment fingerprints), move the amendments to
    ``voting`` (which makes them uneditable), and freeze the roll with its weights.

    ``system=True`` is the scheduler opening a ballot at its opening time.
    """
    if not system:
        ensure_can(actor, "ballot:open", ballot)
    now = _now(now)
    ballot = get_ballot(session, ballot.id, lock="update")
    if ballot.state != "draft":
        raise InvalidTransition(f"This ballot is already {ballot.state}.")
    rules = rules_of(ballot)
    if not system and rules.opens_at is not None and rules.opens_at > now:
        raise InvalidTransition(
            f"This ballot is scheduled to open at {rules.opens_at.isoformat()}; change its opening "
            "time to open it now."
        )
    if rules.closes_at is not None and rules.closes_at <= now:
        raise InvalidTransition(
            "The closing time of this ballot is already past; set a new closing time first."
        )
    charter = get_charter_for_update(session, ballot.charter_id)
    others = session.execute(
        select(Ballot.id, Ballot.kind).where(
            Ballot.charter_id == charter.id, Ballot.state == "open", Ballot.id != ballot.id
        )
    ).all()
    if ballot.kind == "adoption" and others:
        raise Conflict(
            "Other ballots on this charter are open; the charter must not change while its "
            "adoption is voted on. Close them first."
        )
    if ballot.kind != "adoption" and any(kind == "adoption" for _id, kind in others):
        raise Conflict(
            "The adoption of this charter is being voted on; amendments wait until it closes."
        )
    head = get_revision(session, charter)
    amendments = _pin_amendments(session, ballot, charter, head.id)
    for amendment, option in amendments:
        transition_amendment(session, amendment, "start_voting", actor=actor, system=True)
        option.fingerprint = fingerprint(amendment)
        option.label = _option_label(amendment)
    people = session.execute(
        select(User.id, User.role, User.active, User.organisation).order_by(User.id)
    ).all()
    weights = roll_weights(
        (Eligible(p.id, p.role, p.active, p.organisation) for p in people), ballot.weighting
    )
    if not weights:
        raise Conflict("No one is eligible to vote (active members and the secretariat).")
    organisations = {p.id: p.organisation for p in people}
    session.execute(
        insert(RollEntry),
        [
            {
                "ballot_id": ballot.id,
                "user_id": uid,
                "weight_num": w.numerator,
                "weight_den": w.denominator,
                "organisation": organisations.get(uid),
            }
            for uid, w in sorted(weights.items())
        ],
    )
    ballot.state = "open"
    ballot.opened_at = now
    ballot.opened_by_id = actor.id if actor else None
    ballot.revision_number = head.number
    ballot.text_sha256 = head.text_sha256
    ballot.roll_count = len(weights)
    session.flush()
    record_event(
        session,
        "ballot.opened",
        actor_id=actor.id if actor else None,
        object_type="ballot",
        object_id=ballot.id,
        payload={
            "revision": head.number,
            "text_sha256": head.text_sha256,
            "options": [
                {"key": o.key, "amendment": o.amendment_id, "fingerprint": o.fingerprint}
                for o in ballot.options
            ],
            "roll": len(weights),
            "roll_weight": str(sum(weights.values(), Fraction(0))),
            "scheduled": system,
        },
    )
    return ballot


def _pin_amendments(
    session: Session, ballot: Ballot, charter: Charter, head_id: int
) -> list[tuple[Amendment, BallotOption]]:
    pairs = []
    options = sorted(
        (o for o in ballot.options if o.amendment_id is not None), key=lambda o: o.amendment_id or 0
    )
    head_versions = {
        rc.clause_id: rc.clause_version_id for rc in revision_clauses(session, head_id)
    }
    # Lock in primary-key order so two openings never wait on each other in a circle.
    for option in options:
        assert option.amendment_id is not None
        amendment = get_amendment(session, option.amendment_id, for_update=True)
        _ensure_votable(amendment)
        stale = [
            c
            for c in amendment.changes
            if c.base_version_id is not None
            and head_versions.get(c.clause_id or -1) != c.base_version_id
        ]
        if stale:
            raise Conflict(
                f"Amendment #{amendment.number} was written against text that has changed since; "
                "it must be brought up to date before it can be put to the vote."
            )
        ensure_no_open_vote(session, charter.id, touched_clause_ids(amendment))
        pairs.append((amendment, option))
    return sorted(pairs, key=lambda pair: pair[1].position)


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
    now = _now(now)
    ballot = get_ballot(session, ballot.id, lock="update")
    if ballot.state != "open":
        raise InvalidTransition(
            "This ballot is not open yet."
            if ballot.state == "draft"
            else "This ballot is already closed."
        )
    count = count_ballot(session, ballot)
    body = count_to_json(count)
    outcome = count.outcome
    if ballot.kind == "adoption":
        outcome = _decide_adoption(session, ballot, count, body, actor)
    else:
        outcome = _decide_amendments(session, ballot, count, body, actor)
    body["outcome"] = outcome
    ballot.state = "closed"
    ballot.closed_at = now
    ballot.closed_by_id = actor.id if actor else None
    ballot.outcome = outcome
    ballot.result = json.dumps(body, sort_keys=True, ensure_ascii=False)
    session.flush()
    record_event(
        session,
        "ballot.closed",
        actor_id=actor.id if actor else None,
        object_type="ballot",
        object_id=ballot.id,
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
    session: Session, ballot: Ballot, count: Count, body: dict[str, Any], actor: User | None
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
    body["adopted_revision"] = ballot.revision_number
    record_event(
        session,
        "charter.adopted",
        actor_id=actor.id if actor else None,
        object_type="charter",
        object_id=charter.id,
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
    now = _now(now)
    ballot = get_ballot(session, ballot_id, lock="update")
    action = due_action(ballot.state, ballot.opens_at, ballot.closes_at, now)
    if action == "open":
        open_ballot(session, ballot, actor=None, now=now, system=True)
        return "opened"
    if action == "close":
        close_ballot(session, ballot, actor=None, now=now, system=True)
        return "closed"
    return None


def ballot_due(ballot: Ballot, now: datetime | None = None) -> bool:
    """Whether reading this ballot must first open or close it (a cheap check, no query)."""
    return due_action(ballot.state, ballot.opens_at, ballot.closes_at, _now(now)) is not None


def tick_ballots(session: Session, *, now: datetime | None = None) -> list[tuple[int, str]]:
    """Open and close every ballot whose time has come (``charter-engine ballots tick``).

    Returns ``(ballot id, what happened)`` pairs: ``"opened"``, ``"closed"`` or
    ``"failed: <reason>"`` (the ballot stays as it was; the other ballots are still handled).
    """
    now = _now(now)
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


# --------------------------------------------------------------------------------------------
# proxies


def give_proxy(
    session: Session,
    *,
    actor: User,
    agent_id: object,
    ballot_id: object = None,
    now: datetime | None = None,
) -> Proxy:
    """``actor`` gives their vote to ``agent_id`` for one ballot, or for all ballots (None)."""
    ensure_can(actor, "proxy:give")
    agent_key = _id(agent_id, "agent_id")
    if agent_key == actor.id:
        raise ValidationError("You cannot give a proxy to yourself.", field="agent_id")
    agent = session.get(User, agent_key)
    if agent is None:
        raise ValidationError(f"There is no member {agent_key}.", field="agent_id")
    if not can(agent, "vote:cast"):
        raise ValidationError(
            f"{agent.name} cannot vote, so cannot hold a proxy.", field="agent_id"
        )
    ballot: Ballot | None = None
    if ballot_id is not None:
        try:
            ballot = get_ballot(session, _id(ballot_id, "ballot_id"), lock="share")
        except NotFound:
            raise ValidationError(f"There is no ballot {ballot_id}.", field="ballot_id") from None
        if ballot.state == "closed":
            raise InvalidTransition("This ballot is closed.")
        if ballot.state == "open" and session.get(RollEntry, (ballot.id, actor.id)) is None:
            raise PermissionDenied("You are not on the roll of this ballot.")
        if ballot.state == "open" and has_voted(session, ballot, actor.id):
            raise AlreadyVoted(
                "You have already voted on this ballot; a proxy would change nothing."
            )
    scope = "all" if ballot is None else f"ballot:{ballot.id}"
    current = session.execute(
        select(Proxy).where(
            Proxy.principal_id == actor.id, Proxy.scope == scope, Proxy.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if current is not None:
        raise _proxy_exists(session, current, ballot)
    proxy = Proxy(
        principal_id=actor.id,
        agent_id=agent.id,
        ballot_id=ballot.id if ballot else None,
        scope=scope,
        created_at=_now(now),
    )
    try:
        with session.begin_nested():
            session.add(proxy)
            session.flush()
    except IntegrityError:
        raise Conflict("You already gave a proxy for this; revoke it first.") from None
    record_event(
        session,
        "proxy.given",
        actor_id=actor.id,
        object_type="proxy",
        object_id=proxy.id,
        payload={"agent": agent.id, "ballot": proxy.ballot_id},
    )
    return proxy


def _proxy_exists(session: Session, current: Proxy, ballot: Ballot | None) -> Conflict:
    agent = session.get(User, current.agent_id)
    name = agent.name if agent else "another member"
    what = "this ballot" if ballot else "all ballots"
    return Conflict(f"You already gave your vote on {what} to {name}; revoke that proxy first.")


def revoke_proxy(
    session: Session, proxy_id: object, *, actor: User, now: datetime | None = None
) -> Proxy:
    """The principal takes their vote back. Refused for a one-ballot proxy already used."""
    key = _id(proxy_id, "proxy_id")
    proxy = session.execute(
        select(Proxy)
        .where(Proxy.id == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if proxy is None or proxy.principal_id != actor.id:
        raise NotFound(f"You have no proxy {key}.")
    if proxy.revoked_at is not None:
        raise InvalidTransition("This proxy is already revoked.")
    if proxy.ballot_id is not None:
        ballot = get_ballot(session, proxy.ballot_id)
        if has_voted(session, ballot, actor.id):
            agent = session.get(User, proxy.agent_id)
            raise Conflict(
                f"Your vote on this ballot has already been cast"
                f"{' by ' + agent.name if agent else ''}; a proxy cannot be revoked once it has "
                "been used."
            )
    proxy.revoked_at = _now(now)
    session.flush()
    record_event(
        session,
        "proxy.revoked",
        actor_id=actor.id,
        object_type="proxy",
        object_id=proxy.id,
        payload={"agent": proxy.agent_id, "ballot": proxy.ballot_id},
    )
    return proxy
