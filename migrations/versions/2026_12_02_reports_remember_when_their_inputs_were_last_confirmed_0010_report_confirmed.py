"""reports remember when their inputs were last confirmed

Revision ID: 0010_report_confirmed
Revises: 0006_milestones
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_report_confirmed'
down_revision: str | None = '0006_milestones'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # A stored report's inputs were last read when it was built.
    op.execute('UPDATE report SET confirmed_at = generated_at')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.alter_column('confirmed_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
