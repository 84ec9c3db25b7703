"""Joint inspections: one case, one stage, a parallel task per department due; results by
the task's decision move the due date on; no double booking; working days only."""

from __future__ import annotations

from sqlalchemy import select

from service_center.approvals.models import Case
from service_center.audit import AuditEvent
from service_center.extensions import db

from .conftest import NJ_MATERIALS


def _case(insp, tracking_no: str) -> dict:
    res = insp.get(f"/cases/{tracking_no}")
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def test_joint_inspection_is_one_case_with_parallel_tasks_for_the_departments_due(insp,
                                                                                  seeded):
    ent = insp.enterprise({"SCJ": "2026-10-20", "RSJ": "2026-10-15", "SWJ": "2026-09-01",
                           "GHJ": "2027-06-01"})  # GHJ: not due within 30 days
    visit = insp.book(ent, "2026-09-30", materials_received=NJ_MATERIALS)
    assert visit["date"] == "2026-09-30" and visit["query_code"]
    assert sorted(r["department"]["code"] for r in visit["results"]) == ["RSJ", "SCJ", "SWJ"]
    assert all(r["status"] == "pending" for r in visit["results"])
    case = _case(insp, visit["case"]["tracking_no"])
    assert case["service_item"]["code"] == "NJ-001" and case["status"] == "in_progress"
    assert len(case["stages"]) == 1
    tasks = case["stages"][0]["tasks"]
    assert sorted(t["department"]["code"] for t in tasks) == ["RSJ", "SCJ", "SWJ"]
    assert {t["status"] for t in tasks} == {"active"}  # all at once, in parallel
    assert case["applicant"]["organization"] == ent["name"]
    with seeded.app_context():
        cases = db.session.execute(select(Case)).unique().scalars().all()
        assert len(cases) == 1 and cases[0].service_item.kind == "annual_inspection"
    # the same departments cannot be booked again while this inspection is open
    res = insp.post(f"/enterprises/{ent['id']}/inspections", "clerk3", {"date": "2026-10-08"})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "nothing_due"
    # but the one not due can be, explicitly
    other = insp.book(ent, "2026-10-08", departments=["GHJ"])
    assert [r["department"]["code"] for r in other["results"]] == ["GHJ"]
    assert other["case"]["status"] == "awaiting_materials"  # materials come with the visit


def test_visit_day_must_be_a_future_working_day(insp):
    ent = insp.enterprise({"SCJ": "2026-10-20"})
    for day, code in (("2026-10-01", "not_a_working_day"), ("2026-10-04", "not_a_working_day"),
                      ("2026-09-28", "date_in_past")):
        res = insp.post(f"/enterprises/{ent['id']}/inspections", "clerk3", {"date": day})
        assert res.status_code == 422 and res.get_json()["error"]["code"] == code, day
    insp.book(ent, "2026-10-10")  # an adjusted working Saturday (调休)


def test_results_move_due_dates_and_each_department_decides_alone(insp, seeded):
    ent = insp.enterprise({"SCJ": "2026-10-20", "RSJ": "2026-10-15"})
    visit = insp.book(ent, "2026-09-29", materials_received=NJ_MATERIALS)
    # RSJ fails first, by its task's decision in the department inbox's API
    no = visit["case"]["tracking_no"]
    task = next(t for t in _case(insp, no)["stages"][0]["tasks"]
                if t["department"]["code"] == "RSJ")
    res = insp.post(f"/cases/{no}/tasks/{task['id']}/decision", "approver-rsj",
                    {"decision": "reject", "opinion": "社保缴费记录不全"})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["status"] == "in_progress"  # SCJ still inspects
    detail = insp.detail(ent)
    assert insp.due(detail, "RSJ") == "2026-10-15"  # a failure does not move it
    result = next(r for r in detail["inspections"][0]["results"]
                  if r["department"]["code"] == "RSJ")
    assert result["status"] == "failed" and result["reason"] == "社保缴费记录不全"
    # SCJ passes through the inspections API
    after = insp.result(visit, "SCJ", "passed")
    assert {r["department"]["code"]: r["status"] for r in after["results"]} == \
        {"SCJ": "passed", "RSJ": "failed"}
    assert after["case"]["status"] == "rejected"  # decided once every department has
    detail = insp.detail(ent)
    assert insp.due(detail, "SCJ") == "2027-10-20"
    assert insp.due(detail, "RSJ") == "2026-10-15"
    # recording twice is a conflict
    res = insp.post(f"/inspections/{visit['id']}/results", "approver-scj",
                    {"department": "SCJ", "result": "failed", "reason": "x"})
    assert res.status_code == 409
    # the failed department can be booked again at once
    again = insp.book(ent, "2026-10-08")
    assert [r["department"]["code"] for r in again["results"]] == ["RSJ"]
    with seeded.app_context():
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"inspection_passed", "inspection_failed", "inspection_due_advanced",
            "inspection_booked", "enterprise_registered", "inspection_due_set"} <= actions


def test_all_passed_approves_the_case_and_a_failure_needs_a_reason(insp):
    ent = insp.enterprise({"SCJ": "2026-09-01", "RSJ": "2026-10-15"})
    visit = insp.book(ent, "2026-09-29", materials_received=NJ_MATERIALS)
    res = insp.post(f"/inspections/{visit['id']}/results", "approver-scj",
                    {"department": "SCJ", "result": "failed"})
    assert res.status_code == 422 and "reason" in res.get_json()["error"]["details"]
    insp.result(visit, "SCJ")
    done = insp.result(visit, "RSJ")
    assert done["case"]["status"] == "approved"
    detail = insp.detail(ent)
    # overdue since 2026-09-01, inspected 2026-09-29: next due a year on from the due date
    assert insp.due(detail, "SCJ") == "2027-09-01"
    assert insp.due(detail, "RSJ") == "2027-10-15"


def test_results_wait_for_the_visit(insp):
    ent = insp.enterprise({"SCJ": "2026-10-20"})
    visit = insp.book(ent, "2026-09-30")  # no materials yet: the case waits
    res = insp.post(f"/inspections/{visit['id']}/results", "approver-scj",
                    {"department": "SCJ", "result": "passed"})
    assert res.status_code == 409
    res = insp.post(f"/cases/{visit['case']['tracking_no']}/supplement", "clerk3", {})
    assert res.status_code == 200, res.get_json()
    assert insp.result(visit, "SCJ")["results"][0]["status"] == "passed"
