"""The statements of casting a vote (``casting.py``), built once at import or on first use: they
run on the busiest path of the application."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Insert,
    Integer,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from charter_engine.accounts.operations import holder_of_token
from charter_engine.accounts.permissions import roles_that_can
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import insert_event_from
from charter_engine.voting.models import (
    Ballot,
    BallotOption,
    Participation,
    Proxy,
    SecretBallot,
    Vote,
)
from charter_engine.voting.queries import BALLOT_LOCK_SPACE

_ballots = cast(Table, Ballot.__table__)
_options = cast(Table, BallotOption.__table__)
_proxies = cast(Table, Proxy.__table__)
VOTES = cast(Table, Vote.__table__)
PARTICIPATIONS = cast(Table, Participation.__table__)
_secret_ballots = cast(Table, SecretBallot.__table__)
_events = cast(Table, AuditEvent.__table__)

GATE = select(
    func.pg_advisory_xact_lock_shared(BALLOT_LOCK_SPACE, bindparam("ballot_id", type_=Integer))
)

TARGET = (
    select(
        _ballots.c.id,
        _ballots.c.state,
        _ballots.c.kind,
        _ballots.c.secrecy,
        _ballots.c.allow_change,
        _ballots.c.opens_at,
        _ballots.c.closes_at,
        exists()
        .where(
            _proxies.c.principal_id == bindparam("voter_id"),
            _proxies.c.revoked_at.is_(None),
            or_(_proxies.c.ballot_id == _ballots.c.id, _proxies.c.ballot_id.is_(None)),
        )
        .label("proxied"),
    )
    .where(_ballots.c.id == bindparam("ballot_id"))
    .with_for_update(read=True, of=_ballots)
)

OPTION_KEYS = (
    select(_options.c.key)
    .where(_options.c.ballot_id == bindparam("ballot_id"))
    .order_by(_options.c.position)
)

# The proxy that applies (one for this ballot wins over a standing one), locked against a
# concurrent revocation.
PROXY = (
    select(_proxies.c.id, _proxies.c.agent_id)
    .where(
        _proxies.c.principal_id == bindparam("voter_id"),
        _proxies.c.revoked_at.is_(None),
        or_(_proxies.c.ballot_id == bindparam("ballot_id"), _proxies.c.ballot_id.is_(None)),
    )
    .order_by(_proxies.c.ballot_id.is_(None), _proxies.c.id)
    .limit(1)
    .with_for_update(read=True)
)

INSERT_SECRET_BALLOT = insert(_secret_ballots)

# The usual vote in one statement: a member's own first vote on an open named ballot that takes a
# choice, when no proxy names them. The ballot row is taken FOR SHARE and re-checked under the
# lock (a close that commits first makes the condition false); on PostgreSQL the ballot's advisory
# gate is taken first, as an init-plan evaluated once before the row is locked. When nothing is
# inserted, the general path (``casting.cast_vote``) finds out why (a change, or a clear refusal).
#
# The voter is a parameter, or (``by_token``) the holder of an API token, found in the same
# statement: the active account of the unrevoked token, if its role may vote.
_OWN_VOTE_COLUMNS = (
    "ballot_id",
    "voter_id",
    "cast_by_id",
    "choice",
    "ranking",
    "cast_at",
    "change_count",
)
_FAST: dict[tuple[str, bool], Insert] = {}
# Stands for the voter's id in the event's payload when the statement finds the voter.
VOTER_MARK = "\x00"


def own_vote_stmt(dialect: str, *, by_token: bool = False) -> Insert:
    stmt = _FAST.get((dialect, by_token))
    if stmt is not None:
        return stmt
    now = bindparam("now", type_=VOTES.c.cast_at.type)
    source: FromClause = _ballots
    voter: ColumnElement[int]
    if by_token:
        holder = holder_of_token(
            bindparam("token_hash", type_=String), roles=roles_that_can("vote:cast")
        ).subquery("holder")
        source = _ballots.join(holder, true())  # at most one row each
        voter = holder.c.id
    else:
        voter = bindparam("voter_id", type_=Integer)
    conditions = [
        _ballots.c.id == bindparam("ballot_id", type_=Integer),
        _ballots.c.state == "open",
        or_(_ballots.c.closes_at.is_(None), _ballots.c.closes_at > now),
        _ballots.c.kind != "ranked",
        _ballots.c.secrecy == "named",
        ~exists().where(
            _proxies.c.principal_id == voter,
            _proxies.c.revoked_at.is_(None),
            or_(_proxies.c.ballot_id == _ballots.c.id, _proxies.c.ballot_id.is_(None)),
        ),
    ]
    if dialect == "postgresql":
        conditions.insert(0, GATE.scalar_subquery().is_not(None))
    rows = (
        select(
            _ballots.c.id,
            voter,
            voter,
            bindparam("choice", type_=String),
            null(),
            now,
            literal(0),
        )
        .select_from(source)
        .where(*conditions)
        .with_for_update(read=True, of=_ballots)
    )
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        dialect_insert(VOTES)
        .from_select(_OWN_VOTE_COLUMNS, rows)
        .on_conflict_do_nothing(index_elements=["ballot_id", "voter_id"])
        .returning(VOTES.c.id, VOTES.c.voter_id)
    )
    if dialect == "postgresql":
        # The vote's audit event in the same round trip: written only when the vote was.
        vote = stmt.cte("vote")
        computed: dict[str, ColumnElement[Any]] = {}
        if by_token:
            computed["actor_id"] = vote.c.voter_id
            computed["payload"] = (
                bindparam("payload_head", type_=String)
                + vote.c.voter_id.cast(String)
                + bindparam("payload_tail", type_=String)
            )
        stmt = insert_event_from(vote, **computed).returning(_events.c.actor_id.label("voter_id"))
    _FAST[(dialect, by_token)] = stmt
    return stmt


_INSERTS: dict[tuple[str, str], Insert] = {}


def insert_if_new_stmt(dialect: str, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT (ballot_id, voter_id) DO NOTHING RETURNING id``, built once."""
    key = (dialect, table.name)
    stmt = _INSERTS.get(key)
    if stmt is None:
        dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            dialect_insert(table)
            .on_conflict_do_nothing(index_elements=["ballot_id", "voter_id"])
            .returning(table.c.id)
        )
        _INSERTS[key] = stmt
    return stmt
