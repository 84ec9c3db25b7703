"""notify() and delivery. notify() adds an outbox row to the caller's transaction, so a
rolled-back change notifies nobody; once that transaction commits, a delivery attempt runs
in a background task (a thread, or a greenlet under `serve`), never inside a request's
transaction. Rows that could not be delivered are retried with backoff by
`flask notifications deliver` and by the periodic task of `serve`."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..db import transactional, utcnow
from ..events import queue_callback
from ..extensions import db, socketio
from ..lifecycle import transition_to
from .models import Notification, NotificationAttempt
from .states import NOTIFICATION_TRANSITIONS, NotificationStatus

log = logging.getLogger(__name__)
S = NotificationStatus

# A claimed row is not picked up again for this long: longer than any webhook timeout, so
# two deliverers (the after-commit task and the periodic one) never send the same row at once.
CLAIM_LEASE = timedelta(seconds=120)


# --- adding to the outbox -------------------------------------------------------------------
def notify(kind: str, phone: str | None, payload: dict[str, Any] | None = None, *,
           dedupe_key: str | None = None, channel: str = "sms") -> int | None:
    """Queue a message in the caller's transaction. Returns the outbox row's id, or None
    when there is no recipient or the dedupe key was used before (sent once)."""
    if not phone:
        return None
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(Notification).values(
        channel=channel, recipient=phone[:40], kind=kind[:40], payload=payload or {},
        dedupe_key=dedupe_key, status=S.PENDING, attempts=0, next_attempt_at=now,
        created_at=now)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
    notification_id = db.session.execute(stmt.returning(Notification.id)).scalar_one_or_none()
    if notification_id is not None:
        _deliver_after_commit(notification_id)
    return notification_id


def _deliver_after_commit(notification_id: int) -> None:
    # one background task per transaction, whatever the number of messages it queued
    for item in db.session.info.get("outbox", ()):
        if isinstance(item, tuple) and item[0] is start_delivery:
            item[1][1].append(notification_id)
            return
    app = current_app._get_current_object()
    queue_callback(db.session, start_delivery, app, [notification_id])


def start_delivery(app: Flask, ids: list[int]):
    """Try to deliver these rows now, in a background task (after commit)."""
    return socketio.start_background_task(_deliver_in_background, app, list(ids))


def _deliver_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            for notification_id in ids:
                deliver(notification_id)
        except Exception:  # the periodic task retries whatever this left pending
            log.exception("background delivery of notifications %s failed", ids)
        finally:
            db.session.remove()


# --- delivering ------------------------------------------------------------------------------
def backoff(attempts: int) -> timedelta:
    base = float(current_app.config.get("NOTIFIER_RETRY_BASE_SECONDS", 30))
    ceiling = float(current_app.config.get("NOTIFIER_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(ceiling, base * 2 ** max(0, attempts - 1)))


@transactional()
def _claim(notification_id: int, now: datetime) -> Notification | None:
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == S.PENDING,
               Notification.next_attempt_at <= now)
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    row = db.session.get(Notification, notification_id, populate_existing=True)
    db.session.expunge(row)
    return row


@transactional()
def _settle(notification_id: int, *, backend: str, ok: bool, status_code: int | None,
            error: str | None, duration_ms: int, now: datetime) -> str:
    row = db.session.get(Notification, notification_id, populate_existing=True)
    db.session.add(NotificationAttempt(notification_id=notification_id, at=now, backend=backend,
                                       ok=ok, status_code=status_code, error=error,
                                       duration_ms=duration_ms))
    if ok:
        transition_to(row, NOTIFICATION_TRANSITIONS, S.SENT, entity_type="notification",
                      details={"kind": row.kind, "attempts": row.attempts})
        row.last_error = None
    else:
        row.last_error = error
        limit = int(current_app.config.get("NOTIFIER_MAX_ATTEMPTS", 8))
        if row.attempts >= limit:
            transition_to(row, NOTIFICATION_TRANSITIONS, S.FAILED, entity_type="notification",
                          details={"kind": row.kind, "attempts": row.attempts, "error": error})
        else:
            row.next_attempt_at = now + backoff(row.attempts)
    return row.status


def deliver(notification_id: int, *, now: datetime | None = None) -> str | None:
    """One delivery attempt of one row, if it is due and nobody else holds it. Returns its
    status afterwards, or None when it was not ours to send."""
    simulated = now is not None  # tests and the CLI may pass a time; otherwise the clock
    now = now or utcnow()
    row = _claim(notification_id, now)
    if row is None:
        return None
    backend = current_app.config.get("NOTIFIER_BACKEND", "log")
    started = time.monotonic()
    try:
        ok, status_code, error = BACKENDS.get(backend, _unknown_backend)(row)
    except Exception as exc:  # a broken backend is a failed attempt, retried later
        ok, status_code, error = False, None, f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return _settle(notification_id, backend=backend, ok=ok, status_code=status_code,
                   error=error[:500] if error else None, duration_ms=duration_ms,
                   now=now if simulated else utcnow())


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Every pending row whose next attempt is due: one attempt each."""
    now = now or utcnow()
    ids = db.session.execute(
        select(Notification.id).where(Notification.status == S.PENDING,
                                      Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id).limit(limit)).scalars().all()
    db.session.rollback()  # end the read before the attempts, each its own transaction
    counts = {"sent": 0, "pending": 0, "failed": 0, "skipped": 0}
    for notification_id in ids:
        status = deliver(notification_id, now=now)
        counts[status or "skipped"] += 1
    return counts


# --- backends: each takes the row and answers (ok, HTTP status or None, error or None) -------
def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def _log_backend(row: Notification):
    log.info("notification %s (%s) to %s: %s", row.id, row.kind, _mask(row.recipient),
             json.dumps(row.payload, ensure_ascii=False))
    return True, None, None


def _webhook_backend(row: Notification):
    url = current_app.config.get("NOTIFIER_WEBHOOK_URL")
    if not url:
        return False, None, "NOTIFIER_WEBHOOK_URL is not set"
    body = json.dumps({"id": row.id, "channel": row.channel, "recipient": row.recipient,
                       "kind": row.kind, "payload": row.payload,
                       "created_at": row.created_at.isoformat()}, ensure_ascii=False)
    request = urllib.request.Request(
        url, data=body.encode("utf-8"), method="POST",
        # the receiver can drop a repeat (a retry after a lost answer) by this key
        headers={"Content-Type": "application/json", "Idempotency-Key": f"notification-{row.id}"})
    timeout = float(current_app.config.get("NOTIFIER_WEBHOOK_TIMEOUT", 5))
    try:
        # bandit exception (B310): the URL is the operator's NOTIFIER_WEBHOOK_URL, not user input
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            status = response.status
    except urllib.error.HTTPError as exc:
        return False, exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return False, None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    if 200 <= status < 300:
        return True, status, None
    return False, status, f"HTTP {status}"


def _unknown_backend(row: Notification):
    return False, None, f"unknown NOTIFIER_BACKEND {current_app.config.get('NOTIFIER_BACKEND')!r}"


BACKENDS = {"log": _log_backend, "webhook": _webhook_backend}


# --- the queue's messages: called from queueing.services.call_next ---------------------------
def after_call_next(window, ticket) -> None:
    """ticket_called for the called ticket, and ticket_near (once per ticket) for the waiting
    tickets with a phone that are now NOTIFY_AHEAD or fewer places from the front of its line.
    One small query, and only when somebody in the front of the line left a phone."""
    if ticket is None:
        return
    from ..catalog.services import localized_name
    from ..queueing.models import Ticket
    from ..queueing.services import iso
    from ..queueing.states import TicketStatus

    if ticket.phone:
        notify("ticket_called", ticket.phone, {
            "number": ticket.number, "window_number": window.number,
            "window_name": localized_name(window), "called_at": iso(ticket.called_at)})
    ahead_limit = int(current_app.config.get("NOTIFY_AHEAD", 3))
    # the called ticket's line, in the order ticket_position counts it
    front = db.session.execute(
        select(Ticket.id, Ticket.number, Ticket.phone)
        .where(Ticket.hall_id == ticket.hall_id, Ticket.service_day == ticket.service_day,
               Ticket.status == TicketStatus.WAITING, Ticket.category_id == ticket.category_id,
               Ticket.target_window_id.is_(None))
        .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)
        .limit(ahead_limit + 1)).all()
    for ahead, (ticket_id, number, phone) in enumerate(front):
        if phone:
            notify("ticket_near", phone, {"number": number, "ahead": ahead},
                   dedupe_key=f"ticket_near:{ticket_id}")


# --- the periodic task of `serve` --------------------------------------------------------------
def start_delivery_loop(app: Flask):
    """Retry due rows every NOTIFIER_POLL_SECONDS in a background task of the server."""
    interval = float(app.config.get("NOTIFIER_POLL_SECONDS", 30))

    def loop():
        while True:
            socketio.sleep(interval)
            with app.app_context():
                try:
                    deliver_due()
                except Exception:
                    log.exception("periodic notification delivery failed")
                finally:
                    db.session.remove()

    return socketio.start_background_task(loop)
