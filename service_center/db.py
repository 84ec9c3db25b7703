"""Declarative base, UTC time helpers and the SQLite connection set-up."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- SQLite: WAL, busy timeout, and write transactions that take the lock up front.
# A deferred transaction that reads and then writes can fail at once with
# "database is locked" (SQLITE_BUSY_SNAPSHOT) whatever the busy timeout; one
# started with BEGIN IMMEDIATE waits its turn instead. Reads stay deferred so
# screens and look-ups never queue behind writers.
_read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("read_only", default=False)


def set_read_only(flag: bool) -> contextvars.Token:
    return _read_only.set(flag)


def reset_read_only(token: contextvars.Token) -> None:
    _read_only.reset(token)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=20000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN" if _read_only.get() else "BEGIN IMMEDIATE")


def transactional(retries: int = 5):
    """Run a service as one transaction: commit on success, roll back on any error,
    and retry from scratch when an optimistic version check lost a race."""
    import functools

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            from .extensions import db

            attempt = 0
            while True:
                try:
                    result = fn(*args, **kwargs)
                    db.session.commit()
                    return result
                except (StaleDataError, OperationalError) as exc:
                    db.session.rollback()
                    attempt += 1
                    retryable = isinstance(exc, StaleDataError) or _is_serialization_failure(exc)
                    if not retryable or attempt > retries:
                        if isinstance(exc, StaleDataError):
                            from .errors import Conflict

                            raise Conflict(code="concurrent_change") from exc
                        raise
                except BaseException:
                    db.session.rollback()
                    raise

        return wrapper

    return decorator


def _is_serialization_failure(exc) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in {"40001", "40P01"}
