"""unit targets cascade, final evaluation thresholds and successor

Revision ID: 0013_unit_targets
Revises: 0016_feide
Create Date: 2026-12-02 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013_unit_targets'
down_revision: str | None = '0016_feide'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cascade', sa.String(length=10), nullable=False, server_default='none'))
        batch_op.create_check_constraint('known_cascade', "cascade IN ('none', 'baseline', 'headcount')")
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.alter_column('cascade', server_default=None)
    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('achieved_threshold', sa.Float(), nullable=False, server_default='100'))
        batch_op.add_column(sa.Column('partly_threshold', sa.Float(), nullable=False, server_default='50'))
        batch_op.add_column(sa.Column('successor_code', sa.String(length=60), nullable=True))
        batch_op.create_check_constraint('final_thresholds_ordered', 'partly_threshold < achieved_threshold')
        batch_op.create_check_constraint('successor_not_itself', 'successor_code IS NULL OR successor_code <> code')
    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.alter_column('achieved_threshold', server_default=None)
        batch_op.alter_column('partly_threshold', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.drop_constraint('successor_not_itself', type_='check')
        batch_op.drop_constraint('final_thresholds_ordered', type_='check')
        batch_op.drop_column('successor_code')
        batch_op.drop_column('partly_threshold')
        batch_op.drop_column('achieved_threshold')
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_constraint('known_cascade', type_='check')
        batch_op.drop_column('cascade')
