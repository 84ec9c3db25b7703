"""Overdue inspections (page and API, by department) and the due notices."""

from __future__ import annotations

from sqlalchemy import select

from service_center.extensions import db
from service_center.notifications.models import Notification

from .conftest import NJ_MATERIALS


def test_overdue_list_by_department(insp):
    a = insp.enterprise({"SCJ": "2026-09-01", "RSJ": "2026-08-01", "GHJ": "2026-12-01"})
    b = insp.enterprise({"SCJ": "2026-09-28"})
    insp.enterprise({"SCJ": "2026-09-29"})  # due today: not overdue yet
    rows = insp.get("/inspections/overdue").get_json()
    assert [(r["enterprise"]["id"], r["department"]["code"], r["days_overdue"]) for r in rows] \
        == [(a["id"], "RSJ", 59), (a["id"], "SCJ", 28), (b["id"], "SCJ", 1)]
    scj = insp.get("/inspections/overdue?department=SCJ").get_json()
    assert {r["department"]["code"] for r in scj} == {"SCJ"} and len(scj) == 2
    # an approver sees their own department, and may not look at another's
    own = insp.get("/inspections/overdue", "approver-rsj").get_json()
    assert [(r["enterprise"]["id"], r["department"]["code"]) for r in own] == [(a["id"], "RSJ")]
    assert insp.get("/inspections/overdue?department=SCJ", "approver-rsj").status_code == 403
    assert insp.get("/inspections/overdue?department=NOPE").status_code == 422
    # a pass clears it, a failure does not
    visit = insp.book(a, "2026-09-29", materials_received=NJ_MATERIALS)
    insp.result(visit, "SCJ", "passed")
    insp.result(visit, "RSJ", "failed", reason="材料不实")
    rows = insp.get("/inspections/overdue").get_json()
    assert [(r["enterprise"]["id"], r["department"]["code"], r["last_result"]) for r in rows] \
        == [(a["id"], "RSJ", "failed"), (b["id"], "SCJ", None)]


def test_notify_due_is_idempotent(insp, seeded, runner):
    a = insp.enterprise({"SCJ": "2026-10-20", "RSJ": "2026-10-29", "GHJ": "2026-10-30"})
    insp.enterprise({"SCJ": "2026-09-28"})  # overdue: not "due within"
    insp.enterprise({"SCJ": "2026-10-05"}, phone=None)  # nobody to tell
    booked = insp.enterprise({"SCJ": "2026-10-10"})
    insp.book(booked, "2026-09-30")  # booked already: no reminder
    result = runner.invoke(args=["inspections", "notify-due"])
    assert result.exit_code == 0, result.output
    assert "inspection notices queued: 2" in result.output  # GHJ on 2026-10-30 is day 31
    again = runner.invoke(args=["inspections", "notify-due"])
    assert "inspection notices queued: 0" in again.output
    with seeded.app_context():
        rows = db.session.execute(select(Notification).where(
            Notification.kind == "inspection_due")).scalars().all()
        assert sorted((r.payload["department_code"], r.payload["due_date"]) for r in rows) == \
            [("RSJ", "2026-10-29"), ("SCJ", "2026-10-20")]
        assert all(r.recipient == "13900000001" for r in rows)
    # a wider window (config) finds the GHJ one, still once
    seeded.config["INSPECTION_NOTICE_DAYS"] = 31
    third = runner.invoke(args=["inspections", "notify-due"])
    assert "inspection notices queued: 1" in third.output
    assert a["id"]
