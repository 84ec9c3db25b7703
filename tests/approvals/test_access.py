"""Who may see and do what with a case; the public tracking answer and its rate limit."""


import pytest

from service_center.auth.services import create_user
from service_center.extensions import db

from ..conftest import extract_csrf
from .conftest import DEMO_PASSWORD_FOR_TESTS

SEE_CASE = [
    ("clerk3", 200),        # accepted it
    ("clerk1", 200),        # same hall
    ("xd-clerk1", 403),     # another hall
    ("cashier", 403),
    ("approver-ghj", 200),  # a department with a step in the case
    ("approver-zjj", 200),  # its step is still pending, but it is in the case
    ("approver-scj", 403),  # no step in the case
    ("agent", 403),         # not (yet) its proxy agent
    ("manager", 200),
    ("xd-manager", 403),    # manager of another hall
    ("admin", 200),
]


def test_who_may_see_a_case(cases):
    # one case, every role (one seeded database for the whole table: seeding is slow)
    case = cases.create()
    got = {user: cases.client.get(f"/api/v1/cases/{case['tracking_no']}",
                                  headers=cases.auth.headers(user)).status_code
           for user, _ in SEE_CASE}
    assert got == dict(SEE_CASE)


def test_unknown_case_and_anonymous(cases):
    cases.get("JS20260929-9999", expect=404)
    case = cases.create()
    assert cases.client.get(f"/api/v1/cases/{case['tracking_no']}").status_code == 401


REFUSED = [
    ("/cases", "approver-ghj", None),
    ("/cases", "manager", None),
    ("/cases", "agent", None),
    ("/cases/{no}/suspend", "clerk3", {"reason": "x"}),
    ("/cases/{no}/suspend", "xd-manager", {"reason": "x"}),
    ("/cases/{no}/suspend", "approver-ghj", {"reason": "x"}),
    ("/cases/{no}/extension", "clerk3", {"reason": "x"}),
    ("/cases/{no}/proxy-agent", "clerk3", {"username": "agent"}),
    ("/cases/{no}/proxy-agent", "agent", {"username": "agent"}),
    ("/cases/{no}/supplement", "approver-ghj", {}),
    ("/cases/{no}/supplement", "xd-clerk1", {}),
    ("/cases/{no}/handovers", "clerk3", {"from_department": "GHJ", "to_department": "ZJJ"}),
    ("/cases/{no}/handovers", "manager", {"from_department": "GHJ", "to_department": "ZJJ"}),
]


def test_refused_operations(cases):
    case = cases.create()
    before = cases.get(case["tracking_no"])
    for path, user, body in REFUSED:
        if body is None:
            body = {"service_item": "JS-001", "applicant": {"name": "x", "phone": "123"}}
        res = cases.post(path.format(no=case["tracking_no"]), user, body)
        assert res.status_code == 403, (path, user, res.get_json())
    after = cases.get(case["tracking_no"])
    assert after["version"] == before["version"]
    # every refusal is audited
    with cases.client.application.app_context():
        from service_center.audit import AuditEvent

        denied = db.session.query(AuditEvent).filter_by(result="denied").count()
    assert denied == len(REFUSED)


def test_approver_of_another_department_cannot_decide(cases):
    case = cases.create()
    res = cases.decide(case, "GHJ", user="approver-hbj")
    assert res.status_code == 403
    res = cases.decide(case, "GHJ", user="clerk3")
    assert res.status_code == 403
    # deciding a step whose stage has not opened
    res = cases.decide(case, "ZJJ")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "task_not_active"
    # a task of another case is not found in this one
    other = cases.create()
    task = cases.task(cases.get(other["tracking_no"]), "GHJ")
    res = cases.post(f"/cases/{case['tracking_no']}/tasks/{task['id']}/decision",
                     "approver-ghj", {"decision": "approve"})
    assert res.status_code == 404
    res = cases.decide(case, "GHJ", decision="maybe")
    assert res.status_code == 422


def test_proxy_agent_assignment_and_handovers(cases, seeded):
    with seeded.app_context():
        create_user(username="agent2", password=DEMO_PASSWORD_FOR_TESTS, role="proxy_agent",
                    display_name="代办员 二")
        db.session.commit()
    case = cases.create()
    no = case["tracking_no"]
    res = cases.post(f"/cases/{no}/proxy-agent", "manager", {"username": "clerk1"})
    assert res.status_code == 422
    res = cases.post(f"/cases/{no}/proxy-agent", "manager", {"username": "agent"})
    assert res.status_code == 200
    assert res.get_json()["proxy_agent"]["username"] == "agent"
    cases.get(no, user="agent")
    cases.get(no, user="agent2", expect=403)

    body = {"from_department": "GHJ", "to_department": "ZJJ", "note": "图纸原件"}
    assert cases.post(f"/cases/{no}/handovers", "agent2", body).status_code == 403
    res = cases.post(f"/cases/{no}/handovers", "agent", body)
    assert res.status_code == 201
    assert res.get_json()["handovers"][0]["from_department"] == "GHJ"
    assert res.get_json()["handovers"][0]["agent"] == "agent"
    bad = {"from_department": "GHJ", "to_department": "GHJ"}
    assert cases.post(f"/cases/{no}/handovers", "agent", bad).status_code == 422
    bad = {"from_department": "GHJ", "to_department": "XXX"}
    assert cases.post(f"/cases/{no}/handovers", "agent", bad).status_code == 422

    # the agent may bring the supplement for the applicant
    cases.decide(case, "GHJ", "supplement", opinion="缺图纸")
    assert cases.post(f"/cases/{no}/supplement", "agent2", {}).status_code == 403
    assert cases.post(f"/cases/{no}/supplement", "agent", {}).status_code == 200

    # reassigned: the first agent loses the case
    assert cases.post(f"/cases/{no}/proxy-agent", "manager",
                      {"username": "agent2"}).status_code == 200
    cases.get(no, user="agent", expect=403)
    res = cases.client.get("/api/v1/agent/cases", headers=cases.auth.headers("agent2"))
    assert [c["tracking_no"] for c in res.get_json()] == [no]
    assert cases.client.get("/api/v1/agent/cases",
                            headers=cases.auth.headers("clerk1")).status_code == 403

    # only items with free proxy service get an agent
    company = cases.create(item="QY-001", materials=["公司登记申请书", "公司章程",
                                                     "股东主体资格证明", "住所使用证明"])
    res = cases.post(f"/cases/{company['tracking_no']}/proxy-agent", "manager",
                     {"username": "agent"})
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "no_proxy_service"


def test_agent_cases_by_urgency(cases):
    late = cases.create()["tracking_no"]
    cases.move_to("2026-10-12")
    soon = cases.create()["tracking_no"]
    for no in (soon, late):
        cases.post(f"/cases/{no}/proxy-agent", "manager", {"username": "agent"})
    cases.move_to("2026-10-20")  # the first is past its promised Oct 19
    res = cases.client.get("/api/v1/agent/cases", headers=cases.auth.headers("agent"))
    listed = res.get_json()
    assert [c["tracking_no"] for c in listed] == [late, soon]
    assert [c["warning"] for c in listed] == ["red", "none"]


# --- tracking --------------------------------------------------------------------------------
TRACK_KEYS = {"tracking_no", "service_item", "status", "accepted_at", "promised_deadline",
              "statutory_deadline", "warning", "suspended", "stages", "proxy_agent", "fees"}


def test_tracking_answers_the_contract_shape(cases):
    case = cases.create()
    no, code = case["tracking_no"], case["query_code"]
    cases.post(f"/cases/{no}/proxy-agent", "manager", {"username": "agent"})
    cases.decide(case, "GHJ")
    res = cases.client.get(f"/api/v1/track/{no}?code={code.lower()}")
    assert res.status_code == 200
    data = res.get_json()
    assert TRACK_KEYS <= set(data)
    assert data["status"] == "in_progress" and data["warning"] == "none"
    assert data["fees"] == {"total_fen": 3380000, "paid": False}
    assert data["proxy_agent"] == {"name": "代办员 黄敏", "phone": None}
    stage = data["stages"][0]
    assert set(stage) == {"name", "status", "tasks"}
    assert set(stage["tasks"][0]) == {"department", "status", "due_date", "completed_at"}
    assert stage["tasks"][0]["status"] == "approved" and stage["tasks"][0]["completed_at"]
    # no personal data beyond a masked name; no staff names
    text = res.get_data(as_text=True)
    assert "13800138000" not in text and "何工" not in text and "王经理" not in text


def test_wrong_code_is_like_an_unknown_number(cases):
    case = cases.create()
    no = case["tracking_no"]
    other = cases.create()
    wrong = cases.client.get(f"/api/v1/track/{no}?code=AAAAAAAA")
    unknown = cases.client.get("/api/v1/track/JS20260929-0099?code=AAAAAAAA")
    # another applicant's code does not open this case
    crossed = cases.client.get(f"/api/v1/track/{no}?code={other['query_code']}")
    missing = cases.client.get(f"/api/v1/track/{no}")
    for res in (wrong, crossed, missing):
        assert res.status_code == unknown.status_code == 404
        assert res.get_data() == unknown.get_data()


def test_wrong_code_takes_as_long_as_an_unknown_number(cases, seeded):
    """S2, timing: a wrong code and an unknown number go the same way (one look-up by
    number, one hash, one constant-time compare), so the time cannot tell whether a
    number exists. Medians of interleaved calls, within a factor of two either way."""
    import statistics
    import time

    from service_center.approvals import services
    from service_center.errors import NotFound

    no = cases.create()["tracking_no"]
    unknown_no = no[:-4] + "9999"
    times: dict[str, list[float]] = {"wrong": [], "unknown": []}
    with seeded.test_request_context():
        for _ in range(60):
            for label, number in (("wrong", no), ("unknown", unknown_no)):
                started = time.perf_counter()
                with pytest.raises(NotFound):
                    services.track(number, "AAAAAAAA")
                times[label].append(time.perf_counter() - started)
    ratio = statistics.median(times["wrong"]) / statistics.median(times["unknown"])
    assert 0.5 < ratio < 2.0, ratio


def test_tracking_failures_are_rate_limited_per_address(cases):
    case = cases.create()
    no, code = case["tracking_no"], case["query_code"]
    here = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(3):  # successes do not count
        assert cases.client.get(f"/api/v1/track/{no}?code={code}",
                                environ_base=here).status_code == 200
    for _ in range(10):
        assert cases.client.get(f"/api/v1/track/{no}?code=WRONG123",
                                environ_base=here).status_code == 404
    res = cases.client.get(f"/api/v1/track/{no}?code=WRONG123", environ_base=here)
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "rate_limited"
    # guessing is over for this address for now, even with the right code
    assert cases.client.get(f"/api/v1/track/{no}?code={code}",
                            environ_base=here).status_code == 429
    # another address is not affected
    assert cases.client.get(f"/api/v1/track/{no}?code={code}",
                            environ_base={"REMOTE_ADDR": "203.0.113.8"}).status_code == 200


def test_tracking_failures_are_rate_limited_per_tracking_number(cases):
    """Guessing one case's code from many addresses: after 30 failures an hour on that
    number every address is refused for it; other cases are not affected."""
    case, other = cases.create(), cases.create()
    no = case["tracking_no"]
    for i in range(30):  # each address stays under its own budget of 10 a minute
        here = {"REMOTE_ADDR": f"198.51.100.{i}"}
        assert cases.client.get(f"/api/v1/track/{no}?code=WRONG123",
                                environ_base=here).status_code == 404
    fresh = {"REMOTE_ADDR": "198.51.100.200"}
    res = cases.client.get(f"/api/v1/track/{no}?code={case['query_code']}", environ_base=fresh)
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "rate_limited"
    # the page shares the budget; the number's case does not matter
    there = {"REMOTE_ADDR": "198.51.100.201"}
    csrf = extract_csrf(cases.client.get("/track", environ_base=there).get_data(as_text=True))
    res = cases.client.post("/track", data={"tracking_no": no.lower(), "code": "WRONG123",
                                            "csrf_token": csrf}, environ_base=there)
    assert res.status_code == 429
    res = cases.client.get(f"/api/v1/track/{other['tracking_no']}?code={other['query_code']}",
                           environ_base=fresh)
    assert res.status_code == 200
