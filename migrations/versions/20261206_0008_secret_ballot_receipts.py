"""secret ballots: a salted receipt check on each participation; closed ballots' papers rewritten

A secret vote can only be changed with the receipt given for that voter: the participation keeps a
salted hash of it (``receipt_check``), which cannot be matched with the paper's fingerprint.
Participations written before have none, so their votes can no longer be changed.

The papers of every secret ballot closed before this revision are rewritten as a ballot's close
now does (``charter_engine.voting.secrecy``): fresh rows with new random keys, written in the order
of those keys, so that neither their keys nor their place in the table follow the order of voting.

Revision ID: 0008_secret_ballot_receipts
Revises: 0007_votes_voter_indexes
Create Date: 2026-12-06 10:00:00.000000
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = '0008_secret_ballot_receipts'
down_revision = '0007_votes_voter_indexes'
branch_labels = None
depends_on = None

papers = sa.table(
    'secret_ballots',
    sa.column('id', sa.String),
    sa.column('ballot_id', sa.Integer),
    sa.column('receipt_hash', sa.String),
    sa.column('choice', sa.String),
    sa.column('ranking', sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_check', sa.String(length=100), nullable=True))
    conn = op.get_bind()
    closed = conn.execute(
        sa.text("SELECT id FROM ballots WHERE secrecy = 'secret' AND state = 'closed' ORDER BY id")
    ).scalars().all()
    for ballot_id in closed:
        rows = conn.execute(
            sa.select(papers.c.receipt_hash, papers.c.choice, papers.c.ranking).where(
                papers.c.ballot_id == ballot_id
            )
        ).all()
        conn.execute(sa.delete(papers).where(papers.c.ballot_id == ballot_id))
        fresh = sorted(
            (
                {
                    'id': secrets.token_hex(16),
                    'ballot_id': ballot_id,
                    'receipt_hash': row.receipt_hash,
                    'choice': row.choice,
                    'ranking': row.ranking,
                }
                for row in rows
            ),
            key=lambda paper: paper['id'],
        )
        if fresh:
            conn.execute(sa.insert(papers), fresh)


def downgrade() -> None:
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.drop_column('receipt_check')
