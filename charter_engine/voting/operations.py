"""Ballot operations: create and edit a draft, delete it, and open it (pin the text, freeze the
roll). Closing and counting, and the scheduler's tick, are in :mod:`.closing`; proxies in
:mod:`.proxies`; casting in :mod:`.casting`.

Like every operation these check permission and state, change rows, queue the audit event and
never commit; the caller is the unit of work.

Locks (the design's "row lock between casting and closing"), explained here once:

- casting takes the ballot row ``FOR SHARE`` and checks state and closing time under it; many
  voters cast at once, none can cast while the ballot is being closed;
- opening, closing and editing take the ballot row ``FOR UPDATE``; closing therefore waits for
  every cast in flight to commit, and counts them all, and a cast that waited for a close sees the
  ballot closed and is refused. (PostgreSQL lets a new share lock join the ones held while an
  update waits, so under an unbroken stream of votes a close waits for a gap between them; votes
  are milliseconds long, and a Core Group's votes leave many gaps);
- more than one row is locked in primary-key order;
- SQLite has no row locks, but every write transaction begins ``IMMEDIATE`` (see ``db.py``), which
  serialises writers the same way.

One vote per voter is the unique constraint on ``votes`` / ``ballot_participations`` (see
:mod:`.casting`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import ensure_can
from charter_engine.amendments.merging import ensure_no_open_vote
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.queries import fingerprint, get_amendment, touched_clause_ids
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.amendments.workflow import next_state
from charter_engine.audit.operations import record_event
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import get_charter_for_update, get_revision, revision_clauses
from charter_engine.db import utcnow
from charter_engine.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    StaleVersion,
    ValidationError,
)
from charter_engine.limits import check_length
from charter_engine.voting.models import (
    Ballot,
    BallotOption,
    ChosenVoter,
    Proxy,
    RollEntry,
)
from charter_engine.voting.queries import (
    get_ballot,
    rules_of,
)
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
    ensure_rules_editable,
    is_eligible,
    parse_id,
    parse_majorities,
    parse_ratio,
    parse_rules,
    ratio_text,
    roll_weights,
)

# --------------------------------------------------------------------------------------------
# helpers


def current_time(now: datetime | None) -> datetime:
    """``now`` if the caller gave one (the scheduler, tests), else the current time."""
    return utcnow() if now is None else now


def _title(value: object, default: str) -> str:
    if value is None:
        return default[:MAX_TITLE]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("The title must be non-empty text.", field="title")
    return check_length(value, MAX_TITLE, field="title", what="the title").strip()


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
    ballot.roll_rule = rules.roll
    _store_chosen_voters(ballot, rules.roll_members)


_EMPTY_ROLL = {
    "members": "No one can vote: the roll is members only, and there is no active member.",
    "members_and_secretariat": "No one can vote: there is no active member or secretariat.",
    "chosen": "No one can vote: none of the people chosen for the roll is an active member or "
    "secretariat now.",
}


def _store_chosen_voters(ballot: Ballot, user_ids: tuple[int, ...]) -> None:
    wanted = set(user_ids)
    for entry in list(ballot.chosen_voters):
        if entry.user_id not in wanted:
            ballot.chosen_voters.remove(entry)
    present = {entry.user_id for entry in ballot.chosen_voters}
    for user_id in sorted(wanted - present):
        ballot.chosen_voters.append(ChosenVoter(user_id=user_id))


def _check_chosen_voters(session: Session, user_ids: tuple[int, ...]) -> None:
    """Everyone named on a chosen roll is someone who may vote: an active member or secretariat."""
    if not user_ids:
        return
    found = {
        row.id: row
        for row in session.execute(
            select(User.id, User.name, User.role, User.active).where(User.id.in_(user_ids))
        )
    }
    for user_id in user_ids:
        person = found.get(user_id)
        if person is None:
            raise ValidationError(f"There is no member {user_id}.", field="roll_members")
        if not is_eligible(person.role, person.active):
            raise ValidationError(
                f"{person.name} cannot vote (only active members and the secretariat can), so "
                "cannot be on a roll.",
                field="roll_members",
            )


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
        "roll": rules.roll,
        "roll_members": list(rules.roll_members),
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
    ids = [parse_id(item, "amendments") for item in raw]
    if len(set(ids)) != len(ids):
        raise ValidationError("An amendment is listed twice.", field="amendments")
    if kind == "amendment" and len(ids) != 1:
        raise ValidationError(
            "An amendment ballot decides exactly one amendment; use a ranked ballot for several.",
            field="amendments",
        )
    if kind == "ranked" and len(ids) < 2:
        raise ValidationError(
            "A ranked ballot decides between two or more competing amendments; put a single "
            "amendment to a yes/no ballot.",
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
    check_schedule(parsed, current_time(now))
    _check_chosen_voters(session, parsed.roll_members)
    if kind == "ranked" and data.get("majority") is not None:
        parse_ratio(data["majority"])  # a wrong rule is named before the choice of amendments
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
        created_at=current_time(now),
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
    _check_chosen_voters(session, rules.roll_members)
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
    now = current_time(now)
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
        (Eligible(p.id, p.role, p.active, p.organisation) for p in people),
        ballot.weighting,
        rules.roll,
        rules.roll_members,
    )
    if not weights:
        raise Conflict(_EMPTY_ROLL[rules.roll])
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
            "roll_rule": rules.roll,
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
