"""GET /api/v1/reports/summary on hand-built data with known answers (both databases)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from service_center.extensions import db
from service_center.reports import kpi
from service_center.reports.models import SummarizedDay

from .conftest import local, summary

CONTRACT_KEYS = {"tickets_issued", "tickets_served", "no_shows", "avg_wait_seconds",
                 "p90_wait_seconds", "avg_service_seconds", "cases_accepted",
                 "cases_completed", "on_time_rate", "one_visit_rate", "satisfaction_rate",
                 "by_window", "by_staff", "by_hour", "by_department"}
DAY = date(2026, 3, 10)  # a Tuesday, long closed


@pytest.mark.parametrize("values, fraction, expected", [
    ([], 0.9, None),
    ([7], 0.9, 7),
    ([1, 2], 0.9, 2),
    (list(range(10, 101, 10)), 0.9, 90),      # ceil(9.0) = 9th
    (list(range(1, 12)), 0.9, 10),            # ceil(9.9) = 10th
    ([5, 5, 5, 1], 0.9, 5),
    (list(range(1, 21)), 0.5, 10),
])
def test_nearest_rank(values, fraction, expected):
    assert kpi.nearest_rank(Counter(values), fraction) == expected


def test_empty_range(client, auth, seeded):
    data = summary(client, auth, **{"from": "2026-03-01", "to": "2026-03-31"})
    assert CONTRACT_KEYS <= set(data)
    assert data["tickets_issued"] == data["tickets_served"] == data["no_shows"] == 0
    assert data["avg_wait_seconds"] is None and data["p90_wait_seconds"] is None
    assert data["avg_service_seconds"] is None
    assert data["cases_accepted"] == data["cases_completed"] == 0
    for key in ("on_time_rate", "one_visit_rate", "satisfaction_rate"):
        assert data[key] is None
    assert data["by_window"] == data["by_staff"] == data["by_hour"] == []
    assert data["by_department"] == []


def _queue_day(f):
    d = DAY
    # 10 called tickets with waits of 60, 120, … 600 s, issued at 09:00, 09:01, …
    for i in range(10):
        issued = local(d, f"09:{i:02d}:00")
        called = issued + timedelta(seconds=60 * (i + 1))
        if i < 8:  # served at windows 1 (even) / 2 (odd) for 100·(i+1) s
            window, staff = (1, "clerk1") if i % 2 == 0 else (2, "clerk2")
            serving = called + timedelta(seconds=30)
            f.ticket(issued, called=called, serving=serving,
                     completed=serving + timedelta(seconds=100 * (i + 1)),
                     window=window, staff=staff)
        else:
            f.ticket(issued, called=called, status="no_show", window=1, staff="clerk1")
    # never called: counts as issued only
    f.ticket(local(d, "10:15:00"), status="cancelled")
    # the day boundary: 23:59:59 local belongs to DAY, 00:00:01 the next day to DAY+1
    f.ticket(local(d, "23:59:59"), status="cancelled", category="B")
    f.ticket(local(d + timedelta(days=1), "00:00:01"), status="cancelled", category="B")
    # another hall, same day
    f.ticket(local(d, "09:30:00"), called=local(d, "09:40:00"), serving=local(d, "09:41:00"),
             completed=local(d, "09:51:00"), window=1, staff="xd-clerk1", hall="XD")


MAIN_EXPECTED = {
    "tickets_issued": 12, "tickets_served": 8, "no_shows": 2,
    "avg_wait_seconds": 330.0,          # (60+…+600)/10
    "p90_wait_seconds": 540,            # 9th of 10
    "avg_service_seconds": 450.0,       # (100+…+800)/8
}


@pytest.mark.parametrize("prebuilt", [False, True], ids=["from-tickets", "from-summary"])
def test_ticket_kpis(client, auth, seeded, build, prebuilt):
    build(_queue_day)
    if prebuilt:
        with seeded.app_context():
            from service_center.reports.services import rebuild

            assert rebuild(DAY - timedelta(days=1), DAY + timedelta(days=1)) == 3
            assert db.session.get(SummarizedDay, DAY) is not None
    else:
        seeded.config["REPORTS_BUILD_ON_DEMAND_DAYS"] = 0
    data = summary(client, auth, **{"from": DAY.isoformat(), "to": DAY.isoformat(),
                                    "hall": "MAIN"})
    for key, value in MAIN_EXPECTED.items():
        assert data[key] == value, key
    by_window = {w["number"]: w for w in data["by_window"]}
    assert by_window[1]["tickets_served"] == 4 and by_window[1]["no_shows"] == 2
    assert by_window[1]["avg_service_seconds"] == 400.0   # 100, 300, 500, 700
    assert by_window[2]["tickets_served"] == 4
    assert by_window[2]["avg_service_seconds"] == 500.0   # 200, 400, 600, 800
    by_staff = {s["name"]: s for s in data["by_staff"]}
    assert by_staff["李晓红"]["tickets_served"] == 4 and by_staff["张伟"]["no_shows"] == 0
    by_hour = {h["hour"]: h for h in data["by_hour"]}
    assert by_hour[9]["tickets_issued"] == 10 and by_hour[10]["tickets_issued"] == 1
    assert by_hour[23]["tickets_issued"] == 1 and 0 not in by_hour
    by_cat = {c["prefix"]: c for c in data["by_category"]}
    assert by_cat["A"]["tickets_issued"] == 11 and by_cat["B"]["tickets_issued"] == 1

    # the whole district adds the XD ticket (wait 600 s, service 600 s)
    both = summary(client, auth, **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert both["tickets_issued"] == 13 and both["tickets_served"] == 9
    assert both["avg_wait_seconds"] == 354.5 and both["p90_wait_seconds"] == 600
    # the next day holds only the 00:00:01 ticket
    nxt = summary(client, auth, **{"from": (DAY + timedelta(days=1)).isoformat(),
                                   "to": (DAY + timedelta(days=1)).isoformat()})
    assert nxt["tickets_issued"] == 1 and nxt["by_hour"][0]["hour"] == 0


def test_on_demand_build_then_change_marks_day_stale(client, auth, seeded, build):
    build(_queue_day)
    summary(client, auth, **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    with seeded.app_context():
        assert db.session.get(SummarizedDay, DAY) is not None  # built on demand

    def correct(f):
        from sqlalchemy import select

        from service_center.queueing.models import Ticket
        t = db.session.execute(select(Ticket).where(Ticket.service_day == DAY,
                                                    Ticket.status == "no_show")).scalars().first()
        t.status = "completed"
        t.serving_at = t.first_called_at
        t.completed_at = t.first_called_at + timedelta(seconds=1000)

    build(correct)
    with seeded.app_context():
        assert db.session.get(SummarizedDay, DAY) is None  # dropped by the change
    seeded.config["REPORTS_BUILD_ON_DEMAND_DAYS"] = 0
    data = summary(client, auth, **{"from": DAY.isoformat(), "to": DAY.isoformat(),
                                    "hall": "MAIN"})
    assert data["tickets_served"] == 9 and data["no_shows"] == 1


def _cases(f):
    mar = lambda d, t: local(date(2026, 3, d), t)  # noqa: E731
    # decided 03-05 10:00, deadline 03-06: on time, early, one visit
    f.case(accepted_on=date(2026, 3, 2), registered=mar(2, "09:00:00"),
           accepted=mar(2, "09:00:00"), deadline=date(2026, 3, 6),
           approved=mar(5, "10:00:00"), status="approved")
    # registered 03-01 with materials missing, accepted 03-02, decided 03-06 23:30 local:
    # on time (the deadline day), not early, not one visit
    f.case(accepted_on=date(2026, 3, 2), registered=mar(1, "09:00:00"),
           accepted=mar(2, "10:00:00"), deadline=date(2026, 3, 6),
           approved=mar(6, "23:30:00"), status="completed")
    # rejected 03-07 00:30 local (still 03-06 in UTC): late; a supplement: not one visit
    f.case(accepted_on=date(2026, 3, 2), registered=mar(2, "11:00:00"),
           accepted=mar(2, "11:00:00"), deadline=date(2026, 3, 6),
           rejected=mar(7, "00:30:00"), status="rejected", supplement=True)
    # spanning months: accepted in February, decided in March, on time, early, one visit
    f.case(accepted_on=date(2026, 2, 27), registered=local(date(2026, 2, 27), "09:00:00"),
           accepted=local(date(2026, 2, 27), "09:00:00"), deadline=date(2026, 3, 10),
           approved=mar(3, "09:00:00"), status="approved")
    # still open
    f.case(accepted_on=date(2026, 3, 3), registered=mar(3, "09:00:00"),
           accepted=mar(3, "09:00:00"), deadline=date(2026, 3, 20))
    # decided in April: not in March
    f.case(accepted_on=date(2026, 3, 31), registered=mar(31, "09:00:00"),
           accepted=mar(31, "09:00:00"), deadline=date(2026, 4, 10),
           approved=local(date(2026, 4, 1), "00:00:01"), status="approved")


def test_case_kpis(client, auth, seeded, build):
    build(_cases)
    data = summary(client, auth, **{"from": "2026-03-01", "to": "2026-03-31"})
    assert data["cases_accepted"] == 5
    assert data["cases_completed"] == 4
    assert data["on_time_rate"] == 0.75
    assert data["early_completion_rate"] == 0.5
    assert data["one_visit_rate"] == 0.5
    (dept,) = data["by_department"]
    assert dept["cases_accepted"] == 5 and dept["cases_completed"] == 4
    feb = summary(client, auth, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert feb["cases_accepted"] == 1 and feb["cases_completed"] == 0
    assert feb["on_time_rate"] is None
    apr1 = summary(client, auth, **{"from": "2026-04-01", "to": "2026-04-01"})
    assert apr1["cases_completed"] == 1


@pytest.mark.parametrize("basic_is_good, expected", [(True, 0.6), (False, 0.4)])
def test_satisfaction_rate(client, auth, seeded, build, basic_is_good, expected):
    from service_center.reports.models import Rating

    def ratings(f):
        for score in (5, 4, 3, 2, 1):
            t = f.ticket(local(DAY, "09:00:00"), called=local(DAY, "09:01:00"),
                         serving=local(DAY, "09:01:00"), completed=local(DAY, "09:02:00"),
                         window=1, staff="clerk1")
            db.session.add(Rating(ticket_id=t.id, hall_id=t.hall_id, window_id=t.window_id,
                                  staff_id=t.served_by_id, score=score, service_day=DAY))

    build(ratings)
    seeded.config["REPORTS_BASIC_SATISFIED_IS_GOOD"] = basic_is_good
    data = summary(client, auth, **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert data["satisfaction_rate"] == expected
    assert data["bad_rating_rate"] == 0.4 and data["ratings"] == 5
    assert data["rating_coverage"] == 1.0
    assert data["by_window"][0]["ratings"] == 5


@pytest.mark.parametrize("user, params, status", [
    (None, {}, 401),
    ("clerk1", {}, 403),
    ("approver-ghj", {}, 403),
    ("xd-manager", {"hall": "MAIN"}, 403),
    ("xd-manager", {}, 200),
    ("xd-manager", {"hall": "XD"}, 200),
    ("manager", {"hall": "XD"}, 200),
    ("admin", {}, 200),
    ("manager", {"from": "2026-13-01"}, 422),
    ("manager", {"from": "2026-03-02", "to": "2026-03-01"}, 422),
    ("manager", {"from": "2020-01-01", "to": "2026-01-01"}, 422),
    ("manager", {"hall": "NOPE"}, 404),
])
def test_access_and_input(client, auth, seeded, user, params, status):
    headers = auth.headers(user) if user else {}
    res = client.get("/api/v1/reports/summary", query_string=params, headers=headers)
    assert res.status_code == status, res.get_json()
    assert "error" in res.get_json() if status != 200 else True


def test_hall_manager_sees_only_their_hall(client, auth, seeded, build):
    build(_queue_day)
    data = summary(client, auth, "xd-manager", **{"from": DAY.isoformat(),
                                                   "to": DAY.isoformat()})
    assert data["hall"] == "XD" and data["tickets_issued"] == 1
    assert data["avg_wait_seconds"] == 600.0
