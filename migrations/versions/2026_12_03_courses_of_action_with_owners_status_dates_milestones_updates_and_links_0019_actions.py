"""courses of action with owners, status, dates, milestones, progress updates and links to measures

Revision ID: 0019_actions
Revises: 0013_unit_targets
Create Date: 2026-12-03 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0019_actions'
down_revision: str | None = '0017_job_queue'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('action_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('title_nb', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_milestone_action_id_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_milestone'))
    )
    with op.batch_alter_table('action_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_milestone_action_id'), ['action_id'], unique=False)

    op.create_table('action_unit',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_unit_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_action_unit_unit_id_org_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'unit_id', name=op.f('pk_action_unit'))
    )
    with op.batch_alter_table('action_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('action_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('text_nb', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'paused', 'stopped')", name=op.f('ck_action_update_known_update_status')),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_update_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_action_update_author_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_update')),
    sa.UniqueConstraint('action_id', 'period', name=op.f('uq_action_update_action_id_period'))
    )
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_update_action_id'), ['action_id'], unique=False)

    op.create_table('action_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('kpi_id', sa.Integer(), nullable=True),
    sa.Column('dimension_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.CheckConstraint("direction IN ('increase', 'decrease')", name=op.f('ck_action_link_known_direction')),
    sa.CheckConstraint('(CASE WHEN indicator_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN kpi_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN dimension_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_action_link_one_measure')),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_link_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dimension_id'], ['dimension.id'], name=op.f('fk_action_link_dimension_id_dimension'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['success_indicator.id'], name=op.f('fk_action_link_indicator_id_success_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_action_link_kpi_id_kpi'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_link'))
    )
    with op.batch_alter_table('action_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_link_action_id'), ['action_id'], unique=False)

    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='planned'))
        batch_op.add_column(sa.Column('start_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_action_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_action_owner_id_app_user'), 'app_user', ['owner_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_action_unit_id_org_unit'), 'org_unit', ['unit_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(
            'known_action_status', "status IN ('planned', 'in_progress', 'done', 'paused', 'stopped')"
        )
        batch_op.create_check_constraint(
            'dates_ordered', 'start_date IS NULL OR due_date IS NULL OR due_date >= start_date'
        )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)



def downgrade() -> None:
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_constraint('dates_ordered', type_='check')
        batch_op.drop_constraint('known_action_status', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_action_unit_id_org_unit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_owner_id_app_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_action_unit_id'))
        batch_op.drop_index(batch_op.f('ix_action_owner_id'))
        batch_op.drop_column('due_date')
        batch_op.drop_column('start_date')
        batch_op.drop_column('status')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('action_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_link_action_id'))

    op.drop_table('action_link')
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_update_action_id'))

    op.drop_table('action_update')
    with op.batch_alter_table('action_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_unit_unit_id'))

    op.drop_table('action_unit')
    with op.batch_alter_table('action_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_milestone_action_id'))

    op.drop_table('action_milestone')
