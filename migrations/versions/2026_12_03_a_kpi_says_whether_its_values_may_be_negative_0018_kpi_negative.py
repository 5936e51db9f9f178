"""a KPI says whether its values, baselines and targets may be negative

Revision ID: 0018_kpi_negative
Revises: 0013_unit_targets
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018_kpi_negative'
down_revision: str | None = '0015_resume_page'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('may_be_negative', sa.Boolean(), server_default=sa.false(), nullable=False))
    # No stored value becomes invalid: a KPI that already has a negative value, baseline or
    # target (in any revision) may be negative.
    kpi = sa.table('kpi', sa.column('id', sa.Integer), sa.column('may_be_negative', sa.Boolean))
    record = sa.table('kpi_record', sa.column('kpi_id', sa.Integer), sa.column('value', sa.Float))
    target = sa.table(
        'kpi_target',
        sa.column('kpi_id', sa.Integer),
        sa.column('value', sa.Float),
        sa.column('lower', sa.Float),
        sa.column('upper', sa.Float),
    )
    negative = sa.union(
        sa.select(record.c.kpi_id).where(record.c.value < 0),
        sa.select(target.c.kpi_id).where(sa.or_(target.c.value < 0, target.c.lower < 0, target.c.upper < 0)),
    )
    op.execute(kpi.update().where(kpi.c.id.in_(sa.select(negative.subquery().c.kpi_id))).values(may_be_negative=True))


def downgrade() -> None:
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_column('may_be_negative')
