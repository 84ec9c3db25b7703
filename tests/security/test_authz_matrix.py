"""S1: the authorization matrix, generated from the app's own route table.

Every route × method of `app.url_map` needs a line in tests/security/authz_matrix.py
(a new endpoint without one fails here; so does a line whose route is gone). Then every
route is called by every principal — anonymous, each role, and the awkward neighbours:
another department, another window, another hall — against one small world of real
objects: allowed principals must not be refused, everyone else must be (anonymous: 401
on the API, a redirect to /login on pages; signed in: 403), and every refused signed-in
request must leave a `denied` audit record (S5).

Runs on SQLite only (one app and one world per module: the matrix is about the views'
decisions, which do not depend on the database); about 3,500 requests."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections import Counter
from datetime import datetime
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from service_center.audit import AuditEvent
from service_center.extensions import db

from ..conftest import DEMO_PASSWORD, _dispose, _fast_hashes, extract_csrf, make_app
from .authz_matrix import ARGS, BODIES, MATRIX, PRINCIPALS, QUERIES, VARIANTS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)  # a Tuesday morning: the hall is open
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# routes whose call ends or starts a session: each principal gets a throwaway one
FRESH_SESSION = {"GET /login", "POST /login", "GET /login/2fa", "POST /login/2fa",
                 "POST /logout"}
PUBLIC_SAMPLE = ("anon", "admin", "manager", "clerk1", "approver-ghj", "agent")
JS_MATERIALS = ["建设工程规划许可申请表", "建设用地规划许可证", "设计方案总平面图",
                "环境影响评价文件", "人防工程设计文件"]


# --- the route table ---------------------------------------------------------------------------
def route_key(rule: str, method: str) -> str:
    return method + " " + _CONVERTER.sub(r"<\1>", rule)


def route_keys(app) -> dict[str, str]:
    """"METHOD /rule" → the rule as Flask has it, for every route but static files."""
    keys = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            keys[route_key(rule.rule, method)] = rule.rule
    return keys


def expand(spec: str) -> set[str]:
    """The principals a `who` string names (see authz_matrix.py)."""
    allowed: set[str] = set()
    for token in spec.split():
        negate = token.startswith("-")
        name = token.lstrip("-")
        if name == "public":
            names = set(PRINCIPALS)
        elif name == "@staff":
            names = set(PRINCIPALS) - {"anon"}
        elif name.startswith("@"):
            names = {p for p, (role, _) in PRINCIPALS.items() if role == name[1:]}
            assert names, f"no principal has the role {name[1:]!r}"
        else:
            assert name in PRINCIPALS, f"unknown principal {name!r}"
            names = {name}
        allowed = allowed - names if negate else allowed | names
    return allowed


def test_every_route_has_an_authorization_entry(sqlite_app):
    keys = route_keys(sqlite_app)
    missing = sorted(k for k in keys if k not in MATRIX)
    assert not missing, "new endpoint without an authorization entry in " \
        "tests/security/authz_matrix.py: " + ", ".join(missing)
    stale = sorted(k for k in MATRIX if k not in keys)
    assert not stale, "authorization entry for a route that no longer exists: " + \
        ", ".join(stale)
    for spec in MATRIX.values():
        expand(spec)  # every name in the table is a principal or a group
    for key, _args, _query, spec, *body in VARIANTS:
        assert key in MATRIX, key
        expand(spec)
        assert len(body) <= 1 and all(isinstance(b, dict) for b in body), key
    for table in (ARGS, QUERIES, BODIES):
        assert not set(table) - set(MATRIX), set(table) - set(MATRIX)


# --- the world ---------------------------------------------------------------------------------
class World:
    def __init__(self, app):
        self.app = app
        self.api = app.test_client(use_cookies=False)
        self.tokens: dict[str, str] = {}
        self.pages: dict[str, object] = {}
        self.csrf: dict[str, str] = {}
        self.values: dict[str, str] = {"password": DEMO_PASSWORD}

    # API and page helpers
    def bearer(self, who: str) -> dict[str, str]:
        if who == "anon":
            return {}
        if who not in self.tokens:
            res = self.api.post("/api/v1/auth/token",
                                json={"username": who, "password": DEMO_PASSWORD})
            assert res.status_code == 200, (who, res.get_json())
            self.tokens[who] = res.get_json()["token"]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, who: str, method: str, path: str, json=None, query=None, expect=None):
        res = self.api.open(path, method=method, headers=self.bearer(who), json=json,
                            query_string=query)
        if expect is not None:
            assert res.status_code == expect, (who, method, path, res.status_code,
                                               res.get_data(as_text=True)[:500])
        return res

    def page_client(self, who: str, *, fresh: bool = False):
        if not fresh and who in self.pages:
            return self.pages[who], self.csrf[who]
        client = self.app.test_client()
        if who != "anon":
            page = client.get("/login")
            res = client.post("/login", data={"username": who, "password": DEMO_PASSWORD,
                                              "csrf_token": extract_csrf(page.get_data(
                                                  as_text=True))})
            assert res.status_code == 302, (who, res.status_code)
        csrf = extract_csrf(client.get("/guide").get_data(as_text=True))
        if not fresh:
            self.pages[who], self.csrf[who] = client, csrf
        return client, csrf

    # the objects every route is called on
    def build(self) -> World:
        from service_center.auth.models import User
        from service_center.auth.services import create_user

        with self.app.app_context(), _fast_hashes():
            create_user(username="agent2", password=DEMO_PASSWORD, role="proxy_agent",
                        display_name="代办员 二", staff_no="D0102", department=None,
                        window=None, hall=None)
            db.session.commit()
            self.values["spare_user"] = str(db.session.execute(
                select(User.id).where(User.username == "clerk6")).scalar_one())
            db.session.remove()
        for who in PRINCIPALS:
            self.bearer(who)
        v = self.values
        main = {"hall": "MAIN"}
        # a ticket served and completed at window 1, rated one star (→ a rectification)
        done = self.call("anon", "POST", "/api/v1/tickets", {"category": "A"}, expect=201)
        done = done.get_json()
        called = self.call("clerk1", "POST", "/api/v1/windows/1/call-next", query=main,
                           expect=200).get_json()
        assert called["id"] == done["id"]
        self.call("clerk1", "POST", f"/api/v1/tickets/{done['id']}/start", expect=200)
        self.call("clerk1", "POST", f"/api/v1/tickets/{done['id']}/complete", expect=200)
        self.call("anon", "POST", "/api/v1/ratings",
                  {"ticket_token": done["token"], "score": 1}, expect=201)
        v["ticket_done"], v["token_done"] = str(done["id"]), done["token"]
        # tickets called at window 1 (clerk1) and window 2 (clerk2)
        for key, clerk, number in (("ticket_w1", "clerk1", 1), ("ticket_w2", "clerk2", 2)):
            issued = self.call("anon", "POST", "/api/v1/tickets", {"category": "A"},
                               expect=201).get_json()
            called = self.call(clerk, "POST", f"/api/v1/windows/{number}/call-next",
                               query=main, expect=200).get_json()
            assert called["id"] == issued["id"]
            v[key] = str(issued["id"])
        # cases: two in MAIN (accepted by clerk1, agent assigned, fees paid), one in XD
        for key, clerk in (("case", "clerk1"), ("case2", "clerk1"), ("case_xd", "xd-clerk1")):
            body = {"service_item": "JS-001",
                    "applicant": {"name": "示例建设有限公司 王经理", "phone": "13800138000"},
                    "params": {"area_m2": "1200"}, "materials_received": JS_MATERIALS,
                    "proxy_requested": True}
            created = self.call(clerk, "POST", "/api/v1/cases", body, expect=201).get_json()
            no = created["tracking_no"]
            v[key], v[key + "_code"] = no, created["query_code"]
            if key == "case_xd":
                continue
            self.call("manager", "POST", f"/api/v1/cases/{no}/proxy-agent",
                      {"username": "agent"}, expect=200)
            fees = self.call("cashier", "GET", f"/api/v1/cases/{no}/payments",
                             expect=200).get_json()["fees"]
            paid = self.call("cashier", "POST", f"/api/v1/cases/{no}/payments",
                             {"amount_fen": fees["outstanding_fen"], "method": "cash"},
                             expect=201).get_json()
            if key == "case":
                v["payment"] = str(paid["payment"]["id"])
        case = self.call("manager", "GET", f"/api/v1/cases/{v['case']}", expect=200).get_json()
        tasks = {t["department"]["code"]: t["id"] for s in case["stages"] for t in s["tasks"]}
        v["task_ghj"], v["task_hbj"] = str(tasks["GHJ"]), str(tasks["HBJ"])
        # an appointment tomorrow, and the slot after it for the booking route
        slots = self.call("anon", "GET", "/api/v1/appointments/slots",
                          query={"category": "A", "date": "2026-09-30"}, expect=200).get_json()
        free = [s["start"] for s in slots if s.get("available", 1)]
        booked = self.call("anon", "POST", "/api/v1/appointments",
                           {"category": "A", "start": free[0], "name": "王五",
                            "phone": "13900139000"}, expect=201).get_json()
        v["appointment"], v["slot"] = booked["code"], free[1]
        # a complaint about the main hall, and the rectification of the one-star rating
        complaint = self.call("anon", "POST", "/api/v1/complaints",
                              {"name": "张三", "phone": "13700137000", "subject": "等待",
                               "body": "等待时间太长", "hall": "MAIN"}, expect=201).get_json()
        v["complaint"] = complaint["tracking_no"]
        rects = self.call("manager", "GET", "/api/v1/rectifications", query=main,
                          expect=200).get_json()
        v["rect"] = str(rects[0]["id"])
        self._build_inspections()
        self._build_door_service()
        for who in PRINCIPALS:
            self.page_client(who)
        return self

    def _build_inspections(self) -> None:
        """An enterprise inspected by GHJ, HBJ, RSJ and SCJ; a joint inspection of GHJ and
        HBJ booked by clerk1 (its case in MAIN, one result per department); a centralized
        period of MAIN."""
        v = self.values
        enterprise = self.call("clerk1", "POST", "/api/v1/enterprises", {
            "name": "示例年检企业有限公司", "credit_code": "913201000000080100",
            "address": "示例路 1 号", "phone": "13900000001",
            "obligations": [{"department": d, "due_date": "2026-10-20"}
                            for d in ("GHJ", "HBJ", "RSJ", "SCJ")]}, expect=201).get_json()
        v["enterprise"], v["enterprise_code"] = str(enterprise["id"]), enterprise["credit_code"]
        visit = self.call("clerk1", "POST", f"/api/v1/enterprises/{enterprise['id']}/inspections",
                          {"date": "2026-09-30", "departments": ["GHJ", "HBJ"],
                           "materials_received": ["年度报告书", "财务报表"]},
                          expect=201).get_json()
        assert sorted(r["department"]["code"] for r in visit["results"]) == ["GHJ", "HBJ"]
        v["visit"] = str(visit["id"])
        period = self.call("manager", "POST", "/api/v1/inspection-periods", {
            "name": "十月集中年检", "start": "2026-09-30", "end": "2026-10-12",
            "daily_capacity": 5, "departments": ["GHJ", "HBJ"], "hall": "MAIN"},
            expect=201).get_json()
        v["period"] = str(period["id"])

    def _build_door_service(self) -> None:
        """Door-to-door requests from the public form: one of MAIN assigned to the proxy
        agent for today, one of XD assigned to xd-clerk1, one of MAIN left unassigned."""
        v = self.values
        body = {"name": "王大爷", "phone": "13800138000", "address": "幸福路 8 号 3 单元 502",
                "service_item": "SB-001", "preferred_date": "2026-09-30", "reason": "elderly"}
        for key, hall, assignee, manager in (("door", "MAIN", "agent", "manager"),
                                             ("door_xd", "XD", "xd-clerk1", "xd-manager"),
                                             ("door_cancel", "MAIN", None, None)):
            ref = self.call("anon", "POST", "/api/v1/door-requests", {**body, "hall": hall},
                            expect=201).get_json()["reference"]
            v[key] = ref
            if assignee:
                self.call(manager, "POST", f"/api/v1/door-requests/{ref}/assign",
                          {"assignee": assignee, "date": "2026-09-29"}, expect=200)

    def fill(self, value):
        if isinstance(value, str):
            whole = _PLACEHOLDER.fullmatch(value)
            if whole:
                return self.values[whole.group(1)]
            if value.startswith("int:"):  # "int:{ticket_done}": a number in a JSON body
                return int(self.fill(value[4:]))
            return _PLACEHOLDER.sub(lambda m: self.values[m.group(1)], value)
        if isinstance(value, dict):
            return {k: self.fill(x) for k, x in value.items()}
        if isinstance(value, list):
            return [self.fill(x) for x in value]
        return value

    def default_args(self, path: str) -> dict[str, str]:
        """The world's object for each path parameter, by its name."""
        v = self.values
        complaint = path.startswith(("/api/v1/complaints", "/manager/complaints"))
        appointment = path.startswith("/api/v1/appointments")
        code = "en" if path.startswith("/lang") else v["appointment"] if appointment \
            else "JS-001"
        return {"tracking_no": v["complaint"] if complaint else v["case"],
                "task_id": v["task_ghj"], "payment_id": v["payment"],
                "ticket_id": v["ticket_w1"], "token": v["token_done"], "number": "1",
                "rect_id": v["rect"], "code": code, "kind": "acceptance-notice",
                "year": "2026", "month": "2026-08", "row_id": "1",
                "override_id": "999999", "file_id": "999999",
                "enterprise_id": v["enterprise"], "visit_id": v["visit"],
                "period_id": v["period"], "reference": v["door"]}


@pytest.fixture(scope="module")
def world(sqlite_templates, tmp_path_factory):
    with time_machine.travel(NOW, tick=True):
        target = tmp_path_factory.mktemp("authz") / "authz.db"
        shutil.copyfile(sqlite_templates["seeded"], target)
        # rate limits are not authorization: 14 principals would trip them
        app = make_app(f"sqlite:///{target}", RATELIMIT_ENABLED=False,
                       API_TOKEN_HOURS=24)
        try:
            yield World(app).build()
        finally:
            _dispose(app)


# --- the matrix --------------------------------------------------------------------------------
def _is_refusal(res) -> bool:
    if res.status_code in (401, 403):
        return True
    if res.status_code in (301, 302, 303, 307, 308):
        target = urlparse(res.location)
        return target.path == "/login" and "next" in parse_qs(target.query)
    return False


def _text(res, limit: int) -> str:
    """The start of an answer for a message (a PDF is not text)."""
    if res.mimetype == "application/pdf":
        return f"<{len(res.get_data())} bytes of PDF>"
    return res.get_data()[:limit * 4].decode("utf-8", "replace")[:limit]


def _denied_by_actor(app, after_seq: int) -> tuple[Counter, int]:
    """`denied` audit records after `after_seq`, per actor name; and the last seq."""
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.actor_name, func.count()).where(
            AuditEvent.result == "denied", AuditEvent.seq > after_seq)
            .group_by(AuditEvent.actor_name)).all()
        last = db.session.execute(select(func.max(AuditEvent.seq))).scalar() or 0
        db.session.remove()
    return Counter({name: count for name, count in rows}), last


class Tally:
    def __init__(self):
        self.counts = Counter()
        self.problems: list[str] = []
        self.notes: list[str] = []  # allowed, but the request itself was refused (4xx)
        self.seconds: Counter = Counter()
        self.denied: Counter = Counter()

    def problem(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        self.problems.append(f"{kind}: {text}")


def _send(world: World, who: str, key: str, path: str, query: dict, body: dict):
    method = key.split(" ", 1)[0]
    if path.startswith("/api/"):
        json = body if method in ("POST", "PUT", "PATCH") else None
        return world.api.open(path, method=method, headers=world.bearer(who), json=json,
                              query_string=query)
    client, csrf = world.page_client(who, fresh=key in FRESH_SESSION)
    data = {**body, "csrf_token": csrf} if method != "GET" else None
    res = client.open(path, method=method, data=data, query_string=query)
    if key == "POST /logout":  # signing out ends every session of the account
        world.pages.pop(who, None)
    return res


def _check(world: World, tally: Tally, key: str, args: dict, query: dict, spec: str,
           body: dict | None = None):
    rule = key.split(" ", 1)[1]
    allowed = expand(spec)
    values = {**world.default_args(rule), **world.fill(args)}
    unknown = sorted(set(re.findall(r"<(\w+)>", rule)) - set(values))
    assert not unknown, f"{key}: no world object for the path parameter(s) {unknown}; " \
        "give a value in ARGS (tests/security/authz_matrix.py)"
    path = re.sub(r"<(\w+)>", lambda m: str(values[m.group(1)]), rule)
    query = world.fill({**({"hall": "MAIN"} if rule.startswith("/api/v1/windows/") else {}),
                        **query})
    body = world.fill({**BODIES.get(key, {}), **(body or {})})
    # the refused first: they must not change the state the allowed ones then act on;
    # a public route is asked by a sample (anonymous, and signed-in roles of each kind)
    callers = PUBLIC_SAMPLE if spec.strip() == "public" else PRINCIPALS
    order = sorted(callers, key=lambda p: (p in allowed, p))
    for who in order:
        expect_refusal = who not in allowed
        started = time.perf_counter()
        res = _send(world, who, key, path, query, body)
        tally.seconds[key] += time.perf_counter() - started
        tally.counts["requests"] += 1
        where = f"{key} [{path}{'?' + str(query) if query else ''}] as {who}: {res.status_code}"
        if res.status_code >= 500:
            tally.problem("server error", where)
        refused = _is_refusal(res)
        if not expect_refusal:
            if refused:
                tally.problem("wrong refusal", where)
            else:
                tally.counts["allowed, answered < 400" if res.status_code < 400
                             else "allowed, answered 4xx"] += 1
                if res.status_code >= 400:
                    tally.notes.append(where + " " + _text(res, 120))
            continue
        if not refused:
            kind = "unauthorized success" if res.status_code < 400 else "not refused"
            tally.problem(kind, where + " " + _text(res, 160))
            continue
        tally.counts["refusals"] += 1
        if who == "anon":
            if path.startswith("/api/") and res.status_code != 401:
                tally.problem("wrong refusal code", where)
            continue
        if res.status_code != 403:
            tally.problem("wrong refusal code", where)
            continue
        tally.denied[who] += 1  # each must leave one `denied` audit record naming `who`


def test_authorization_matrix(world, capsys):
    keys = route_keys(world.app)
    tally = Tally()
    _, start_seq = _denied_by_actor(world.app, 0)
    # (the clock stays where the world fixture put it: moving it back ends the sessions)
    for key, spec in MATRIX.items():
        if key in keys:
            _check(world, tally, key, ARGS.get(key, {}), QUERIES.get(key, {}), spec)
            tally.counts["routes"] += 1
    for key, args, query, spec, *body in VARIANTS:
        _check(world, tally, key, args, {**QUERIES.get(key, {}), **query}, spec,
               body[0] if body else None)
        tally.counts["variants"] += 1
    # S5: every refused signed-in request left exactly one `denied` record naming its user
    audited, _ = _denied_by_actor(world.app, start_seq)
    for who in sorted(set(audited) | set(tally.denied)):
        if audited[who] != tally.denied[who]:
            tally.problem("refusal not audited", f"{who}: {tally.denied[who]} refusals (403), "
                          f"{audited[who]} denied audit records")
    counts = tally.counts
    with capsys.disabled():
        print(f"\nauthorization matrix: {counts['routes']} routes × methods and "
              f"{counts['variants']} variants, {len(PRINCIPALS)} principals "
              f"({len(PUBLIC_SAMPLE)} on public routes), "
              f"{counts['requests']} requests, {counts['refusals']} correct refusals, "
              f"allowed answered <400: {counts['allowed, answered < 400']}, "
              f"4xx: {counts['allowed, answered 4xx']}; "
              f"unauthorized successes {counts['unauthorized success']}, "
              f"not refused {counts['not refused']}, wrong refusals {counts['wrong refusal']}, "
              f"wrong refusal codes {counts['wrong refusal code']}, "
              f"unaudited refusals {counts['refusal not audited']}, "
              f"server errors {counts['server error']}")
        if os.environ.get("AUTHZ_MATRIX_VERBOSE"):
            print("allowed requests answered 4xx (bad body or state, not authorization):")
            print("\n".join("    " + note for note in tally.notes))
            print("slowest routes (s):", tally.seconds.most_common(12))
    assert not tally.problems, "\n".join(tally.problems)


def test_fee_due_of_an_unknown_item_is_not_found(world):
    res = world.call("clerk1", "GET", "/api/v1/service-items/NO-SUCH-ITEM/fee-due")
    assert res.status_code == 404, res.get_json()
    assert world.call("anon", "GET", "/api/v1/service-items/JS-001/fee-due").status_code == 401
    answer = world.call("clerk1", "GET", "/api/v1/service-items/JS-001/fee-due",
                        expect=200).get_json()
    assert answer["service_item"] == "JS-001"
    assert answer["fee_due"] in ("before_handover", "before_decision")


def test_a_refused_request_leaves_a_denied_audit_record(world):
    """S5 for one refusal in detail: who, what, on which object, from where, the result."""
    _, before = _denied_by_actor(world.app, 0)
    res = world.call("xd-clerk1", "GET", f"/api/v1/cases/{world.values['case']}")
    assert res.status_code == 403
    with world.app.app_context():
        rows = db.session.execute(select(AuditEvent).where(
            AuditEvent.seq > before, AuditEvent.result == "denied")).scalars().all()
        assert [(r.actor_name, r.action, r.entity_type, r.ip) for r in rows] == \
            [("xd-clerk1", "case.view", "case", "127.0.0.1")]
        assert rows[0].entity_id is not None and rows[0].details["reason"]
        db.session.remove()
