"""The OpenAPI description (/api/v1/openapi.json): a valid OpenAPI 3.1 document that
describes every /api/v1 route the app has, and whose schemas the real answers match."""

from __future__ import annotations

import re

import pytest
import time_machine
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec

from service_center.openapi import load_spec
from tests.approvals.conftest import APPROVER, JS_MATERIALS, Cases, at
from tests.fees.conftest import JS_1200_TOTAL, fees, traveller  # noqa: F401

API = "/api/v1"
SPEC = load_spec()
_METHODS = ("get", "post", "put", "patch", "delete")
_CONVERTER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def spec_path(rule: str) -> str:
    """/api/v1/tickets/<int(max=9):ticket_id>/start -> /tickets/{ticket_id}/start"""
    return _CONVERTER.sub(r"{\1}", rule[len(API):])


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), spec_path(rule.rule)))
    return routes


def operation(method: str, path: str) -> dict:
    return SPEC["paths"][path][method]


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def assert_documented(res, method: str, path: str) -> None:
    """The answer's status is documented for the operation, and its JSON body matches."""
    responses = operation(method, path)["responses"]
    status = str(res.status_code)
    assert status in responses, \
        f"{method.upper()} {path} answered {status}, not documented: {sorted(responses)}"
    documented = _resolve(responses[status])
    content = documented.get("content")
    if not content:
        assert not res.get_data(), f"{method.upper()} {path} {status} should have no body"
        return
    assert res.mimetype in content, (res.mimetype, list(content))
    schema = {**content[res.mimetype]["schema"], "components": SPEC["components"]}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(res.get_json()), key=lambda e: list(e.path))
    assert not errors, f"{method.upper()} {path} {status}: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:5])


# --- the document --------------------------------------------------------------------------
def test_spec_is_valid_openapi_3_1():
    assert SPEC["openapi"].startswith("3.1")
    validate_spec(SPEC)


def test_served_as_json(sqlite_app):
    res = sqlite_app.test_client().get(f"{API}/openapi.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    assert res.get_json() == SPEC


def test_every_api_route_is_described(sqlite_app):
    """Fails for any /api/v1 route that the description does not have (add it to
    service_center/openapi.yaml), and for any described operation the app lacks."""
    routes = api_routes(sqlite_app)
    described = {(method, path) for path, item in SPEC["paths"].items()
                 for method in item if method in _METHODS}
    missing = sorted(f"{m.upper()} {API}{p}" for m, p in routes - described)
    assert not missing, "routes missing from service_center/openapi.yaml:\n  " + \
        "\n  ".join(missing)
    stale = sorted(f"{m.upper()} {API}{p}" for m, p in described - routes)
    assert not stale, "described but not served:\n  " + "\n  ".join(stale)


@pytest.mark.parametrize("path", ["/categories", "/tickets", "/display/snapshot",
                                  "/windows/{number}", "/windows/{number}/call-next"])
def test_queue_endpoints_take_the_optional_hall(path):
    for method, op in SPEC["paths"][path].items():
        params = [_resolve(p) for p in op.get("parameters", [])]
        hall = [p for p in params if p["name"] == "hall" and p["in"] == "query"]
        assert hall and not hall[0].get("required", False), (method, path)


def test_staff_operations_need_a_bearer_token_and_document_401():
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method not in _METHODS or not op.get("security"):
                continue
            assert {"bearerAuth": []} in op["security"], (method, path)
            assert "401" in op["responses"], (method, path)
    assert SPEC["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def _body_schema(method: str, path: str) -> dict:
    return _resolve(operation(method, path)["requestBody"]["content"]["application/json"]
                    ["schema"])


def _enum(schema: dict) -> set:
    return set(_resolve(schema)["enum"]) - {None}


def test_request_schemas_follow_what_the_views_validate():
    issue = _body_schema("post", "/tickets")
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in issue["anyOf"]] == \
        ["TicketRequest", "CheckInRequest"]
    ticket = SPEC["components"]["schemas"]["TicketRequest"]
    assert ticket["required"] == ["category"]
    assert ticket["properties"]["category"]["maxLength"] == 4
    from service_center.queueing.services import PRIORITY_REASONS

    assert set(ticket["properties"]["priority_reason"]["enum"]) - {None} == \
        set(PRIORITY_REASONS)
    token = _body_schema("post", "/auth/token")
    assert set(token["required"]) == {"username", "password"}


def test_case_and_fee_schemas_follow_the_code():
    """Enumerations and limits that the views and services define, as documented."""
    from service_center.approvals.states import (
        DECISIONS,
        MANAGER_SUSPENSION_KINDS,
        CaseStatus,
        SuspensionKind,
        TaskStatus,
    )
    from service_center.calendar import MAX_DAYS
    from service_center.documents.assemble import KINDS
    from service_center.fees.states import FEE_DUE_CHOICES, MAX_AMOUNT_FEN, METHODS
    from service_center.live.voice import LANGS

    schemas = SPEC["components"]["schemas"]
    case = _body_schema("post", "/cases")
    assert set(case["required"]) == {"service_item", "applicant"}
    assert case["properties"]["proxy_requested"]["type"] == "boolean"
    assert set(_resolve(case["properties"]["applicant"])["required"]) == {"name", "phone"}
    decision = _body_schema("post", "/cases/{tracking_no}/tasks/{task_id}/decision")
    assert _enum(decision["properties"]["decision"]) == set(DECISIONS)
    assert _resolve(decision["properties"]["version"])["minimum"] == 1
    suspend = _body_schema("post", "/cases/{tracking_no}/suspend")
    assert _enum(suspend["properties"]["kind"]) == set(MANAGER_SUSPENSION_KINDS)
    assert _enum(schemas["CaseStatus"]) == {s.value for s in CaseStatus}
    assert _enum(schemas["TaskStatus"]) == {s.value for s in TaskStatus}
    kinds = schemas["Case"]["properties"]["suspensions"]["items"]["properties"]["kind"]
    assert _enum(kinds) == {s.value for s in SuspensionKind}
    pay = _body_schema("post", "/cases/{tracking_no}/payments")
    assert _enum(pay["properties"]["method"]) == set(METHODS)
    assert pay["properties"]["amount_fen"]["maximum"] == MAX_AMOUNT_FEN
    headers = [_resolve(p) for p in operation("post", "/cases/{tracking_no}/payments")
               ["parameters"] if _resolve(p)["in"] == "header"]
    assert [h["name"] for h in headers] == ["Idempotency-Key"]
    due = _body_schema("put", "/service-items/{code}/fee-due")
    assert _enum(due["properties"]["fee_due"]) == set(FEE_DUE_CHOICES)
    params = {p["name"]: p for p in map(_resolve, operation(
        "get", "/cases/{tracking_no}/documents/{kind}.pdf")["parameters"])}
    assert _enum(params["kind"]["schema"]) == set(KINDS)
    params = {p["name"]: p for p in map(_resolve, operation("get", "/voice.wav")["parameters"])}
    assert _enum(params["lang"]["schema"]) == set(LANGS)
    params = {p["name"]: p for p in map(_resolve,
                                        operation("get", "/calendar/deadline")["parameters"])}
    assert params["days"]["schema"]["maximum"] == MAX_DAYS


def test_binary_answers_are_documented_as_such():
    for method, path, mimetype in [("get", "/cases/{tracking_no}/documents/{kind}.pdf",
                                    "application/pdf"),
                                   ("get", "/tickets/{ticket_id}/slip.pdf", "application/pdf"),
                                   ("get", "/voice.wav", "audio/wav")]:
        assert list(operation(method, path)["responses"]["200"]["content"]) == [mimetype]


# --- real answers match the documented schemas ------------------------------------------------
PUBLIC_READS = [
    ("/halls", "/halls", 200),
    ("/departments", "/departments", 200),
    ("/service-items", "/service-items", 200),
    ("/service-items/JS-001", "/service-items/{code}", 200),
    ("/service-items/NOPE", "/service-items/{code}", 404),
    ("/categories", "/categories", 200),
    ("/categories?hall=XD", "/categories", 200),
    ("/categories?hall=NOPE", "/categories", 404),
    ("/display/snapshot", "/display/snapshot", 200),
    ("/display/snapshot?hall=NOPE", "/display/snapshot", 404),
    ("/tickets/by-token/nope", "/tickets/by-token/{token}", 404),
    ("/auth/me", "/auth/me", 401),
    ("/windows/1", "/windows/{number}", 401),
]


def test_public_reads_match_the_spec(seeded, client):
    # one seeded database for the whole table: seeding hashes a dozen passwords
    client.post(f"{API}/tickets", json={"category": "A"})
    for url, path, status in PUBLIC_READS:
        res = client.get(API + url)
        assert res.status_code == status, (url, res.get_data(as_text=True)[:300])
        assert_documented(res, "get", path)


TICKET_REQUESTS = [
    ({"category": "A"}, 201),
    ({"category": "C", "priority": "priority", "priority_reason": "elderly",
      "phone": "+86 138-0000-0000"}, 201),
    ({"category": "A", "hall": "XD"}, 201),
    ({"category": "A", "hall": "NOPE"}, 404),
    ({}, 422),
    ({"category": "Z"}, 422),
    ({"category": "A", "priority": "urgent"}, 422),
    ({"category": "A", "phone": "call me"}, 422),
    ([1, 2], 400),
    ("not json", 400),
]


def test_issue_ticket_answers_match_the_spec(seeded, client):
    for body, status in TICKET_REQUESTS:
        if isinstance(body, str):
            res = client.post(f"{API}/tickets", data=body, content_type="application/json")
        else:
            res = client.post(f"{API}/tickets", json=body)
        assert res.status_code == status, (body, res.get_data(as_text=True)[:300])
        assert_documented(res, "post", "/tickets")


def test_auth_answers_match_the_spec(seeded, client, auth):
    good = client.post(f"{API}/auth/token", json={"username": "clerk1",
                                                  "password": "demo-pass-2026"})
    assert good.status_code == 200
    assert_documented(good, "post", "/auth/token")
    bad = client.post(f"{API}/auth/token", json={"username": "clerk1", "password": "wrong"})
    assert bad.status_code == 401
    assert_documented(bad, "post", "/auth/token")
    assert_documented(client.post(f"{API}/auth/token", json={}), "post", "/auth/token")
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {good.json['token']}"})
    assert me.status_code == 200 and me.json["window"] == 1
    assert_documented(me, "get", "/auth/me")


LIFECYCLE_OPERATIONS = {"issueTicket", "getTicketByToken", "cancelTicketByToken", "getWindow",
                        "callNext", "recall", "pauseWindow", "resumeWindow", "closeWindow",
                        "startTicket", "completeTicket", "noShowTicket", "transferTicket"}


def test_ticket_lifecycle_answers_match_the_spec(seeded, client, auth):
    """Applicant and window staff through a ticket's life, every answer checked."""
    clerk, other = auth.headers("clerk1"), auth.headers("clerk2")
    steps = []

    def call(method, url, path, status, **kwargs):
        res = client.open(API + url, method=method.upper(), **kwargs)
        assert res.status_code == status, (method, url, res.get_data(as_text=True)[:300])
        assert_documented(res, method, path)
        steps.append((method, path, status))
        return res

    first = call("post", "/tickets", "/tickets", 201, json={"category": "A"}).json
    second = call("post", "/tickets", "/tickets", 201, json={"category": "A"}).json
    call("get", f"/tickets/by-token/{first['token']}", "/tickets/by-token/{token}", 200)
    call("get", "/windows/1", "/windows/{number}", 200, headers=clerk)
    call("get", "/windows/1", "/windows/{number}", 403, headers=other)
    call("get", "/windows/99", "/windows/{number}", 404, headers=clerk)
    call("post", "/windows/1/recall", "/windows/{number}/recall", 409, headers=clerk)
    call("post", "/windows/1/call-next", "/windows/{number}/call-next", 200, headers=clerk)
    call("post", "/windows/1/recall", "/windows/{number}/recall", 200, headers=clerk)
    call("get", "/windows/1", "/windows/{number}", 200, headers=clerk)
    tid = first["id"]
    call("post", f"/tickets/{tid}/start", "/tickets/{ticket_id}/start", 200, headers=clerk)
    call("post", f"/tickets/{tid}/start", "/tickets/{ticket_id}/start", 409, headers=clerk)
    call("post", f"/tickets/{tid}/complete", "/tickets/{ticket_id}/complete", 403,
         headers=other)
    call("post", f"/tickets/{tid}/transfer", "/tickets/{ticket_id}/transfer", 422,
         headers=clerk, json={})
    call("post", f"/tickets/{tid}/transfer", "/tickets/{ticket_id}/transfer", 200,
         headers=clerk, json={"to_window": 2})
    call("post", "/windows/2/call-next", "/windows/{number}/call-next", 200, headers=other)
    call("post", f"/tickets/{tid}/no-show", "/tickets/{ticket_id}/no-show", 200,
         headers=other)
    call("post", "/windows/1/call-next", "/windows/{number}/call-next", 200, headers=clerk)
    call("post", f"/tickets/{second['id']}/start", "/tickets/{ticket_id}/start", 200,
         headers=clerk)
    call("post", f"/tickets/{second['id']}/complete", "/tickets/{ticket_id}/complete", 200,
         headers=clerk)
    call("post", "/tickets/999999/complete", "/tickets/{ticket_id}/complete", 404,
         headers=clerk)
    call("post", "/windows/1/call-next", "/windows/{number}/call-next", 204, headers=clerk)
    call("get", "/display/snapshot", "/display/snapshot", 200)
    call("post", "/windows/1/pause", "/windows/{number}/pause", 200, headers=clerk)
    call("post", "/windows/1/pause", "/windows/{number}/pause", 409, headers=clerk)
    call("post", "/windows/1/call-next", "/windows/{number}/call-next", 409, headers=clerk)
    call("post", "/windows/1/resume", "/windows/{number}/resume", 200, headers=clerk)
    call("post", "/windows/1/close", "/windows/{number}/close", 200, headers=clerk)
    third = call("post", "/tickets", "/tickets", 201, json={"category": "D"}).json
    cancel = f"/tickets/by-token/{third['token']}/cancel"
    call("post", cancel, "/tickets/by-token/{token}/cancel", 200)
    call("post", cancel, "/tickets/by-token/{token}/cancel", 409)
    call("post", "/tickets/by-token/nope/cancel", "/tickets/by-token/{token}/cancel", 404)
    covered = {(method, path) for method, path, _ in steps}
    wanted = {(method, path) for path, item in SPEC["paths"].items() for method, op in item.items()
              if method in _METHODS and op["operationId"] in LIFECYCLE_OPERATIONS}
    assert len(wanted) == len(LIFECYCLE_OPERATIONS) and wanted <= covered, \
        sorted(wanted - covered)


# --- cases, fees, calendar, appointments, reports, ratings: every answer checked ----------------
class Answers:
    """Calls the API and checks each answer against the description; remembers what it
    covered."""

    def __init__(self, client, auth):
        self.client = client
        self.auth = auth
        self.steps: list[tuple[str, str, int]] = []

    def __call__(self, method: str, url: str, path: str, status: int, user: str | None = None,
                 headers: dict | None = None, **kwargs):
        headers = {**(self.auth.headers(user) if user else {}), **(headers or {})}
        res = self.client.open(API + url, method=method.upper(), headers=headers, **kwargs)
        assert res.status_code == status, (method, url, res.get_data(as_text=True)[:400])
        if status == 200 and method == "get" and \
                res.mimetype in ("application/pdf", "audio/wav"):
            content = _resolve(operation(method, path)["responses"]["200"])["content"]
            assert res.mimetype in content and res.get_data()[:4] in (b"%PDF", b"RIFF")
            self.steps.append((method, path, status))
            return res
        assert_documented(res, method, path)
        self.steps.append((method, path, status))
        return res

    def covered(self) -> set[str]:
        return {operation(m, p)["operationId"] for m, p, _ in self.steps}


CASE_OPERATIONS = {
    "calendarDeadline", "calendarYear", "createCase", "getCase", "trackCase", "decideTask",
    "supplementCase", "suspendCase", "resumeCase", "extendCase", "assignProxyAgent",
    "recordHandover", "completeCase", "withdrawCase", "caseDocument", "taskInbox",
    "agentCases", "caseLedger", "pay", "refundPayment", "voidPayment", "adjustFee",
    "feeAllocation", "getFeeDue", "setFeeDue", "getReportSummary", "rate"}


def test_case_and_fee_answers_match_the_spec(fees, client, auth):  # noqa: F811
    """A case from intake to hand-over, with its fees, tracking, documents, inboxes,
    calendar and reports: every answer (and the main refusals) against the description."""
    call = Answers(client, auth)
    # calendar (public)
    call("get", "/calendar/deadline?start=2026-09-29&days=5", "/calendar/deadline", 200)
    call("get", "/calendar/deadline?start=2099-01-02&days=3", "/calendar/deadline", 200)
    for query in ("start=2026-13-01&days=5", "start=2026-09-29", "start=2026-09-29&days=-1",
                  "days=3", "start=2026-09-29&days=99999"):
        call("get", f"/calendar/deadline?{query}", "/calendar/deadline", 422)
    assert call("get", "/calendar/2026", "/calendar/{year}", 200).json["year"] == 2026
    assert call("get", "/calendar/2150", "/calendar/{year}", 200).json["provisional"] is True
    call("get", "/calendar/3000", "/calendar/{year}", 422)
    call("get", "/calendar/x2026", "/calendar/{year}", 422)

    # intake
    body = {"service_item": "JS-001",
            "applicant": {"name": "王经理", "phone": "13800138000",
                          "organization": "示例建设有限公司"},
            "params": {"area_m2": "1200"}, "materials_received": JS_MATERIALS,
            "proxy_requested": True}
    created = call("post", "/cases", "/cases", 201, "clerk3", json=body).json
    no, code = created["tracking_no"], created["query_code"]
    assert created["status"] == "in_progress" and created["fees"]["total_fen"] == JS_1200_TOTAL
    partial = call("post", "/cases", "/cases", 201, "clerk3",
                   json={**body, "materials_received": JS_MATERIALS[:2]}).json
    assert partial["status"] == "awaiting_materials" and partial["promised_deadline"] is None
    call("post", "/cases", "/cases", 401, json=body)
    call("post", "/cases", "/cases", 403, "manager", json=body)
    call("post", "/cases", "/cases", 422, "clerk3", json={})
    call("post", "/cases", "/cases", 422, "clerk3",
         json={**body, "applicant": {"name": "x", "phone": "call me"}})
    call("post", "/cases", "/cases", 422, "clerk3", json={**body, "service_item": "NOPE-1"})
    call("post", "/cases", "/cases", 422, "clerk3", json={**body, "proxy_requested": "yes"})
    call("post", "/cases", "/cases", 400, "clerk3", data="[1]", content_type="application/json")

    # reading it: staff, the applicant, the inboxes
    case = call("get", f"/cases/{no}", "/cases/{tracking_no}", 200, "manager").json
    call("get", f"/cases/{no}", "/cases/{tracking_no}", 401)
    call("get", f"/cases/{no}", "/cases/{tracking_no}", 403, "approver-scj")
    call("get", "/cases/NOPE", "/cases/{tracking_no}", 404, "manager")
    call("get", f"/track/{no}?code={code}", "/track/{tracking_no}", 200)
    call("get", f"/track/{no}?code=WRONG", "/track/{tracking_no}", 404)
    call("get", "/tasks", "/tasks", 200, "approver-ghj")
    call("get", "/tasks?status=pending", "/tasks", 422, "approver-ghj")
    call("get", "/tasks", "/tasks", 403, "clerk3")
    call("get", "/tasks", "/tasks", 401)

    # the departments decide
    def task(department: str) -> int:
        fresh = call("get", f"/cases/{no}", "/cases/{tracking_no}", 200, "manager").json
        return Cases.task(fresh, department)["id"]

    decision = "/cases/{tracking_no}/tasks/{task_id}/decision"
    ghj = task("GHJ")
    call("post", f"/cases/{no}/tasks/{ghj}/decision", decision, 422, "approver-ghj",
         json={"decision": "maybe"})
    call("post", f"/cases/{no}/tasks/{ghj}/decision", decision, 403, "approver-hbj",
         json={"decision": "approve"})
    call("post", f"/cases/{no}/tasks/{task('ZJJ')}/decision", decision, 409, "approver-zjj",
         json={"decision": "approve"})
    call("post", f"/cases/{no}/tasks/{ghj}/decision", decision, 409, "approver-ghj",
         json={"decision": "approve", "version": case["version"] + 50})
    call("post", f"/cases/{no}/tasks/999999/decision", decision, 404, "approver-ghj",
         json={"decision": "approve"})
    call("post", f"/cases/{no}/tasks/{ghj}/decision", decision, 200, "approver-ghj",
         json={"decision": "approve", "opinion": "符合规划", "version": case["version"]})
    call("post", f"/cases/{no}/tasks/{ghj}/decision", decision, 409, "approver-ghj",
         json={"decision": "approve"})

    # manager: suspend, resume, extend, a proxy agent; the agent's inbox and hand-over
    call("post", f"/cases/{no}/suspend", "/cases/{tracking_no}/suspend", 403, "clerk3",
         json={"reason": "专家评审"})
    call("post", f"/cases/{no}/suspend", "/cases/{tracking_no}/suspend", 422, "manager",
         json={"reason": "专家评审", "kind": "supplement"})
    paused = call("post", f"/cases/{no}/suspend", "/cases/{tracking_no}/suspend", 200,
                  "manager", json={"reason": "专家评审", "kind": "expert_review"}).json
    assert paused["suspended"] is True and paused["suspension"]["kind"] == "expert_review"
    call("post", f"/cases/{no}/resume", "/cases/{tracking_no}/resume", 200, "manager")
    call("post", f"/cases/{no}/extension", "/cases/{tracking_no}/extension", 200, "manager",
         json={"reason": "联合审批情况复杂"})
    call("post", f"/cases/{no}/extension", "/cases/{tracking_no}/extension", 409, "manager",
         json={"reason": "again"})
    call("post", f"/cases/{no}/proxy-agent", "/cases/{tracking_no}/proxy-agent", 422,
         "manager", json={})
    call("post", f"/cases/{no}/proxy-agent", "/cases/{tracking_no}/proxy-agent", 200,
         "manager", json={"username": "agent"})
    call("get", "/agent/cases", "/agent/cases", 200, "agent")
    call("get", "/agent/cases?all=1", "/agent/cases", 200, "agent")
    call("get", "/agent/cases", "/agent/cases", 403, "manager")
    call("post", f"/cases/{no}/handovers", "/cases/{tracking_no}/handovers", 201, "agent",
         json={"from_department": "GHJ", "to_department": "ZJJ", "note": "图纸原件"})
    call("post", f"/cases/{no}/handovers", "/cases/{tracking_no}/handovers", 403, "clerk3",
         json={"from_department": "GHJ", "to_department": "ZJJ"})

    # fees: adjust, pay (idempotently), the ledger, the allocation, the rule of when
    payments = "/cases/{tracking_no}/payments"
    adjust = "/cases/{tracking_no}/fee-adjustments"
    call("post", f"/cases/{no}/fee-adjustments", adjust, 201, "manager",
         json={"fee_code": "RFYD", "amount_fen": -300000, "reason": "核减面积"})
    call("post", f"/cases/{no}/fee-adjustments", adjust, 422, "manager",
         json={"fee_code": "NOPE", "amount_fen": 100, "reason": "x"})
    call("post", f"/cases/{no}/fee-adjustments", adjust, 403, "cashier",
         json={"fee_code": "RFYD", "amount_fen": 100, "reason": "x"})
    due = JS_1200_TOTAL - 300000
    call("post", f"/cases/{no}/payments", payments, 422, "cashier",
         json={"amount_fen": due - 1, "method": "cash"})
    call("post", f"/cases/{no}/payments", payments, 422, "cashier",
         json={"amount_fen": due, "method": "transfer"})
    call("post", f"/cases/{no}/payments", payments, 422, "cashier",
         json={"amount_fen": due, "method": "cash"}, headers={"Idempotency-Key": "bad key"})
    call("post", f"/cases/{partial['tracking_no']}/payments", payments, 409, "cashier",
         json={"amount_fen": 100, "method": "cash"})
    key = {"Idempotency-Key": "pay-0001"}
    first = call("post", f"/cases/{no}/payments", payments, 201, "cashier",
                 json={"amount_fen": due, "method": "bank_card"}, headers=key)
    again = call("post", f"/cases/{no}/payments", payments, 201, "cashier",
                 json={"amount_fen": due, "method": "bank_card"}, headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    call("post", f"/cases/{no}/payments", payments, 409, "cashier",
         json={"amount_fen": due, "method": "cash"})
    call("post", f"/cases/{no}/payments", payments, 403, "approver-ghj",
         json={"amount_fen": due, "method": "cash"})
    ledger = call("get", f"/cases/{no}/payments", payments, 200, "manager").json
    assert ledger["fees"]["paid"] is True and len(ledger["entries"]) == 1
    call("get", "/fees/allocation", "/fees/allocation", 200, "manager")
    call("get", "/fees/allocation?date=2026-09-29", "/fees/allocation", 200, "xd-manager")
    call("get", "/fees/allocation?date=29/09/2026", "/fees/allocation", 422, "manager")
    call("get", "/fees/allocation?hall=NOPE", "/fees/allocation", 404, "manager")
    call("get", "/fees/allocation", "/fees/allocation", 403, "clerk3")
    call("get", "/service-items/JS-001/fee-due", "/service-items/{code}/fee-due", 200, "clerk3")
    call("put", "/service-items/JS-001/fee-due", "/service-items/{code}/fee-due", 200, "admin",
         json={"fee_due": "before_handover"})
    call("put", "/service-items/JS-001/fee-due", "/service-items/{code}/fee-due", 422, "admin",
         json={"fee_due": "never"})
    call("put", "/service-items/NOPE/fee-due", "/service-items/{code}/fee-due", 404, "admin",
         json={"fee_due": "before_handover"})
    call("put", "/service-items/JS-001/fee-due", "/service-items/{code}/fee-due", 403,
         "manager", json={"fee_due": "before_handover"})

    # documents: staff, and the applicant with the query code
    document = "/cases/{tracking_no}/documents/{kind}.pdf"
    call("get", f"/cases/{no}/documents/acceptance-notice.pdf", document, 200, "manager")
    call("get", f"/cases/{no}/documents/acceptance-notice.pdf?code={code}", document, 200)
    call("get", f"/cases/{no}/documents/receipt.pdf", document, 200, "cashier")
    call("get", f"/cases/{no}/documents/nonsense.pdf", document, 404, "manager")
    call("get", f"/cases/{no}/documents/acceptance-notice.pdf", document, 403, "approver-scj")

    # the rest of the approval, the hand-over, refunds after it, the applicant's rating
    for department in ("HBJ", "RFB", "ZJJ"):
        call("post", f"/cases/{no}/tasks/{task(department)}/decision", decision, 200,
             APPROVER[department], json={"decision": "approve", "opinion": "同意"})
    call("post", f"/cases/{no}/complete", "/cases/{tracking_no}/complete", 403, "manager")
    done = call("post", f"/cases/{no}/complete", "/cases/{tracking_no}/complete", 200,
                "clerk3").json
    assert done["status"] == "completed"
    call("post", f"/cases/{no}/complete", "/cases/{tracking_no}/complete", 409, "clerk3")
    payment_id = ledger["entries"][0]["id"]
    refund = "/cases/{tracking_no}/payments/{payment_id}/refund"
    void = "/cases/{tracking_no}/payments/{payment_id}/void"
    call("post", f"/cases/{no}/payments/{payment_id}/refund", refund, 422, "manager", json={})
    call("post", f"/cases/{no}/payments/{payment_id}/refund", refund, 201, "manager",
         json={"reason": "多收", "amount_fen": 100})
    call("post", f"/cases/{no}/payments/{payment_id}/void", void, 409, "manager",
         json={"reason": "录错"})
    call("post", f"/cases/{no}/payments/999999/void", void, 404, "manager",
         json={"reason": "录错"})
    call("post", f"/cases/{no}/payments/{payment_id}/void", void, 403, "cashier",
         json={"reason": "录错"})
    rated = call("post", "/ratings", "/ratings", 201,
                 json={"tracking_no": no, "code": code, "score": 5, "comment": "很好"}).json
    assert rated["rated"] is True and rated["score"] == 5
    call("post", "/ratings", "/ratings", 409, json={"tracking_no": no, "code": code, "score": 4})
    call("post", "/ratings", "/ratings", 422, json={"tracking_no": no, "code": code, "score": 6})
    call("post", "/ratings", "/ratings", 422, json={"score": 3})
    call("post", "/ratings", "/ratings", 404, json={"tracking_no": no, "code": "WRONG",
                                                    "score": 3})
    call("get", f"/track/{no}?code={code}", "/track/{tracking_no}", 200)

    # the second case: supplement (accepted), then withdrawn
    other = partial["tracking_no"]
    call("post", f"/cases/{other}/supplement", "/cases/{tracking_no}/supplement", 422, "clerk3",
         json={"materials": ["不是这个事项的材料"]})
    accepted = call("post", f"/cases/{other}/supplement", "/cases/{tracking_no}/supplement",
                    200, "clerk3", json={"materials": JS_MATERIALS[2:], "note": "补齐"}).json
    assert accepted["status"] == "in_progress" and accepted["missing_materials"] == []
    call("post", f"/cases/{other}/withdraw", "/cases/{tracking_no}/withdraw", 422, "clerk3",
         json={})
    call("post", f"/cases/{other}/withdraw", "/cases/{tracking_no}/withdraw", 200, "clerk3",
         json={"reason": "申请人撤回"})
    call("post", f"/cases/{other}/withdraw", "/cases/{tracking_no}/withdraw", 409, "clerk3",
         json={"reason": "again"})

    # the day's KPIs
    summary = call("get", "/reports/summary", "/reports/summary", 200, "manager").json
    assert summary["cases_accepted"] >= 1
    call("get", "/reports/summary?from=2026-09-01&to=2026-09-29", "/reports/summary", 200,
         "manager")
    call("get", "/reports/summary?hall=XD", "/reports/summary", 200, "xd-manager")
    call("get", "/reports/summary?from=2026-09-29&to=2026-09-01", "/reports/summary", 422,
         "manager")
    call("get", "/reports/summary?hall=MAIN", "/reports/summary", 403, "xd-manager")
    call("get", "/reports/summary", "/reports/summary", 403, "clerk3")
    call("get", "/reports/summary", "/reports/summary", 401)
    assert CASE_OPERATIONS <= call.covered(), sorted(CASE_OPERATIONS - call.covered())


QUEUE_EXTRAS = {"appointmentSlots", "bookAppointment", "cancelAppointment", "listAppointments",
                "ticketSlip", "reportPrintResult", "getDisplayNotice", "setDisplayNotice",
                "announcementAudio", "rate", "ratingByToken"}


def test_appointment_slip_notice_and_rating_answers_match_the_spec(seeded, client, auth):
    call = Answers(client, auth)
    with time_machine.travel(at("2026-09-29", 10), tick=False):
        slots = call("get", "/appointments/slots?category=A&date=2026-09-29",
                     "/appointments/slots", 200).json
        assert slots and all(s["booked"] == 0 for s in slots)
        call("get", "/appointments/slots?category=A&date=2026-09-27", "/appointments/slots", 200)
        call("get", "/appointments/slots?category=B&date=2026-09-29", "/appointments/slots", 422)
        call("get", "/appointments/slots?category=A&date=tomorrow", "/appointments/slots", 422)
        call("get", "/appointments/slots?category=A&date=2026-09-29&hall=NOPE",
             "/appointments/slots", 404)
        booking = {"category": "A", "start": slots[0]["start"], "name": "张三",
                   "phone": "13800138000"}
        booked = call("post", "/appointments", "/appointments", 201, json=booking).json
        call("post", "/appointments", "/appointments", 409, json=booking)
        call("post", "/appointments", "/appointments", 422,
             json={**booking, "start": "2026-09-29T10:07:00+08:00"})
        call("post", "/appointments", "/appointments", 422, json={**booking, "phone": "x"})
        call("post", "/appointments", "/appointments", 400, data="nope",
             content_type="application/json")
        listed = call("get", "/appointments", "/appointments", 200, "clerk1").json
        assert [a["code"] for a in listed] == [booked["code"]]
        call("get", "/appointments?date=2026-09-29", "/appointments", 200, "manager")
        call("get", "/appointments?hall=XD", "/appointments", 403, "clerk1")
        call("get", "/appointments", "/appointments", 401)
        cancel = "/appointments/{code}"
        call("delete", f"/appointments/{booked['code']}?phone=13900000000", cancel, 404)
        call("delete", f"/appointments/{booked['code']}?phone=13800138000", cancel, 200)
        call("delete", f"/appointments/{booked['code']}?phone=13800138000", cancel, 409)

        # the kiosk's slip and its report of the print
        ticket = call("post", "/tickets", "/tickets", 201, json={"category": "A"}).json
        slip = "/tickets/{ticket_id}/slip.pdf"
        call("get", f"/tickets/{ticket['id']}/slip.pdf?token={ticket['token']}", slip, 200)
        call("get", f"/tickets/{ticket['id']}/slip.pdf", slip, 200, "clerk1")
        call("get", f"/tickets/{ticket['id']}/slip.pdf?token=wrong", slip, 404)
        call("get", f"/tickets/{ticket['id']}/slip.pdf", slip, 401)
        call("get", f"/tickets/{ticket['id']}/slip.pdf", slip, 403, "xd-clerk1")
        printed = "/tickets/by-token/{token}/print-result"
        state = call("post", f"/tickets/by-token/{ticket['token']}/print-result", printed, 200,
                     json={"ok": False, "error": "paper out"}).json
        assert state["slip"]["state"] == "failed"
        call("post", f"/tickets/by-token/{ticket['token']}/print-result", printed, 422,
             json={"ok": "yes"})
        call("post", "/tickets/by-token/nope/print-result", printed, 404, json={"ok": True})

        # the lobby notice and the announcement's refusals (synthesis may be absent here)
        call("post", "/display/notice", "/display/notice", 200, "manager",
             json={"text": "今日下午  社保窗口\n暂停办理"})
        assert call("get", "/display/notice", "/display/notice", 200).json["text"] == \
            "今日下午 社保窗口 暂停办理"
        call("get", "/display/notice?hall=NOPE", "/display/notice", 404)
        call("post", "/display/notice", "/display/notice", 422, "manager", json={})
        call("post", "/display/notice", "/display/notice", 403, "xd-manager",
             json={"text": "x", "hall": "MAIN"})
        call("post", "/display/notice", "/display/notice", 401, json={"text": "x"})
        call("get", "/voice.wav?number=Z999&window=1", "/voice.wav", 422)
        call("get", "/voice.wav?number=A001&window=1&lang=fr", "/voice.wav", 422)

        # the applicant rates their served ticket
        clerk = auth.headers("clerk1")
        for step in ("windows/1/call-next", f"tickets/{ticket['id']}/start",
                     f"tickets/{ticket['id']}/complete"):
            assert client.post(f"{API}/{step}", headers=clerk).status_code == 200, step
        by_token = "/ratings/by-token/{token}"
        call("get", f"/ratings/by-token/{ticket['token']}", by_token, 200)
        call("post", "/ratings", "/ratings", 201, json={"ticket_token": ticket["token"],
                                                        "score": 2, "comment": "等太久"})
        rating = call("get", f"/ratings/by-token/{ticket['token']}", by_token, 200).json
        assert rating["rated"] is True and rating["rectification"]["status"]
        call("get", "/ratings/by-token/nope", by_token, 404)
    assert QUEUE_EXTRAS <= call.covered(), sorted(QUEUE_EXTRAS - call.covered())
