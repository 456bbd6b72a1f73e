"""throttle counters instead of login failures; length limits on the long texts (PostgreSQL)

Throttling now counts attempts per key and window in one row each (``throttle_counters``),
incremented atomically; the rows of ``login_failures`` (one per failure, counted and then
inserted) go. They are only minutes of history: dropping them forgives recent failures once.

On PostgreSQL the long free texts get CHECK constraints with the limits of
``charter_engine/limits.py`` (the short ones are ``String(n)`` already). A text already longer
than its limit stops the upgrade with the rows named, rather than being cut. SQLite gets none:
it would mean rebuilding tables that others reference (see ``limits.length_check``).

Revision ID: 0009_throttle_and_text_limits
Revises: 0008_secret_ballot_receipts
Create Date: 2026-12-06 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import charter_engine.db
from charter_engine.errors import Conflict


revision = '0009_throttle_and_text_limits'
down_revision = '0008_secret_ballot_receipts'
branch_labels = None
depends_on = None

# (table, column, limit): the values of charter_engine/limits.py when this revision was written.
LENGTH_CHECKS = (
    ('amendments', 'rationale', 20_000),
    ('comments', 'body', 20_000),
    ('revisions', 'note', 2_000),
    ('users', 'bio', 2_000),
)


def upgrade() -> None:
    op.create_table('throttle_counters',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_throttle_counters_attempts_not_negative')),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_throttle_counters'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_at')
    op.drop_table('login_failures')

    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    too_long = []
    for table, column, limit in LENGTH_CHECKS:
        ids = bind.execute(
            sa.text(f'SELECT id FROM {table} WHERE length({column}) > :limit ORDER BY id'),
            {'limit': limit},
        ).scalars().all()
        if ids:
            shown = ', '.join(str(i) for i in ids[:20]) + (' …' if len(ids) > 20 else '')
            too_long.append(f'{table}.{column} longer than {limit:,} characters: id {shown}')
    if too_long:
        raise Conflict(
            'Some texts are longer than Charter Engine now allows; shorten them, then upgrade '
            'again. ' + '; '.join(too_long)
        )
    for table, column, limit in LENGTH_CHECKS:
        op.create_check_constraint(
            op.f(f'ck_{table}_{column}_length'), table, f'length({column}) <= {limit}'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, column, _limit in LENGTH_CHECKS:
            op.drop_constraint(op.f(f'ck_{table}_{column}_length'), table, type_='check')
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failed_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_key_at', ['key', 'failed_at'], unique=False)
    op.drop_table('throttle_counters')
