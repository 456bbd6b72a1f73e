"""voting: ballots, options, the roll, named votes, secret ballots and participations, proxies

Revision ID: 0002_voting
Revises: 0001_core
Create Date: 2026-11-25 19:36:15.966169
"""

from alembic import op
import sqlalchemy as sa
import charter_engine.db


revision = '0002_voting'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('threshold', sa.String(length=20), nullable=False),
    sa.Column('abstentions_count', sa.Boolean(), nullable=False),
    sa.Column('quorum_kind', sa.String(length=10), nullable=True),
    sa.Column('quorum_num', sa.Integer(), nullable=True),
    sa.Column('quorum_den', sa.Integer(), nullable=True),
    sa.Column('opens_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('allow_change', sa.Boolean(), nullable=False),
    sa.Column('secrecy', sa.String(length=10), nullable=False),
    sa.Column('weighting', sa.String(length=20), nullable=False),
    sa.Column('unranked', sa.String(length=10), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=True),
    sa.Column('text_sha256', sa.String(length=64), nullable=True),
    sa.Column('roll_count', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(quorum_kind IS NULL AND quorum_num IS NULL AND quorum_den IS NULL) OR (quorum_kind = 'share' AND quorum_num > 0 AND quorum_den >= quorum_num) OR (quorum_kind = 'votes' AND quorum_num > 0 AND quorum_den >= 1)", name=op.f('ck_ballots_quorum_valid')),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_ballots_closed_has_time')),
    sa.CheckConstraint("(state = 'closed') = (result IS NOT NULL AND outcome IS NOT NULL)", name=op.f('ck_ballots_closed_has_result')),
    sa.CheckConstraint("kind IN ('amendment', 'ranked', 'adoption')", name=op.f('ck_ballots_kind_known')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('adopted', 'rejected', 'kept', 'tie', 'void')", name=op.f('ck_ballots_outcome_known')),
    sa.CheckConstraint("secrecy = 'named' OR weighting = 'member'", name=op.f('ck_ballots_secret_unweighted')),
    sa.CheckConstraint("secrecy IN ('named', 'secret')", name=op.f('ck_ballots_secrecy_known')),
    sa.CheckConstraint("state = 'draft' OR (opened_at IS NOT NULL AND revision_number IS NOT NULL AND text_sha256 IS NOT NULL)", name=op.f('ck_ballots_opened_is_pinned')),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed')", name=op.f('ck_ballots_state_known')),
    sa.CheckConstraint("threshold IN ('simple', 'two_thirds', 'three_quarters', 'consensus')", name=op.f('ck_ballots_threshold_known')),
    sa.CheckConstraint("unranked IN ('below', 'ignore')", name=op.f('ck_ballots_unranked_known')),
    sa.CheckConstraint("weighting IN ('member', 'organisation')", name=op.f('ck_ballots_weighting_known')),
    sa.CheckConstraint('opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at', name=op.f('ck_ballots_times_ordered')),
    sa.ForeignKeyConstraint(['charter_id'], ['charters.id'], name=op.f('fk_ballots_charter_id_charters')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_ballots_closed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ballots_created_by_id_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_ballots_opened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_charter_id'), ['charter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ballots_state'), ['state'], unique=False)

    op.create_table('ballot_roll',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weight_num', sa.Integer(), nullable=False),
    sa.Column('weight_den', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.CheckConstraint('weight_num >= 0 AND weight_den >= 1', name=op.f('ck_ballot_roll_weight_valid')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_roll_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ballot_roll_user_id_users')),
    sa.PrimaryKeyConstraint('ballot_id', 'user_id', name=op.f('pk_ballot_roll'))
    )
    with op.batch_alter_table('ballot_roll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_roll_user_id'), ['user_id'], unique=False)

    op.create_table('proxies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=30), nullable=False),
    sa.Column('created_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(ballot_id IS NULL AND scope = 'all') OR (ballot_id IS NOT NULL AND scope = 'ballot:' || ballot_id)", name=op.f('ck_proxies_scope_matches')),
    sa.CheckConstraint('principal_id <> agent_id', name=op.f('ck_proxies_not_self')),
    sa.CheckConstraint('revoked_at IS NULL OR revoked_at >= created_at', name=op.f('ck_proxies_revoked_after')),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_proxies_agent_id_users')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_proxies_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['principal_id'], ['users.id'], name=op.f('fk_proxies_principal_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxies'))
    )
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxies_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxies_ballot_id'), ['ballot_id'], unique=False)
        batch_op.create_index('uq_proxies_active_scope', ['principal_id', 'scope'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('secret_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=True),
    sa.Column('ranking', sa.Text(), nullable=True),
    sa.CheckConstraint("choice IS NULL OR choice IN ('yes', 'no', 'abstain')", name=op.f('ck_secret_ballots_choice_known')),
    sa.CheckConstraint('(choice IS NULL) <> (ranking IS NULL)', name=op.f('ck_secret_ballots_choice_or_ranking')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_secret_ballots_ballot_id_ballots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secret_ballots')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_secret_ballots_receipt_hash')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('secret_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_ballots_ballot_id'), ['ballot_id'], unique=False)

    op.create_table('ballot_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('majority_num', sa.Integer(), nullable=False),
    sa.Column('majority_den', sa.Integer(), nullable=False),
    sa.CheckConstraint("(key = 'keep') = (amendment_id IS NULL)", name=op.f('ck_ballot_options_default_has_no_amendment')),
    sa.CheckConstraint('majority_den >= 1 AND majority_num >= majority_den', name=op.f('ck_ballot_options_majority_valid')),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_ballot_options_amendment_id_amendments')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_options_ballot_id_ballots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_options')),
    sa.UniqueConstraint('ballot_id', 'amendment_id', name=op.f('uq_ballot_options_ballot_id_amendment_id')),
    sa.UniqueConstraint('ballot_id', 'key', name=op.f('uq_ballot_options_ballot_id_key')),
    sa.UniqueConstraint('ballot_id', 'position', name=op.f('uq_ballot_options_ballot_id_position'))
    )
    with op.batch_alter_table('ballot_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_options_amendment_id'), ['amendment_id'], unique=False)

    op.create_table('ballot_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('cast_by_id', sa.Integer(), nullable=False),
    sa.Column('cast_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id', 'voter_id'], ['ballot_roll.ballot_id', 'ballot_roll.user_id'], name=op.f('fk_ballot_participations_ballot_id_ballot_roll'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cast_by_id'], ['users.id'], name=op.f('fk_ballot_participations_cast_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_participations')),
    sa.UniqueConstraint('ballot_id', 'voter_id', name=op.f('uq_ballot_participations_ballot_id_voter_id'))
    )
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_participations_voter_id'), ['voter_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('cast_by_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=10), nullable=True),
    sa.Column('ranking', sa.Text(), nullable=True),
    sa.Column('cast_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('change_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("choice IS NULL OR choice IN ('yes', 'no', 'abstain')", name=op.f('ck_votes_choice_known')),
    sa.CheckConstraint('(choice IS NULL) <> (ranking IS NULL)', name=op.f('ck_votes_choice_or_ranking')),
    sa.ForeignKeyConstraint(['ballot_id', 'voter_id'], ['ballot_roll.ballot_id', 'ballot_roll.user_id'], name=op.f('fk_votes_ballot_id_ballot_roll'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cast_by_id'], ['users.id'], name=op.f('fk_votes_cast_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('ballot_id', 'voter_id', name=op.f('uq_votes_ballot_id_voter_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_voter_id'), ['voter_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_voter_id'))

    op.drop_table('votes')
    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_participations_voter_id'))

    op.drop_table('ballot_participations')
    with op.batch_alter_table('ballot_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_options_amendment_id'))

    op.drop_table('ballot_options')
    with op.batch_alter_table('secret_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secret_ballots_ballot_id'))

    op.drop_table('secret_ballots')
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.drop_index('uq_proxies_active_scope', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_proxies_ballot_id'))
        batch_op.drop_index(batch_op.f('ix_proxies_agent_id'))

    op.drop_table('proxies')
    with op.batch_alter_table('ballot_roll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_roll_user_id'))

    op.drop_table('ballot_roll')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_state'))
        batch_op.drop_index(batch_op.f('ix_ballots_charter_id'))

    op.drop_table('ballots')
