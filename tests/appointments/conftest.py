"""Fixtures for the appointment tests: cheap password hashes, a frozen clock in the center's
time zone, and small helpers over the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

TZ = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    """'2026-09-22 09:00' in the center's time zone."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def clock():
    """Move the clock (for every thread) to a local time; ticks from there."""
    travellers = []

    def at(text: str):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(local(text), tick=True)
        traveller.start()
        travellers.append(traveller)

    yield at
    for traveller in travellers:
        traveller.stop()


class Booking:
    def __init__(self, client):
        self.client = client

    def slots(self, day: str, category: str = "A", **params):
        return self.client.get("/api/v1/appointments/slots",
                               query_string={"category": category, "date": day, **params})

    def book(self, start: str, phone: str = "13800138000", name: str = "张三",
             category: str = "A", **extra):
        return self.client.post("/api/v1/appointments", json={
            "category": category, "start": start, "name": name, "phone": phone, **extra})

    def booked(self, start: str, **kwargs) -> dict:
        res = self.book(start, **kwargs)
        assert res.status_code == 201, res.get_json()
        return res.get_json()


@pytest.fixture
def booking(seeded, client):
    return Booking(client)
