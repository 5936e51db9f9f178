"""a KPI's owner per unit, its values' due days, and when each person was last reminded of updates

Revision ID: 0020_kpi_owners
Revises: 0019_actions
Create Date: 2026-12-03 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0020_kpi_owners'
down_revision: str | None = '0019_actions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint('due_days_range', 'due_days BETWEEN 0 AND 366')

    op.create_table('kpi_owner',
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_kpi_owner_kpi_id_kpi'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_kpi_owner_unit_id_org_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_kpi_owner_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kpi_id', 'unit_id', name=op.f('pk_kpi_owner'))
    )
    with op.batch_alter_table('kpi_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_owner_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_owner_user_id'), ['user_id'], unique=False)

    op.create_table('update_reminder',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_update_reminder_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_update_reminder'))
    )


def downgrade() -> None:
    op.drop_table('update_reminder')
    with op.batch_alter_table('kpi_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_kpi_owner_unit_id'))
    op.drop_table('kpi_owner')
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_constraint('due_days_range', type_='check')
        batch_op.drop_column('due_days')
