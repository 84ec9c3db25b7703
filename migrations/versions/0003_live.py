"""live: the lobby screens' notice per hall

Revision ID: 0003_live
Revises: 0001
Create Date: 2026-11-28

"""
import sqlalchemy as sa
from alembic import op

import service_center.db

revision = "0003_live"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hall_notice",
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_hall_notice_hall_id_hall"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_notice")),
        sa.UniqueConstraint("hall_id", name=op.f("uq_hall_notice_hall_id")),
    )


def downgrade():
    op.drop_table("hall_notice")
