"""audit events: drop the indexes on action and actor_id, which no query reads

Every vote writes an audit event and then chains it (an UPDATE, which writes a new row version
and its index entries), so each index of the table is paid for twice per vote. No query looks
events up by action or by actor (the log is read in chain order, by seq); an index comes back
with the first page or command that needs one.

Revision ID: 0006_audit_unused_indexes
Revises: 0005_audit_chain_later
Create Date: 2026-11-26 08:00:00.000000
"""

from alembic import op


revision = '0006_audit_unused_indexes'
down_revision = '0005_audit_chain_later'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_action')
        batch_op.drop_index('ix_audit_events_actor_id')


def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor_id', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_action', ['action'], unique=False)
