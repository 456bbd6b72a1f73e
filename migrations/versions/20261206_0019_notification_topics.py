"""notification topics: what each notification is about, so the inbox groups them

Adds ``notifications.topic`` (``amendment:<id>``, ``ballot:<id>``, ``charter:<id>``) with an index
per member and topic, and fills it in for the notifications already there: from the object they
link to, and for comments from the amendment or charter the comment is on.

Revision ID: 0019_notification_topics
Revises: 0018_directory_search_keys
Create Date: 2026-12-06 05:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0019_notification_topics'
down_revision = '0018_directory_search_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_notifications_user_topic', ['user_id', 'topic'], unique=False)
    op.execute(
        "UPDATE notifications SET topic = object_type || ':' || object_id"
        " WHERE object_type IN ('amendment', 'ballot', 'charter') AND object_id IS NOT NULL"
    )
    op.execute(
        "UPDATE notifications SET topic = ("
        " SELECT CASE WHEN comments.amendment_id IS NOT NULL"
        " THEN 'amendment:' || CAST(comments.amendment_id AS VARCHAR(20))"
        " ELSE 'charter:' || CAST(comments.charter_id AS VARCHAR(20)) END"
        " FROM comments WHERE CAST(comments.id AS VARCHAR(64)) = notifications.object_id)"
        " WHERE object_type = 'comment'"
    )


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_topic')
        batch_op.drop_column('topic')
