"""releases, their files and the export cache; when a charter was adopted

Releases, release files and export files are written once. Triggers refuse every UPDATE and
DELETE on them, on SQLite and PostgreSQL alike, so what was published cannot be changed even by a
hand-written statement. (TRUNCATE, an administrator's tool, is not a row change and stays possible.)

Revision ID: 0010_releases
Revises: 0009_throttle_and_text_limits
Create Date: 2026-12-06 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import charter_engine.db


revision = '0010_releases'
down_revision = '0009_throttle_and_text_limits'
branch_labels = None
depends_on = None

IMMUTABLE_TABLES = ('releases', 'export_files', 'release_files')
FORMAT_CHECK = "format IN ('md', 'html', 'pdf', 'docx', 'json')"


def upgrade() -> None:
    with op.batch_alter_table('charters', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('adopted_at', charter_engine.db.UTCDateTime(timezone=True), nullable=True)
        )
    # A charter adopted before this column existed: the adoption ballot's closing time.
    op.execute(
        "UPDATE charters SET adopted_at = ("
        " SELECT max(ballots.closed_at) FROM ballots WHERE ballots.charter_id = charters.id"
        " AND ballots.kind = 'adoption' AND ballots.outcome = 'adopted')"
        " WHERE adopted_revision_number IS NOT NULL"
    )

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('released_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(label) BETWEEN 1 AND 40', name=op.f('ck_releases_label_length')),
    sa.CheckConstraint('length(text_sha256) = 64', name=op.f('ck_releases_text_sha256_length')),
    sa.ForeignKeyConstraint(['charter_id', 'revision_number'], ['revisions.charter_id', 'revisions.number'], name=op.f('fk_releases_charter_id_revisions')),
    sa.ForeignKeyConstraint(['charter_id'], ['charters.id'], name=op.f('fk_releases_charter_id_charters')),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_releases_released_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('charter_id', 'label', name=op.f('uq_releases_charter_id_label'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_charter_id'), ['charter_id'], unique=False)

    op.create_table('export_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', charter_engine.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(FORMAT_CHECK, name=op.f('ck_export_files_format_known')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_export_files_sha256_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_files')),
    sa.UniqueConstraint('cache_key', name=op.f('uq_export_files_cache_key'))
    )

    op.create_table('release_files',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('export_file_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.CheckConstraint(FORMAT_CHECK, name=op.f('ck_release_files_format_known')),
    sa.ForeignKeyConstraint(['export_file_id'], ['export_files.id'], name=op.f('fk_release_files_export_file_id_export_files')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_files_release_id_releases')),
    sa.PrimaryKeyConstraint('release_id', 'format', name=op.f('pk_release_files'))
    )
    with op.batch_alter_table('release_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_files_export_file_id'), ['export_file_id'], unique=False)

    _create_immutability_triggers()


def downgrade() -> None:
    _drop_immutability_triggers()
    with op.batch_alter_table('release_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_files_export_file_id'))
    op.drop_table('release_files')
    op.drop_table('export_files')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_charter_id'))
    op.drop_table('releases')
    with op.batch_alter_table('charters', schema=None) as batch_op:
        batch_op.drop_column('adopted_at')


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _create_immutability_triggers() -> None:
    if _is_sqlite():
        for table in IMMUTABLE_TABLES:
            for event in ('UPDATE', 'DELETE'):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} rows are written once and never "
                    "changed'); END"
                )
        return
    op.execute(
        "CREATE FUNCTION refuse_published_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% rows are written once and never changed', TG_TABLE_NAME "
        "USING ERRCODE = 'restrict_violation'; END $$"
    )
    for table in IMMUTABLE_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_published_change()"
        )


def _drop_immutability_triggers() -> None:
    if _is_sqlite():
        for table in IMMUTABLE_TABLES:
            for event in ('update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
        return
    for table in IMMUTABLE_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
    op.execute("DROP FUNCTION IF EXISTS refuse_published_change()")
