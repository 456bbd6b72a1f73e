"""votes and participations: drop the indexes on voter_id alone

Every vote writes a row of one of these tables and so an entry in each of its indexes. Every
query on them names the ballot, and the unique (ballot_id, voter_id) index serves those, also a
member's votes on a list of ballots (``ballot_id IN (...)``); no query looks votes up by voter
alone.

Revision ID: 0007_votes_voter_indexes
Revises: 0006_audit_unused_indexes
Create Date: 2026-11-26 09:45:00.000000
"""

from alembic import op


revision = '0007_votes_voter_indexes'
down_revision = '0006_audit_unused_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_voter_id')
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_participations_voter_id')


def downgrade() -> None:
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_participations_voter_id', ['voter_id'], unique=False)
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_voter_id', ['voter_id'], unique=False)
