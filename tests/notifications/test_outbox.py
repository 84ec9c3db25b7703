"""The notifier: sent only after commit, once each; retried later when the receiver is down
or answers 500; nothing for a rolled-back change; every attempt recorded."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service_center.audit import AuditEvent
from service_center.db import transactional, utcnow
from service_center.errors import Conflict
from service_center.extensions import db
from service_center.notifications.models import Notification, NotificationAttempt
from service_center.notifications.services import deliver_due, notify

from .conftest import wait_for


def _rows(app):
    with app.app_context():
        rows = db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()
        attempts = db.session.execute(select(NotificationAttempt)
                                      .order_by(NotificationAttempt.id)).scalars().all()
        db.session.expunge_all()
        return rows, attempts


@transactional()
def _notify_and_commit(kind: str, phone: str, payload: dict):
    return notify(kind, phone, payload)


@transactional()
def _notify_and_fail(phone: str):
    notify("case_decided", phone, {"tracking_no": "X"})
    raise Conflict("the change is refused")


def test_each_notification_arrives_once(seeded, webhook):
    with seeded.app_context():
        ids = [_notify_and_commit("case_decided", "13800138000", {"n": i}) for i in range(3)]
    wait_for(lambda: len(webhook.received) == 3)
    with seeded.app_context():
        assert deliver_due(now=utcnow() + timedelta(days=1)) == \
            {"sent": 0, "pending": 0, "failed": 0, "skipped": 0}
    time.sleep(0.2)
    assert sorted(b["id"] for b in webhook.received) == ids
    assert {b["kind"] for b in webhook.received} == {"case_decided"}
    assert sorted(b["payload"]["n"] for b in webhook.received) == [0, 1, 2]
    rows, attempts = _rows(seeded)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] * 3
    assert [(a.ok, a.status_code, a.backend) for a in attempts] == [(True, 200, "webhook")] * 3


@pytest.mark.parametrize("outage", ["http_500", "receiver_down"])
def test_delivery_is_retried_after_an_outage(seeded, webhook, runner, outage):
    port = webhook.port
    if outage == "http_500":
        webhook.status = 500
    else:
        webhook.stop()
    seeded.config["NOTIFIER_RETRY_BASE_SECONDS"] = 60
    with seeded.app_context():
        notification_id = _notify_and_commit("fee_due", "13800138000", {"total_fen": 1230})
    wait_for(lambda: len(_rows(seeded)[1]) == 1)
    rows, attempts = _rows(seeded)
    assert rows[0].status == "pending" and rows[0].attempts == 1
    assert rows[0].next_attempt_at > utcnow() + timedelta(seconds=30)   # backoff
    assert attempts[0].ok is False and rows[0].last_error
    assert (attempts[0].status_code == 500) == (outage == "http_500")
    # not due yet: the periodic task leaves it alone
    assert "skipped=0" in runner.invoke(args=["notifications", "deliver"]).output
    assert len(_rows(seeded)[1]) == 1
    # the receiver is back; a minute later the retry delivers it, once
    if outage == "http_500":
        webhook.status = 200
    else:
        webhook.start(port)
    with seeded.app_context():
        assert deliver_due(now=utcnow() + timedelta(minutes=2))["sent"] == 1
        assert deliver_due(now=utcnow() + timedelta(hours=2))["sent"] == 0
    assert [b["id"] for b in webhook.received] == [notification_id]
    rows, attempts = _rows(seeded)
    assert rows[0].status == "sent" and rows[0].attempts == 2 and rows[0].sent_at
    assert [a.ok for a in attempts] == [False, True]


def test_retries_end_in_failed_after_the_limit(seeded, webhook):
    webhook.status = 503
    seeded.config.update(NOTIFIER_MAX_ATTEMPTS=3, NOTIFIER_RETRY_BASE_SECONDS=1)
    with seeded.app_context():
        _notify_and_commit("inspection_due", "13800138000", {})
    wait_for(lambda: len(_rows(seeded)[1]) == 1)
    with seeded.app_context():
        for hours in (1, 2, 3):
            deliver_due(now=utcnow() + timedelta(hours=hours))
        audit = db.session.execute(select(AuditEvent.to_state).where(
            AuditEvent.entity_type == "notification")).scalars().all()
    rows, attempts = _rows(seeded)
    assert rows[0].status == "failed" and len(attempts) == 3 and audit == ["failed"]


def test_nothing_for_a_rolled_back_change(seeded, webhook):
    with seeded.app_context():
        with pytest.raises(Conflict):
            _notify_and_fail("13800138000")
        assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 0
        # and the next, committed change sends only its own
        _notify_and_commit("case_decided", "13900000000", {})
    wait_for(lambda: webhook.received)
    time.sleep(0.3)
    assert webhook.requests == 1 and webhook.received[0]["recipient"] == "13900000000"


def test_no_recipient_no_row(seeded):
    with seeded.app_context():
        assert _notify_and_commit("case_decided", None, {}) is None
        assert db.session.execute(select(func.count(Notification.id))).scalar_one() == 0


def test_log_backend_marks_sent(seeded, caplog):
    with seeded.app_context():
        _notify_and_commit("case_decided", "13800138000", {"tracking_no": "T1"})
    rows = wait_for(lambda: [r for r in _rows(seeded)[0] if r.status == "sent"])
    assert rows[0].kind == "case_decided"
    assert _rows(seeded)[1][0].backend == "log"
