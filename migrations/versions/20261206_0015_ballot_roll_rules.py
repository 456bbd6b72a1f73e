"""who is on a ballot's roll; case-folded directory search keys

Who is on a ballot's roll: members only, members and the secretariat, or a chosen list.

The roll rule is one of a ballot's rules, frozen when it opens. Ballots that opened before this
revision froze their rolls with the secretariat on them, so they get ``members_and_secretariat``,
which is what their rolls hold; drafts take the new default, ``members``.

The directory searches ``users.search_text`` and ``users.area_keys``, case-folded in Python
(SQLite's lower() and LIKE fold ASCII only); this revision fills them for existing people the
way ``charter_engine.accounts.models.search_keys`` does.

Revision ID: 0015_ballot_roll_rules
Revises: 0010_releases
Create Date: 2026-12-06 05:00:00.000000
"""

import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0015_ballot_roll_rules'
down_revision = '0010_releases'
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

    _add_search_keys()


def _fold(text):
    return unicodedata.normalize("NFKC", text).casefold()


def _search_keys(row):
    words = [row.name, row.organisation, row.role_title, row.areas, row.bio]
    areas = [" ".join(a.split()) for a in (row.areas or "").split(",") if a.strip()]
    text = _fold("\n".join(w for w in words if w))
    return text, "," + ",".join(_fold(a) for a in areas) + ","


def _add_search_keys() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('area_keys', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, name, organisation, role_title, areas, bio FROM users")
    ).all()
    for row in rows:
        text, areas = _search_keys(row)
        conn.execute(
            sa.text("UPDATE users SET search_text = :t, area_keys = :a WHERE id = :id"),
            {"t": text, "a": areas, "id": row.id},
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('search_text', server_default=None)
        batch_op.alter_column('area_keys', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('area_keys')
        batch_op.drop_column('search_text')
    with op.batch_alter_table('ballot_chosen_voters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_chosen_voters_user_id'))
    op.drop_table('ballot_chosen_voters')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ballots_roll_rule_known'), type_='check')
        batch_op.drop_column('roll_rule')
