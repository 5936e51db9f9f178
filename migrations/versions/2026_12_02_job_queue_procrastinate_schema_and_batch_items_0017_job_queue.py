"""job queue: procrastinate's schema (PostgreSQL), the reports of a batch, when a round opened

Revision ID: 0017_job_queue
Revises: 0013_unit_targets
Create Date: 2026-12-02 15:00:00

On PostgreSQL this applies procrastinate's own schema (``schema.sql`` of the installed
procrastinate, pinned to 3.10.x in pyproject.toml), so ``maturity db upgrade`` stays the one
command that prepares a database. When procrastinate is upgraded, a new revision applies the
migration files it ships for that step (``procrastinate/sql/migrations``), in order; never a
fresh ``schema.sql`` over this one. SQLite runs tasks in the app's own process and needs none of it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017_job_queue'
down_revision: str | None = '0018_kpi_negative'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _procrastinate_schema() -> str:
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


def upgrade() -> None:
    op.create_table(
        'report_batch_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'built', 'skipped', 'failed')", name=op.f('ck_report_batch_item_known_status')),
        sa.ForeignKeyConstraint(['batch_id'], ['report_batch.id'], name=op.f('fk_report_batch_item_batch_id_report_batch'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_batch_item_report_id_report'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_report_batch_item_unit_id_org_unit'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_batch_item')),
        sa.UniqueConstraint('batch_id', 'unit_id', 'language', name=op.f('uq_report_batch_item_batch_id_unit_id_language')),
    )
    op.create_index('ix_report_batch_item_waiting', 'report_batch_item', ['unit_id', 'language', 'status'], unique=False)
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    # Rounds whose time has come opened then; their openings are not recorded again.
    op.execute('UPDATE survey_round SET opened_at = opens_at WHERE opens_at <= CURRENT_TIMESTAMP')
    if op.get_bind().dialect.name == 'postgresql':
        # Several statements and PL/pgSQL bodies with literal %: sent as one simple query, with no
        # parameters, on the migration's own connection (and so in its transaction).
        driver_connection = op.get_bind().connection.driver_connection
        driver_connection.execute(_procrastinate_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.get_bind().connection.driver_connection.execute(
            """
            DO $$
            DECLARE item record;
            BEGIN
                FOR item IN SELECT tablename FROM pg_tables
                            WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
                    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.tablename);
                END LOOP;
                FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                            JOIN pg_namespace n ON n.oid = p.pronamespace
                            WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
                    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', item.signature);
                END LOOP;
                FOR item IN SELECT t.typname FROM pg_type t
                            JOIN pg_namespace n ON n.oid = t.typnamespace
                            WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%' AND t.typtype IN ('e', 'c') LOOP
                    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
                END LOOP;
            END $$;
            """
        )
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
    op.drop_index('ix_report_batch_item_waiting', table_name='report_batch_item')
    op.drop_table('report_batch_item')
