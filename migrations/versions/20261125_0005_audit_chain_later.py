"""audit events recorded now and chained later: seq, prev_hash and hash may be NULL together

Revision ID: 0005_audit_chain_later
Revises: 0004_merge
Create Date: 2026-11-25 22:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

from charter_engine.errors import Conflict


revision = '0005_audit_chain_later'
down_revision = '0004_merge'
branch_labels = None
depends_on = None

CHAIN_COLUMNS = (
    ('seq', sa.Integer()),
    ('prev_hash', sa.String(length=64)),
    ('hash', sa.String(length=64)),
)


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for name, type_ in CHAIN_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_audit_events_chained_or_not'),
            '(seq IS NULL AND prev_hash IS NULL AND hash IS NULL)'
            ' OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)',
        )
        batch_op.create_index(
            'ix_audit_events_unchained',
            ['id'],
            unique=False,
            sqlite_where=sa.text('seq IS NULL'),
            postgresql_where=sa.text('seq IS NULL'),
        )


def downgrade() -> None:
    # Every event must keep its place in the chain: the older schema has no room for an event that
    # is not chained yet, so those are chained first, by the application, never dropped here.
    unchained = op.get_bind().execute(
        sa.text('SELECT count(*) FROM audit_events WHERE seq IS NULL')
    ).scalar_one()
    if unchained:
        raise Conflict(
            f'{unchained} audit event(s) are not chained yet: run '
            "'charter-engine audit chain' (with this version of the code), then downgrade again"
        )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_unchained')
        batch_op.drop_constraint(op.f('ck_audit_events_chained_or_not'), type_='check')
        for name, type_ in CHAIN_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
