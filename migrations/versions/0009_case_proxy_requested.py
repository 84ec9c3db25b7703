"""case.proxy_requested: the applicant asked for a free proxy agent at intake

Revision ID: 0009_case_proxy_requested
Revises: 0002_approvals
Create Date: 2026-09-29 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_case_proxy_requested"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proxy_requested", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("proxy_requested")
