"""one head again: inspections, door service, idempotency keys and report summaries

The four were written side by side on 0011_gaps; none depends on another.

Revision ID: 0016_merge
Revises: 0012_inspections, 0013_door_service, 0014_idempotency, 0015_reports
Create Date: 2026-12-02 12:15:00

"""

# revision identifiers, used by Alembic.
revision = '0016_merge'
down_revision = ('0012_inspections', '0013_door_service', '0014_idempotency', '0015_reports')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
