"""Centralized inspection periods: days filled up to the capacity, holidays and weekends
skipped, nobody booked twice."""

from __future__ import annotations

from collections import Counter

import pytest

from service_center.catalog.services import work_calendar
from service_center.inspections import services


def _period(insp, expect: int = 201, **extra) -> dict:
    body = {"name": "2026年国庆后集中年检", "start": "2026-09-30", "end": "2026-10-12",
            "daily_capacity": 2, "departments": ["SCJ", "RSJ"], **extra}
    res = insp.post("/inspection-periods", "manager", body)
    assert res.status_code == expect, res.get_json()
    return res.get_json()


@pytest.mark.parametrize("chunk", [20, 3])
def test_scheduling_fills_working_days_up_to_the_capacity(insp, seeded, monkeypatch, chunk):
    # chunk: enterprises booked per transaction; the outcome is the same
    monkeypatch.setattr(services, "SCHEDULE_CHUNK", chunk)
    period = _period(insp)
    due = [insp.enterprise({"SCJ": f"2026-10-{1 + i:02d}", "GHJ": "2026-10-01"})
           for i in range(7)]
    insp.enterprise({"SCJ": "2027-03-01"})  # not due in the period
    insp.enterprise({"GHJ": "2026-10-01"})  # no department of the period
    res = insp.post(f"/inspection-periods/{period['id']}/schedule", "manager", {})
    assert res.status_code == 200, res.get_json()
    scheduled = res.get_json()["scheduled"]
    assert len(scheduled) == 7
    days = Counter(v["date"] for v in scheduled)
    # 1-7 October is the National Day holiday, 11 October a Sunday; 10 October a working
    # Saturday (调休)
    assert days == {"2026-09-30": 2, "2026-10-08": 2, "2026-10-09": 2, "2026-10-10": 1}
    with seeded.test_request_context():
        assert all(work_calendar().is_workday(__import__("datetime").date.fromisoformat(d))
                   for d in days)
    # the earliest due first, and only the period's departments
    assert [v["enterprise"]["id"] for v in scheduled] == [e["id"] for e in due]
    assert all([r["department"]["code"] for r in v["results"]] == ["SCJ"] for v in scheduled)
    # a second run books nobody twice
    again = insp.post(f"/inspection-periods/{period['id']}/schedule", "manager", {}).get_json()
    assert again["scheduled"] == []
    assert {u["reason"] for u in again["unscheduled"]} == {"nothing_due"}
    # more enterprises fill the remaining places, then the period is full
    for _ in range(5):
        insp.enterprise({"RSJ": "2026-10-01"})
    third = insp.post(f"/inspection-periods/{period['id']}/schedule", "manager", {}).get_json()
    assert Counter(v["date"] for v in third["scheduled"]) == {"2026-10-10": 1,
                                                              "2026-10-12": 2}
    assert [u["reason"] for u in third["unscheduled"]].count("period_full") == 2
    detail = insp.get(f"/inspection-periods/{period['id']}").get_json()
    assert detail["booked"] == 10
    assert max(detail["booked_by_day"].values()) <= 2
    assert len({v["enterprise"]["id"] for v in detail["visits"]}) == 10


def test_a_chosen_list_is_scheduled(insp):
    period = _period(insp, daily_capacity=1)
    a = insp.enterprise({"SCJ": "2027-05-01"})  # chosen: booked whatever the due date
    b = insp.enterprise({"RSJ": "2026-10-09"})
    insp.enterprise({"RSJ": "2026-10-09"})  # due, but not chosen
    res = insp.post(f"/inspection-periods/{period['id']}/schedule", "manager",
                    {"enterprises": [b["id"], a["id"]]})
    scheduled = res.get_json()["scheduled"]
    assert [(v["enterprise"]["id"], v["date"]) for v in scheduled] == \
        [(b["id"], "2026-09-30"), (a["id"], "2026-10-08")]


def test_period_validation(insp):
    for extra, field in (({"start": "2026-10-03"}, "start"), ({"end": "2026-10-11"}, "end"),
                         ({"end": "2026-09-30", "start": "2026-10-08"}, "end"),
                         ({"departments": []}, "departments"),
                         ({"departments": ["NOPE"]}, "departments"),
                         ({"daily_capacity": 0}, "daily_capacity"),
                         ({"daily_capacity": "2"}, "daily_capacity"),
                         ({"start": "2026-9-30"}, "start"), ({"name": None}, "name")):
        res = insp.post("/inspection-periods", "manager",
                        {"name": "p", "start": "2026-09-30", "end": "2026-10-12",
                         "daily_capacity": 2, "departments": ["SCJ"], **extra})
        assert res.status_code == 422, (extra, res.get_json())
        assert field in res.get_json()["error"]["details"], (extra, res.get_json())
    period = _period(insp)
    for body in ({"enterprises": "all"}, {"enterprises": [1.5]}, {"enterprises": [True]}):
        res = insp.post(f"/inspection-periods/{period['id']}/schedule", "manager", body)
        assert res.status_code == 422, body
    res = insp.post(f"/inspection-periods/{period['id']}/schedule", "manager",
                    {"enterprises": [999999]})
    assert res.status_code == 422
    assert insp.post("/inspection-periods/999999/schedule", "manager", {}).status_code == 404
