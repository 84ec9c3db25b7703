"""The case pages: intake at the window, the department inbox, the proxy agent's page, the
managers' case pages, public tracking and the holiday calendar. Who may open what, forms
refused with their messages (never a 500), and each page calling the same services as the
API. The clock stands at 2026-09-29 10:00 Shanghai unless a test moves it."""

from __future__ import annotations

import re

import pytest

from service_center.audit import AuditEvent
from service_center.extensions import db
from tests.conftest import DEMO_PASSWORD, extract_csrf

from .conftest import JS_MATERIALS


class Pages:
    """One logged-in browser session (test client with cookies) per demo user."""

    def __init__(self, app, cases):
        self.app = app
        self.cases = cases
        self._clients: dict[str, tuple] = {}

    def client(self, user: str | None):
        if user not in self._clients:
            client = self.app.test_client()
            if user is not None:
                page = client.get("/login")
                res = client.post("/login", data={
                    "username": user, "password": DEMO_PASSWORD,
                    "csrf_token": extract_csrf(page.get_data(as_text=True))})
                assert res.status_code == 302, res.get_data(as_text=True)[:300]
            token = extract_csrf(client.get("/track").get_data(as_text=True))
            self._clients[user] = (client, token)
        return self._clients[user]

    def _again(self, user, res) -> bool:
        """The clock moved by weeks and the session cookie expired: sign in again."""
        if user is not None and res.status_code == 302 and \
                res.headers["Location"].startswith("/login"):
            del self._clients[user]
            return True
        return False

    def get(self, user: str | None, path: str):
        res = self.client(user)[0].get(path)
        return self.get(user, path) if self._again(user, res) else res

    def post(self, user: str | None, path: str, data: dict | None = None):
        client, token = self.client(user)
        res = client.post(path, data={"csrf_token": token, **(data or {})})
        return self.post(user, path, data) if self._again(user, res) else res


@pytest.fixture
def pages(cases):
    app = cases.client.application
    # the tests move the clock by weeks: keep the page sessions alive meanwhile
    app.config.update(SESSION_IDLE_MINUTES=0, SESSION_MAX_HOURS=0)
    return Pages(app, cases)


def text(res) -> str:
    return res.get_data(as_text=True)


def intake_form(materials=JS_MATERIALS, action="accept", **extra) -> dict:
    return {"item": "JS-001", "name": "王经理", "phone": "13800138000",
            "organization": "示例建设有限公司", "param.area_m2": "1200",
            "materials": list(materials), "action": action, **extra}


def created_no(res) -> str:
    assert res.status_code == 302, text(res)[:500]
    match = re.search(r"/cases/([A-Z0-9]+-[0-9]+)/accepted", res.headers["Location"])
    assert match, res.headers["Location"]
    return match.group(1)


def audit(app, *where) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEvent).where(*where)).scalars())


def task_id(cases, no: str, department: str) -> int:
    return cases.task(cases.get(no), department)["id"]


# --- who may open what ------------------------------------------------------------------------
PAGES = ["/cases/new", "/tasks", "/agent", "/cases", "/cases/{no}", "/cases/{no}/notice",
         "/admin/calendar/"]

ACCESS = [
    # (user, page, expected status)
    ("clerk3", "/cases/new", 200),
    ("approver-ghj", "/cases/new", 403),
    ("manager", "/cases/new", 403),
    ("approver-ghj", "/tasks", 200),
    ("clerk3", "/tasks", 403),
    ("agent", "/tasks", 403),
    ("agent", "/agent", 200),
    ("approver-ghj", "/agent", 403),
    ("manager", "/cases", 200),
    ("xd-manager", "/cases", 200),
    ("clerk3", "/cases", 403),
    ("agent", "/cases", 403),
    ("manager", "/cases/{no}", 200),
    ("clerk1", "/cases/{no}", 200),        # same hall
    ("xd-clerk1", "/cases/{no}", 403),     # a clerk of another hall
    ("xd-manager", "/cases/{no}", 403),    # a manager of another hall
    ("approver-ghj", "/cases/{no}", 200),  # a department with a step in the case
    ("approver-scj", "/cases/{no}", 403),  # no step in the case
    ("agent", "/cases/{no}", 403),         # not its proxy agent
    ("xd-clerk1", "/cases/{no}/notice", 403),
    ("admin", "/admin/calendar/", 200),
    ("manager", "/admin/calendar/", 403),
]


def test_who_may_open_which_page(pages, cases):
    no = cases.create()["tracking_no"]
    got = {(user, page): pages.get(user, page.format(no=no)).status_code
           for user, page, _ in ACCESS}
    assert got == {(user, page): status for user, page, status in ACCESS}
    for page in PAGES:  # anonymous: to the sign-in page, and back afterwards
        res = pages.get(None, page.format(no=no))
        assert res.status_code == 302 and "/login" in res.headers["Location"], page
    # every refusal is audited
    assert len(audit(pages.app, AuditEvent.result == "denied")) == \
        sum(1 for _, _, status in ACCESS if status == 403)


def test_actions_refused_for_the_wrong_people(pages, cases):
    no = cases.create()["tracking_no"]
    ghj = task_id(cases, no, "GHJ")
    refused = [
        ("approver-hbj", f"/tasks/{ghj}/decision", {"decision": "approve"}),  # other department
        ("approver-scj", f"/tasks/{ghj}/decision", {"decision": "approve"}),
        ("clerk3", f"/tasks/{ghj}/decision", {"decision": "approve"}),
        ("agent", f"/cases/{no}/handover",                                    # not assigned
         {"from_department": "GHJ", "to_department": "ZJJ", "back": "agent"}),
        ("agent", f"/cases/{no}/supplement", {"back": "agent"}),
        ("xd-clerk1", f"/cases/{no}/supplement", {}),                         # other hall
        ("clerk3", f"/cases/{no}/suspend", {"kind": "hearing", "reason": "x"}),
        ("xd-manager", f"/cases/{no}/suspend", {"kind": "hearing", "reason": "x"}),
        ("clerk3", f"/cases/{no}/agent", {"username": "agent"}),
        ("manager", "/admin/calendar/days", {"day": "2027-01-01", "kind": "holiday"}),
    ]
    for user, path, data in refused:
        assert pages.post(user, path, data).status_code == 403, (user, path)
    assert pages.get("approver-hbj", f"/tasks?open={ghj}").status_code == 403
    for path, data in [(f"/tasks/{ghj}/decision", {"decision": "approve"}),
                       (f"/cases/{no}/suspend", {"kind": "hearing", "reason": "x"})]:
        res = pages.post(None, path, data)
        assert res.status_code == 302 and "/login" in res.headers["Location"]
    # nothing moved
    case = cases.get(no)
    assert case["status"] == "in_progress" and not case["suspended"]
    assert cases.task(case, "GHJ")["status"] == "active"


# --- intake -------------------------------------------------------------------------------------
def test_intake_search_and_form(pages, cases):
    res = pages.get("clerk3", "/cases/new?q=规划")
    assert res.status_code == 200 and "JS-001" in text(res) and "QY-001" not in text(res)
    res = pages.get("clerk3", "/cases/new?item=JS-001")
    body = text(res)
    assert res.status_code == 200
    for material in JS_MATERIALS:
        assert material in body
    assert 'name="param.area_m2"' in body and 'name="proxy_requested"' in body
    assert pages.get("clerk3", "/cases/new?item=NOPE").status_code == 404
    res = pages.get("clerk3", "/cases/new/fees?item=JS-001&param.area_m2=1200")
    assert res.get_json()["fees"]["total_fen"] == 3000000 + 80000 + 180000 + 120000
    assert pages.get("clerk3", "/cases/new/fees?item=JS-001&param.area_m2=x") \
        .get_json() == {"fees": None}
    # the console links here; the ticket being served is picked up by the page
    assert 'id="btn-open-case"' in text(pages.get("clerk3", "/console"))


def test_accept_with_everything_shows_number_and_code(pages, cases):
    no = created_no(pages.post("clerk3", "/cases/new", intake_form()))
    res = pages.get("clerk3", f"/cases/{no}/accepted")
    body = text(res)
    assert res.status_code == 200 and no in body
    code = re.search(r'id="query-code">([A-Z0-9]{8})<', body).group(1)
    case = cases.get(no)
    assert case["status"] == "in_progress" and case["promised_deadline"] == "2026-10-19"
    # the code works for tracking; the notice is printable
    assert cases.client.get(f"/api/v1/track/{no}?code={code}").status_code == 200
    notice = text(pages.get("clerk3", f"/cases/{no}/notice"))
    assert 'data-kind="acceptance"' in notice and code in notice


BAD_INTAKE = [
    # (changes to the form, field that carries the message)
    ({"phone": "abc"}, "applicant.phone"),
    ({"name": ""}, "applicant.name"),
    ({"param.area_m2": "-1"}, "params.area_m2"),
    ({"param.area_m2": "1_000"}, "params.area_m2"),
    ({"param.area_m2": ""}, "params.area_m2"),
    ({"param.area_m2": "9" * 400}, "params.area_m2"),
    ({"id_number": "有空格 的"}, "applicant.id_number"),
    ({"materials": JS_MATERIALS[:2]}, "materials_received"),  # accept needs every material
    ({"materials": ["not a material"], "action": "pending"}, "materials_received"),
    ({"action": "refuse", "reason": ""}, "reason"),
    ({"ticket_id": "999999"}, "ticket_id"),
]


@pytest.mark.parametrize("change,field", BAD_INTAKE)
def test_bad_intake_is_shown_next_to_the_field(pages, cases, change, field):
    res = pages.post("clerk3", "/cases/new", intake_form(**change))
    assert res.status_code == 422, text(res)[:300]
    assert f'data-field="{field}"' in text(res)
    assert cases.client.get("/api/v1/cases/JS20260929-0001",
                            headers=cases.auth.headers("manager")).status_code == 404


def test_odd_form_values_never_500(pages, cases):
    for data in [{"item": "JS-001", "action": "launch"}, {"item": "", "action": "accept"},
                 {"item": "JS-001", "ticket_id": "-5", "action": "accept"},
                 {"item": "JS-001", "materials": ["x" * 5000], "action": "pending"}]:
        res = pages.post("clerk3", "/cases/new", data)
        assert res.status_code in (200, 404, 422), (data, res.status_code)
    assert pages.post("clerk3", "/cases/new", {"item": "JS-001\x00"}).status_code == 400


def test_missing_materials_one_time_notice_then_supplement(pages, cases):
    no = created_no(pages.post("clerk3", "/cases/new",
                               intake_form(JS_MATERIALS[:2], "pending", proxy_requested="1")))
    body = text(pages.get("clerk3", f"/cases/{no}/accepted"))
    # the one-time notice lists every missing item at once
    notice = text(pages.get("clerk3", f"/cases/{no}/notice"))
    assert 'data-kind="supplement"' in notice
    listed = re.findall(r"<li>([^<]+)</li>", notice.split('id="notice-missing"')[1]
                        .split("</ol>")[0])
    assert listed == JS_MATERIALS[2:]
    assert "notice-link" in body
    case = cases.get(no)
    assert case["status"] == "awaiting_materials" and case["proxy_requested"] is True
    # the managers see the request for an agent
    listing = text(pages.get("manager", "/cases?proxy=1"))
    assert no in listing
    # the supplement at the window starts the clock
    res = pages.post("clerk3", f"/cases/{no}/supplement",
                     {"materials": JS_MATERIALS[2:], "version": str(case["version"])})
    assert res.status_code == 302
    case = cases.get(no)
    assert case["status"] == "in_progress" and case["missing_materials"] == []


def test_refuse_intake_with_reason(pages, cases):
    no = created_no(pages.post("clerk3", "/cases/new", intake_form(
        JS_MATERIALS[:1], "refuse", reason="不属于本中心受理范围")))
    assert cases.get(no)["status"] == "refused"
    notice = text(pages.get("clerk3", f"/cases/{no}/notice"))
    assert 'data-kind="refusal"' in notice and "不属于本中心受理范围" in notice


def test_proxy_request_only_for_items_with_proxy_service(pages, cases):
    data = {"item": "QY-001", "name": "李四", "phone": "13900000000", "action": "pending",
            "proxy_requested": "1"}
    res = pages.post("clerk4", "/cases/new", data)
    assert res.status_code == 422 and 'data-field="proxy_requested"' in text(res)


# --- department inbox ---------------------------------------------------------------------------
def test_inbox_decisions_and_conflicts(pages, cases):
    no = cases.create()["tracking_no"]
    res = pages.get("approver-ghj", "/tasks")
    assert res.status_code == 200 and no in text(res) and 'id="decision-form"' in text(res)
    ghj = task_id(cases, no, "GHJ")
    version = cases.get(no)["version"]
    # a reason is needed to reject: shown next to the field
    res = pages.post("approver-ghj", f"/tasks/{ghj}/decision",
                     {"decision": "reject", "opinion": "", "version": version})
    assert res.status_code == 422 and 'data-field="opinion"' in text(res)
    res = pages.post("approver-ghj", f"/tasks/{ghj}/decision", {"decision": "maybe"})
    assert res.status_code == 422 and 'data-field="decision"' in text(res)
    # a stale page: 409 with a clear message, nothing decided
    assert cases.decide(no, "HBJ").status_code == 200
    res = pages.post("approver-ghj", f"/tasks/{ghj}/decision",
                     {"decision": "approve", "version": version})
    assert res.status_code == 409 and 'data-status="409"' in text(res)
    assert cases.task(cases.get(no), "GHJ")["status"] == "active"
    # fresh version: approved
    res = pages.post("approver-ghj", f"/tasks/{ghj}/decision",
                     {"decision": "approve", "opinion": "同意",
                      "version": cases.get(no)["version"]})
    assert res.status_code == 302
    # deciding it again: 409
    res = pages.post("approver-ghj", f"/tasks/{ghj}/decision", {"decision": "approve"})
    assert res.status_code == 409
    # ZJJ's step is pending until its stage opens
    zjj = task_id(cases, no, "ZJJ")
    assert pages.post("approver-zjj", f"/tasks/{zjj}/decision",
                      {"decision": "approve"}).status_code == 409


def test_inbox_filters_and_warnings(pages, cases):
    no = cases.create()["tracking_no"]
    cases.move_to("2026-10-10")  # one working day left for GHJ (due Oct 12)
    body = text(pages.get("approver-ghj", "/tasks?warning=yellow"))
    assert no in body and 'data-warning="yellow"' in body
    assert no not in text(pages.get("approver-ghj", "/tasks?warning=red"))
    assert no not in text(pages.get("approver-ghj", "/tasks?q=nobody"))
    # nonsense filters fall back to the defaults, never a 500
    res = pages.get("approver-ghj", "/tasks?status=zzz&warning=blue&open=abc")
    assert res.status_code == 200 and no in text(res)
    cases.move_to("2026-10-13")
    assert 'data-warning="red"' in text(pages.get("approver-ghj", "/tasks?warning=red"))


def test_supplement_request_lists_every_missing_item(pages, cases):
    no = cases.create()["tracking_no"]
    rfb = task_id(cases, no, "RFB")
    res = pages.post("approver-rfb", f"/tasks/{rfb}/decision",
                     {"decision": "supplement", "opinion": "材料不全"})
    assert res.status_code == 422 and 'data-field="missing"' in text(res)
    res = pages.post("approver-rfb", f"/tasks/{rfb}/decision",
                     {"decision": "supplement", "opinion": "材料不全",
                      "missing": [JS_MATERIALS[4]], "missing_other": "人防面积计算书\n\n"})
    assert res.status_code == 302
    case = cases.get(no)
    assert case["suspended"] and case["missing_materials"] == [JS_MATERIALS[4], "人防面积计算书"]
    notice = text(pages.get("clerk3", f"/cases/{no}/notice"))
    assert "人防面积计算书" in notice and 'data-kind="supplement"' in notice


# --- proxy agent ---------------------------------------------------------------------------
def test_agent_page_handover_supplement_collect(pages, cases):
    no = cases.create(materials=JS_MATERIALS[:3])["tracking_no"]
    assert no not in text(pages.get("agent", "/agent"))
    res = pages.post("manager", f"/cases/{no}/agent", {"username": "nobody"})
    assert res.status_code == 422 and 'data-field="username"' in text(res)
    assert pages.post("manager", f"/cases/{no}/agent", {"username": "agent"}).status_code == 302
    body = text(pages.get("agent", "/agent"))
    assert no in body and JS_MATERIALS[3] in body
    # a handover from a department to itself is refused next to the field
    res = pages.post("agent", f"/cases/{no}/handover",
                     {"from_department": "GHJ", "to_department": "GHJ", "back": "agent"})
    assert res.status_code == 422 and 'data-field="to_department"' in text(res)
    res = pages.post("agent", f"/cases/{no}/handover",
                     {"from_department": "GHJ", "to_department": "ZJJ", "note": "图纸两套",
                      "back": "agent"})
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/agent#case-{no}")
    assert cases.get(no)["handovers"][0]["note"] == "图纸两套"
    res = pages.post("agent", f"/cases/{no}/supplement",
                     {"materials": JS_MATERIALS[3:], "back": "agent"})
    assert res.status_code == 302 and cases.get(no)["status"] == "in_progress"
    for department in ("GHJ", "HBJ", "RFB", "ZJJ"):
        assert cases.decide(no, department).status_code == 200
    body = text(pages.get("agent", "/agent"))
    assert 'data-form="collected"' in body
    # the fees must be paid before the decision is handed over: a clear message
    res = pages.post("agent", f"/cases/{no}/collected", {"back": "agent"})
    assert res.status_code == 409 and 'data-status="409"' in text(res)
    fees = cases.get(no)["fees"]
    assert cases.post(f"/cases/{no}/payments", "cashier",
                      {"amount_fen": fees["outstanding_fen"], "method": "cash"}).status_code == 201
    res = pages.post("agent", f"/cases/{no}/collected", {"back": "agent"})
    assert res.status_code == 302, re.findall(r"alert-text\">(.*?)</span>", text(res), re.S)
    assert cases.get(no)["status"] == "completed"
    assert no not in text(pages.get("agent", "/agent"))


# --- managers ------------------------------------------------------------------------------
def test_manager_case_page_suspend_resume_extend(pages, cases):
    no = cases.create()["tracking_no"]
    body = text(pages.get("manager", f"/cases/{no}"))
    assert 'id="suspend-form"' in body and 'id="extend-form"' in body
    res = pages.post("manager", f"/cases/{no}/suspend", {"kind": "", "reason": ""})
    assert res.status_code == 422 and 'data-field="kind"' in text(res) \
        and 'data-field="reason"' in text(res)
    res = pages.post("manager", f"/cases/{no}/suspend",
                     {"kind": "expert_review", "reason": "专家论证"})
    assert res.status_code == 302
    assert pages.post("manager", f"/cases/{no}/suspend",
                      {"kind": "hearing", "reason": "again"}).status_code == 409
    cases.move_to("2026-10-12")
    assert pages.post("manager", f"/cases/{no}/resume", {"reason": "论证完毕"}).status_code == 302
    case = cases.get(no)
    # Sep 30, Oct 8, 9, 10 (Saturday, worked) and 12 did not count
    assert case["suspended"] is False and case["paused_working_days"] == 5
    assert pages.post("manager", f"/cases/{no}/extend", {"reason": ""}).status_code == 422
    assert pages.post("manager", f"/cases/{no}/extend", {"reason": "批准延期"}).status_code == 302
    assert pages.post("manager", f"/cases/{no}/extend", {"reason": "again"}).status_code == 409
    body = text(pages.get("manager", f"/cases/{no}"))
    for action in ("suspended", "resumed", "extended", "accepted"):
        assert f'data-action="{action}"' in body


def test_case_list_is_hall_scoped_and_filtered(pages, cases):
    main = cases.create()["tracking_no"]
    assert main in text(pages.get("manager", "/cases"))
    assert main not in text(pages.get("xd-manager", "/cases"))
    assert main in text(pages.get("manager", "/cases?hall=MAIN&status=in_progress"))
    assert main not in text(pages.get("manager", "/cases?hall=XD"))
    assert main not in text(pages.get("manager", "/cases?status=refused"))
    assert main in text(pages.get("manager", "/cases?status=bogus&warning=blue&q=JS"))


def test_managers_warned_from_november_when_next_year_is_missing(pages, cases):
    assert 'id="missing-year"' not in text(pages.get("manager", "/cases"))
    cases.move_to("2026-11-02")
    assert 'id="missing-year"' in text(pages.get("manager", "/cases"))
    # the administrators mark 2027 complete: the warning goes
    assert pages.post("admin", "/admin/calendar/years",
                      {"year": "2027", "complete": "1"}).status_code == 302
    assert 'id="missing-year"' not in text(pages.get("manager", "/cases"))


# --- tracking -----------------------------------------------------------------------------------
def test_tracking_page_shows_each_step_and_masks_personal_data(pages, cases):
    created = cases.create()
    no, code = created["tracking_no"], created["query_code"]
    cases.post(f"/cases/{no}/proxy-agent", "manager", {"username": "agent"})
    assert cases.decide(no, "GHJ").status_code == 200
    assert pages.get(None, "/track").status_code == 200
    res = pages.post(None, "/track", {"tracking_no": no, "code": code.lower()})
    body = text(res)
    assert res.status_code == 200
    assert "王经理" not in body and "示例建设有限公司" not in body and "示*" in body
    assert "13800138000" not in body
    assert body.count('data-step="stage"') == 2 and 'data-step="accepted"' in body
    assert 'id="track-agent"' in body
    assert body.count('data-department="') == 4


def test_tracking_wrong_code_like_unknown_and_rate_limited(pages, cases):
    created = cases.create()
    no = created["tracking_no"]
    wrong = pages.post(None, "/track", {"tracking_no": no, "code": "WRONG123"})
    unknown = pages.post(None, "/track", {"tracking_no": "JS20260929-9999", "code": "WRONG123"})
    assert wrong.status_code == unknown.status_code == 404
    message = re.search(r'id="track-error">([^<]+)<', text(wrong)).group(1)
    assert message == re.search(r'id="track-error">([^<]+)<', text(unknown)).group(1)
    assert 'id="track-result"' not in text(wrong)
    statuses = [pages.post(None, "/track", {"tracking_no": no, "code": "X"}).status_code
                for _ in range(10)]
    assert statuses[:8] == [404] * 8 and statuses[-1] == 429
    # one budget for the page and the API: the API is refused too, even with the right code
    assert cases.client.get(
        f"/api/v1/track/{no}?code={created['query_code']}").status_code == 429


# --- holiday calendar ---------------------------------------------------------------------------
def test_calendar_admin_adds_removes_and_completes_a_year(pages, cases):
    def deadline(start, days):
        return cases.client.get(f"/api/v1/calendar/deadline?start={start}&days={days}") \
            .get_json()

    # the demo catalog already has New Year's Day 2027 off; the year is provisional
    assert deadline("2026-12-31", 1) == {"start": "2026-12-31", "days": 1,
                                         "deadline": "2027-01-04", "provisional": True}
    res = pages.post("admin", "/admin/calendar/days",
                     {"day": "2027-01-04", "kind": "holiday", "year": "2027"})
    assert res.status_code == 302
    assert deadline("2026-12-31", 1)["deadline"] == "2027-01-05"  # the cache was dropped
    body = text(pages.get("admin", "/admin/calendar/?year=2027"))
    assert 'data-day="2027-01-04"' in body and 'data-known="false"' in body
    for bad in [{"day": "2027-02-30", "kind": "holiday"}, {"day": "", "kind": "holiday"},
                {"day": "2027-01-02", "kind": "party"}, {"day": "1800-01-01", "kind": "holiday"}]:
        res = pages.post("admin", "/admin/calendar/days", bad)
        assert res.status_code == 422, bad
    assert pages.post("admin", "/admin/calendar/years", {"year": "abc"}).status_code == 422
    assert pages.post("admin", "/admin/calendar/years",
                      {"year": "2027", "complete": "1"}).status_code == 302
    assert deadline("2026-12-31", 1)["provisional"] is False
    override = re.search(r'data-day="2027-01-04">.*?/admin/calendar/days/([0-9]+)/delete',
                         body, re.S).group(1)
    assert pages.post("admin", f"/admin/calendar/days/{override}/delete",
                      {"year": "2027"}).status_code == 302
    assert deadline("2026-12-31", 1)["deadline"] == "2027-01-04"
    assert pages.post("admin", "/admin/calendar/days/999999/delete").status_code == 404
    actions = {e.action for e in audit(pages.app, AuditEvent.entity_type.in_(
        ["calendar_override", "calendar_year"]))}
    assert actions == {"calendar_day_set", "calendar_day_removed", "calendar_year_complete"}


def test_pages_in_english(pages, cases):
    res = pages.get("approver-ghj", "/tasks?lang=en")
    assert res.status_code == 200 and "Department tasks" in text(res)
    assert "Track your case" in text(pages.get(None, "/track?lang=en"))
