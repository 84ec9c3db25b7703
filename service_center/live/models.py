"""The live layer's one table: the scrolling notice of each hall's lobby screens."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import IdMixin, TimestampMixin
from ..extensions import db


class HallNotice(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "hall_notice"
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(Integer)
