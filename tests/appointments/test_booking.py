"""Booking, full slots, times that are not slots, cancelling, the no-show rule, the
staff's list of the day, and missed appointments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service_center.appointments.models import Appointment, AppointmentSlot
from service_center.audit import AuditEvent
from service_center.extensions import db

SLOT = "2026-09-22T09:00:00+08:00"


def test_book_answers_code_and_slot(booking, clock):
    clock("2026-09-18 08:00")
    res = booking.book(SLOT)
    assert res.status_code == 201
    data = res.get_json()
    assert {"code", "category", "start", "end"} <= set(data)
    assert data["category"] == "A" and data["start"] == SLOT
    assert data["end"] == "2026-09-22T09:30:00+08:00"
    assert len(data["code"]) == 8 and data["code"].isalnum()
    slots = booking.slots("2026-09-22").get_json()
    assert slots[0]["booked"] == 1 and slots[1]["booked"] == 0


def test_same_instant_in_another_offset_is_the_same_slot(booking, clock):
    clock("2026-09-18 08:00")
    assert booking.book("2026-09-22T01:00:00Z").get_json()["start"] == SLOT


def test_full_slot_is_refused(booking, clock):
    clock("2026-09-18 08:00")
    for i in range(4):
        booking.booked(SLOT, phone=f"1380013800{i}")
    res = booking.book(SLOT, phone="13800138009")
    assert res.status_code == 409
    assert res.get_json()["error"]["code"] == "slot_full"
    assert booking.slots("2026-09-22").get_json()[0]["booked"] == 4


def test_same_phone_cannot_book_a_slot_twice(booking, clock):
    clock("2026-09-18 08:00")
    booking.booked(SLOT)
    assert booking.book(SLOT).status_code == 409


@pytest.mark.parametrize("start", [
    "2026-09-22T09:10:00+08:00",   # between slots
    "2026-09-22T12:00:00+08:00",   # lunch break
    "2026-09-22T11:30:00+08:00",   # the end of the morning hours
    "2026-10-01T09:00:00+08:00",   # holiday
    "2026-09-26T09:00:00+08:00",   # Saturday
    "2026-09-17T09:00:00+08:00",   # the past
    "2026-12-01T09:00:00+08:00",   # beyond the horizon
])
def test_time_that_is_not_a_slot_is_422(booking, clock, start):
    clock("2026-09-18 08:00")
    res = booking.book(start)
    assert res.status_code == 422
    assert res.get_json()["error"]["code"] == "not_a_slot"


@pytest.mark.parametrize("body, field", [
    ({"category": "A", "start": SLOT, "name": "张三"}, "phone"),
    ({"category": "A", "start": SLOT, "phone": "13800138000"}, "name"),
    ({"category": "A", "start": "09:00", "name": "张三", "phone": "13800138000"}, "start"),
    ({"category": "A", "start": 5, "name": "张三", "phone": "13800138000"}, "start"),
    ({"category": "A", "start": SLOT, "name": "张三", "phone": "call me"}, "phone"),
    ({"category": "A", "start": SLOT, "name": "x" * 41, "phone": "13800138000"}, "name"),
])
def test_bad_booking_bodies_name_the_field(booking, clock, body, field):
    clock("2026-09-18 08:00")
    res = booking.client.post("/api/v1/appointments", json=body)
    assert res.status_code == 422
    assert field in res.get_json()["error"]["details"]


def test_malformed_body_is_400(booking):
    res = booking.client.post("/api/v1/appointments", data="{", content_type="application/json")
    assert res.status_code == 400


def test_cancel(seeded, booking, clock):
    clock("2026-09-18 08:00")
    code = booking.booked(SLOT, phone="13800138000")["code"]
    wrong = booking.client.delete(f"/api/v1/appointments/{code}?phone=13900000000")
    unknown = booking.client.delete("/api/v1/appointments/ZZZZZZZZ?phone=13800138000")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    res = booking.client.delete(f"/api/v1/appointments/{code}?phone=138-0013-8000")
    assert res.status_code == 200 and res.get_json()["status"] == "cancelled"
    assert booking.slots("2026-09-22").get_json()[0]["booked"] == 0
    again = booking.client.delete(f"/api/v1/appointments/{code}?phone=13800138000")
    assert again.status_code == 409
    with seeded.app_context():
        audit = db.session.execute(select(AuditEvent.action, AuditEvent.to_state).where(
            AuditEvent.entity_type == "appointment")).all()
    assert ("booked", "booked") in audit and ("cancelled", "cancelled") in audit


def test_missed_appointments_and_the_no_show_rule(seeded, booking, clock, runner):
    clock("2026-09-18 08:00")
    for day in ("2026-09-21", "2026-09-22", "2026-09-23"):
        booking.booked(f"{day}T09:00:00+08:00", phone="13700000000")
    booking.booked("2026-09-24T09:00:00+08:00", phone="13700000000")
    clock("2026-09-24 08:00")
    for day in ("2026-09-21", "2026-09-22", "2026-09-23"):
        result = runner.invoke(args=["appointments", "mark-missed", "--date", day])
        assert result.exit_code == 0 and "marked missed: 1" in result.output, result.output
    # the 24th is today and its slot has not started: not missed
    result = runner.invoke(args=["appointments", "mark-missed", "--date", "2026-09-24"])
    assert "marked missed: 0" in result.output
    res = booking.book("2026-09-28T09:00:00+08:00", phone="13700000000")
    assert res.status_code == 409
    assert res.get_json()["error"]["code"] == "no_show_limit"
    assert booking.book("2026-09-28T09:00:00+08:00", phone="13711111111").status_code == 201
    with seeded.app_context():
        statuses = db.session.execute(select(Appointment.status).where(
            Appointment.phone == "13700000000").order_by(Appointment.start_at)).scalars().all()
        missed_audits = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "appointment", AuditEvent.to_state == "missed")).all()
    assert statuses == ["missed", "missed", "missed", "booked"]
    assert len(missed_audits) == 3
    # the rule is configurable; 0 turns it off
    seeded.config["APPOINTMENT_NO_SHOW_LIMIT"] = 0
    assert booking.book("2026-09-28T09:00:00+08:00", phone="13700000000").status_code == 201


def test_staff_see_the_days_bookings(seeded, booking, clock, auth):
    clock("2026-09-22 08:00")
    code = booking.booked(SLOT, name="李四", phone="13600000000")["code"]
    booking.booked("2026-09-23T09:00:00+08:00")
    res = booking.client.get("/api/v1/appointments?date=2026-09-22", headers=auth.headers("clerk1"))
    assert res.status_code == 200
    rows = res.get_json()
    assert [(r["code"], r["name"], r["phone"], r["status"]) for r in rows] == \
        [(code, "李四", "13600000000", "booked")]
    today = booking.client.get("/api/v1/appointments", headers=auth.headers("manager"))
    assert [r["code"] for r in today.get_json()] == [code]
    assert booking.client.get("/api/v1/appointments").status_code == 401
    assert booking.client.get("/api/v1/appointments",
                              headers=auth.headers("approver-ghj")).status_code == 403
    assert booking.client.get("/api/v1/appointments?hall=MAIN",
                              headers=auth.headers("xd-clerk1")).status_code == 403
    with seeded.app_context():
        assert db.session.execute(select(AppointmentSlot.booked)).scalars().all() == [1, 1]
