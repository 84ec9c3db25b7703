"""Guide content that the catalog does not hold: conditions, per-material details,
topics (life events), uploaded forms and examples, the publication date and the
history of changes. Every row hangs off a service item by its id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import ServiceItem
from ..db import IdMixin, utcnow
from ..extensions import db

# how a material is handed in
MATERIAL_FORMS = ("original", "copy", "original_and_copy", "electronic")
FILE_KINDS = ("blank_form", "example")


class GuideTopic(IdMixin, db.Model):
    """A life event or business topic (开办企业, 工程建设, 社保医保 …)."""

    __tablename__ = "guide_topic"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(Integer, default=0)


class GuideTopicItem(db.Model):
    __tablename__ = "guide_topic_item"
    topic_id: Mapped[int] = mapped_column(ForeignKey("guide_topic.id", ondelete="CASCADE"),
                                          primary_key=True)
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True, index=True)

    topic: Mapped[GuideTopic] = relationship(lazy="joined")


class Guide(IdMixin, db.Model):
    """One guide per service item; `published_at` is the date the public sees."""

    __tablename__ = "guide"
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"), unique=True)
    conditions: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    service_item: Mapped[ServiceItem] = relationship()

    __mapper_args__ = {"version_id_col": version}


class GuideMaterial(IdMixin, db.Model):
    """Details of one of the item's materials, matched by name: the catalog replaces
    its material rows on import, the names stay."""

    __tablename__ = "guide_material"
    __table_args__ = (UniqueConstraint("service_item_id", "material_name"),)
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"), index=True)
    material_name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(20), default="original")
    copies: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(String(500))


class GuideFile(IdMixin, db.Model):
    """A blank form or a filled example uploaded by an administrator; stored in the
    instance folder under a random name, served under its original name."""

    __tablename__ = "guide_file"
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class GuideChange(IdMixin, db.Model):
    """The public history of a guide: who changed what, when."""

    __tablename__ = "guide_change"
    __table_args__ = (Index("ix_guide_change_item_at", "service_item_id", "at"),)
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_item.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    # {field: {"from": ..., "to": ...}}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
