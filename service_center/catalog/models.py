"""Catalog tables. Departments, service items, fees and the calendar are shared by
the district; queue categories and windows belong to a hall."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import IdMixin, TimestampMixin
from ..extensions import db


class Center(IdMixin, TimestampMixin, db.Model):
    """The district's service center itself (one row)."""

    __tablename__ = "center"
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    timezone: Mapped[str | None] = mapped_column(String(64))
    notice: Mapped[str | None] = mapped_column(Text)


class Hall(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "hall"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    categories: Mapped[list[QueueCategory]] = relationship(
        back_populates="hall", order_by="QueueCategory.prefix", cascade="all, delete-orphan")
    windows: Mapped[list[Window]] = relationship(
        back_populates="hall", order_by="Window.number", cascade="all, delete-orphan")


class Department(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "department"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))


class QueueCategory(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "queue_category"
    __table_args__ = (UniqueConstraint("hall_id", "prefix"),)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    # {slot_minutes, capacity, hours: ["09:00-11:30", ...]} or None
    appointments: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    hall: Mapped[Hall] = relationship(back_populates="categories")


class Window(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "window"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    # open | paused | closed; moves only through queueing.services
    status: Mapped[str] = mapped_column(String(16), default="closed")
    # Plain ids, not foreign keys: window <-> ticket and window <-> user would
    # otherwise form reference cycles that SQLite cannot migrate.
    current_ticket_id: Mapped[int | None] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    hall: Mapped[Hall] = relationship(back_populates="windows")
    category_links: Mapped[list[WindowCategory]] = relationship(
        order_by="WindowCategory.position", cascade="all, delete-orphan",
        back_populates="window")

    __mapper_args__ = {"version_id_col": version}

    @property
    def categories(self) -> list[QueueCategory]:
        return [link.category for link in self.category_links]


class WindowCategory(db.Model):
    """The categories a window serves, in call-priority order."""

    __tablename__ = "window_category"
    window_id: Mapped[int] = mapped_column(ForeignKey("window.id", ondelete="CASCADE"),
                                           primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("queue_category.id", ondelete="CASCADE"),
                                             primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    window: Mapped[Window] = relationship(back_populates="category_links")
    category: Mapped[QueueCategory] = relationship(lazy="joined")


class FeeItem(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "fee_item"
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    basis: Mapped[str] = mapped_column(String(16))  # fixed | per_unit
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity_param: Mapped[str | None] = mapped_column(String(40))
    rate_fen: Mapped[int | None] = mapped_column(Integer)
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    min_fen: Mapped[int | None] = mapped_column(Integer)
    max_fen: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Department] = relationship(lazy="joined")


class ServiceItem(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "service_item"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(240))
    kind: Mapped[str] = mapped_column(String(24))  # licensing | service | annual_inspection
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    queue_category: Mapped[str | None] = mapped_column(String(4))  # prefix, in any hall
    statutory_days: Mapped[int] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    proxy_service: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    # [{name, label, type}] - the values a clerk enters at intake
    parameters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    lead_department: Mapped[Department] = relationship(lazy="joined")
    materials: Mapped[list[Material]] = relationship(
        order_by="Material.position", cascade="all, delete-orphan", back_populates="item")
    fee_links: Mapped[list[ServiceItemFee]] = relationship(
        order_by="ServiceItemFee.position", cascade="all, delete-orphan")
    stages: Mapped[list[WorkflowStage]] = relationship(
        order_by="WorkflowStage.position", cascade="all, delete-orphan", back_populates="item")

    @property
    def fee_items(self) -> list[FeeItem]:
        return [link.fee_item for link in self.fee_links]


class Material(IdMixin, db.Model):
    __tablename__ = "material"
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))

    item: Mapped[ServiceItem] = relationship(back_populates="materials")


class ServiceItemFee(db.Model):
    __tablename__ = "service_item_fee"
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"),
                                         primary_key=True)
    fee_item_id: Mapped[int] = mapped_column(ForeignKey("fee_item.id", ondelete="CASCADE"),
                                             primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    fee_item: Mapped[FeeItem] = relationship(lazy="joined")


class WorkflowStage(IdMixin, db.Model):
    __tablename__ = "workflow_stage"
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))

    item: Mapped[ServiceItem] = relationship(back_populates="stages")
    tasks: Mapped[list[WorkflowTask]] = relationship(
        order_by="WorkflowTask.position", cascade="all, delete-orphan")


class WorkflowTask(IdMixin, db.Model):
    __tablename__ = "workflow_task"
    stage_id: Mapped[int] = mapped_column(ForeignKey("workflow_stage.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    days: Mapped[int] = mapped_column(Integer)

    department: Mapped[Department] = relationship(lazy="joined")


class CalendarOverride(IdMixin, db.Model):
    """The catalog's additions to the built-in calendar."""

    __tablename__ = "calendar_override"
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | workday


class CalendarYear(IdMixin, db.Model):
    """A year whose holidays the administrators have entered in full."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, unique=True)
