"""Door-to-door service requests: who asked, where, for what, who goes on which day, and
what came of the visit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..approvals.models import Case
from ..auth.models import User
from ..catalog.models import Hall, ServiceItem
from ..db import utcnow
from ..extensions import db


class DoorRequest(db.Model):
    __tablename__ = "door_request"
    __table_args__ = (
        Index("ix_door_request_route", "assignee_id", "scheduled_date", "route_order"),
        Index("ix_door_request_hall_status", "hall_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    source: Mapped[str] = mapped_column(String(10), default="public")  # public | staff
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    service_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_item.id", ondelete="SET NULL"))
    description: Mapped[str | None] = mapped_column(String(500))
    preferred_date: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(String(16))
    reason_note: Mapped[str | None] = mapped_column(String(200))

    status: Mapped[str] = mapped_column(String(16), default="requested")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    scheduled_date: Mapped[date | None] = mapped_column()
    route_order: Mapped[int | None] = mapped_column(Integer)
    result_note: Mapped[str | None] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    scheduled_at: Mapped[datetime | None] = mapped_column()
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    not_completed_at: Mapped[datetime | None] = mapped_column()
    not_completed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    hall: Mapped[Hall] = relationship(lazy="joined")
    service_item: Mapped[ServiceItem | None] = relationship(lazy="select")
    assignee: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[assignee_id])
    case: Mapped[Case | None] = relationship(lazy="select")
