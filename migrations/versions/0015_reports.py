"""reports: daily summaries of cases, department steps and staffed window hours

Revision ID: 0015_reports
Revises: 0011_gaps
Create Date: 2026-11-28 13:10:00

Three summary tables beside report_ticket_day, and an index on the audit trail by
(entity_type, at) for the windows' open/pause/close rows. The days already marked as summarised
have no rows in them, so their marks are dropped: those days are read from the source
rows until summarised again (on demand, or `flask reports rebuild`).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_reports"
down_revision = "0011_gaps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_case_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("service_item_id", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("statutory_days", sa.Integer(), nullable=False),
        sa.Column("promised_days", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("one_visit", sa.Integer(), nullable=False),
        sa.Column("same_day", sa.Integer(), nullable=False),
        sa.Column("processing_n", sa.Integer(), nullable=False),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_case_day")),
    )
    with op.batch_alter_table("report_case_day", schema=None) as batch_op:
        batch_op.create_index("ix_report_case_day_day", ["service_day", "hall_id"],
                              unique=False)
    op.create_table(
        "report_staff_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_staff_day")),
    )
    with op.batch_alter_table("report_staff_day", schema=None) as batch_op:
        batch_op.create_index("ix_report_staff_day_day", ["service_day", "hall_id"],
                              unique=False)
    op.create_table(
        "report_task_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_task_day")),
    )
    with op.batch_alter_table("report_task_day", schema=None) as batch_op:
        batch_op.create_index("ix_report_task_day_day", ["service_day", "hall_id"],
                              unique=False)
    # a plain CREATE INDEX: the audit table is never rebuilt (append-only, hash-chained)
    op.create_index("ix_report_audit_type_at", "audit_event", ["entity_type", "at"],
                    unique=False)
    op.execute("DELETE FROM report_day_built")


def downgrade():
    op.execute("DELETE FROM report_day_built")
    op.drop_index("ix_report_audit_type_at", table_name="audit_event")
    op.drop_table("report_task_day")
    op.drop_table("report_staff_day")
    op.drop_table("report_case_day")
