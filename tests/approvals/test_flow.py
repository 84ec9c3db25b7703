"""Cases end to end through the API: intake, the joint flow, rejection, supplements,
suspensions and extensions, with deadlines hand-computed around National Day 2026.
The clock stands at 2026-09-29 10:00 Shanghai unless a test moves it."""

from service_center.audit import AuditEvent
from service_center.extensions import db

from .conftest import JS_MATERIALS


def _statuses(case):
    return [(s["status"], [t["status"] for t in s["tasks"]]) for s in case["stages"]]


def test_full_joint_flow(cases):
    case = cases.create()
    no = case["tracking_no"]
    assert no == "JS20260929-0001" and len(case["query_code"]) == 8
    assert case["status"] == "in_progress" and case["suspended"] is False
    assert case["missing_materials"] == []
    # day 1 is Sep 30; National Day (Oct 1-7) is skipped; Sat Oct 10 is worked
    assert case["promised_deadline"] == "2026-10-19"
    assert case["statutory_deadline"] == "2026-11-02"
    assert case["fees"]["total_fen"] == 3000000 + 80000 + 180000 + 120000
    assert _statuses(case) == [("active", ["active"] * 3), ("pending", ["pending"])]
    assert cases.task(case, "GHJ")["due_date"] == "2026-10-12"
    assert cases.task(case, "RFB")["due_date"] == "2026-10-10"
    assert cases.task(case, "ZJJ")["due_date"] is None

    assert cases.decide(case, "GHJ").status_code == 200
    assert cases.decide(case, "HBJ").status_code == 200
    case = cases.get(no)
    assert _statuses(case) == [("active", ["approved", "approved", "active"]),
                               ("pending", ["pending"])]

    cases.move_to("2026-10-09")
    res = cases.decide(case, "RFB")
    assert res.status_code == 200
    case = res.get_json()
    assert _statuses(case) == [("approved", ["approved"] * 3), ("active", ["active"])]
    # ZJJ's 3 days count from the day its stage opened: Oct 10 (Sat, worked), 12, 13
    assert cases.task(case, "ZJJ")["due_date"] == "2026-10-13"
    assert cases.task(case, "ZJJ")["activated_on"] == "2026-10-09"

    res = cases.decide(case, "ZJJ", opinion="准予许可")
    assert res.status_code == 200
    case = res.get_json()
    assert case["status"] == "approved"
    assert case["decision"] == {"department": {"code": "ZJJ", "name": "区住建局"},
                                "reason": "准予许可"}
    # issue 5: the certificate is handed over only once the fees are paid
    assert cases.post(f"/cases/{no}/complete", "clerk3").status_code == 409
    paid = cases.post(f"/cases/{no}/payments", "clerk3",
                      {"amount_fen": case["fees"]["total_fen"], "method": "cash"})
    assert paid.status_code == 201
    assert cases.post(f"/cases/{no}/complete", "clerk3").get_json()["status"] == "completed"
    # every move is in the timeline, with who did it
    events = cases.get(no)["events"]
    actions = [e["action"] for e in events]
    assert actions.count("task_approved") == 4 and actions[-1] == "completed"
    assert {e["by"] for e in events if e["action"] == "task_approved"} == \
        {"approver-ghj", "approver-hbj", "approver-rfb", "approver-zjj"}


def test_rejection_ends_the_case_with_the_reason(cases):
    case = cases.create()
    assert cases.decide(case, "GHJ").status_code == 200
    res = cases.decide(case, "HBJ", "reject", opinion="不符合环评要求")
    assert res.status_code == 200
    case = res.get_json()
    assert case["status"] == "rejected"
    assert case["decision"]["department"]["code"] == "HBJ"
    assert case["decision"]["reason"] == "不符合环评要求"
    assert case["stages"][0]["status"] == "rejected"
    assert case["stages"][1]["status"] == "pending"
    # the case is closed: the remaining step cannot be decided
    res = cases.decide(case, "RFB")
    assert res.status_code == 409
    # a rejection needs a reason
    other = cases.create()
    assert cases.decide(other, "GHJ", "reject", opinion="").status_code == 422


def test_missing_materials_one_time_notice_then_supplement(cases):
    case = cases.create(materials=JS_MATERIALS[:2])
    no = case["tracking_no"]
    assert case["status"] == "awaiting_materials" and case["suspended"] is True
    assert case["missing_materials"] == JS_MATERIALS[2:]  # all of them, at once
    assert case["promised_deadline"] is None and case["statutory_deadline"] is None
    assert _statuses(case) == [("pending", ["pending"] * 3), ("pending", ["pending"])]
    # nothing can be decided before acceptance
    assert cases.decide(case, "GHJ").status_code == 409

    res = cases.post(f"/cases/{no}/supplement", "clerk3", {"materials": [JS_MATERIALS[2]]})
    assert res.status_code == 200
    assert res.get_json()["status"] == "awaiting_materials"
    assert res.get_json()["missing_materials"] == JS_MATERIALS[3:]

    cases.move_to("2026-09-30")
    res = cases.post(f"/cases/{no}/supplement", "clerk3", {"materials": JS_MATERIALS[3:]})
    case = res.get_json()
    assert case["status"] == "in_progress" and case["suspended"] is False
    # accepted Sep 30: day 1 is Oct 8
    assert case["clock_started_on"] == "2026-10-08"
    assert case["promised_deadline"] == "2026-10-20"
    assert cases.task(case, "GHJ")["due_date"] == "2026-10-13"
    # a material the item does not list is refused
    bad = cases.create(materials=["营业执照"], expect=422)
    assert bad["error"]["code"] == "unknown_material"


def test_refuse_intake(cases):
    case = cases.create(materials=JS_MATERIALS[:1], refuse=True, reason="不属于本中心受理范围")
    assert case["status"] == "refused"
    assert case["refusal_reason"] == "不属于本中心受理范围"
    assert case["promised_deadline"] is None
    assert cases.create(refuse=True, expect=422)["error"]["details"]["reason"]
    assert cases.post(f"/cases/{case['tracking_no']}/supplement", "clerk3",
                      {"materials": JS_MATERIALS}).status_code == 409


def test_supplement_request_stops_the_clock_and_moves_deadlines(cases):
    case = cases.create()
    no = case["tracking_no"]
    cases.move_to("2026-09-30")
    res = cases.decide(case, "GHJ", "supplement", opinion="请补充日照分析",
                       missing=["日照分析报告"])
    assert res.status_code == 200
    case = res.get_json()
    assert case["suspended"] is True and case["status"] == "in_progress"
    assert case["missing_materials"] == ["日照分析报告"]
    assert cases.task(case, "GHJ")["status"] == "returned"
    # the whole case stands still: the other departments wait too
    assert cases.decide(case, "HBJ").status_code == 409
    # nothing moves while suspended, whatever the calendar says
    cases.move_to("2026-10-30")
    assert cases.get(no)["warning"] == "none"

    cases.move_to("2026-10-09")
    res = cases.post(f"/cases/{no}/supplement", "clerk3", {"materials": ["日照分析报告"]})
    assert res.status_code == 200
    case = res.get_json()
    # suspended Sep 30, resumed Oct 9: Oct 8 and Oct 9 did not count
    assert case["paused_working_days"] == 2
    assert case["suspended"] is False and case["missing_materials"] == []
    assert case["promised_deadline"] == "2026-10-21"     # Oct 19 + 2 working days
    assert case["statutory_deadline"] == "2026-11-04"    # Nov 2 + 2
    assert cases.task(case, "GHJ")["status"] == "active"
    assert cases.task(case, "GHJ")["due_date"] == "2026-10-14"  # Oct 12 + 2
    assert cases.task(case, "RFB")["due_date"] == "2026-10-13"  # Oct 10 (Sat) + 2
    assert case["suspensions"] == [{"kind": "supplement", "reason": "请补充日照分析",
                                    "started_on": "2026-09-30", "ended_on": "2026-10-09",
                                    "working_days": 2}]
    assert cases.decide(case, "GHJ").status_code == 200
    # a second supplement with nothing asked is refused
    assert cases.post(f"/cases/{no}/supplement", "clerk3", {}).status_code == 409


def test_manager_suspend_resume_and_extension(cases):
    case = cases.create()
    no = case["tracking_no"]
    cases.move_to("2026-10-12")
    res = cases.post(f"/cases/{no}/suspend", "manager",
                     {"reason": "专家评审", "kind": "expert_review"})
    assert res.status_code == 200 and res.get_json()["suspended"] is True
    assert cases.post(f"/cases/{no}/suspend", "manager", {"reason": "again"}).status_code == 409
    assert cases.post(f"/cases/{no}/suspend", "manager", {}).status_code == 422
    cases.move_to("2026-10-15")
    res = cases.post(f"/cases/{no}/resume", "manager", {"reason": "评审结束"})
    case = res.get_json()
    assert case["paused_working_days"] == 3  # Oct 13, 14, 15
    assert case["promised_deadline"] == "2026-10-22"
    assert case["statutory_deadline"] == "2026-11-05"
    assert cases.post(f"/cases/{no}/resume", "manager", {}).status_code == 409

    res = cases.post(f"/cases/{no}/extension", "manager", {"reason": "情况复杂"})
    assert res.status_code == 200
    case = res.get_json()
    assert case["extension"]["days"] == 15  # a joint case
    assert case["statutory_deadline"] == "2026-11-26"
    assert cases.post(f"/cases/{no}/extension", "manager", {"reason": "x"}).status_code == 409

    single = cases.create(item="JS-002", materials=["施工许可申请表", "建设工程规划许可证",
                                                    "施工合同", "施工图审查合格书"])
    res = cases.post(f"/cases/{single['tracking_no']}/extension", "manager", {"reason": "x"})
    assert res.get_json()["extension"]["days"] == 10


def test_a_manager_cannot_resume_a_supplement(cases):
    case = cases.create()
    cases.decide(case, "GHJ", "supplement", opinion="缺图纸")
    res = cases.post(f"/cases/{case['tracking_no']}/resume", "manager", {})
    assert res.status_code == 409
    assert res.get_json()["error"]["code"] == "awaiting_supplement"


def test_warnings_in_the_inbox(cases, client, auth):
    cases.create()

    def ghj_warning(day):
        cases.move_to(day)
        res = client.get("/api/v1/tasks", headers=auth.headers("approver-ghj"))
        assert res.status_code == 200
        tasks = res.get_json()
        assert len(tasks) == 1 and tasks[0]["due_date"] == "2026-10-12"
        return tasks[0]["warning"]

    assert ghj_warning("2026-10-08") == "none"    # Oct 9, 10, 12 left
    assert ghj_warning("2026-10-09") == "none"    # Oct 10, 12 left
    assert ghj_warning("2026-10-10") == "yellow"  # Oct 12 left (Sat Oct 10 is worked)
    assert ghj_warning("2026-10-12") == "yellow"  # the due day itself
    cases.client.application.config["CASE_WARNING_DAYS"] = 2  # configurable
    assert ghj_warning("2026-10-09") == "yellow"
    cases.client.application.config["CASE_WARNING_DAYS"] = 1
    assert ghj_warning("2026-10-13") == "red"
    res = client.get("/api/v1/tasks?warning=red", headers=auth.headers("approver-ghj"))
    assert len(res.get_json()) == 1
    res = client.get("/api/v1/tasks?warning=none", headers=auth.headers("approver-ghj"))
    assert res.get_json() == []
    assert client.get("/api/v1/tasks?warning=blue",
                      headers=auth.headers("approver-ghj")).status_code == 422
    # ZJJ has no active step yet
    assert client.get("/api/v1/tasks", headers=auth.headers("approver-zjj")).get_json() == []


def test_tracking_numbers_count_per_day(cases):
    first = cases.create()["tracking_no"]
    second = cases.create()["tracking_no"]
    other = cases.create(item="QY-001", clerk="clerk4",
                         materials=["公司登记申请书", "公司章程", "股东主体资格证明",
                                    "住所使用证明"])["tracking_no"]
    cases.move_to("2026-09-30")
    next_day = cases.create()["tracking_no"]
    assert [first, second, other, next_day] == [
        "JS20260929-0001", "JS20260929-0002", "QY20260929-0001", "JS20260930-0001"]


def test_bad_intake_is_422_never_500(cases):
    for body, field in [
        ({"service_item": "NOPE"}, "service_item"),
        ({"params": {"area_m2": "-5"}}, "params.area_m2"),
        ({"params": {"area_m2": "1_000"}}, "params.area_m2"),
        ({"params": {"area_m2": 1e300}}, "params.area_m2"),
        ({"params": {}}, "params.area_m2"),
        ({"params": {"area_m2": "5", "floors": "3"}}, "params.floors"),
        ({"params": "x"}, "params"),
        ({"applicant": {"name": "张三", "phone": "call me"}}, "applicant.phone"),
        ({"applicant": "张三"}, "applicant"),
        ({"materials_received": "all"}, "materials_received"),
        ({"ticket_id": 999999}, "ticket_id"),
        ({"refuse": "yes"}, "refuse"),
    ]:
        res = cases.create(expect=422, **body)
        assert field in res["error"]["details"] or res["error"]["code"].startswith("unknown"), \
            (body, res)
    res = cases.client.post("/api/v1/cases", data="{", content_type="application/json",
                            headers=cases.auth.headers("clerk3"))
    assert res.status_code == 400


def test_stale_version_is_409(cases):
    case = cases.create()
    no, version = case["tracking_no"], case["version"]
    assert cases.decide(case, "GHJ", version=version).status_code == 200
    res = cases.decide(case, "HBJ", version=version)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "stale_version"
    assert cases.task(cases.get(no), "HBJ")["status"] == "active"


def test_every_change_is_audited(cases, seeded):
    case = cases.create()
    cases.decide(case, "GHJ", "supplement", opinion="缺图纸")
    cases.post(f"/cases/{case['tracking_no']}/supplement", "clerk3", {})
    with seeded.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)
                   if e.entity_type.startswith("case")]
    assert actions == ["registered", "accepted", "stage_active", "task_active", "task_active",
                       "task_active", "task_returned", "suspended", "materials_received",
                       "resumed", "task_reopened"]
