"""The messages queued today: ticket_called and ticket_near (once per ticket) from
call-next, appointment_booked, and appointment_reminder from `flask notifications remind`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from service_center.extensions import db
from service_center.notifications.models import Notification


def _notes(app, kind=None):
    with app.app_context():
        query = select(Notification.kind, Notification.recipient, Notification.payload)
        if kind:
            query = query.where(Notification.kind == kind)
        return db.session.execute(query.order_by(Notification.id)).all()


def test_ticket_called_and_near(seeded, client, auth):
    seeded.config["NOTIFY_AHEAD"] = 2
    phones = {}
    for i in range(6):
        phone = f"1380000000{i}" if i != 2 else None   # ticket 3 left no phone
        body = {"category": "A", **({"phone": phone} if phone else {})}
        phones[client.post("/api/v1/tickets", json=body).get_json()["number"]] = phone
    assert _notes(seeded) == []
    headers = auth.headers("clerk1")
    assert client.post("/api/v1/windows/1/call-next", headers=headers).status_code == 200
    called = _notes(seeded, "ticket_called")
    assert [(r.recipient, r.payload["number"], r.payload["window_number"]) for r in called] == \
        [("13800000000", "A001", 1)]
    near = _notes(seeded, "ticket_near")
    # A002 and A004 are now within 2 of the front (A003 has no phone)
    assert [(r.payload["number"], r.payload["ahead"]) for r in near] == [("A002", 0), ("A004", 2)]
    client.post("/api/v1/windows/1/call-next", headers=headers)
    near = _notes(seeded, "ticket_near")
    # once per ticket: only A005 is new
    assert [r.payload["number"] for r in near] == ["A002", "A004", "A005"]
    assert [r.payload["number"] for r in _notes(seeded, "ticket_called")] == ["A001", "A002"]


def test_appointment_booked_and_reminder(seeded, client, runner):
    tz = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 9, 21, 8, 0, tzinfo=tz), tick=True):
        res = client.post("/api/v1/appointments", json={
            "category": "A", "start": "2026-09-22T09:00:00+08:00", "name": "张三",
            "phone": "13800138000"})
        assert res.status_code == 201
        code = res.get_json()["code"]
        booked = _notes(seeded, "appointment_booked")
        assert [(r.recipient, r.payload["code"], r.payload["start"]) for r in booked] == \
            [("13800138000", code, "2026-09-22T09:00:00+08:00")]
        first = runner.invoke(args=["notifications", "remind"])
        again = runner.invoke(args=["notifications", "remind"])
    assert "reminders queued: 1" in first.output and "reminders queued: 0" in again.output
    reminders = _notes(seeded, "appointment_reminder")
    assert [(r.recipient, r.payload["code"]) for r in reminders] == [("13800138000", code)]
