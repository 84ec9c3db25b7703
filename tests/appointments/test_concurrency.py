"""Never overbooked: 8 clients book the same slot at once over real HTTP (threaded server),
on SQLite and PostgreSQL. Counts that must be zero: places over capacity, answers other
than 201/409, acknowledged-but-missing bookings."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from service_center.appointments.models import Appointment, AppointmentSlot
from service_center.catalog.services import service_day, work_calendar
from service_center.extensions import db

pytestmark = pytest.mark.slow
CLIENTS = 8


def test_concurrent_bookings_never_overbook(live_server, seeded):
    with seeded.app_context():
        day = service_day() + timedelta(days=1)
        while not work_calendar().is_workday(day):
            day += timedelta(days=1)
    start = f"{day.isoformat()}T09:00:00+08:00"
    answers: list[tuple[int, dict]] = []
    barrier = threading.Barrier(CLIENTS)

    def client(i: int):
        with requests.Session() as http:
            barrier.wait()
            res = http.post(f"{live_server.url}/api/v1/appointments", timeout=60, json={
                "category": "A", "start": start, "name": f"申请人{i}", "phone": f"1390000000{i}"})
            answers.append((res.status_code, res.json()))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    statuses = sorted(s for s, _ in answers)
    assert statuses == [201] * 4 + [409] * 4, answers
    assert all(body["error"]["code"] == "slot_full" for s, body in answers if s == 409)
    codes = {body["code"] for s, body in answers if s == 201}
    with seeded.app_context():
        stored = set(db.session.execute(select(Appointment.code)).scalars())
        counter = db.session.execute(select(AppointmentSlot.booked)).scalar_one()
    assert stored == codes and counter == 4
