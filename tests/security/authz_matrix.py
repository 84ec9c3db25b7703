"""The authorization matrix (issue 8, S1): who may call every route of the app.

One line per route and method, `"METHOD /rule": "who"`, where the rule is written as in
`app.url_map` without converters (`<int(max=2147483647):number>` → `<number>`), and `who`
is a space-separated list of the principals below (usernames of the demo staff, `anon`
for a caller that is not signed in) and groups:

    public       everyone, signed in or not (anonymous must not be refused)
    @staff       every signed-in principal
    @<role>      every principal with that role (@manager, @window_staff, @approver, ...)
    -name        take a principal out again ("@staff -agent2")

Every principal that is not listed must be refused: 401 (API) or a redirect to /login
(pages) when anonymous, 403 when signed in with the wrong role or assignment.

The fixture world (tests/security/test_authz_matrix.py) is built in the main hall (MAIN):
- case `{case}`: JS-001 accepted by clerk1, steps for GHJ, HBJ, RFB then ZJJ, proxy agent
  `agent`, fees paid once by the cashier (`{payment}`); `{case2}` likewise, for the
  actions that end a case (withdraw);
- ticket `{ticket_w1}` called at window 1 (clerk1), `{ticket_w2}` at window 2 (clerk2),
  `{ticket_done}` completed at window 1 and rated 1 star (rectification `{rect}`);
- an appointment `{appointment}`, a complaint `{complaint}` about the main hall;
- enterprise `{enterprise}` (credit code `{enterprise_code}`) inspected by GHJ, HBJ, RSJ and
  SCJ; joint inspection `{visit}` booked by clerk1 for GHJ and HBJ (its case in MAIN);
  centralized inspection period `{period}` of MAIN (GHJ, HBJ);
- door-to-door requests: `{door}` in MAIN, assigned to the proxy agent `agent` for today;
  `{door_xd}` in XD, assigned to xd-clerk1; `{door_cancel}` in MAIN, not assigned (for the
  routes that cancel).

To add a route: one line in MATRIX, e.g.

    "POST /api/v1/inspections/<visit_id>/results": "approver-ghj",

If it has a path parameter the world does not fill by name (`World.default_args` in
test_authz_matrix.py: tracking_no, task_id, ticket_id, number, code, enterprise_id,
visit_id, period_id, reference, ...), give it a line
in ARGS (a literal such as "1" is fine when an allowed caller may get 404, but then the
view must authorize before it looks the object up, or the refused callers get 404 too —
better build the object in `World.build` and name it "{placeholder}"). A request body goes
in BODIES (JSON for /api/, form fields for pages; "int:{name}" for a number), a query in
QUERIES, and calls of the same route on another window / hall / department in VARIANTS
(with a fifth element, a body that replaces fields of the route's BODIES entry).
"""

from __future__ import annotations

# username: (role, what makes it interesting)
PRINCIPALS: dict[str, tuple[str | None, str]] = {
    "anon": (None, "not signed in"),
    "admin": ("admin", "administrator"),
    "manager": ("manager", "district manager (all halls)"),
    "xd-manager": ("manager", "manager of another hall (XD)"),
    "clerk1": ("window_staff", "window 1 of MAIN: accepted the cases, serves the ticket"),
    "clerk2": ("window_staff", "another window (2) of the same hall"),
    "xd-clerk1": ("window_staff", "window 1 of another hall (XD)"),
    "cashier": ("cashier", "cashier window 7 of MAIN"),
    "approver-ghj": ("approver", "department GHJ: owns the decided step"),
    "approver-hbj": ("approver", "another department with a step in the same case"),
    "approver-scj": ("approver", "a department without a step in the case"),
    "agent": ("proxy_agent", "the case's proxy agent"),
    "agent2": ("proxy_agent", "another proxy agent"),
}
PRINCIPALS["head-ghj"] = ("dept_head", "head of department GHJ (a demo account)")

CASE_VIEW = "admin manager clerk1 clerk2 approver-ghj approver-hbj agent"
CASE_DOCS = CASE_VIEW + " cashier"            # case.documents / fees.view
CASE_DESK = "clerk1 clerk2 agent"             # case.supplement / case.complete
HALL_QUEUE = "admin manager clerk1 clerk2 cashier"  # queue.view of MAIN
REPORTS = "admin manager xd-manager"          # reports.view of the user's own scope
MAIN_ITEMS = "admin manager"                  # complaints / rectifications of MAIN
FILERS = "admin @manager @window_staff cashier"     # complaints.file
WINDOWS = "@window_staff cashier"             # console.use / cashier.use
# enterprises and annual inspections (the register is the district's, not a hall's)
ENTERPRISE_VIEW = "admin @manager @window_staff @approver"  # enterprise.view
ENTERPRISE_DESK = "admin @manager @window_staff"  # enterprise.register / inspection.book
ENTERPRISE_MANAGE = "admin @manager"              # enterprise.manage / inspection.period list
MAIN_PERIOD = "admin manager"                     # inspection.period of MAIN's period
# door-to-door service: lists and one's own route (staff who make visits, managers)
DOOR_STAFF = "admin @manager @window_staff @proxy_agent"
DOOR_VIEW = "admin manager clerk1 clerk2 agent"   # door.view of {door}: MAIN's desks, assignee
DOOR_MANAGE = "admin manager"                     # door.manage of {door} (hall MAIN)
DOOR_SERVE = "admin manager agent"                # door.serve of {door}: managers, assignee

MATRIX: dict[str, str] = {
    # --- public pages and answers
    "GET /": "public",
    "GET /healthz": "public",
    "GET /lang/<code>": "public",
    "GET /login": "public",
    "POST /login": "public",
    "GET /login/2fa": "public",
    "POST /login/2fa": "public",
    "GET /kiosk": "public",
    "GET /display": "public",
    "GET /display/window/<number>": "public",
    "GET /t/<token>": "public",
    "GET /guide": "public",
    "GET /guide/<code>": "public",
    "GET /guide/<code>.pdf": "public",
    "GET /guide/<code>/files/<file_id>": "public",
    "GET /disclosure": "public",
    "GET /disclosure/assessment/<month>.pdf": "public",
    "GET /track": "public",
    "POST /track": "public",
    "POST /track/rate": "public",
    "GET /appointments": "public",
    "POST /appointments": "public",
    "POST /appointments/cancel": "public",
    "GET /rate/<token>": "public",
    "GET /rate/window/<number>": "public",
    "GET /complaints/new": "public",
    "POST /complaints/new": "anon " + FILERS,
    "GET /complaints/status": "public",
    "POST /complaints/status": "public",
    "GET /api/v1/openapi.json": "public",
    "POST /api/v1/auth/token": "public",
    "GET /api/v1/categories": "public",
    "GET /api/v1/halls": "public",
    "GET /api/v1/departments": "public",
    "GET /api/v1/service-items": "public",
    "GET /api/v1/service-items/<code>": "public",
    "GET /api/v1/calendar/<year>": "public",
    "GET /api/v1/calendar/deadline": "public",
    "POST /api/v1/tickets": "public",
    "GET /api/v1/tickets/by-token/<token>": "public",
    "POST /api/v1/tickets/by-token/<token>/cancel": "public",
    "POST /api/v1/tickets/by-token/<token>/print-result": "public",
    "GET /api/v1/display/snapshot": "public",
    "GET /api/v1/display/notice": "public",
    "GET /api/v1/voice.wav": "public",
    "GET /api/v1/track/<tracking_no>": "public",
    "GET /api/v1/appointments/slots": "public",
    "POST /api/v1/appointments": "public",
    "DELETE /api/v1/appointments/<code>": "public",
    "POST /api/v1/ratings": "public",
    "GET /api/v1/ratings/levels": "public",
    "GET /api/v1/ratings/by-token/<token>": "public",
    "GET /api/v1/ratings/pad/<number>": "public",
    "POST /api/v1/ratings/pad/<number>": "public",
    "POST /api/v1/complaints": "anon " + FILERS,
    "GET /api/v1/complaints/<tracking_no>": "public",
    # the applicant with the query code, or staff who may see the case
    "GET /api/v1/cases/<tracking_no>/documents/<kind>.pdf": "anon " + CASE_DOCS,
    # --- any signed-in account
    "GET /account/password": "@staff",
    "POST /account/password": "@staff",
    "GET /account/2fa": "@staff",
    "POST /account/2fa": "@staff",
    "POST /logout": "@staff",
    "GET /api/v1/auth/me": "@staff",
    "GET /api/v1/service-items/<code>/fee-due": "@staff",
    # --- the queue: windows and tickets (window 1 of MAIN, ticket called there)
    "GET /console": WINDOWS,
    "GET /api/v1/windows/<number>": "clerk1",
    "POST /api/v1/windows/<number>/call-next": "clerk1",
    "POST /api/v1/windows/<number>/recall": "clerk1",
    "POST /api/v1/windows/<number>/pause": "clerk1",
    "POST /api/v1/windows/<number>/resume": "clerk1",
    "POST /api/v1/windows/<number>/close": "clerk1",
    "POST /api/v1/tickets/<ticket_id>/start": "clerk1",
    "POST /api/v1/tickets/<ticket_id>/complete": "clerk1",
    "POST /api/v1/tickets/<ticket_id>/no-show": "clerk1",
    "POST /api/v1/tickets/<ticket_id>/transfer": "clerk1",
    "GET /api/v1/tickets/<ticket_id>/slip.pdf": HALL_QUEUE,
    "POST /api/v1/display/notice": "admin manager",
    "GET /api/v1/appointments": "admin @manager @window_staff cashier",
    "GET /appointments/today": "admin @manager @window_staff cashier",
    # --- cases (case in MAIN, steps GHJ/HBJ/RFB/ZJJ, agent assigned)
    "GET /cases/new": "@window_staff",
    "POST /cases/new": "@window_staff",
    "GET /cases/new/fees": "@window_staff",
    "POST /api/v1/cases": "@window_staff",
    "GET /cases": "admin @manager",
    "GET /cases/<tracking_no>": CASE_VIEW,
    "GET /cases/<tracking_no>/accepted": CASE_VIEW,
    "GET /cases/<tracking_no>/notice": CASE_VIEW,
    "GET /api/v1/cases/<tracking_no>": CASE_VIEW,
    "POST /cases/<tracking_no>/supplement": CASE_DESK,
    "POST /api/v1/cases/<tracking_no>/supplement": CASE_DESK,
    "POST /api/v1/cases/<tracking_no>/withdraw": CASE_DESK,
    "POST /cases/<tracking_no>/collected": CASE_DESK,
    "POST /api/v1/cases/<tracking_no>/complete": CASE_DESK,
    "POST /cases/<tracking_no>/handover": "agent",
    "POST /api/v1/cases/<tracking_no>/handovers": "agent",
    "POST /cases/<tracking_no>/suspend": "manager",
    "POST /cases/<tracking_no>/resume": "manager",
    "POST /cases/<tracking_no>/extend": "manager",
    "POST /cases/<tracking_no>/agent": "manager",
    "POST /api/v1/cases/<tracking_no>/suspend": "manager",
    "POST /api/v1/cases/<tracking_no>/resume": "manager",
    "POST /api/v1/cases/<tracking_no>/extension": "manager",
    "POST /api/v1/cases/<tracking_no>/proxy-agent": "manager",
    "GET /tasks": "@approver",
    "GET /api/v1/tasks": "@approver",
    "POST /tasks/<task_id>/decision": "approver-ghj",
    "POST /api/v1/cases/<tracking_no>/tasks/<task_id>/decision": "approver-ghj",
    "GET /agent": "@proxy_agent",
    "GET /api/v1/agent/cases": "@proxy_agent",
    # --- fees
    "GET /cashier": WINDOWS,
    "POST /cashier/pay": "clerk1 clerk2 cashier",
    "POST /api/v1/cases/<tracking_no>/payments": "clerk1 clerk2 cashier",
    "GET /api/v1/cases/<tracking_no>/payments": CASE_DOCS,
    "POST /api/v1/cases/<tracking_no>/payments/<payment_id>/refund": "manager",
    "POST /api/v1/cases/<tracking_no>/payments/<payment_id>/void": "manager",
    "POST /api/v1/cases/<tracking_no>/fee-adjustments": "manager",
    "GET /api/v1/fees/allocation": "admin @manager",
    "GET /fees/allocation": "admin @manager",
    "GET /fees/allocation.csv": "admin @manager",
    "GET /fees/allocation.pdf": "admin @manager",
    "PUT /api/v1/service-items/<code>/fee-due": "admin",
    # --- reports, ratings follow-up, complaints
    "GET /manager": REPORTS,
    "GET /reports": REPORTS + " @dept_head",
    "GET /reports/export.csv": REPORTS + " @dept_head",
    "GET /reports/assessment.csv": REPORTS,
    "GET /reports/assessment.pdf": REPORTS,
    "POST /reports/assessment/publish": "manager",
    "GET /api/v1/reports/summary": REPORTS + " @dept_head",
    "GET /api/v1/reports/dashboard": REPORTS,
    "GET /api/v1/rectifications": REPORTS + " @dept_head",
    "POST /api/v1/rectifications/<rect_id>": MAIN_ITEMS,
    "GET /api/v1/complaints": REPORTS,
    "POST /api/v1/complaints/<tracking_no>/assign": MAIN_ITEMS,
    "POST /api/v1/complaints/<tracking_no>/resolve": MAIN_ITEMS,
    "POST /api/v1/complaints/<tracking_no>/close": MAIN_ITEMS,
    "GET /manager/complaints": REPORTS,
    "GET /manager/rectifications": REPORTS + " @dept_head",
    "POST /manager/rectifications/<rect_id>": MAIN_ITEMS,
    "POST /manager/complaints/<tracking_no>": MAIN_ITEMS,
    # --- administration
    "GET /admin/": "admin",
    "GET /admin/catalog": "admin",
    "POST /admin/catalog": "admin",
    "GET /admin/catalog/export": "admin",
    "GET /admin/calendar/": "admin",
    "POST /admin/calendar/days": "admin",
    "POST /admin/calendar/days/<override_id>/delete": "admin",
    "POST /admin/calendar/years": "admin",
    "GET /admin/categories": "admin",
    "GET /admin/categories/new": "admin",
    "POST /admin/categories/new": "admin",
    "GET /admin/categories/<row_id>": "admin",
    "POST /admin/categories/<row_id>": "admin",
    "GET /admin/departments": "admin",
    "GET /admin/departments/new": "admin",
    "POST /admin/departments/new": "admin",
    "GET /admin/departments/<row_id>": "admin",
    "POST /admin/departments/<row_id>": "admin",
    "GET /admin/fees": "admin",
    "GET /admin/fees/new": "admin",
    "POST /admin/fees/new": "admin",
    "GET /admin/fees/<row_id>": "admin",
    "POST /admin/fees/<row_id>": "admin",
    "GET /admin/halls": "admin",
    "GET /admin/halls/new": "admin",
    "POST /admin/halls/new": "admin",
    "GET /admin/halls/<row_id>": "admin",
    "POST /admin/halls/<row_id>": "admin",
    "GET /admin/items": "admin",
    "GET /admin/items/new": "admin",
    "POST /admin/items/new": "admin",
    "GET /admin/items/<row_id>": "admin",
    "POST /admin/items/<row_id>": "admin",
    "GET /admin/windows": "admin",
    "GET /admin/windows/new": "admin",
    "POST /admin/windows/new": "admin",
    "GET /admin/windows/<row_id>": "admin",
    "POST /admin/windows/<row_id>": "admin",
    "GET /admin/staff": "admin",
    "GET /admin/staff/new": "admin",
    "POST /admin/staff/new": "admin",
    "GET /admin/staff/<row_id>": "admin",
    "POST /admin/staff/<row_id>": "admin",
    "POST /admin/staff/<row_id>/password": "admin",
    "GET /admin/guide/": "admin",
    "GET /admin/guide/<code>": "admin",
    "POST /admin/guide/<code>": "admin",
    "POST /admin/guide/<code>/files": "admin",
    "POST /admin/guide/<code>/files/<file_id>/delete": "admin",
    # --- enterprises and annual inspections (enterprise, visit GHJ+HBJ, period of MAIN)
    "GET /inspections/": "@staff",  # only a redirect to the register, which authorizes
    "GET /inspections/enterprises": ENTERPRISE_VIEW,
    "GET /inspections/enterprises/new": ENTERPRISE_DESK,
    "POST /inspections/enterprises/new": ENTERPRISE_DESK,
    "GET /inspections/enterprises/<enterprise_id>": ENTERPRISE_VIEW,
    "GET /inspections/enterprises/<enterprise_id>/edit": ENTERPRISE_MANAGE,
    "POST /inspections/enterprises/<enterprise_id>/edit": ENTERPRISE_MANAGE,
    "POST /inspections/enterprises/<enterprise_id>/book": ENTERPRISE_DESK,
    "POST /inspections/visits/<visit_id>/result": "approver-ghj",
    "GET /inspections/overdue": ENTERPRISE_VIEW,
    "GET /inspections/periods": ENTERPRISE_MANAGE,
    "POST /inspections/periods": MAIN_PERIOD,
    "GET /inspections/periods/<period_id>": MAIN_PERIOD,
    "POST /inspections/periods/<period_id>/schedule": MAIN_PERIOD,
    "GET /api/v1/enterprises": ENTERPRISE_VIEW,
    "POST /api/v1/enterprises": ENTERPRISE_DESK,
    "GET /api/v1/enterprises/<enterprise_id>": ENTERPRISE_VIEW,
    "PATCH /api/v1/enterprises/<enterprise_id>": ENTERPRISE_MANAGE,
    "PUT /api/v1/enterprises/<enterprise_id>/obligations/<code>": ENTERPRISE_MANAGE,
    "DELETE /api/v1/enterprises/<enterprise_id>/obligations/<code>": ENTERPRISE_MANAGE,
    "POST /api/v1/enterprises/<enterprise_id>/inspections": ENTERPRISE_DESK,
    "GET /api/v1/inspections/<visit_id>": ENTERPRISE_VIEW,
    "POST /api/v1/inspections/<visit_id>/results": "approver-ghj",
    "GET /api/v1/inspections/overdue": ENTERPRISE_VIEW,
    "GET /api/v1/inspection-periods": ENTERPRISE_MANAGE,
    "POST /api/v1/inspection-periods": MAIN_PERIOD,
    "GET /api/v1/inspection-periods/<period_id>": MAIN_PERIOD,
    "POST /api/v1/inspection-periods/<period_id>/schedule": MAIN_PERIOD,
    # --- door-to-door service (request {door} of MAIN, assigned to agent for today)
    "GET /door-service/new": "public",
    "POST /door-service/new": "public",  # staff of the hall enter it as "staff"
    "GET /door-service/status": "public",
    "POST /door-service/status": "public",
    "POST /api/v1/door-requests": "public",
    "GET /api/v1/door-requests/status": "public",
    "GET /door-service": DOOR_STAFF,
    "GET /door-service/route": DOOR_STAFF,
    "GET /door-service/route.pdf": DOOR_STAFF,
    "GET /door-service/<reference>": DOOR_VIEW,
    "POST /door-service/<reference>/assign": DOOR_MANAGE,
    "POST /door-service/<reference>/case": DOOR_SERVE,
    "POST /door-service/<reference>/case-link": DOOR_SERVE,
    "POST /door-service/<reference>/result": DOOR_SERVE,
    "POST /door-service/<reference>/cancel": DOOR_MANAGE,
    "GET /api/v1/door-requests": DOOR_STAFF,
    "GET /api/v1/door-requests/route": DOOR_STAFF,
    "GET /api/v1/door-requests/<reference>": DOOR_VIEW,
    "POST /api/v1/door-requests/<reference>/assign": DOOR_MANAGE,
    "POST /api/v1/door-requests/<reference>/case": DOOR_SERVE,
    "POST /api/v1/door-requests/<reference>/case-link": DOOR_SERVE,
    "POST /api/v1/door-requests/<reference>/result": DOOR_SERVE,
    "POST /api/v1/door-requests/<reference>/cancel": DOOR_MANAGE,
}

# path parameters that differ from the defaults (placeholders name world values)
ARGS: dict[str, dict[str, str]] = {
    "POST /api/v1/cases/<tracking_no>/withdraw": {"tracking_no": "{case2}"},
    "POST /api/v1/tickets/<ticket_id>/transfer": {"ticket_id": "{ticket_done}"},
    "GET /admin/staff/<row_id>": {"row_id": "{spare_user}"},
    "POST /admin/staff/<row_id>": {"row_id": "{spare_user}"},
    "POST /admin/staff/<row_id>/password": {"row_id": "{spare_user}"},
    "PUT /api/v1/enterprises/<enterprise_id>/obligations/<code>": {"code": "ZJJ"},
    "DELETE /api/v1/enterprises/<enterprise_id>/obligations/<code>": {"code": "ZJJ"},
    "POST /door-service/<reference>/cancel": {"reference": "{door_cancel}"},
    "POST /api/v1/door-requests/<reference>/cancel": {"reference": "{door_cancel}"},
}

# query strings (placeholders name world values)
QUERIES: dict[str, dict[str, str]] = {
    "GET /api/v1/track/<tracking_no>": {"code": "{case_code}"},
    "GET /api/v1/cases/<tracking_no>/documents/<kind>.pdf": {"code": "{case_code}"},
    "DELETE /api/v1/appointments/<code>": {"phone": "13900139000"},
    "GET /api/v1/calendar/deadline": {"start": "2026-09-29", "days": "5"},
    "GET /api/v1/appointments/slots": {"category": "A", "date": "2026-09-30"},
    "GET /api/v1/voice.wav": {"number": "A001", "window": "1"},
    "GET /api/v1/complaints/<tracking_no>": {"phone": "13700137000"},
    "GET /cases/new/fees": {"item": "JS-001", "area_m2": "100"},
    "GET /api/v1/door-requests/status": {"reference": "{door}", "phone": "13800138000"},
}

# request bodies: JSON for /api/, form fields for pages (the CSRF token is added)
BODIES: dict[str, dict] = {
    "POST /login": {"username": "clerk6", "password": "{password}"},
    "POST /track": {"tracking_no": "{case}", "code": "{case_code}"},
    "POST /track/rate": {"tracking_no": "{case}", "code": "{case_code}", "score": "5"},
    "POST /manager/rectifications/<rect_id>": {"explanation": "已整改", "reply": "已处理"},
    "POST /appointments/cancel": {"code": "{appointment}", "phone": "13000000000"},
    "POST /complaints/new": {"name": "张三", "phone": "13700137000", "subject": "等待过久",
                             "body": "排队时间太长", "hall": "MAIN"},
    "POST /complaints/status": {"tracking_no": "{complaint}", "phone": "13700137000"},
    "POST /api/v1/auth/token": {"username": "clerk6", "password": "{password}"},
    "POST /api/v1/tickets": {"category": "A"},
    "POST /api/v1/tickets/by-token/<token>/print-result": {"ok": True},
    "POST /api/v1/appointments": {"category": "A", "start": "{slot}", "name": "李四",
                                  "phone": "13900139001"},
    "POST /api/v1/ratings": {"ticket_token": "{token_done}", "score": 5},
    "POST /api/v1/ratings/pad/<number>": {"ticket_id": "int:{ticket_done}", "score": 5},
    "POST /api/v1/complaints": {"name": "张三", "phone": "13700137000", "subject": "态度",
                                "body": "窗口人员态度不好", "hall": "MAIN"},
    "POST /api/v1/display/notice": {"hall": "MAIN", "text": "系统维护通知"},
    "POST /api/v1/tickets/<ticket_id>/transfer": {"to_window": 3},
    "POST /api/v1/cases": {"service_item": "JS-001",
                           "applicant": {"name": "示例建设有限公司", "phone": "13800138000"},
                           "params": {"area_m2": "100"}, "materials_received": []},
    "POST /cases/new": {"item": "JS-001"},
    "POST /api/v1/cases/<tracking_no>/supplement": {"note": "补正"},
    "POST /api/v1/cases/<tracking_no>/withdraw": {"reason": "申请人撤回"},
    "POST /api/v1/cases/<tracking_no>/handovers": {"from_department": "GHJ",
                                                   "to_department": "ZJJ"},
    "POST /cases/<tracking_no>/handover": {"from_department": "GHJ", "to_department": "ZJJ"},
    "POST /api/v1/cases/<tracking_no>/suspend": {"reason": "专家评审", "kind": "expert_review"},
    "POST /cases/<tracking_no>/suspend": {"reason": "专家评审", "kind": "expert_review"},
    "POST /api/v1/cases/<tracking_no>/resume": {"reason": "评审结束"},
    "POST /cases/<tracking_no>/resume": {"reason": "评审结束"},
    "POST /api/v1/cases/<tracking_no>/extension": {"reason": "情况复杂"},
    "POST /cases/<tracking_no>/extend": {"reason": "情况复杂"},
    "POST /api/v1/cases/<tracking_no>/proxy-agent": {"username": "agent"},
    "POST /cases/<tracking_no>/agent": {"username": "agent"},
    "POST /api/v1/cases/<tracking_no>/tasks/<task_id>/decision": {"decision": "approve",
                                                                   "opinion": "同意"},
    "POST /tasks/<task_id>/decision": {"decision": "approve", "opinion": "同意"},
    "POST /cashier/pay": {"tracking_no": "{case}", "amount": "1.00", "method": "cash"},
    "POST /api/v1/cases/<tracking_no>/payments": {"amount_fen": 100, "method": "cash"},
    "POST /api/v1/cases/<tracking_no>/payments/<payment_id>/refund": {"reason": "多收",
                                                                      "amount_fen": 100},
    "POST /api/v1/cases/<tracking_no>/payments/<payment_id>/void": {"reason": "收错"},
    "POST /api/v1/cases/<tracking_no>/fee-adjustments": {"fee_code": "ZLJD",
                                                         "amount_fen": -100, "reason": "核减"},
    "PUT /api/v1/service-items/<code>/fee-due": {"fee_due": "before_handover"},
    "POST /reports/assessment/publish": {"month": "2026-08"},
    "POST /api/v1/rectifications/<rect_id>": {"explanation": "已整改"},
    "POST /api/v1/complaints/<tracking_no>/assign": {"username": "manager"},
    "POST /api/v1/complaints/<tracking_no>/resolve": {"resolution": "已核实", "reply": "已处理"},
    "POST /manager/complaints/<tracking_no>": {"action": "assign", "username": "manager"},
    # enterprises and annual inspections (NOW is Tuesday 2026-09-29)
    "POST /inspections/enterprises/new": {"name": "示例页面登记有限公司",
                                          "credit_code": "91320100000008029W",
                                          "address": "示例路 3 号"},
    "POST /inspections/enterprises/<enterprise_id>/edit": {
        "name": "示例年检企业有限公司", "credit_code": "{enterprise_code}",
        "address": "示例路 2 号"},
    "POST /inspections/enterprises/<enterprise_id>/book": {"date": "2026-09-30",
                                                          "departments": "RSJ"},
    "POST /inspections/visits/<visit_id>/result": {"department": "GHJ", "result": "passed"},
    "POST /inspections/periods": {"name": "十月集中年检（页面）", "start": "2026-09-30",
                                  "end": "2026-10-12", "daily_capacity": "5",
                                  "departments": ["GHJ", "HBJ"], "hall": "MAIN"},
    "POST /inspections/periods/<period_id>/schedule": {"scope": "chosen",
                                                      "enterprises": "{enterprise}"},
    "POST /api/v1/enterprises": {"name": "示例接口登记有限公司",
                                 "credit_code": "91320100000008037P",
                                 "obligations": [{"department": "SCJ",
                                                  "due_date": "2026-10-20"}]},
    "PATCH /api/v1/enterprises/<enterprise_id>": {"address": "示例路 2 号"},
    "PUT /api/v1/enterprises/<enterprise_id>/obligations/<code>": {"due_date": "2027-06-30"},
    "POST /api/v1/enterprises/<enterprise_id>/inspections": {"date": "2026-09-30",
                                                            "departments": ["SCJ"]},
    "POST /api/v1/inspections/<visit_id>/results": {"department": "GHJ", "result": "passed"},
    "POST /api/v1/inspection-periods": {"name": "十月集中年检", "start": "2026-09-30",
                                        "end": "2026-10-12", "daily_capacity": 5,
                                        "departments": ["GHJ", "HBJ"], "hall": "MAIN"},
    "POST /api/v1/inspection-periods/<period_id>/schedule": {
        "enterprises": ["int:{enterprise}"]},
    # door-to-door service
    "POST /door-service/new": {"name": "王大爷", "phone": "13800138000",
                               "address": "幸福路 8 号 3 单元 502", "service_item": "SB-001",
                               "preferred_date": "2026-09-30", "reason": "elderly",
                               "hall": "MAIN"},
    "POST /door-service/status": {"reference": "{door}", "phone": "13800138000"},
    "POST /api/v1/door-requests": {"name": "王大爷", "phone": "13800138000",
                                   "address": "幸福路 8 号 3 单元 502",
                                   "service_item": "SB-001", "preferred_date": "2026-09-30",
                                   "reason": "elderly"},
    "POST /door-service/<reference>/assign": {"assignee": "agent", "date": "2026-09-29"},
    "POST /door-service/<reference>/case": {"service_item": "SB-001",
                                            "materials_received": ["社会保险登记表",
                                                                   "营业执照副本"]},
    "POST /door-service/<reference>/case-link": {"tracking_no": "{case}"},
    "POST /door-service/<reference>/result": {"outcome": "completed", "note": "已上门办结"},
    "POST /door-service/<reference>/cancel": {"reason": "申请人已自行到大厅办理"},
    "POST /api/v1/door-requests/<reference>/assign": {"assignee": "agent",
                                                      "date": "2026-09-29"},
    "POST /api/v1/door-requests/<reference>/case": {"service_item": "SB-001",
                                                    "materials_received": ["社会保险登记表",
                                                                           "营业执照副本"]},
    "POST /api/v1/door-requests/<reference>/case-link": {"tracking_no": "{case}"},
    "POST /api/v1/door-requests/<reference>/result": {"outcome": "completed",
                                                      "note": "已上门办结"},
    "POST /api/v1/door-requests/<reference>/cancel": {"reason": "申请人已自行到大厅办理"},
}

# the same routes again on other objects: another window, another hall, another department
# ("METHOD /rule", path parameters, query, who[, body fields replacing the BODIES entry's])
VARIANTS: list[tuple[str, dict[str, str], dict[str, str], str]
               | tuple[str, dict[str, str], dict[str, str], str, dict]] = [
    # another window: window 2's queue and the ticket called there
    ("POST /api/v1/windows/<number>/call-next", {"number": "2"}, {"hall": "MAIN"}, "clerk2"),
    ("GET /api/v1/windows/<number>", {"number": "2"}, {"hall": "MAIN"}, "clerk2"),
    ("POST /api/v1/tickets/<ticket_id>/start", {"ticket_id": "{ticket_w2}"}, {}, "clerk2"),
    ("POST /api/v1/tickets/<ticket_id>/no-show", {"ticket_id": "{ticket_w2}"}, {}, "clerk2"),
    # another hall: window 1 of XD is xd-clerk1's, not clerk1's
    ("POST /api/v1/windows/<number>/pause", {"number": "1"}, {"hall": "XD"}, "xd-clerk1"),
    ("GET /api/v1/windows/<number>", {"number": "1"}, {"hall": "XD"}, "xd-clerk1"),
    ("GET /api/v1/appointments", {}, {"hall": "MAIN"}, HALL_QUEUE),
    ("GET /appointments/today", {}, {"hall": "MAIN"}, HALL_QUEUE),
    ("GET /api/v1/reports/summary", {}, {"hall": "MAIN"}, "admin manager @dept_head"),
    # another department: a department head asking for another department's report
    ("GET /api/v1/reports/summary", {}, {"department": "HBJ"}, "admin @manager"),
    ("GET /reports/export.csv", {}, {"department": "HBJ"}, "admin @manager"),
    ("GET /api/v1/reports/dashboard", {}, {"hall": "MAIN"}, "admin manager"),
    ("GET /reports", {}, {"hall": "MAIN"}, "admin manager @dept_head"),
    ("GET /manager", {}, {"hall": "MAIN"}, "admin manager"),
    ("GET /api/v1/complaints", {}, {"hall": "MAIN"}, "admin manager"),
    ("GET /api/v1/rectifications", {}, {"hall": "MAIN"}, "admin manager @dept_head"),
    ("GET /api/v1/fees/allocation", {}, {"hall": "MAIN"}, "admin @manager"),
    ("GET /reports/assessment.csv", {}, {"hall": "MAIN"}, "admin manager"),
    ("GET /manager/complaints", {}, {"hall": "MAIN"}, "admin manager"),
    # another department: HBJ's step of the same case
    ("GET /tasks", {}, {"open": "{task_hbj}"}, "approver-hbj"),
    ("POST /api/v1/cases/<tracking_no>/tasks/<task_id>/decision",
     {"task_id": "{task_hbj}"}, {}, "approver-hbj"),
    ("POST /tasks/<task_id>/decision", {"task_id": "{task_hbj}"}, {}, "approver-hbj"),
    # a case of the other hall: only its own hall's staff
    ("GET /api/v1/cases/<tracking_no>", {"tracking_no": "{case_xd}"}, {},
     "admin manager xd-manager xd-clerk1 approver-ghj approver-hbj"),
    ("POST /api/v1/cases/<tracking_no>/payments", {"tracking_no": "{case_xd}"}, {},
     "xd-clerk1"),
    ("POST /api/v1/cases/<tracking_no>/suspend", {"tracking_no": "{case_xd}"}, {},
     "manager xd-manager"),
    # another department: HBJ's result of the same joint inspection; an approver asking
    # for another department's overdue inspections
    ("POST /api/v1/inspections/<visit_id>/results", {}, {}, "approver-hbj",
     {"department": "HBJ"}),
    ("POST /inspections/visits/<visit_id>/result", {}, {}, "approver-hbj",
     {"department": "HBJ"}),
    ("GET /api/v1/inspections/overdue", {}, {"department": "HBJ"},
     "admin @manager @window_staff approver-hbj"),
    ("GET /inspections/overdue", {}, {"department": "HBJ"},
     "admin @manager @window_staff approver-hbj"),
    # a period of the other hall: XD's manager may create it, not only the district's
    ("POST /api/v1/inspection-periods", {}, {}, "admin manager xd-manager",
     {"hall": "XD", "name": "新店镇集中年检"}),
    # door-to-door: MAIN's list is not xd-manager's; routes of the assignees (agent: hall-less,
    # but carrying MAIN's visit; clerk1: MAIN; xd-clerk1: XD)
    ("GET /api/v1/door-requests", {}, {"hall": "MAIN"},
     "admin manager @window_staff @proxy_agent"),
    ("GET /api/v1/door-requests", {}, {"hall": "XD"}, DOOR_STAFF),
    ("GET /api/v1/door-requests/route", {}, {"staff": "agent"}, "admin manager agent"),
    ("GET /door-service/route", {}, {"staff": "agent"}, "admin manager agent"),
    ("GET /door-service/route.pdf", {}, {"staff": "agent"}, "admin manager agent"),
    ("GET /api/v1/door-requests/route", {}, {"staff": "clerk1"}, "admin manager clerk1"),
    ("GET /api/v1/door-requests/route", {}, {"staff": "xd-clerk1"},
     "admin manager xd-manager xd-clerk1"),
    # a request of the other hall: XD's managers and desks, its assignee xd-clerk1
    ("GET /api/v1/door-requests/<reference>", {"reference": "{door_xd}"}, {},
     "admin manager xd-manager xd-clerk1"),
    ("GET /door-service/<reference>", {"reference": "{door_xd}"}, {},
     "admin manager xd-manager xd-clerk1"),
    ("POST /api/v1/door-requests/<reference>/assign", {"reference": "{door_xd}"}, {},
     "admin manager xd-manager", {"assignee": "xd-clerk1"}),
    ("POST /api/v1/door-requests/<reference>/case-link", {"reference": "{door_xd}"}, {},
     "admin manager xd-manager xd-clerk1"),
    ("POST /api/v1/door-requests/<reference>/result", {"reference": "{door_xd}"}, {},
     "admin manager xd-manager xd-clerk1"),
    ("POST /door-service/<reference>/cancel", {"reference": "{door_xd}"}, {},
     "admin manager xd-manager"),
]
