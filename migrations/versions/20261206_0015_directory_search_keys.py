"""case-folded directory search keys on users

The directory searches ``users.search_text`` (name, organisation, role, areas and biography) and
``users.area_keys`` (",area,area,"), case-folded in Python: SQLite's lower() and LIKE fold ASCII
only, so "Élise" or "Зоя" would never match there. This revision fills them for existing people
the way ``charter_engine.accounts.models.search_keys`` does; the model keeps them up to date.

Revision ID: 0015_directory_search_keys
Revises: 0017_audit_published_links
Create Date: 2026-12-06 05:30:00.000000
"""

import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0015_directory_search_keys'
down_revision = '0017_audit_published_links'
branch_labels = None
depends_on = None


def _fold(text):
    return unicodedata.normalize("NFKC", text).casefold()


def _search_keys(row):
    words = [row.name, row.organisation, row.role_title, row.areas, row.bio]
    areas = [" ".join(a.split()) for a in (row.areas or "").split(",") if a.strip()]
    text = _fold("\n".join(w for w in words if w))
    return text, "," + ",".join(_fold(a) for a in areas) + ","


def upgrade() -> None:
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
