"""One audit table and one helper for every change of state and every refused access.

The trail is append-only and tamper-evident:
- the ORM refuses to update or delete an AuditEvent (mapper events and a guard on bulk
  UPDATE/DELETE statements); the only door that removes rows is `prune()`, which keeps at
  least 180 days (AUDIT_MIN_RETENTION_DAYS);
- every row carries `seq` (1, 2, 3 …), `prev_hash` and `hash = sha256(prev_hash +
  canonical JSON of its fields)`, computed when the row is flushed, inside the same
  transaction. The chain head (`audit_chain`, one row) is updated first with
  `UPDATE … RETURNING`, which takes its row lock on PostgreSQL and the write lock on
  SQLite, so two transactions never extend the chain from the same head.
`verify()` walks the chain and names the first broken row (`flask audit verify`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from flask import has_request_context, request
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    bindparam,
    delete,
    event,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import reset_read_only, set_read_only, utcnow
from .extensions import db

GENESIS = "0" * 64
AUDIT_MIN_RETENTION_DAYS = 180


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
    # the hash chain (NULL only for rows written before it existed and not yet migrated)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChain(db.Model):
    """The head of the hash chain: one row (id 1)."""

    __tablename__ = "audit_chain"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    # after a prune: the last removed row, which the oldest kept row links to
    pruned_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit record."""


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
    event_row = AuditEvent(
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
    db.session.add(event_row)
    return event_row


def record_refusal(action: str, entity_type: str, entity_id: Any = None, *, actor=None,
                   reason: str = "") -> None:
    """A refused access is audited in its own transaction, so it survives the error rollback.
    A write transaction even inside a GET (BEGIN IMMEDIATE on SQLite): a deferred one that
    reads first fails at once with "database is locked" when another writer (e.g. the
    notifications' background delivery) commits in between."""
    db.session.rollback()
    token = set_read_only(False)
    try:
        record(action, entity_type, entity_id, actor=actor, result="denied",
               details={"reason": reason} if reason else None)
        db.session.commit()
    finally:
        reset_read_only(token)


def _current_actor():
    if not has_request_context():
        return None
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user
    return None


# --- the hash chain ----------------------------------------------------------------------------
def _iso(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite forgets the offset; every stored time is UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> str:
    """The canonical JSON of an audit row's fields (keys sorted, no spaces, UTF-8)."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_fields(row: Any) -> dict[str, Any]:
    """The hashed fields of an AuditEvent (or of a Core row with the same columns)."""
    details = row.details
    if isinstance(details, str):  # a raw driver value
        details = json.loads(details)
    return {
        "seq": row.seq, "at": _iso(row.at), "actor_id": row.actor_id,
        "actor_name": row.actor_name, "action": row.action, "entity_type": row.entity_type,
        "entity_id": row.entity_id, "from_state": row.from_state, "to_state": row.to_state,
        "result": row.result, "ip": row.ip, "details": details,
    }


def compute_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


_chain = AuditChain.__table__


# Built once: every audited write runs both (building them cost more than running them).
_LOCK_HEAD = update(_chain).where(_chain.c.id == 1).values(last_seq=_chain.c.last_seq) \
    .returning(_chain.c.last_seq, _chain.c.last_hash)
_MOVE_HEAD = update(_chain).where(_chain.c.id == 1).values(
    last_seq=bindparam("seq"), last_hash=bindparam("hash"))


def lock_head(connection) -> tuple[int, str]:
    """Take the chain head's lock for this transaction and read it (creating it if needed).
    A write statement first, so that SQLite takes its write lock before reading."""
    stmt = _LOCK_HEAD
    row = connection.execute(stmt).first()
    if row is None:
        if connection.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        connection.execute(insert(_chain).values(
            id=1, last_seq=0, last_hash=GENESIS, pruned_seq=0, pruned_hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["id"]))
        row = connection.execute(stmt).first()
    return int(row[0]), row[1]


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, flush_context, instances) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.hash is None]
    if not new:
        return
    new.sort(key=lambda obj: obj._sa_instance_state.insert_order or 0)
    connection = session.connection()
    seq, prev = lock_head(connection)
    for obj in new:
        seq += 1
        if obj.at is None:
            obj.at = utcnow()
        if obj.result is None:
            obj.result = "ok"
        if obj.details is not None:  # hash exactly what the database will give back
            obj.details = json.loads(json.dumps(obj.details))
        obj.seq = seq
        obj.prev_hash = prev
        obj.hash = compute_hash(prev, row_fields(obj))
        prev = obj.hash
    connection.execute(_MOVE_HEAD, {"seq": seq, "hash": prev})


_INSERT_EVENT = AuditEvent.__table__.insert()


def record_now(
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    actor=None,
    from_state: str | None = None,
    to_state: str | None = None,
    result: str = "ok",
    details: dict | None = None,
) -> None:
    """`record()` for hot paths (the kiosk's ticket issue): the row is chained and written
    at once with a Core INSERT on the session's connection, in the current transaction,
    instead of through the ORM's unit of work (which cost about 0.7 ms a row). The same
    head lock (`UPDATE … RETURNING` on the chain head) keeps concurrent writers in order,
    and the same fields are hashed, so `verify()` cannot tell the two apart."""
    session = db.session
    if any(isinstance(obj, AuditEvent) for obj in session.new):
        session.flush()  # rows recorded earlier in this transaction keep their order
    if actor is None:
        actor = _current_actor()
    row = SimpleNamespace(
        at=utcnow(), actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None), action=action, entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id), from_state=from_state,
        to_state=to_state, result=result or "ok",
        ip=request.remote_addr if has_request_context() else None,
        # hash exactly what the database will give back
        details=None if details is None else json.loads(json.dumps(details)))
    connection = session.connection()
    seq, prev = lock_head(connection)
    row.seq = seq + 1
    row.prev_hash = prev
    row.hash = compute_hash(prev, row_fields(row))
    connection.execute(_INSERT_EVENT, vars(row))
    connection.execute(_MOVE_HEAD, {"seq": row.seq, "hash": row.hash})


# --- append-only -------------------------------------------------------------------------------
@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditImmutable("audit records cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditImmutable("audit records cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    if (state.is_update or state.is_delete) and \
            any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditImmutable("audit records cannot be changed or deleted")


# --- verification and retention ----------------------------------------------------------------
@dataclass
class ChainReport:
    ok: bool
    checked: int = 0
    legacy: int = 0  # rows without a hash (written before the chain existed)
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None

    def summary(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} records checked"
        where = f"seq {self.broken_seq}" if self.broken_seq is not None else "the chain head"
        row = f" (audit_event id {self.broken_id})" if self.broken_id is not None else ""
        return f"audit chain BROKEN at {where}{row}: {self.reason}"


def verify(batch: int = 2000) -> ChainReport:
    """Walk the chain in `seq` order; report the first row whose link or hash is wrong,
    a gap in the sequence, or a head that does not match the newest row (rows cut off)."""
    table = AuditEvent.__table__
    head = db.session.execute(select(_chain).where(_chain.c.id == 1)).first()
    expected_seq = (head.pruned_seq if head else 0) + 1
    prev = head.pruned_hash if head else GENESIS
    report = ChainReport(ok=True)
    report.legacy = db.session.execute(
        select(db.func.count()).select_from(table).where(table.c.seq.is_(None))).scalar_one()
    last_seq = expected_seq - 1
    while True:
        rows = db.session.execute(select(table).where(table.c.seq > last_seq)
                                  .order_by(table.c.seq).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            reason, broken_seq = None, row.seq
            if row.seq != expected_seq:
                reason = f"record missing (the next one found is seq {row.seq})"
                broken_seq = expected_seq
            elif row.prev_hash != prev:
                reason = "link to the previous record does not match"
            elif compute_hash(prev, row_fields(row)) != row.hash:
                reason = "contents do not match the stored hash"
            if reason:
                return ChainReport(ok=False, checked=report.checked, legacy=report.legacy,
                                   broken_seq=broken_seq,
                                   broken_id=row.id if broken_seq == row.seq else None,
                                   reason=reason)
            report.checked += 1
            prev = row.hash
            expected_seq += 1
            last_seq = row.seq
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return ChainReport(ok=False, checked=report.checked, legacy=report.legacy,
                           broken_seq=expected_seq, reason="records missing after the last "
                           f"one found (head is at seq {head.last_seq})")
    return report


def prune(older_than_days: int, *, actor=None) -> int:
    """Delete audit records older than `older_than_days` (at least 180); the chain stays
    verifiable because the head remembers the last removed record's hash. The caller
    commits. Returns the number of records removed."""
    from .errors import ValidationError

    if older_than_days < AUDIT_MIN_RETENTION_DAYS:
        raise ValidationError(f"audit records are kept at least {AUDIT_MIN_RETENTION_DAYS} days",
                              details={"older_than_days": older_than_days})
    table = AuditEvent.__table__
    connection = db.session.connection()
    last_seq, _last_hash = lock_head(connection)
    cutoff = utcnow() - timedelta(days=older_than_days)
    # the chain is cut at the first record that is still young enough to keep
    keep_from = connection.execute(select(db.func.min(table.c.seq)).where(
        table.c.seq.is_not(None), table.c.at >= cutoff)).scalar()
    through = (keep_from - 1) if keep_from is not None else last_seq
    removed = 0
    if through > 0:
        cut = connection.execute(select(table.c.seq, table.c.hash).where(
            table.c.seq <= through).order_by(table.c.seq.desc()).limit(1)).first()
        if cut is not None:
            removed += connection.execute(delete(table).where(table.c.seq <= through)).rowcount
            connection.execute(update(_chain).where(_chain.c.id == 1)
                               .values(pruned_seq=cut.seq, pruned_hash=cut.hash))
    removed += connection.execute(delete(table).where(
        table.c.seq.is_(None), table.c.at < cutoff)).rowcount
    record("audit_pruned", "audit", None, actor=actor,
           details={"older_than_days": older_than_days, "removed": removed,
                    "through_seq": through})
    return removed


# --- command line: flask audit verify | prune --------------------------------------------------
def _cli():
    import sys

    import click
    from flask.cli import AppGroup

    group = AppGroup("audit", help="Check and prune the audit trail.")

    @group.command("verify")
    def verify_command() -> None:
        """Walk the hash chain; exit 1 and name the first broken record if it was tampered."""
        report = verify()
        if report.legacy:
            click.echo(f"note: {report.legacy} records predate the hash chain")
        click.echo(report.summary(), err=not report.ok)
        sys.exit(0 if report.ok else 1)

    @group.command("prune")
    @click.option("--older-than-days", type=int, required=True,
                  help=f"remove records older than this (at least {AUDIT_MIN_RETENTION_DAYS})")
    def prune_command(older_than_days: int) -> None:
        """Remove old audit records (never younger than 180 days)."""
        if older_than_days < AUDIT_MIN_RETENTION_DAYS:
            click.echo(f"refused: audit records are kept at least {AUDIT_MIN_RETENTION_DAYS} "
                       "days", err=True)
            sys.exit(2)
        removed = prune(older_than_days)
        db.session.commit()
        click.echo(f"removed {removed} audit records older than {older_than_days} days")

    return group


def init_app(app) -> None:
    app.cli.add_command(_cli())
