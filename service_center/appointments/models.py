"""Appointment tables: one counter row per bookable slot, and the bookings themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Hall, QueueCategory
from ..db import utcnow
from ..extensions import db


class AppointmentSlot(db.Model):
    """How many bookings a slot holds. Incremented with a conditional UPDATE … WHERE
    booked < capacity in the booking's transaction, so a slot is never overbooked; the
    capacity itself comes from the catalog at booking time (administrators may change it)."""

    __tablename__ = "appointment_slot"
    __table_args__ = (UniqueConstraint("category_id", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("queue_category.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column()
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_day", "hall_id", "start_at"),
        Index("ix_appointment_phone", "phone", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("queue_category.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    booked_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    missed_at: Mapped[datetime | None] = mapped_column()

    hall: Mapped[Hall] = relationship(lazy="joined")
    category: Mapped[QueueCategory] = relationship(lazy="joined")
