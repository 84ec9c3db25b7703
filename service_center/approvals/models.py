"""Cases (办件), their stages and department tasks, proxy-agent handovers and
suspensions of the clock. The case's timeline is the audit trail (audit.record)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..catalog.models import Department, Hall, ServiceItem
from ..db import IdMixin, TimestampMixin, utcnow
from ..extensions import db


class CaseCounter(db.Model):
    """One row per (tracking prefix, service day): the last number handed out, incremented
    with INSERT … ON CONFLICT DO UPDATE … RETURNING in the case's own transaction."""

    __tablename__ = "case_counter"
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    service_day: Mapped[date] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Case(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "case"
    __table_args__ = (Index("ix_case_status", "status"),)

    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    # sha256 of tracking_no and query code; compared in constant time
    query_hash: Mapped[str] = mapped_column(String(64))
    service_item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id", ondelete="SET NULL"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))

    applicant_name: Mapped[str] = mapped_column(String(120))
    applicant_phone: Mapped[str] = mapped_column(String(20))
    applicant_id_number: Mapped[str | None] = mapped_column(String(32))
    applicant_organization: Mapped[str | None] = mapped_column(String(200))
    # the item's parameters as canonical decimal strings, e.g. {"area_m2": "1200.5"}
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    materials_received: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing_materials: Mapped[list[str]] = mapped_column(JSON, default=list)

    status: Mapped[str] = mapped_column(String(24))
    # true whenever the clock is not running (not yet started, or paused)
    suspended: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column()
    accepted_on: Mapped[date | None] = mapped_column()
    clock_started_on: Mapped[date | None] = mapped_column()
    promised_deadline: Mapped[date | None] = mapped_column()
    statutory_deadline: Mapped[date | None] = mapped_column()
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column()
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    refusal_reason: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    proxy_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # the applicant asked at intake for a free proxy agent; managers see it when assigning
    proxy_requested: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())

    approved_at: Mapped[datetime | None] = mapped_column()
    rejected_at: Mapped[datetime | None] = mapped_column()
    refused_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    service_item: Mapped[ServiceItem] = relationship(lazy="joined")
    hall: Mapped[Hall] = relationship(lazy="joined")
    proxy_agent: Mapped[User | None] = relationship(foreign_keys=[proxy_agent_id], lazy="joined")
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    decided_department: Mapped[Department | None] = relationship()
    stages: Mapped[list[CaseStage]] = relationship(
        order_by="CaseStage.position", cascade="all, delete-orphan", back_populates="case")
    tasks: Mapped[list[CaseTask]] = relationship(
        order_by="[CaseTask.stage_position, CaseTask.position]", cascade="all, delete-orphan",
        back_populates="case", overlaps="stage,tasks")
    handovers: Mapped[list[Handover]] = relationship(
        order_by="Handover.at", cascade="all, delete-orphan")
    suspensions: Mapped[list[Suspension]] = relationship(
        order_by="Suspension.started_at", cascade="all, delete-orphan")


class CaseStage(IdMixin, db.Model):
    __tablename__ = "case_stage"
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    opened_on: Mapped[date | None] = mapped_column()
    active_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    rejected_at: Mapped[datetime | None] = mapped_column()

    case: Mapped[Case] = relationship(back_populates="stages")
    tasks: Mapped[list[CaseTask]] = relationship(
        order_by="CaseTask.position", back_populates="stage", overlaps="case,tasks")


class CaseTask(IdMixin, db.Model):
    """One department's step of a case. Every task exists from acceptance, pending
    until its stage opens."""

    __tablename__ = "case_task"
    __table_args__ = (Index("ix_case_task_inbox", "department_id", "status"),)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("case_stage.id", ondelete="CASCADE"),
                                          index=True)
    stage_position: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    activated_on: Mapped[date | None] = mapped_column()
    due_date: Mapped[date | None] = mapped_column()
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    opinion: Mapped[str | None] = mapped_column(Text)
    active_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    rejected_at: Mapped[datetime | None] = mapped_column()
    returned_at: Mapped[datetime | None] = mapped_column()

    case: Mapped[Case] = relationship(back_populates="tasks", overlaps="stage,tasks")
    stage: Mapped[CaseStage] = relationship(back_populates="tasks", overlaps="case,tasks")
    department: Mapped[Department] = relationship(lazy="joined")
    decided_by: Mapped[User | None] = relationship()


class Handover(IdMixin, db.Model):
    """A proxy agent carried the case's documents from one department to another."""

    __tablename__ = "case_handover"
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    from_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    from_department: Mapped[Department] = relationship(foreign_keys=[from_department_id],
                                                       lazy="joined")
    to_department: Mapped[Department] = relationship(foreign_keys=[to_department_id],
                                                     lazy="joined")
    agent: Mapped[User | None] = relationship(lazy="joined")


class Suspension(IdMixin, db.Model):
    """A stop of the clock: a supplement (补正) or a manager's pause (expert review,
    testing, hearing, public notice). Working days in (started_on, ended_on] do not count."""

    __tablename__ = "case_suspension"
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_on: Mapped[date] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_on: Mapped[date | None] = mapped_column()
    working_days: Mapped[int | None] = mapped_column(Integer)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
