"""an input version that every write to what scores read changes

Revision ID: 0014_input_version
Revises: 0010_report_confirmed
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014_input_version'
down_revision: str | None = '0010_report_confirmed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'input_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_input_version_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_input_version')),
    )
    op.execute("INSERT INTO input_version (id, version, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)")


def downgrade() -> None:
    op.drop_table('input_version')
