"""a strategy says whether a KPI value that puts its KPI at risk needs a comment

Revision ID: 0021_risk_comment
Revises: 0020_kpi_owners
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0021_risk_comment'
down_revision: str | None = '0020_kpi_owners'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On by default, for the strategies there are as for new ones; values recorded before keep
    # their notes (a comment is asked for when a value is recorded, not of what is recorded).
    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_comment_required', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('strategy', schema=None) as batch_op:
        batch_op.drop_column('risk_comment_required')
