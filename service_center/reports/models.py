"""Reports' tables: ratings (好差评), rectifications, complaints, and the daily summary
that keeps the ticket KPIs fast over a year of history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..approvals.models import Case, CaseTask
from ..audit import AuditEvent
from ..auth.models import User
from ..catalog.models import Department, Hall, Window
from ..db import IdMixin, TimestampMixin, utcnow
from ..extensions import db
from ..queueing.models import Ticket

# Indexes the report queries need on the queue's and the cases' tables (declared here so
# that the owning domains stay untouched; they are part of this domain's migration).
Index("ix_report_ticket_day_hall", Ticket.service_day, Ticket.hall_id)
Index("ix_report_ticket_completed_window", Ticket.window_id, Ticket.completed_at)
Index("ix_report_case_accepted_on", Case.accepted_on)
Index("ix_report_case_approved_at", Case.approved_at)
Index("ix_report_case_rejected_at", Case.rejected_at)
Index("ix_report_case_task_decided_at", CaseTask.decided_at)
# the windows' open/pause/close trail read for staffed hours (issue 6): window rows by time
Index("ix_report_audit_type_at", AuditEvent.entity_type, AuditEvent.at)


class Rating(IdMixin, db.Model):
    """One 好差评 per ticket or per case (unique constraints are the backstop)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("ticket_id"),
        UniqueConstraint("case_id"),
        Index("ix_rating_day_hall", "service_day", "hall_id"),
    )

    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="phone")  # pad | phone | tracking
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    service_day: Mapped[date] = mapped_column()  # the center's local day of the rating

    window: Mapped[Window | None] = relationship()
    staff: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()
    rectification: Mapped[Rectification | None] = relationship(back_populates="rating",
                                                               uselist=False)


class Rectification(IdMixin, TimestampMixin, db.Model):
    """整改: opened by a bad rating, assigned to the hall's manager or the department."""

    __tablename__ = "rectification"
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"),
                                           unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"),
                                                index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"))
    due_date: Mapped[date] = mapped_column()
    explanation: Mapped[str | None] = mapped_column(Text)  # internal: what went wrong
    reply: Mapped[str | None] = mapped_column(Text)  # shown to the applicant
    open_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    rating: Mapped[Rating] = relationship(back_populates="rectification")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    department: Mapped[Department | None] = relationship()


class Complaint(IdMixin, TimestampMixin, db.Model):
    """投诉: from the public form or entered by staff; tracked by its number."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_day", "service_day"),)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    channel: Mapped[str] = mapped_column(String(16), default="web")  # web | staff
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"))
    window_number: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    service_day: Mapped[date] = mapped_column()
    due_date: Mapped[date | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)  # internal
    reply: Mapped[str | None] = mapped_column(Text)  # to the complainant
    received_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    hall: Mapped[Hall | None] = relationship()
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])


class TicketDaySummary(db.Model):
    """Ticket KPIs of one closed service day, one row per (hall, issue hour, category,
    window, staff). Built by `flask reports rebuild` and on demand for days before today;
    a change to a ticket of such a day drops the day's rows (it is then computed from the
    tickets until rebuilt). Durations are whole seconds."""

    __tablename__ = "report_ticket_day"
    __table_args__ = (Index("ix_report_ticket_day_day", "service_day", "hall_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_day: Mapped[date] = mapped_column()
    hall_id: Mapped[int] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    wait_n: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[int] = mapped_column(Integer, default=0)
    service_n: Mapped[int] = mapped_column(Integer, default=0)
    service_sum: Mapped[int] = mapped_column(Integer, default=0)


class WaitDayHistogram(db.Model):
    """How many tickets of a closed day waited exactly `seconds` whole seconds: the exact
    90th percentile of any range is read from these counts."""

    __tablename__ = "report_wait_day"
    __table_args__ = (Index("ix_report_wait_day_day", "service_day", "hall_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_day: Mapped[date] = mapped_column()
    hall_id: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)


class StaffDaySummary(db.Model):
    """Staffed seconds of one closed service day: how long each window was open (not paused,
    not closed) under the staff member who opened it, split by the local clock hour. Read
    from the windows' open/pause/close audit trail when the day is summarised, so it
    outlives the trail's pruning."""

    __tablename__ = "report_staff_day"
    __table_args__ = (Index("ix_report_staff_day_day", "service_day", "hall_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_day: Mapped[date] = mapped_column()
    hall_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int] = mapped_column(Integer)


class CaseDaySummary(db.Model):
    """Case figures of one closed service day, one row per (hall, lead department, service
    item): cases accepted that day, and cases decided that day with their on-time, early,
    one-visit, same-day and net-processing (working days) counts. Year-long summaries add
    these rows instead of reading every case."""

    __tablename__ = "report_case_day"
    __table_args__ = (Index("ix_report_case_day_day", "service_day", "hall_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_day: Mapped[date] = mapped_column()
    hall_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    service_item_id: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    statutory_days: Mapped[int] = mapped_column(Integer, default=0)  # Σ over accepted cases
    promised_days: Mapped[int] = mapped_column(Integer, default=0)  # Σ over accepted cases
    completed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[int] = mapped_column(Integer, default=0)
    one_visit: Mapped[int] = mapped_column(Integer, default=0)
    same_day: Mapped[int] = mapped_column(Integer, default=0)
    processing_n: Mapped[int] = mapped_column(Integer, default=0)
    processing_days: Mapped[int] = mapped_column(Integer, default=0)


class TaskDaySummary(db.Model):
    """Department steps decided on one closed service day, and how many by their due day."""

    __tablename__ = "report_task_day"
    __table_args__ = (Index("ix_report_task_day_day", "service_day", "hall_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_day: Mapped[date] = mapped_column()
    hall_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)


class SummarizedDay(db.Model):
    """Marks the days whose summary rows (every hall's) are complete."""

    __tablename__ = "report_day_built"
    service_day: Mapped[date] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishedAssessment(db.Model):
    """A month whose assessment results (通报) a manager released to the public disclosure
    page; the month is its first day. Published once; the public PDF exists only then."""

    __tablename__ = "published_assessment"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))

    published_by: Mapped[User | None] = relationship()
