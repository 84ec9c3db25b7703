"""one head for every domain

Revision ID: 0010
Revises: 0003_live, 0004_guide, 0005_appointments, 0006_reports, 0007_security, 0008_fees, 0009_case_proxy_requested
Create Date: 2026-11-28 05:27:45.498893

"""
from alembic import op
import sqlalchemy as sa

import service_center.db


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = ('0003_live', '0004_guide', '0005_appointments', '0006_reports', '0007_security', '0008_fees', '0009_case_proxy_requested')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
