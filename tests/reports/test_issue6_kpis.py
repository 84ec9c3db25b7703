"""Issue 6, the rest: tickets per staff-hour, processing time net of pauses with same-day
cases apart, overdue cases, time-limit compression (hand-built data, known answers, read
from the cases and from the daily summaries), and a department head's scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from service_center.approvals.models import Suspension
from service_center.audit import record
from service_center.catalog.models import Department, ServiceItem
from service_center.demo import DEMO_PASSWORD
from service_center.extensions import db
from service_center.reports.models import CaseDaySummary, StaffDaySummary, SummarizedDay

from .conftest import local, summary
from .test_summary import DAY, _queue_day

NEW_KEYS = {"staffed_hours", "tickets_per_staff_hour", "avg_processing_working_days",
            "same_day_cases", "same_day_rate", "overdue_cases", "completed_late",
            "time_limit_compression", "case_rating_coverage", "early_completion_rate"}


def _prepare(seeded, prebuilt: bool, start: date, end: date) -> None:
    if prebuilt:
        with seeded.app_context():
            from service_center.reports.services import rebuild

            rebuild(start, end)
            assert db.session.get(SummarizedDay, start) is not None
    else:
        seeded.config["REPORTS_BUILD_ON_DEMAND_DAYS"] = 0


def test_empty_range_has_every_new_figure(client, auth, seeded):
    data = summary(client, auth, **{"from": "2026-03-01", "to": "2026-03-31"})
    assert NEW_KEYS <= set(data)
    assert data["staffed_hours"] == 0 and data["tickets_per_staff_hour"] is None
    assert data["avg_processing_working_days"] is None
    assert data["same_day_cases"] == 0 and data["same_day_rate"] is None
    assert data["overdue_cases"] == 0 and data["completed_late"] == 0
    assert data["time_limit_compression"] is None
    assert data["case_rating_coverage"] is None
    for key in ("staff_hour", "processing", "same_day", "overdue", "compression"):
        assert data["definitions"][key]


# --- tickets per staff-hour ------------------------------------------------------------------
def _window_event(f, number: int, to_state: str, at, username: str):
    w = f.window(number)
    row = record("window_" + to_state, "window", w.id, actor=f.user(username),
                 from_state="?", to_state=to_state)
    row.at = at
    db.session.flush()


def _staffed_day(f):
    _queue_day(f)
    d = DAY
    # window 1, clerk1: open 09:00–10:30, paused to 11:00, open to 12:00 → 2.5 h
    _window_event(f, 1, "open", local(d, "09:00:00"), "clerk1")
    _window_event(f, 1, "paused", local(d, "10:30:00"), "clerk1")
    _window_event(f, 1, "open", local(d, "11:00:00"), "clerk1")
    _window_event(f, 1, "closed", local(d, "12:00:00"), "clerk1")
    # window 2, clerk2: open 09:00–11:00 → 2 h
    _window_event(f, 2, "open", local(d, "09:00:00"), "clerk2")
    _window_event(f, 2, "closed", local(d, "11:00:00"), "clerk2")
    # the next day window 3 opens at 08:00 and is left open: not DAY's time
    _window_event(f, 3, "open", local(d + timedelta(days=1), "08:00:00"), "clerk3")


@pytest.mark.parametrize("prebuilt", [False, True], ids=["from-audit", "from-summary"])
def test_tickets_per_staff_hour(client, auth, seeded, build, prebuilt):
    build(_staffed_day)
    _prepare(seeded, prebuilt, DAY, DAY)
    if prebuilt:
        with seeded.app_context():
            rows = db.session.execute(select(StaffDaySummary).where(
                StaffDaySummary.service_day == DAY)).scalars().all()
            assert sum(r.seconds for r in rows) == 16200  # 4.5 h
    data = summary(client, auth, **{"from": DAY.isoformat(), "to": DAY.isoformat(),
                                    "hall": "MAIN"})
    assert data["tickets_served"] == 8
    assert data["staffed_hours"] == 4.5
    assert data["tickets_per_staff_hour"] == round(8 / 4.5, 2)  # 1.78
    by_window = {w["number"]: w for w in data["by_window"]}
    assert by_window[1]["staffed_hours"] == 2.5
    assert by_window[1]["tickets_per_staff_hour"] == 1.6        # 4 served ÷ 2.5 h
    assert by_window[2]["tickets_per_staff_hour"] == 2.0        # 4 ÷ 2 h
    by_staff = {s["name"]: s for s in data["by_staff"]}
    assert by_staff["李晓红"]["tickets_per_staff_hour"] == 1.6
    assert by_staff["张伟"]["tickets_per_staff_hour"] == 2.0
    by_hour = {h["hour"]: h for h in data["by_hour"]}
    assert by_hour[9]["staffed_hours"] == 2.0                   # both windows, all hour
    assert by_hour[9]["tickets_per_staff_hour"] == 4.0          # 8 issued at 9 and served
    assert by_hour[10]["staffed_hours"] == 1.5                  # 30 min + 60 min
    assert by_hour[10]["tickets_per_staff_hour"] == 0.0
    by_cat = {c["prefix"]: c for c in data["by_category"]}
    assert by_cat["A"]["tickets_per_staff_hour"] == round(8 / 4.5, 2)  # windows 1, 2
    assert by_cat["B"]["tickets_per_staff_hour"] is None        # window 3 not staffed
    # the next day: window 3 open from 08:00 to the day's end (16 h), nothing served
    nxt = summary(client, auth, **{"from": (DAY + timedelta(days=1)).isoformat(),
                                   "to": (DAY + timedelta(days=1)).isoformat(),
                                   "hall": "MAIN"})
    assert nxt["staffed_hours"] == 16.0 and nxt["tickets_per_staff_hour"] == 0.0
    # the CSV export carries the figure and its definition
    auth.login("manager")
    csv = client.get(f"/reports/export.csv?from={DAY}&to={DAY}&hall=MAIN&lang=en") \
        .get_data(as_text=True)
    assert "Tickets per staff-hour,1.78" in csv
    assert "Tickets per staff-hour: served tickets over staffed hours" in csv


# --- cases: processing time, same-day, overdue, compression ------------------------------------
MARCH = (date(2026, 3, 10), date(2026, 3, 16))


def _items(f):
    items = db.session.execute(select(ServiceItem).order_by(ServiceItem.id)).unique() \
        .scalars().all()
    slow = items[0]
    quick = next(i for i in items if i.lead_department_id != slow.lead_department_id)
    slow.statutory_days, slow.promised_days = 20, 10
    quick.statutory_days, quick.promised_days = 5, 0  # 即办: promised at once
    db.session.flush()
    return slow, quick


def _cases(f):
    slow, quick = _items(f)
    d = MARCH[0]  # Tuesday 2026-03-10

    def case(accepted_on, deadline, item=slow, decided=None, paused=0, **kw):
        at = local(accepted_on, "09:00:00")
        c = f.case(accepted_on=accepted_on, registered=at, accepted=at, deadline=deadline,
                   approved=decided, status="approved" if decided else "in_progress",
                   item=item.code, **kw)
        c.paused_working_days = paused
        return c

    # A: 3 working days (11, 12, 13) minus 1 paused → 2; on time and early
    case(d, date(2026, 3, 17), decided=local(date(2026, 3, 13), "15:00:00"), paused=1)
    # B: decided the day it was accepted → same-day, not in the average
    case(d, date(2026, 3, 17), decided=local(d, "16:00:00"))
    # D: 4 working days (11, 12, 13, 16), decided after its deadline → late
    case(d, date(2026, 3, 12), decided=local(date(2026, 3, 16), "10:00:00"))
    # E: open, past its deadline → overdue
    case(d, date(2026, 3, 12))
    # F: an item promised at once (0 days) decided the next day → same-day by its item
    case(d, date(2026, 3, 11), item=quick, decided=local(date(2026, 3, 11), "10:00:00"))
    # C: accepted Friday 03-27, paused 03-31 … 04-02 (2 working days), decided 04-08:
    # 7 working days (30, 31, 1, 2, 3, 7, 8; 4–6 April is Qingming) − 2 = 5
    c = case(date(2026, 3, 27), date(2026, 4, 15), decided=local(date(2026, 4, 8), "11:00:00"),
             paused=2)
    db.session.add(Suspension(case_id=c.id, kind="expert_review",
                              started_at=local(date(2026, 3, 31), "10:00:00"),
                              started_on=date(2026, 3, 31),
                              ended_at=local(date(2026, 4, 2), "10:00:00"),
                              ended_on=date(2026, 4, 2), working_days=2))
    db.session.flush()
    return slow.lead_department_id, quick.lead_department_id


@pytest.mark.parametrize("prebuilt", [False, True], ids=["from-cases", "from-summary"])
def test_case_processing_same_day_overdue_compression(client, auth, seeded, build, prebuilt):
    build(_cases)
    _prepare(seeded, prebuilt, MARCH[0], date(2026, 4, 10))
    if prebuilt:
        with seeded.app_context():
            assert db.session.execute(select(CaseDaySummary)).first() is not None
    data = summary(client, auth, **{"from": MARCH[0].isoformat(), "to": MARCH[1].isoformat()})
    assert data["cases_accepted"] == 5                      # A, B, D, E, F
    assert data["cases_completed"] == 4                     # A, B, D, F
    assert data["same_day_cases"] == 2                      # B, F
    assert data["same_day_rate"] == 0.5
    assert data["avg_processing_working_days"] == 3.0       # (2 + 4) / 2
    assert data["on_time_rate"] == 0.75                     # D late
    assert data["completed_late"] == 1
    assert data["overdue_cases"] == 2                       # D late + E open past due
    # (4 × (20 − 10) + (5 − 0)) / (4 × 20 + 5)
    assert data["time_limit_compression"] == round(45 / 85, 4)
    # the case paused across the month boundary counts in April, net of its pause
    april = summary(client, auth, **{"from": "2026-04-01", "to": "2026-04-30"})
    assert april["cases_completed"] == 1 and april["same_day_cases"] == 0
    assert april["avg_processing_working_days"] == 5.0
    assert april["cases_accepted"] == 0 and april["time_limit_compression"] is None
    march = summary(client, auth, **{"from": "2026-03-01", "to": "2026-03-31"})
    assert march["cases_accepted"] == 6 and march["cases_completed"] == 4
    # the items' basis: the catalog's active items, once each
    seeded.config["REPORTS_COMPRESSION_BASIS"] = "items"
    with seeded.app_context():
        stat = prom = 0
        for item in db.session.execute(select(ServiceItem).where(
                ServiceItem.active.is_(True), ServiceItem.statutory_days > 0)).unique().scalars():
            stat += item.statutory_days
            prom += item.promised_days
    items = summary(client, auth, **{"from": MARCH[0].isoformat(), "to": MARCH[1].isoformat()})
    assert items["time_limit_compression"] == round((stat - prom) / stat, 4)
    assert "事项目录" in items["definitions"]["compression"]  # the catalog, in Chinese


def test_a_change_to_a_decided_case_drops_the_summarised_days(client, auth, seeded, build):
    build(_cases)
    with seeded.app_context():
        from service_center.reports.services import rebuild

        rebuild(MARCH[0], MARCH[1])
        assert db.session.get(SummarizedDay, date(2026, 3, 16)) is not None

    def correct(f):
        from service_center.approvals.models import Case

        late = db.session.execute(select(Case).where(
            Case.promised_deadline == date(2026, 3, 12),
            Case.approved_at.is_not(None))).unique().scalar_one()
        late.promised_deadline = date(2026, 3, 20)

    build(correct)
    with seeded.app_context():
        assert db.session.get(SummarizedDay, date(2026, 3, 16)) is None
        assert db.session.get(SummarizedDay, date(2026, 3, 10)) is None
        assert db.session.get(SummarizedDay, date(2026, 3, 11)) is not None
    seeded.config["REPORTS_BUILD_ON_DEMAND_DAYS"] = 0
    data = summary(client, auth, **{"from": MARCH[0].isoformat(), "to": MARCH[1].isoformat()})
    assert data["on_time_rate"] == 1.0 and data["completed_late"] == 0


# --- a department head sees their department ---------------------------------------------------
def _head(seeded, code: str, username: str = "head") -> None:
    with seeded.app_context():
        from service_center.auth.services import create_user

        create_user(username=username, password=DEMO_PASSWORD, role="dept_head",
                    display_name="局长", department=code)
        db.session.commit()
        db.session.remove()


def _codes(seeded, slow_dept: int, quick_dept: int) -> tuple[str, str]:
    with seeded.app_context():
        return (db.session.get(Department, slow_dept).code,
                db.session.get(Department, quick_dept).code)


def test_department_head_scope(client, auth, seeded, build):
    slow_dept, quick_dept = build(_cases)
    build(_queue_day)
    mine, other = _codes(seeded, slow_dept, quick_dept)
    _head(seeded, mine)
    headers = auth.headers("head")
    q = {"from": MARCH[0].isoformat(), "to": MARCH[1].isoformat()}
    res = client.get("/api/v1/reports/summary", query_string=q, headers=headers)
    assert res.status_code == 200, res.get_json()
    data = res.get_json()
    assert data["department"] == mine
    assert data["cases_accepted"] == 4 and data["cases_completed"] == 3   # F is not theirs
    assert data["same_day_cases"] == 1 and data["avg_processing_working_days"] == 3.0
    assert data["tickets_issued"] == 0 and data["by_window"] == []        # no queue figures
    assert [d["code"] for d in data["by_department"]] == [mine]
    # asking for their own department explicitly is the same; another one is refused
    same = client.get("/api/v1/reports/summary", query_string={**q, "department": mine},
                      headers=headers)
    assert same.status_code == 200 and same.get_json()["cases_accepted"] == 4
    other_res = client.get("/api/v1/reports/summary",
                           query_string={**q, "department": other}, headers=headers)
    assert other_res.status_code == 403
    # a manager may restrict a report to any department
    data = summary(client, auth, department=other, **q)
    assert data["cases_accepted"] == 1 and data["same_day_cases"] == 1
    bad = client.get("/api/v1/reports/summary", query_string={**q, "department": "NOPE"},
                     headers=auth.headers("manager"))
    assert bad.status_code == 422
    # the page: forced to their department; the manager's pages stay closed
    auth.login("head")
    page = client.get("/reports?" + "&".join(f"{k}={v}" for k, v in q.items()))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="department" id="department" value="{mine}"' in html
    assert 'id="assessment-publish"' not in html
    assert client.get(f"/reports?department={other}").status_code == 403
    assert client.get("/reports/export.csv?department=" + mine).status_code == 200
    assert client.get(f"/reports/export.csv?department={other}").status_code == 403
    for closed in ("/manager", "/manager/complaints", "/reports/assessment.pdf"):
        assert client.get(closed).status_code == 403, closed


def test_other_roles_may_not_ask_for_a_department(client, auth, seeded):
    with seeded.app_context():
        code = db.session.execute(select(Department.code)).scalars().first()
    for user in ("clerk1", "approver-ghj"):
        res = client.get("/api/v1/reports/summary", query_string={"department": code},
                         headers=auth.headers(user))
        assert res.status_code == 403, user
