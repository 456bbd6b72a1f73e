"""audit events: a partial index to find the events whose chain link the pages show

The result page of a closed ballot and every release page show where their event stands in the
audit chain (its number and hash). The index holds only those events (``ballot.closed`` and
``release.published``), by object, so votes write nothing to it.

Revision ID: 0017_audit_published_links
Revises: 0015_ballot_roll_rules
Create Date: 2026-12-06 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = '0017_audit_published_links'
down_revision = '0015_ballot_roll_rules'
branch_labels = None
depends_on = None

PREDICATE = "action IN ('ballot.closed', 'release.published')"


def upgrade() -> None:
    op.create_index(
        'ix_audit_events_published_links',
        'audit_events',
        ['object_type', 'object_id'],
        unique=False,
        sqlite_where=sa.text(PREDICATE),
        postgresql_where=sa.text(PREDICATE),
    )


def downgrade() -> None:
    op.drop_index('ix_audit_events_published_links', table_name='audit_events')
