"""Keeping a secret ballot secret once it closes.

While a secret ballot is open, a voter's participation (who) and their ballot paper (what) are
written by the same transaction, one after the other. Nothing in the rows links them — the paper
has a random key, no voter, no time, and the receipt is stored in two forms that cannot be matched
with each other (:mod:`.receipts`) — but the storage can: on PostgreSQL both rows carry the same
``xmin`` (the writing transaction) and the papers lie in the table (``ctid``) in the order they
were cast, which is also the order of the participations' ids and times.

So the close rewrites the ballot's papers (:func:`rewrite_papers`, in the closing transaction):
every paper is deleted and written again as a fresh row with a new random key, all in one
``INSERT`` in the order of those new keys — a random order. Afterwards every paper carries the
closing transaction's ``xmin``, its place in the table and its key say nothing about when it was
cast, and its fingerprint (published with the counted ballots) can only be matched by its
receipt. What this does not cover is said in ``docs/internals.md`` ("Voting", secret ballots).
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from charter_engine.voting.models import Ballot, SecretBallot


def new_paper_key() -> str:
    return secrets.token_hex(16)


def rewrite_papers(session: Session, ballot: Ballot) -> int:
    """Rewrite the ballot's papers as fresh rows in random order; returns how many there are."""
    papers = [
        {
            "id": new_paper_key(),
            "ballot_id": ballot.id,
            "receipt_hash": row.receipt_hash,
            "choice": row.choice,
            "ranking": row.ranking,
        }
        for row in session.execute(
            select(SecretBallot.receipt_hash, SecretBallot.choice, SecretBallot.ranking).where(
                SecretBallot.ballot_id == ballot.id
            )
        )
    ]
    session.execute(delete(SecretBallot).where(SecretBallot.ballot_id == ballot.id))
    if papers:
        papers.sort(key=lambda paper: paper["id"])
        session.execute(insert(SecretBallot), papers)
    return len(papers)
