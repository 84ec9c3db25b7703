"""gaps: the published monthly assessments (通报) shown on the disclosure page

Revision ID: 0011_gaps
Revises: 0010
Create Date: 2026-11-28 05:43:35.626686

Only one new table. The printed-slip record of issue 3 uses audit rows (no schema change).
"""
import sqlalchemy as sa
from alembic import op

import service_center.db

# revision identifiers, used by Alembic.
revision = '0011_gaps'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'published_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('published_at', service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id'],
                                name=op.f('fk_published_assessment_published_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_assessment')),
        sa.UniqueConstraint('month', name=op.f('uq_published_assessment_month')),
    )


def downgrade():
    op.drop_table('published_assessment')
