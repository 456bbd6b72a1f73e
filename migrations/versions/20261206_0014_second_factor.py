"""a second factor for signing in: TOTP secrets and recovery codes

``totp_factors`` holds one TOTP secret per account (pending until ``confirmed_at`` is set) and the
time step of the last code accepted; ``recovery_codes`` holds the SHA-256 digests of an account's
recovery codes. Both go with their account.

Revision ID: 0014_second_factor
Revises: 0010_releases
Create Date: 2026-12-06 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import charter_engine.db


revision = '0014_second_factor'
down_revision = '0010_releases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('totp_factors',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=32), nullable=False),
    sa.Column('created_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_step', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_factors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_factors'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_codes_user_id_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    op.drop_table('totp_factors')
