"""sign in with OpenID Connect, staff list fields and unit external ids

Revision ID: 0016_feide
Revises: 0012_office_counts
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016_feide'
down_revision: str | None = '0012_office_counts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_flow',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('next_path', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_sign_in_flow'))
    )
    with op.batch_alter_table('sign_in_flow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_flow_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_name', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('oidc_sub', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('employee_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('respondent_group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('break_glass', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_app_user_respondent_group_id'), ['respondent_group_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_app_user_employee_number'), ['employee_number'])
        batch_op.create_unique_constraint(batch_op.f('uq_app_user_login_name'), ['login_name'])
        batch_op.create_unique_constraint(batch_op.f('uq_app_user_oidc_sub'), ['oidc_sub'])
        batch_op.create_foreign_key(batch_op.f('fk_app_user_respondent_group_id_respondent_group'), 'respondent_group', ['respondent_group_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_org_unit_external_id'), ['external_id'])

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_token', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_column('id_token')

    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_org_unit_external_id'), type_='unique')
        batch_op.drop_column('external_id')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_app_user_respondent_group_id_respondent_group'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_app_user_oidc_sub'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_app_user_login_name'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_app_user_employee_number'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_app_user_respondent_group_id'))
        batch_op.drop_column('break_glass')
        batch_op.drop_column('respondent_group_id')
        batch_op.drop_column('employee_number')
        batch_op.drop_column('oidc_sub')
        batch_op.drop_column('login_name')

    with op.batch_alter_table('sign_in_flow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_flow_created_at'))

    op.drop_table('sign_in_flow')
