"""door service: door-to-door service requests (上门服务)

Revision ID: 0013_door_service
Revises: 0011_gaps
Create Date: 2026-11-28 13:10:00

One new table: a request, its assignment (staff member, day, place in the route), its
result and the case it serves.
"""
import sqlalchemy as sa
from alembic import op

import service_center.db

# revision identifiers, used by Alembic.
revision = "0013_door_service"
down_revision = "0011_gaps"
branch_labels = None
depends_on = None


def _user_fk(column: str):
    return sa.ForeignKeyConstraint([column], ["user.id"],
                                   name=op.f(f"fk_door_request_{column}_user"),
                                   ondelete="SET NULL")


def upgrade():
    at = service_center.db.UTCDateTime(timezone=True)
    op.create_table(
        "door_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("preferred_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("reason_note", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_date", sa.Date(), nullable=True),
        sa.Column("route_order", sa.Integer(), nullable=True),
        sa.Column("result_note", sa.String(length=500), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", at, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_at", at, nullable=True),
        sa.Column("scheduled_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", at, nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("not_completed_at", at, nullable=True),
        sa.Column("not_completed_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", at, nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"],
                                name=op.f("fk_door_request_hall_id_hall")),
        sa.ForeignKeyConstraint(["service_item_id"], ["service_item.id"],
                                name=op.f("fk_door_request_service_item_id_service_item"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"],
                                name=op.f("fk_door_request_case_id_case"), ondelete="SET NULL"),
        _user_fk("assignee_id"),
        _user_fk("created_by_id"),
        _user_fk("scheduled_by_id"),
        _user_fk("completed_by_id"),
        _user_fk("not_completed_by_id"),
        _user_fk("cancelled_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_door_request")),
        sa.UniqueConstraint("reference", name=op.f("uq_door_request_reference")),
    )
    with op.batch_alter_table("door_request", schema=None) as batch_op:
        batch_op.create_index("ix_door_request_route",
                              ["assignee_id", "scheduled_date", "route_order"], unique=False)
        batch_op.create_index("ix_door_request_hall_status", ["hall_id", "status"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("door_request", schema=None) as batch_op:
        batch_op.drop_index("ix_door_request_hall_status")
        batch_op.drop_index("ix_door_request_route")
    op.drop_table("door_request")
