"""Check-in at the kiosk with a booking code: on time → a priority ticket that window 1
calls before the people already waiting; late → a normal ticket; twice → 409."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service_center.appointments.models import Appointment
from service_center.extensions import db

SLOT = "2026-09-22T10:00:00+08:00"


def _check_in(client, code):
    return client.post("/api/v1/tickets", json={"appointment_code": code})


def test_on_time_check_in_is_called_first(seeded, booking, clock, auth):
    clock("2026-09-18 08:00")
    code = booking.booked(SLOT, phone="13800138000")["code"]
    clock("2026-09-22 09:40")
    client = booking.client
    walk_ins = [client.post("/api/v1/tickets", json={"category": "A"}).get_json()["number"]
                for _ in range(3)]
    res = _check_in(client, code)
    assert res.status_code == 201, res.get_json()
    ticket = res.get_json()
    assert ticket["priority"] == "priority" and ticket["category"] == "A"
    assert ticket["number"] == "A004" and ticket["position"] == 1 and ticket["token"]
    called = client.post("/api/v1/windows/1/call-next", headers=auth.headers("clerk1"))
    assert called.status_code == 200
    assert called.get_json()["number"] == ticket["number"]
    # then the walk-ins, in their order
    assert client.post("/api/v1/windows/1/call-next",
                       headers=auth.headers("clerk1")).get_json()["number"] == walk_ins[0]
    with seeded.app_context():
        appointment = db.session.execute(select(Appointment)).scalar_one()
        assert appointment.status == "checked_in" and not appointment.late
        assert appointment.ticket_id == ticket["id"]
    staff = client.get("/api/v1/appointments", headers=auth.headers("clerk1")).get_json()
    assert staff[0]["ticket_number"] == "A004" and staff[0]["status"] == "checked_in"


@pytest.mark.parametrize("now, status, priority, late", [
    ("2026-09-22 09:30", 201, "priority", False),   # the window opens 30 min before
    ("2026-09-22 10:14:50", 201, "priority", False),  # and closes 15 min after the start
    ("2026-09-22 10:16", 201, "normal", True),      # late: a normal number
    ("2026-09-22 16:00", 201, "normal", True),      # late the same afternoon
    ("2026-09-22 09:29", 409, None, None),          # too early
    ("2026-09-21 10:00", 409, None, None),          # the day before
    ("2026-09-23 10:00", 409, None, None),          # the day after: expired
])
def test_check_in_window(seeded, booking, clock, now, status, priority, late):
    clock("2026-09-18 08:00")
    code = booking.booked(SLOT)["code"]
    clock(now)
    res = _check_in(booking.client, code)
    assert res.status_code == status, res.get_json()
    if status == 201:
        assert res.get_json()["priority"] == priority
        with seeded.app_context():
            appointment = db.session.execute(select(Appointment)).scalar_one()
            assert appointment.late is late
    else:
        with seeded.app_context():
            assert db.session.execute(select(Appointment.status)).scalar_one() == "booked"


def test_second_check_in_is_409_and_issues_nothing(booking, clock):
    clock("2026-09-18 08:00")
    code = booking.booked(SLOT)["code"]
    clock("2026-09-22 09:50")
    assert _check_in(booking.client, code).status_code == 201
    again = _check_in(booking.client, code.lower())
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_checked_in"
    waiting = booking.client.get("/api/v1/categories").get_json()
    assert {c["prefix"]: c["waiting"] for c in waiting}["A"] == 1


@pytest.mark.parametrize("code, status", [("ZZZZZZZZ", 404), ("", 422), (12, 422),
                                          ("X" * 17, 422)])
def test_unknown_or_bad_codes(booking, clock, code, status):
    clock("2026-09-22 09:50")
    assert _check_in(booking.client, code).status_code == status


def test_cancelled_booking_cannot_check_in(booking, clock):
    clock("2026-09-18 08:00")
    code = booking.booked(SLOT, phone="13800138000")["code"]
    booking.client.delete(f"/api/v1/appointments/{code}?phone=13800138000")
    clock("2026-09-22 09:50")
    assert _check_in(booking.client, code).status_code == 409
