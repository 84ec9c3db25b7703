"""Enterprises (企业) and their annual inspections (年检): which departments inspect each
enterprise and when next, joint inspection visits (联合年检, each one approvals case whose
department tasks run in parallel), the per-department results, and centralized
inspection periods (集中年检)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..approvals.models import Case, CaseTask
from ..auth.models import User
from ..catalog.models import Department, Hall
from ..db import IdMixin, TimestampMixin, utcnow
from ..extensions import db


class Enterprise(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "enterprise"

    name: Mapped[str] = mapped_column(String(200))
    # 统一社会信用代码 (GB 32100-2015), validated with its check characters
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    contact_name: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # bookings for one enterprise are serialised by this column (no double booking)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    obligations: Mapped[list[InspectionObligation]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan",
        order_by="InspectionObligation.due_date", lazy="selectin")
    visits: Mapped[list[InspectionVisit]] = relationship(
        back_populates="enterprise", order_by="InspectionVisit.visit_date.desc()")


class InspectionObligation(IdMixin, db.Model):
    """One department's annual inspection of one enterprise, and when it is next due."""

    __tablename__ = "inspection_obligation"
    __table_args__ = (UniqueConstraint("enterprise_id", "department_id"),
                      Index("ix_inspection_obligation_due", "active", "due_date"))

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    due_date: Mapped[date] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_result: Mapped[str | None] = mapped_column(String(16))  # passed | failed
    last_result_on: Mapped[date | None] = mapped_column()

    enterprise: Mapped[Enterprise] = relationship(back_populates="obligations")
    department: Mapped[Department] = relationship(lazy="joined")


class InspectionPeriod(IdMixin, TimestampMixin, db.Model):
    """A centralized inspection period: enterprises due are booked on its working days,
    at most `daily_capacity` a day."""

    __tablename__ = "inspection_period"

    name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date] = mapped_column()
    daily_capacity: Mapped[int] = mapped_column(Integer)
    department_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # scheduling runs for one period are serialised by this column (capacity per day)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    hall: Mapped[Hall] = relationship(lazy="joined")
    visits: Mapped[list[InspectionVisit]] = relationship(
        back_populates="period", order_by="[InspectionVisit.visit_date, InspectionVisit.id]")


class InspectionVisit(IdMixin, db.Model):
    """One joint inspection (联合年检): the enterprise comes once, on `visit_date`, and every
    department due inspects it. Its progress is its case's."""

    __tablename__ = "inspection_visit"
    __table_args__ = (Index("ix_inspection_visit_day", "period_id", "visit_date"),)

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_period.id", ondelete="SET NULL"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    visit_date: Mapped[date] = mapped_column()
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    enterprise: Mapped[Enterprise] = relationship(back_populates="visits")
    period: Mapped[InspectionPeriod | None] = relationship(back_populates="visits")
    case: Mapped[Case] = relationship(lazy="joined")
    booked_by: Mapped[User | None] = relationship()
    results: Mapped[list[InspectionResult]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="InspectionResult.id")


class InspectionResult(IdMixin, db.Model):
    """One department's result in a visit: pending, then passed or failed (with a reason).
    Recorded by the department task's decision."""

    __tablename__ = "inspection_result"
    __table_args__ = (UniqueConstraint("visit_id", "department_id"),)

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_visit.id", ondelete="CASCADE"), index=True)
    obligation_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_obligation.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("case_task.id"), unique=True)
    due_date: Mapped[date] = mapped_column()  # the due date this inspection covers
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    passed_at: Mapped[datetime | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column()

    visit: Mapped[InspectionVisit] = relationship(back_populates="results")
    obligation: Mapped[InspectionObligation] = relationship()
    department: Mapped[Department] = relationship(lazy="joined")
    task: Mapped[CaseTask] = relationship()
    recorded_by: Mapped[User | None] = relationship()
