"""One audit table and one helper for every change of state and every refused access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import utcnow
from .extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
        Index("ix_audit_event_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_name: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(16), default="ok")
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def record(
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    actor=None,
    from_state: str | None = None,
    to_state: str | None = None,
    result: str = "ok",
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction (it commits with the change it records)."""
    if actor is None:
        actor = _current_actor()
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        from_state=from_state,
        to_state=to_state,
        result=result,
        ip=ip,
        details=details,
    )
    db.session.add(event)
    return event


def record_refusal(action: str, entity_type: str, entity_id: Any = None, *, actor=None,
                   reason: str = "") -> None:
    """A refused access is audited in its own transaction, so it survives the error rollback."""
    db.session.rollback()
    record(action, entity_type, entity_id, actor=actor, result="denied",
           details={"reason": reason} if reason else None)
    db.session.commit()


def _current_actor():
    if not has_request_context():
        return None
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user
    return None
