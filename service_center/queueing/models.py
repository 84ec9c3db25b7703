from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Hall, QueueCategory, Window
from ..db import utcnow
from ..extensions import db


class TicketCounter(db.Model):
    """One row per (category, service day): the last number handed out.
    Incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING in the same
    transaction as the ticket insert, so numbers have neither gaps nor duplicates."""

    __tablename__ = "ticket_counter"
    category_id: Mapped[int] = mapped_column(
        ForeignKey("queue_category.id", ondelete="CASCADE"), primary_key=True)
    service_day: Mapped[date] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        # the backstop behind the counter row
        UniqueConstraint("issued_category_id", "service_day", "seq"),
        Index("ix_ticket_queue", "hall_id", "service_day", "status", "category_id"),
        Index("ix_ticket_issued_at", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    issued_category_id: Mapped[int] = mapped_column(ForeignKey("queue_category.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("queue_category.id"))
    service_day: Mapped[date] = mapped_column()
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(16), default="kiosk")

    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column()
    first_called_at: Mapped[datetime | None] = mapped_column()
    serving_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    no_show_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    waiting_at: Mapped[datetime | None] = mapped_column()  # last time it went back to waiting

    # the window that called it (and serves it); None while waiting
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id", ondelete="SET NULL"))
    # a transfer to one window reserves the ticket for it
    target_window_id: Mapped[int | None] = mapped_column(
        ForeignKey("window.id", ondelete="SET NULL"))
    served_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    hall: Mapped[Hall] = relationship(lazy="joined")
    category: Mapped[QueueCategory] = relationship(foreign_keys=[category_id], lazy="joined")
    window: Mapped[Window | None] = relationship(foreign_keys=[window_id])
    target_window: Mapped[Window | None] = relationship(foreign_keys=[target_window_id])
