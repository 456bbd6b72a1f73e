"""who is on a ballot's roll: members only, members and the secretariat, or a chosen list

The roll rule is one of a ballot's rules, frozen when it opens. Ballots that opened before this
revision froze their rolls with the secretariat on them, so they get ``members_and_secretariat``,
which is what their rolls hold; drafts take the new default, ``members``.

Revision ID: 0015_ballot_roll_rules
Revises: 0014_second_factor
Create Date: 2026-12-06 05:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0015_ballot_roll_rules'
down_revision = '0014_second_factor'
branch_labels = None
depends_on = None

ROLL_RULE_CHECK = "roll_rule IN ('members', 'members_and_secretariat', 'chosen')"


def upgrade() -> None:
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('roll_rule', sa.String(length=30), nullable=False, server_default='members')
        )
        batch_op.create_check_constraint(op.f('ck_ballots_roll_rule_known'), ROLL_RULE_CHECK)
    op.execute("UPDATE ballots SET roll_rule = 'members_and_secretariat' WHERE state <> 'draft'")
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.alter_column('roll_rule', server_default=None)

    op.create_table('ballot_chosen_voters',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_chosen_voters_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballot_chosen_voters_user_id_users')),
    sa.PrimaryKeyConstraint('ballot_id', 'user_id', name=op.f('pk_ballot_chosen_voters'))
    )
    with op.batch_alter_table('ballot_chosen_voters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_chosen_voters_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ballot_chosen_voters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_chosen_voters_user_id'))
    op.drop_table('ballot_chosen_voters')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ballots_roll_rule_known'), type_='check')
        batch_op.drop_column('roll_rule')
