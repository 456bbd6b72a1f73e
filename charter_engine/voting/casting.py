"""Casting and changing votes: the busiest path of the application.

When a ballot opens, the whole membership may vote within minutes, so a vote is a short
transaction with few round trips and statements built once (``cast_statements.py``):

1. on PostgreSQL, the ballot's advisory lock in share mode (see ``queries.get_ballot``: it keeps a
   steady stream of votes from starving a close);
2. the ballot row ``FOR SHARE`` with its state, kind, secrecy and closing time, and whether any
   proxy might apply to the voter; the state and time are checked under that lock, so a close
   (which takes the row ``FOR UPDATE``) waits for this vote to commit and counts it, or this vote
   waits for the close and is refused;
3. the proxy row, locked against a concurrent revocation, only when a proxy may apply;
4. ``INSERT ... ON CONFLICT (ballot_id, voter_id) DO NOTHING``: the unique constraint keeps one vote
   per voter (a concurrent insert for the same voter waits for the other transaction, then does
   nothing), the roll's foreign key refuses a voter who is not on the roll. When nothing was
   inserted the voter has voted, and the vote becomes a change (if the ballot allows it) under a
   row lock;
5. the audit event, written without the chain's lock (``chain_later``) and chained moments after
   the commit, in batches, so that concurrent votes never queue behind each other for the chain.
   On PostgreSQL the usual vote writes its event in the same statement (a data-modifying CTE);
   when the caller commits at once (the API does, see ``db.commits_at_once``) that statement is a
   transaction by itself, without BEGIN and COMMIT round trips. The API's usual vote checks the
   bearer token in that statement too (``cast_own_vote_with_token``): one round trip in all.

Secret ballots write who voted (``ballot_participations``) and what was voted (``secret_ballots``,
found again only by the hash of the voter's receipt) separately.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import Actor, ensure_can
from charter_engine.audit.operations import (
    canonical_json,
    event_params,
    event_row,
    record_event,
    record_row,
)
from charter_engine.db import statements_on_their_own, utcnow
from charter_engine.errors import Conflict, NotFound, PermissionDenied, ValidationError
from charter_engine.ids import is_id
from charter_engine.voting.cast_statements import (
    GATE,
    INSERT_SECRET_BALLOT,
    OPTION_KEYS,
    PARTICIPATIONS,
    PROXY,
    TARGET,
    VOTER_MARK,
    VOTES,
    insert_if_new_stmt,
    own_vote_stmt,
)
from charter_engine.voting.models import Ballot, Participation, SecretBallot, Vote
from charter_engine.voting.queries import receipt_hash
from charter_engine.voting.rules import CHOICES, parse_choice, parse_id, parse_ranking


class BallotClosed(Conflict):
    """A vote arrived when the ballot takes no votes (not open yet, closed, past its time)."""

    code = "ballot_closed"


class AlreadyVoted(Conflict):
    code = "already_voted"


@dataclass(frozen=True)
class CastResult:
    ballot_id: int
    voter_id: int
    cast_by_id: int
    changed: bool
    receipt: str | None = None


@dataclass(frozen=True)
class _Target:
    """What a vote needs of its ballot, read under the ballot's share lock."""

    id: int
    state: str
    kind: str
    secrecy: str
    allow_change: bool
    opens_at: datetime | None
    closes_at: datetime | None
    # Some unrevoked proxy names the voter as principal (read without a lock; see cast_vote).
    proxied: bool


def _new_receipt() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def closed_message(ballot: Ballot | _Target, now: datetime) -> str:
    if ballot.state == "draft":
        when = f" It opens at {ballot.opens_at.isoformat()}." if ballot.opens_at else ""
        return "This ballot is not open yet." + when
    if ballot.state == "closed":
        return "This ballot is closed; votes are no longer accepted."
    assert ballot.closes_at is not None
    return f"Voting closed at {ballot.closes_at.isoformat()}; votes are no longer accepted."


def _lock_target(session: Session, ballot_id: int, voter_id: int) -> _Target:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(GATE, {"ballot_id": ballot_id})
    row = conn.execute(TARGET, {"ballot_id": ballot_id, "voter_id": voter_id}).first()
    if row is None:
        raise NotFound(f"There is no ballot {ballot_id}.")
    return _Target(*row)


def cast_vote(
    session: Session,
    ballot: Ballot | int,
    *,
    actor: Actor,
    choice: object = None,
    ranking: object = None,
    on_behalf_of: object = None,
    receipt: object = None,
    now: datetime | None = None,
) -> CastResult:
    """Cast or change a vote: ``choice`` ("yes" | "no" | "abstain") on amendment and adoption
    ballots, ``ranking`` ({option key: rank}) on ranked ballots. ``on_behalf_of`` casts for a member
    whose proxy ``actor`` holds. On a secret ballot the first vote returns a receipt code (shown
    once); changing a secret vote needs that receipt."""
    ensure_can(actor, "vote:cast")
    now = utcnow() if now is None else now
    ballot_id = ballot if isinstance(ballot, int) else ballot.id
    if not is_id(ballot_id):
        raise NotFound(f"There is no ballot {ballot_id!r}.")
    usual = is_usual_vote(choice, ranking=ranking, on_behalf_of=on_behalf_of, receipt=receipt)
    if (
        usual
        and _insert_own_vote(session, ballot_id, choice=str(choice), now=now, voter_id=actor.id)
        is not None
    ):
        return CastResult(ballot_id, actor.id, actor.id, changed=False)
    voter_id = actor.id if on_behalf_of is None else parse_id(on_behalf_of, "on_behalf_of")
    target = _lock_target(session, ballot_id, voter_id)
    if target.state != "open" or (target.closes_at is not None and now >= target.closes_at):
        raise BallotClosed(closed_message(target, now))

    if target.kind == "ranked":
        if choice is not None:
            raise ValidationError("A ranked ballot takes a ranking, not a choice.", field="choice")
        keys = session.connection().execute(OPTION_KEYS, {"ballot_id": target.id}).scalars()
        parsed_ranking: dict[str, int] | None = parse_ranking(ranking, list(keys))
        parsed_choice = None
    else:
        if ranking is not None:
            raise ValidationError(
                "This ballot takes a choice (yes, no or abstain), not a ranking.", field="ranking"
            )
        parsed_choice = parse_choice(choice)
        parsed_ranking = None
    if receipt is not None and (not isinstance(receipt, str) or not receipt.strip()):
        raise ValidationError(
            "The receipt is the code you were given when you voted.", field="receipt"
        )
    if receipt is not None and target.secrecy != "secret":
        raise ValidationError(
            "Receipts belong to secret ballots; this ballot is named.", field="receipt"
        )

    # Without any proxy naming the voter (the usual case) there is nothing to lock: a proxy given
    # while this vote is in flight comes after it, and finds the vote cast.
    proxy = _proxy_for_cast(session, target.id, voter_id) if target.proxied else None
    if voter_id == actor.id:
        if proxy is not None:
            agent = session.get(User, proxy[1])
            raise Conflict(
                f"You gave your vote on this ballot to {agent.name if agent else 'another member'}"
                " (a proxy). Revoke the proxy to vote yourself."
            )
    elif proxy is None or proxy[1] != actor.id:
        raise PermissionDenied("You hold no proxy from that member for this ballot.")

    if target.secrecy == "secret":
        result = _cast_secret(
            session,
            target,
            actor=actor,
            voter_id=voter_id,
            choice=parsed_choice,
            ranking=parsed_ranking,
            receipt=receipt if isinstance(receipt, str) else None,
            now=now,
        )
    else:
        result = _cast_named(
            session,
            target,
            actor=actor,
            voter_id=voter_id,
            choice=parsed_choice,
            ranking=parsed_ranking,
            now=now,
        )
    payload: dict[str, Any] = {"ballot": target.id, "voter": voter_id}
    if voter_id != actor.id:
        payload["proxy"] = True
    if target.secrecy == "secret":
        payload["secret"] = True
    else:
        payload["choice"] = parsed_choice
        payload["ranking"] = parsed_ranking
    record_event(
        session,
        "vote.changed" if result.changed else "vote.cast",
        actor_id=actor.id,
        object_type="ballot",
        object_id=target.id,
        payload=payload,
        chain_later=True,
    )
    return result


def _ranking_json(ranking: dict[str, int] | None) -> str | None:
    return None if ranking is None else json.dumps(ranking, sort_keys=True, separators=(",", ":"))


def _already_voted(ballot: _Target, actor: Actor, voter_id: int) -> AlreadyVoted:
    who = "You have" if voter_id == actor.id else "The vote of the member you represent has"
    verb = "voted" if voter_id == actor.id else "been cast"
    if not ballot.allow_change:
        return AlreadyVoted(
            f"{who} already {verb} on this ballot; this ballot does not allow changing a vote."
        )
    return AlreadyVoted(
        f"{who} already {verb} on this ballot. To change a secret vote, send the receipt given "
        "when it was cast."
    )


def _ensure_may_change(ballot: _Target, actor: Actor, voter_id: int, cast_by_id: int) -> None:
    if not ballot.allow_change:
        raise _already_voted(ballot, actor, voter_id)
    if actor.id != voter_id and cast_by_id == voter_id:
        raise AlreadyVoted("That member voted themselves; a proxy does not change their vote.")


def _proxy_for_cast(session: Session, ballot_id: int, voter_id: int) -> tuple[int, int] | None:
    """(proxy id, agent id) of the proxy that applies, locked against a concurrent revocation."""
    row = (
        session.connection().execute(PROXY, {"ballot_id": ballot_id, "voter_id": voter_id}).first()
    )
    return None if row is None else (row[0], row[1])


def _insert_if_new(session: Session, table: Table, values: dict[str, Any], *, actor: Actor) -> bool:
    """Insert the voter's row unless one exists; True when the row is new.

    A double submission never becomes an error: the second insert does nothing. The roll's foreign
    key refuses a voter who is not on the roll.
    """
    conn = session.connection()
    try:
        inserted = conn.execute(insert_if_new_stmt(conn.dialect.name, table), values).first()
    except IntegrityError:
        raise _not_on_roll(own=values["voter_id"] == actor.id) from None
    return inserted is not None


def _not_on_roll(*, own: bool) -> PermissionDenied:
    """The refusal when the roll's foreign key turned a vote down."""
    who = "You are" if own else "The member you vote for is"
    return PermissionDenied(
        f"{who} not on the roll of this ballot (the roll was fixed when it opened)."
    )


def is_usual_vote(
    choice: object, *, ranking: object = None, on_behalf_of: object = None, receipt: object = None
) -> bool:
    """A vote that the one-statement path may cast: the voter's own, a choice, no receipt."""
    return on_behalf_of is None and receipt is None and ranking is None and choice in CHOICES


def _own_vote_payload(ballot_id: int, voter_id: object, choice: str) -> dict[str, Any]:
    return {"ballot": ballot_id, "voter": voter_id, "choice": choice, "ranking": None}


def _insert_own_vote(
    session: Session,
    ballot_id: int,
    *,
    choice: str,
    now: datetime,
    voter_id: int | None = None,
    token_hash: str | None = None,
) -> int | None:
    """The usual vote in one statement (see ``own_vote_stmt``) by ``voter_id`` or by the holder
    of the token with ``token_hash``; the voter's id when it was cast."""
    conn = session.connection()
    dialect = conn.dialect.name
    by_token = token_hash is not None
    params: dict[str, Any] = {"ballot_id": ballot_id, "choice": choice, "now": now}
    if by_token:
        params["token_hash"] = token_hash
    else:
        params["voter_id"] = voter_id
    event = event_row(
        "vote.cast",
        actor_id=voter_id,
        object_type="ballot",
        object_id=ballot_id,
        payload=_own_vote_payload(ballot_id, VOTER_MARK if by_token else voter_id, choice),
    )
    if dialect == "postgresql":
        params.update(event_params(event))
        if by_token:
            head, _, tail = event["payload"].partition(canonical_json(VOTER_MARK))
            params.update(payload_head=head, payload_tail=tail)
    try:
        # One statement on PostgreSQL, which may be a transaction by itself (when the caller
        # commits at once): the vote, its event and its locks begin and end with it.
        with statements_on_their_own(session) as conn:
            row = conn.execute(own_vote_stmt(dialect, by_token=by_token), params).first()
    except IntegrityError:
        raise _not_on_roll(own=True) from None
    if row is None:
        return None
    voter: int = row.voter_id
    if by_token:  # the values the statement wrote
        event["actor_id"] = voter
        event["payload"] = canonical_json(_own_vote_payload(ballot_id, voter, choice))
    # On PostgreSQL the statement wrote the event too; SQLite writes it at commit.
    record_row(session, event, chain_later=True, written=dialect == "postgresql")
    return voter


def cast_own_vote_with_token(
    session: Session,
    ballot_id: int,
    *,
    token_hash: str,
    choice: object,
    now: datetime | None = None,
) -> CastResult | None:
    """The usual vote (see :func:`is_usual_vote`) of an API token's holder, in one statement that
    checks the token too: the voter is the active account whose unrevoked token has
    ``token_hash``, if its role may vote. None when nothing was cast — the caller then checks the
    token and calls :func:`cast_vote`, which finds out why (an unknown token, a change, a closed
    ballot, a proxy ...)."""
    if not is_usual_vote(choice):
        return None
    voter = _insert_own_vote(
        session,
        ballot_id,
        choice=str(choice),
        now=utcnow() if now is None else now,
        token_hash=token_hash,
    )
    return None if voter is None else CastResult(ballot_id, voter, voter, changed=False)


def _cast_named(
    session: Session,
    ballot: _Target,
    *,
    actor: Actor,
    voter_id: int,
    choice: str | None,
    ranking: dict[str, int] | None,
    now: datetime,
) -> CastResult:
    values = {
        "ballot_id": ballot.id,
        "voter_id": voter_id,
        "cast_by_id": actor.id,
        "choice": choice,
        "ranking": _ranking_json(ranking),
        "cast_at": now,
        "change_count": 0,
    }
    if _insert_if_new(session, VOTES, values, actor=actor):
        return CastResult(ballot.id, voter_id, actor.id, changed=False)
    # The voter has voted (perhaps a moment ago, in a request that just committed): a change.
    vote = session.execute(
        select(Vote)
        .where(Vote.ballot_id == ballot.id, Vote.voter_id == voter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    _ensure_may_change(ballot, actor, voter_id, vote.cast_by_id)
    vote.choice, vote.ranking = choice, _ranking_json(ranking)
    vote.cast_by_id = actor.id
    vote.changed_at = now
    vote.change_count += 1
    session.flush()
    return CastResult(ballot.id, voter_id, actor.id, changed=True)


def _cast_secret(
    session: Session,
    ballot: _Target,
    *,
    actor: Actor,
    voter_id: int,
    choice: str | None,
    ranking: dict[str, int] | None,
    receipt: str | None,
    now: datetime,
) -> CastResult:
    if receipt is None:
        code = _new_receipt()
        values = {
            "ballot_id": ballot.id,
            "voter_id": voter_id,
            "cast_by_id": actor.id,
            "cast_at": now,
        }
        if _insert_if_new(session, PARTICIPATIONS, values, actor=actor):
            session.connection().execute(
                INSERT_SECRET_BALLOT,
                {
                    "id": secrets.token_hex(16),
                    "ballot_id": ballot.id,
                    "receipt_hash": receipt_hash(ballot.id, code),
                    "choice": choice,
                    "ranking": _ranking_json(ranking),
                },
            )
            return CastResult(ballot.id, voter_id, actor.id, changed=False, receipt=code)
    participation = session.execute(
        select(Participation)
        .where(Participation.ballot_id == ballot.id, Participation.voter_id == voter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if participation is None:
        raise ValidationError(
            "There is no vote to change yet; cast your vote without a receipt.", field="receipt"
        )
    _ensure_may_change(ballot, actor, voter_id, participation.cast_by_id)
    if receipt is None:
        raise _already_voted(ballot, actor, voter_id)
    row = session.execute(
        select(SecretBallot)
        .where(
            SecretBallot.ballot_id == ballot.id,
            SecretBallot.receipt_hash == receipt_hash(ballot.id, receipt),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise ValidationError(
            "This receipt does not match a ballot cast in this vote.", field="receipt"
        )
    row.choice, row.ranking = choice, _ranking_json(ranking)
    participation.cast_by_id = actor.id
    session.flush()
    return CastResult(ballot.id, voter_id, actor.id, changed=True)
