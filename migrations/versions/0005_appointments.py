"""appointments and notifications

Revision ID: 0005_appointments
Revises: 0001
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

import service_center.db

revision = "0005_appointments"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_attempt_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempt")),
    )
    with op.batch_alter_table("notification_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_attempt_notification_id"), ["notification_id"], unique=False
        )

    op.create_table(
        "appointment_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("start_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["queue_category.id"],
            name=op.f("fk_appointment_slot_category_id_queue_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_slot")),
        sa.UniqueConstraint(
            "category_id", "start_at", name=op.f("uq_appointment_slot_category_id_start_at")
        ),
    )
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("start_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked_at", service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("missed_at", service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["queue_category.id"],
            name=op.f("fk_appointment_category_id_queue_category"),
        ),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_appointment_hall_id_hall")),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["appointment_slot.id"],
            name=op.f("fk_appointment_slot_id_appointment_slot"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_appointment_ticket_id_ticket"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
        sa.UniqueConstraint("code", name=op.f("uq_appointment_code")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index("ix_appointment_day", ["hall_id", "start_at"], unique=False)
        batch_op.create_index("ix_appointment_phone", ["phone", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_phone")
        batch_op.drop_index("ix_appointment_day")

    op.drop_table("appointment")
    op.drop_table("appointment_slot")
    with op.batch_alter_table("notification_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_attempt_notification_id"))

    op.drop_table("notification_attempt")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_due")

    op.drop_table("notification")
