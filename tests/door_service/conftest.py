"""Fixtures for the door-to-door service tests: a clock in the center's time zone and small
helpers over the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-09-21: the next days are working days; 2026-10-01 is National Day
TODAY = "2026-09-21 09:00"
TOMORROW = "2026-09-22"


@pytest.fixture
def clock():
    """Move the clock (for every thread) to a local time; ticks from there."""
    travellers = []

    def at(text: str):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=TZ),
                                        tick=True)
        traveller.start()
        travellers.append(traveller)

    at(TODAY)
    yield at
    for traveller in travellers:
        traveller.stop()


def request_body(**extra) -> dict:
    return {"name": "王大爷", "phone": "13800138000", "address": "幸福路 8 号 3 单元 502",
            "service_item": "SB-001", "preferred_date": TOMORROW, "reason": "elderly", **extra}


class Door:
    def __init__(self, client, auth, clock):
        self.client = client
        self.auth = auth
        self.clock = clock

    def at(self, text: str) -> None:
        """Move the clock; bearer tokens taken before a jump of days have expired."""
        self.clock(text)
        self.auth._tokens.clear()

    def create(self, **extra) -> dict:
        res = self.client.post("/api/v1/door-requests", json=request_body(**extra))
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    def assign(self, ref: str, assignee: str = "clerk1", day: str = TOMORROW, *,
               by: str = "manager", **extra):
        return self.client.post(f"/api/v1/door-requests/{ref}/assign",
                                json={"assignee": assignee, "date": day, **extra},
                                headers=self.auth.headers(by))

    def result(self, ref: str, outcome: str, *, by: str = "clerk1", **extra):
        return self.client.post(f"/api/v1/door-requests/{ref}/result",
                                json={"outcome": outcome, **extra},
                                headers=self.auth.headers(by))

    def get(self, ref: str, by: str = "manager"):
        return self.client.get(f"/api/v1/door-requests/{ref}", headers=self.auth.headers(by))


@pytest.fixture
def door(seeded, client, auth, clock):
    return Door(client, auth, clock)
