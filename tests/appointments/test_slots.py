"""Slot listing: working days only (holidays closed, adjusted working days open), the
category's hours and slot length, nothing in the past or beyond the booking horizon."""

from __future__ import annotations

import pytest

from service_center.catalog.models import QueueCategory
from service_center.extensions import db


@pytest.mark.parametrize("day, expected", [
    ("2026-09-22", 12),   # Tuesday: 09:00-11:30 → 5 slots of 30 min, 13:30-17:00 → 7
    ("2026-10-01", 0),    # National Day: closed
    ("2026-10-05", 0),    # National Day holiday week, a Monday: closed
    ("2026-09-26", 0),    # an ordinary Saturday: closed
    ("2026-09-20", 12),   # a Sunday that is an adjusted working day (调休上班): open
    ("2026-10-10", 12),   # a Saturday that is an adjusted working day: open
    ("2026-09-17", 0),    # yesterday: the past
    ("2026-12-31", 0),    # beyond the 30-day booking horizon
])
def test_slots_follow_the_working_day_calendar(booking, clock, day, expected):
    clock("2026-09-18 08:00")
    res = booking.slots(day)
    assert res.status_code == 200, res.get_json()
    assert len(res.get_json()) == expected


def test_slot_times_capacity_and_offset(booking, clock):
    clock("2026-09-18 08:00")
    slots = booking.slots("2026-09-22").get_json()
    assert slots[0] == {"start": "2026-09-22T09:00:00+08:00", "end": "2026-09-22T09:30:00+08:00",
                        "capacity": 4, "booked": 0}
    starts = [s["start"][11:16] for s in slots]
    assert starts == ["09:00", "09:30", "10:00", "10:30", "11:00",
                      "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]


def test_todays_started_slots_are_gone(booking, clock):
    clock("2026-09-22 10:10")
    starts = [s["start"][11:16] for s in booking.slots("2026-09-22").get_json()]
    assert starts[0] == "10:30" and len(starts) == 9


def test_slot_length_and_hours_come_from_the_catalog(seeded, booking, clock):
    clock("2026-09-18 08:00")
    with seeded.app_context():
        cat = db.session.query(QueueCategory).filter_by(prefix="C").first()
        cat.appointments = {"slot_minutes": 45, "capacity": 2, "hours": ["09:00-10:40"]}
        db.session.commit()
    slots = booking.slots("2026-09-22", category="C").get_json()
    assert [(s["start"][11:16], s["end"][11:16], s["capacity"]) for s in slots] == \
        [("09:00", "09:45", 2), ("09:45", "10:30", 2)]  # 10:30-10:40 is shorter than a slot


@pytest.mark.parametrize("params, status, code", [
    ({"date": "2026-9-22"}, 422, "validation_failed"),
    ({"date": "tomorrow"}, 422, "validation_failed"),
    ({"date": ""}, 422, "validation_failed"),
    ({"date": "2026-09-22", "category": "Z"}, 422, "unknown_category"),
    ({"date": "2026-09-22", "category": "B"}, 422, "appointments_not_offered"),
    ({"date": "2026-09-22", "hall": "NOPE"}, 404, "unknown_hall"),
])
def test_bad_slot_queries(booking, clock, params, status, code):
    clock("2026-09-18 08:00")
    query = {"category": "A", **params}
    res = booking.client.get("/api/v1/appointments/slots", query_string=query)
    assert res.status_code == status
    assert res.get_json()["error"]["code"] == code
