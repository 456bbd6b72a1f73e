"""Checking the stored votes against the audit log, for ``charter-engine audit verify``.

The hash chain proves that the audit log was not rewritten; it does not cover the vote rows, which
someone with write access to the database could change without touching the log. This module
compares the two and names every ballot where they disagree:

* **named ballots** — each vote row must hold the choice (or ranking) of its voter's last
  ``vote.cast``/``vote.changed`` event, and each such event must have its row;
* **secret ballots** — each participation must have its voter's ``vote.cast`` event and the other
  way round, and there are as many papers as participations;
* **closed ballots** — counting the stored votes (or papers) again must give the result stored at
  the close, and that result must be the one whose SHA-256 the ``ballot.closed`` event recorded.

What it cannot see: the papers of a secret ballot that is still open carry no event each (that
would link them to voters), so a changed paper shows only once the ballot is closed and counted;
a change made before the close and counted by it goes unnoticed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.audit.models import AuditEvent
from charter_engine.voting.models import Ballot, Participation, SecretBallot, Vote, load_ranking
from charter_engine.voting.queries import count_ballot
from charter_engine.voting.results import count_to_json

VOTE_ACTIONS = ("vote.cast", "vote.changed")
# The parts of a stored result that are the count itself (the rest says what the close did).
COUNTED = ("voters", "roll_count", "roll_weight", "quorum", "simple", "ranked")


def vote_discrepancies(session: Session) -> list[str]:
    """Every disagreement between the vote rows and the audit log, one sentence each."""
    last: dict[tuple[int, int], tuple[int | None, dict[str, Any]]] = {}
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.payload)
        .where(AuditEvent.action.in_(VOTE_ACTIONS))
        .order_by(AuditEvent.seq.is_(None), AuditEvent.seq, AuditEvent.id)
    )
    for seq, raw in events:
        payload = json.loads(raw)
        if isinstance(payload.get("ballot"), int) and isinstance(payload.get("voter"), int):
            last[(payload["ballot"], payload["voter"])] = (seq, payload)

    problems: list[str] = []
    ballots = {b.id: b for b in session.scalars(select(Ballot).order_by(Ballot.id))}
    named = {(v.ballot_id, v.voter_id): v for v in session.scalars(select(Vote))}
    for key, vote in sorted(named.items()):
        recorded = last.get(key)
        if recorded is None:
            problems.append(
                f"ballot {key[0]}: member {key[1]} has a vote the audit log never recorded"
            )
            continue
        seq, payload = recorded
        stored = (vote.choice, load_ranking(vote.ranking))
        logged = (payload.get("choice"), payload.get("ranking"))
        if stored != logged:
            problems.append(
                f"ballot {key[0]}: the vote of member {key[1]} reads {_shown(stored)}, but the "
                f"audit log recorded {_shown(logged)} ({_event(seq)})"
            )
    participations = set(session.execute(select(Participation.ballot_id, Participation.voter_id)))
    for key, (seq, payload) in sorted(last.items()):
        if payload.get("secret"):
            if key not in participations:
                problems.append(
                    f"ballot {key[0]}: the audit log records a secret vote of member {key[1]} "
                    f"({_event(seq)}), but no participation of theirs is stored"
                )
        elif key not in named:
            problems.append(
                f"ballot {key[0]}: the audit log records a vote of member {key[1]} "
                f"({_event(seq)}), but the vote is not stored"
            )
    for key in sorted(participations - set(last)):
        problems.append(
            f"ballot {key[0]}: member {key[1]} has a participation the audit log never recorded"
        )
    papers = Counter(
        dict(
            session.execute(
                select(SecretBallot.ballot_id, func.count()).group_by(SecretBallot.ballot_id)
            ).all()
        )
    )
    taking_part = Counter(ballot_id for ballot_id, _ in participations)
    for ballot_id in sorted(set(papers) | set(taking_part)):
        if papers[ballot_id] != taking_part[ballot_id]:
            problems.append(
                f"ballot {ballot_id}: {papers[ballot_id]} ballot paper(s) for "
                f"{taking_part[ballot_id]} participation(s)"
            )
    for ballot in ballots.values():
        if ballot.state == "closed" and ballot.result:
            problems.extend(_check_result(session, ballot))
    return problems


def _check_result(session: Session, ballot: Ballot) -> list[str]:
    problems = []
    stored = json.loads(ballot.result or "{}")
    fresh = count_to_json(count_ballot(session, ballot))
    differing = [k for k in COUNTED if fresh.get(k) != stored.get(k)]
    if differing:
        problems.append(
            f"ballot {ballot.id}: counting its stored votes again does not give the result "
            f"published at its close ({', '.join(differing)} differ)"
        )
    closed = session.execute(
        select(AuditEvent.seq, AuditEvent.payload)
        .where(
            AuditEvent.action == "ballot.closed",
            AuditEvent.object_type == "ballot",
            AuditEvent.object_id == str(ballot.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if closed is None:
        problems.append(f"ballot {ballot.id}: closed, but the audit log records no close")
    else:
        digest = hashlib.sha256((ballot.result or "").encode("utf-8")).hexdigest()
        if json.loads(closed.payload).get("result_sha256") != digest:
            problems.append(
                f"ballot {ballot.id}: its stored result is not the one recorded at its close "
                f"({_event(closed.seq)})"
            )
    return problems


def _shown(vote: tuple[str | None, Any]) -> str:
    choice, ranking = vote
    return repr(choice) if ranking is None else json.dumps(ranking, sort_keys=True)


def _event(seq: int | None) -> str:
    return f"event {seq}" if seq is not None else "an event not chained yet"
