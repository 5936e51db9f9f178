"""survey rounds say whether the strategy office sees exact response counts below k

Revision ID: 0012_office_counts
Revises: 0011_pending_upload
Create Date: 2026-12-02 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_office_counts'
down_revision: str | None = '0011_pending_upload'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_exact_counts', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_column('office_exact_counts')
