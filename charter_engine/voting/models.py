"""Ballots and votes: the rules, the pinned options, the frozen roll, votes, proxies.

The schema carries the invariants that must never depend on an ``if`` in Python:

- one vote per voter per ballot: ``UNIQUE (ballot_id, voter_id)`` on ``votes`` (named ballots) and
  on ``ballot_participations`` (secret ballots);
- only voters on the ballot's frozen roll can vote: votes and participations reference
  ``ballot_roll (ballot_id, user_id)``;
- a secret ballot keeps who voted (``ballot_participations``) apart from what was voted
  (``secret_ballots``): the latter has a random key, no voter, no time and no sequential number, and
  on SQLite it is a ``WITHOUT ROWID`` table so not even the storage order follows the insertion
  order;
- at most one active proxy per principal and scope (one ballot, or all ballots): a partial unique
  index;
- state invariants (a non-draft ballot has pinned its revision; a closed one has a result) are
  CHECK constraints.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_engine.db import Base, utcnow


class Ballot(Base):
    __tablename__ = "ballots"
    __table_args__ = (
        CheckConstraint("kind IN ('amendment', 'ranked', 'adoption')", name="kind_known"),
        CheckConstraint("state IN ('draft', 'open', 'closed')", name="state_known"),
        CheckConstraint(
            "threshold IN ('simple', 'two_thirds', 'three_quarters', 'consensus')",
            name="threshold_known",
        ),
        CheckConstraint("secrecy IN ('named', 'secret')", name="secrecy_known"),
        CheckConstraint("weighting IN ('member', 'organisation')", name="weighting_known"),
        CheckConstraint("unranked IN ('below', 'ignore')", name="unranked_known"),
        CheckConstraint(
            "roll_rule IN ('members', 'members_and_secretariat', 'chosen')", name="roll_rule_known"
        ),
        CheckConstraint("secrecy = 'named' OR weighting = 'member'", name="secret_unweighted"),
        CheckConstraint(
            "(quorum_kind IS NULL AND quorum_num IS NULL AND quorum_den IS NULL) OR "
            "(quorum_kind = 'share' AND quorum_num > 0 AND quorum_den >= quorum_num) OR "
            "(quorum_kind = 'votes' AND quorum_num > 0 AND quorum_den >= 1)",
            name="quorum_valid",
        ),
        CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at", name="times_ordered"
        ),
        CheckConstraint(
            "state = 'draft' OR (opened_at IS NOT NULL AND revision_number IS NOT NULL "
            "AND text_sha256 IS NOT NULL)",
            name="opened_is_pinned",
        ),
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        CheckConstraint(
            "(state = 'closed') = (result IS NOT NULL AND outcome IS NOT NULL)",
            name="closed_has_result",
        ),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('adopted', 'rejected', 'kept', 'tie', 'void')",
            name="outcome_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    # rules, frozen when the ballot opens
    threshold: Mapped[str] = mapped_column(String(20), default="simple")
    abstentions_count: Mapped[bool] = mapped_column(default=False)
    quorum_kind: Mapped[str | None] = mapped_column(String(10))
    quorum_num: Mapped[int | None]
    quorum_den: Mapped[int | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    allow_change: Mapped[bool] = mapped_column(default=True)
    secrecy: Mapped[str] = mapped_column(String(10), default="named")
    weighting: Mapped[str] = mapped_column(String(20), default="member")
    unranked: Mapped[str] = mapped_column(String(10), default="below")
    # who is on the roll: active members, members and the secretariat, or the chosen voters
    roll_rule: Mapped[str] = mapped_column(String(30), default="members")
    # the text voted on, pinned when the ballot opens
    revision_number: Mapped[int | None]
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    roll_count: Mapped[int | None]
    # life
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(10))
    # JSON: the count as computed at close, with the reason in words.
    result: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    options: Mapped[list[BallotOption]] = relationship(
        back_populates="ballot", order_by="BallotOption.position", cascade="all, delete-orphan"
    )
    chosen_voters: Mapped[list[ChosenVoter]] = relationship(
        order_by="ChosenVoter.user_id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Ballot {self.id} {self.kind} {self.state}>"


class BallotOption(Base):
    """An amendment on the ballot (or, on ranked ballots, "keep the current text")."""

    __tablename__ = "ballot_options"
    __table_args__ = (
        UniqueConstraint("ballot_id", "key"),
        UniqueConstraint("ballot_id", "position"),
        UniqueConstraint("ballot_id", "amendment_id"),
        CheckConstraint("(key = 'keep') = (amendment_id IS NULL)", name="default_has_no_amendment"),
        CheckConstraint(
            "majority_den >= 1 AND majority_num >= majority_den", name="majority_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(300))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    # sha256 of exactly what the amendment proposed when the ballot opened
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # the ratio this option needs against "keep" (ranked ballots)
    majority_num: Mapped[int] = mapped_column(default=1)
    majority_den: Mapped[int] = mapped_column(default=1)

    ballot: Mapped[Ballot] = relationship(back_populates="options")


class ChosenVoter(Base):
    """One voter named for the roll of a ballot whose ``roll_rule`` is ``chosen``. The list is a
    rule like the others: edited while the ballot is a draft, frozen into the roll when it opens
    (those still active members or secretariat by then)."""

    __tablename__ = "ballot_chosen_voters"

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class RollEntry(Base):
    """One eligible voter of one ballot, with their weight, frozen when the ballot opens."""

    __tablename__ = "ballot_roll"
    __table_args__ = (CheckConstraint("weight_num >= 0 AND weight_den >= 1", name="weight_valid"),)

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    weight_num: Mapped[int] = mapped_column(default=1)
    weight_den: Mapped[int] = mapped_column(default=1)
    organisation: Mapped[str | None] = mapped_column(String(200))


def _one_per_voter_on_the_roll() -> tuple[UniqueConstraint, ForeignKeyConstraint]:
    """The constraints of a table of what voters did on a ballot (votes, participations): one row
    per voter, and only for voters on the ballot's frozen roll."""
    return (
        UniqueConstraint("ballot_id", "voter_id"),
        ForeignKeyConstraint(
            ["ballot_id", "voter_id"],
            ["ballot_roll.ballot_id", "ballot_roll.user_id"],
            ondelete="CASCADE",
        ),
    )


def load_ranking(stored: str | None) -> dict[str, int] | None:
    """A ranking as stored in ``ranking`` columns (a JSON object option key → rank), or None."""
    if not stored:
        return None
    ranking: dict[str, int] = json.loads(stored)
    return ranking


class Vote(Base):
    """A vote on a named ballot: who, what, and who cast it (the voter, or their proxy)."""

    __tablename__ = "votes"
    __table_args__ = (
        *_one_per_voter_on_the_roll(),
        CheckConstraint(
            "choice IS NULL OR choice IN ('yes', 'no', 'abstain')", name="choice_known"
        ),
        CheckConstraint("(choice IS NULL) <> (ranking IS NULL)", name="choice_or_ranking"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int]
    voter_id: Mapped[int]
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[str | None] = mapped_column(String(10))
    # JSON object option key → rank, keys sorted
    ranking: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None]
    change_count: Mapped[int] = mapped_column(default=0)


class Participation(Base):
    """On a secret ballot: that someone voted, and who cast it. Never what.

    ``receipt_check`` is a salted hash of the voter's receipt (see :mod:`.receipts`): only that
    receipt matches it, and it cannot be matched with the ballot paper's fingerprint.
    """

    __tablename__ = "ballot_participations"
    __table_args__ = _one_per_voter_on_the_roll()

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int]
    voter_id: Mapped[int]
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    receipt_check: Mapped[str | None] = mapped_column(String(100))


class SecretBallot(Base):
    """On a secret ballot: what was voted. No voter, no time, no order; a random key.

    ``receipt_hash`` is the SHA-256 of the receipt code given to the voter once; the published list
    of counted ballots shows it next to the choice so the voter can find their ballot.
    """

    __tablename__ = "secret_ballots"
    __table_args__ = (
        UniqueConstraint("receipt_hash"),
        CheckConstraint(
            "choice IS NULL OR choice IN ('yes', 'no', 'abstain')", name="choice_known"
        ),
        CheckConstraint("(choice IS NULL) <> (ranking IS NULL)", name="choice_or_ranking"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(64))
    choice: Mapped[str | None] = mapped_column(String(10))
    ranking: Mapped[str | None] = mapped_column(Text)


class Proxy(Base):
    """A member's vote given to another member, for one ballot (``ballot_id``) or for all ballots
    until revoked. ``scope`` is ``"all"`` or ``"ballot:<id>"``, so that one partial unique index
    allows at most one active proxy per principal and scope."""

    __tablename__ = "proxies"
    __table_args__ = (
        CheckConstraint("principal_id <> agent_id", name="not_self"),
        CheckConstraint(
            "(ballot_id IS NULL AND scope = 'all') OR "
            "(ballot_id IS NOT NULL AND scope = 'ballot:' || ballot_id)",
            name="scope_matches",
        ),
        CheckConstraint("revoked_at IS NULL OR revoked_at >= created_at", name="revoked_after"),
        Index(
            "uq_proxies_active_scope",
            "principal_id",
            "scope",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ballot_id: Mapped[int | None] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.revoked_at is None
