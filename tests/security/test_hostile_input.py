"""A hostile-input corpus against every JSON write route under /api/v1 (found by walking
app.url_map, so routes added later are covered too) and every form post (issue 8,
QUALITY.md S3).

Body-level cases (deeply nested JSON, a 10 MB body, invalid UTF-8, a lone surrogate,
NaN, JSON that is not an object, an empty body, the wrong content type, ...) and
field-level cases (each documented field of the request body replaced by a hostile
value: NUL characters, 10**400, 1e309, negative and fractional fen, "1_000", full-width
digits, strings for numbers, lists for objects, ...).

For every request:
- no status ≥ 500;
- every 4xx from /api/ is JSON in the one error shape of service_center/errors.py;
- a refused request (any 4xx) leaves every table's row count as it was (no partial write;
  audit records, sign-in attempts and tokens are expected to change and not counted);
- a 10 MB body is refused with 413.

The number and NUL cases run on SQLite and PostgreSQL; the rest on SQLite only. The
tests print how many cases they tried (`-s` shows it)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, literal, select, union_all

from service_center.extensions import db
from service_center.openapi import load_spec

from ..approvals.conftest import JS_MATERIALS, at
from .fuzzing import ACTORS, API, WRITE_METHODS, actor_for, rate_limits_off, spec_path

SPEC = load_spec()
# notification_attempt: deliveries of earlier notifications, sent by a background thread
NOT_COUNTED = {"audit_event", "audit_chain", "login_attempt", "api_token", "notification_attempt"}
HOLE = "__HOSTILE_VALUE__"
TEN_MB = 10 * 1024 * 1024

# --- the corpus ---------------------------------------------------------------------------
# field-level values, as raw JSON text (so that 10**400 and 1e309 arrive as written)
NUMBER_VALUES = {
    "10**400": "1" + "0" * 400,
    "-10**400": "-1" + "0" * 400,
    "1e309": "1e309",
    "-1e309": "-1e309",
    "1e-400": "1e-400",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "2**63": str(2**63),
    "-2**63-1": str(-(2**63) - 1),
    "2**31": str(2**31),
    "-1": "-1",
    "0": "0",
    "-0": "-0",
    "0.5": "0.5",
    "1.0": "1.0",
    "1e2": "1e2",
    '"12.345"': '"12.345"',
    '"-1"': '"-1"',
    '"0.5"': '"0.5"',
    '"1_000"': '"1_000"',
    '"1e3"': '"1e3"',
    '"１２"': '"１２"',
    '"٣"': '"٣"',
    '" 12 "': '" 12 "',
}
NUL_VALUES = {
    "NUL inside": '"a\\u0000b"',
    "only NUL": '"\\u0000"',
    "NUL in a list": '["\\u0000"]',
    "NUL key": '{"\\u0000": "\\u0000"}',
}
TYPE_VALUES = {
    "list": "[]",
    "list of lists": "[[[]]]",
    "object": "{}",
    "true": "true",
    "null": "null",
    "string": '"abc"',
    "empty string": '""',
    "number": "123",
    "200 000 chars": '"' + "x" * 200_000 + '"',
    "lone surrogate": '"\\ud800"',
    "RTL and emoji": '"\\u202e\\ud83d\\ude00"',
    "markup": '"<script>alert(1)</script>"',
    "SQL": '"\' OR 1=1 --"',
    "format string": '"%s%n{0}{__class__}"',
}


def _nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"


BODY_CASES = {
    # name: (body bytes, content type)
    "10000 nested lists": (_nested(10_000), "application/json"),
    "10000 nested objects": (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json"),
    "40 nested lists": (_nested(40), "application/json"),
    "invalid UTF-8": (b'{"name": "\xff\xfe\xfd", "reason": "\xc3\x28"}', "application/json"),
    "Latin-1 text": ('{"name": "Zoë"}'.encode("latin-1"), "application/json"),
    "lone surrogate": (b'{"name": "\\udc00"}', "application/json"),
    "BOM": (b'\xef\xbb\xbf{"name": "x"}', "application/json"),
    "UTF-16": ('{"name": "x"}'.encode("utf-16"), "application/json"),
    "NaN value": (b'{"amount_fen": NaN, "score": Infinity}', "application/json"),
    "list": (b"[]", "application/json"),
    "list of objects": (b'[{"name": "x"}]', "application/json"),
    "string": (b'"x"', "application/json"),
    "number": (b"1" + b"0" * 400, "application/json"),
    "null": (b"null", "application/json"),
    "empty": (b"", "application/json"),
    "whitespace": (b"  \n ", "application/json"),
    "truncated": (b'{"name": ', "application/json"),
    "trailing garbage": (b'{"name": "x"} {}', "application/json"),
    "duplicate keys": (b'{"name": "x", "name": 1}', "application/json"),
    "NUL byte outside strings": (b'{"name": "x"}\x00', "application/json"),
    "form instead of JSON": (b"name=x&amount_fen=1", "application/x-www-form-urlencoded"),
    "text/plain": (b'{"name": "x"}', "text/plain"),
    "no content type": (b'{"name": "x"}', None),
    "XML": (b"<a>1</a>", "application/xml"),
    "multipart garbage": (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\x00\r\n",
                          "multipart/form-data; boundary=x"),
}

# --- the routes ---------------------------------------------------------------------------


def _resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def write_routes(app) -> list[tuple[str, str, str]]:
    """(method, URL rule, spec path) of every JSON write route under /api/v1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        for method in sorted(rule.methods & set(WRITE_METHODS)):
            found.append((method, rule.rule, spec_path(rule.rule)))
    return sorted(found)


def form_routes(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "POST" in rule.methods and not rule.rule.startswith("/api/")
                  and not rule.rule.startswith("/socket.io"))


def body_schema(method: str, path: str) -> dict:
    operation = SPEC.get("paths", {}).get(path, {}).get(method.lower()) or {}
    content = (operation.get("requestBody") or {}).get("content") or {}
    return _resolve((content.get("application/json") or {}).get("schema") or {})


_STRING_DEFAULTS = {"service_item": "JS-001", "hall": "MAIN", "method": "cash",
                    "category": "A", "decision": "approve", "fee_code": "RFYD",
                    "username": "agent", "phone": "13800138000", "fee_due": "before_handover",
                    "department": "GHJ", "from_department": "GHJ", "to_department": "HBJ",
                    "credit_code": "91330100MA2XXXXX1X", "start": "2026-10-08T09:30"}


def _base_value(name: str, schema: dict):
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "string":
        if schema.get("format") == "date":
            return "2026-10-08"
        return _STRING_DEFAULTS.get(name, "示例")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return JS_MATERIALS if "material" in name else []
    if kind == "object":
        if name == "params":
            return {"area_m2": "1200"}
        if name == "applicant":
            return {"name": "王经理", "phone": "13800138000"}
        return {}
    return None


def base_body(schema: dict) -> dict:
    return {name: _base_value(name, prop)
            for name, prop in (schema.get("properties") or {}).items()}


def field_cases(schema: dict, values: dict[str, str]):
    """(label, body bytes) per documented top-level field and hostile value; for object
    fields also the value one level down (params.area_m2, applicant.name)."""
    base = base_body(schema)
    for field in base:
        targets = [(field,)]
        if isinstance(base[field], dict):
            targets += [(field, key) for key in (base[field] or {"x": None})]
        for target in targets:
            body = json.loads(json.dumps(base))
            holder = body
            for key in target[:-1]:
                holder = holder[key]
            holder[target[-1]] = HOLE
            text = json.dumps(body, ensure_ascii=False)
            for label, raw in values.items():
                yield f"{'.'.join(target)}={label}", \
                    text.replace(f'"{HOLE}"', raw).encode("utf-8")


# --- the world the routes see -------------------------------------------------------------


class World:
    """One real case (with a payment and tasks) and the bearer tokens, so that path
    parameters name things that exist and the bodies reach the code that reads them."""

    def __init__(self, app, client, auth):
        self.app = app
        self.client = client
        self.auth = auth
        self.tried = 0
        app.config["API_TOKEN_HOURS"] = 24 * 400
        # every token first: the corpus sends failed sign-ins that may lock an account
        for username in {user for _, user in ACTORS} | {"admin", "clerk3"}:
            auth.token(username)
        res = client.post(f"{API}/cases", headers=auth.headers("clerk3"), json={
            "service_item": "JS-001", "params": {"area_m2": "1200"},
            "applicant": {"name": "示例建设有限公司 王经理", "phone": "13800138000",
                          "organization": "示例建设有限公司"},
            "materials_received": JS_MATERIALS})
        assert res.status_code == 201, res.get_json()
        case = res.get_json()
        self.tracking_no = case["tracking_no"]
        self.task_id = case["stages"][0]["tasks"][0]["id"]
        pay = client.post(f"{API}/cases/{self.tracking_no}/payments",
                          headers=auth.headers("cashier"),
                          json={"amount_fen": case["fees"]["outstanding_fen"]
                                if "fees" in case else 3380000, "method": "cash"})
        assert pay.status_code in (200, 201), pay.get_json()
        entry = pay.get_json().get("entry") or pay.get_json()
        self.payment_id = entry.get("id", 1)
        self.params = {"tracking_no": self.tracking_no, "task_id": self.task_id,
                       "payment_id": self.payment_id, "code": "JS-001", "number": 1,
                       "kind": "acceptance"}

    def url(self, rule: str) -> str:
        def fill(match: re.Match) -> str:
            name = match.group(1)
            return quote(str(self.params.get(name, 1)))
        return re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>", fill, rule)

    _known: dict[str, int] | None = None

    def counts(self) -> dict[str, int]:
        tables = [t for name, t in sorted(db.metadata.tables.items()) if name not in NOT_COUNTED]
        query = union_all(*(select(literal(t.name).label("t"), func.count().label("n"))
                            .select_from(t) for t in tables))
        with self.app.app_context():
            rows = db.session.execute(query).all()
            db.session.remove()
        return dict(rows)

    def send(self, method: str, url: str, body: bytes, content_type: str | None,
             headers: dict[str, str], label: str):
        # the counts after a refused request are the counts before the next one (nothing
        # else writes in between): one count query per request instead of two
        before = self._known if self._known is not None else self.counts()
        self._known = None
        environ = {"CONTENT_TYPE": content_type} if content_type else {}
        res = self.client.open(url, method=method, data=body, headers=headers,
                               environ_overrides=environ)
        self.tried += 1
        where = f"{method} {url} [{label}]"
        assert res.status_code < 500, f"{where} -> {res.status_code}: {res.get_data()[:300]!r}"
        if 400 <= res.status_code < 500:
            if url.startswith("/api/"):
                assert_error_shape(res, where)
            after = self.counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{where} -> {res.status_code} but rows changed: {changed}"
            self._known = after
        return res


def assert_error_shape(res, where: str) -> None:
    assert res.mimetype == "application/json", f"{where}: {res.status_code} {res.mimetype}"
    body = res.get_json(silent=True)
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: {body!r}"
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, \
        f"{where}: {error!r}"
    assert isinstance(error["code"], str) and error["code"], where
    assert isinstance(error["message"], str) and error["message"], where
    assert isinstance(error["details"], dict), where


@pytest.fixture
def world(seeded, client, auth):
    import time_machine

    with time_machine.travel(at("2026-09-29"), tick=False), rate_limits_off():
        yield World(seeded, client, auth)


def _api_headers(world: World, method: str, path: str) -> dict[str, str]:
    return world.auth.headers(actor_for(method, path))


def _report(name: str, world: World, capsys=None) -> None:
    print(f"\n[hostile-input] {name}: {world.tried} requests")  # noqa: T201


# --- the tests ----------------------------------------------------------------------------


def test_the_corpus_covers_the_write_routes(sqlite_app):
    routes = write_routes(sqlite_app)
    assert len(routes) >= 40, routes
    documented = [r for r in routes if body_schema(r[0], r[2]).get("properties")]
    assert len(documented) >= 30


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_hostile_bodies_never_break_the_api(world):
    for method, rule, path in write_routes(world.app):
        url = world.url(rule)
        headers = _api_headers(world, method, path)
        for label, (body, content_type) in BODY_CASES.items():
            res = world.send(method, url, body, content_type, headers, label)
            if body_schema(method, path).get("required") and label not in (
                    "text/plain", "no content type", "40 nested lists", "duplicate keys"):
                # a required JSON object that is missing or broken is never accepted
                assert res.status_code >= 400, f"{method} {url} [{label}] accepted"
        big = world.send(method, url, b"{" + b" " * TEN_MB + b"}", "application/json",
                         headers, "10 MB")
        assert big.status_code == 413, (method, url, big.status_code)
        assert big.get_json()["error"]["code"] == "too_large"
    _report("body-level", world)


def _fields(world: World, values: dict[str, str], name: str) -> None:
    for method, rule, path in write_routes(world.app):
        schema = body_schema(method, path)
        if not schema.get("properties"):
            continue
        url = world.url(rule)
        headers = _api_headers(world, method, path)
        for label, body in field_cases(schema, values):
            world.send(method, url, body, "application/json", headers, label)
    _report(name, world)


def test_hostile_numbers_and_fen(world):
    _fields(world, NUMBER_VALUES, f"numbers ({world.app.config['SQLALCHEMY_DATABASE_URI']})")


def test_nul_characters(world):
    _fields(world, NUL_VALUES, "NUL")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_wrong_types_and_strings(world):
    _fields(world, TYPE_VALUES, "types")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_the_money_fields_refuse_non_fen(world):
    """Payments and adjustments take whole fen only: nothing fractional, negative (where
    not allowed), written as a string or out of range is stored."""
    headers = world.auth.headers("cashier")
    url = f"{API}/cases/{world.tracking_no}/payments"
    for label in ("10**400", "1e309", "NaN", "0.5", "1.0", '"12.345"', '"1_000"', '"１２"',
                  "-1", "0", "2**63"):
        body = f'{{"amount_fen": {NUMBER_VALUES[label]}, "method": "cash"}}'.encode()
        res = world.send("POST", url, body, "application/json", headers, label)
        assert res.status_code == 422, (label, res.status_code, res.get_json())
        assert "amount_fen" in res.get_json()["error"]["details"], label
    _report("money", world)


# --- forms --------------------------------------------------------------------------------
FORM_VALUES = {
    "10**400": "1" + "0" * 400,
    "1e309": "1e309",
    "12.345": "12.345",
    "-1": "-1",
    "0.5": "0.5",
    "1_000": "1_000",
    "１２": "１２",
    "200 000 chars": "x" * 200_000,
    "lone surrogate": "\ud800",
    "markup": "<script>alert(1)</script>",
}
FORM_FIELDS = ("name", "phone", "tracking_no", "code", "reference", "amount", "amount_fen",
               "score", "window_number", "category", "start", "date", "username", "password",
               "subject", "body", "hall", "reason", "area_m2", "otp")


def _form_fields(world: World, url: str) -> set[str]:
    page = world.client.get(url)
    names = set(re.findall(r'name="([^"]+)"', page.get_data(as_text=True))) \
        if page.status_code == 200 else set()
    return (names | set(FORM_FIELDS)) - {"csrf_token", "csrf-token"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_hostile_form_posts(world):
    """Every form post, as an anonymous visitor (the public forms) and as the
    administrator (the staff forms), CSRF off so that the values reach the form code."""
    world.app.config["WTF_CSRF_ENABLED"] = False
    for signed_in in (False, True):
        if signed_in:
            world.auth.login("admin")
        for rule in form_routes(world.app):
            url = world.url(rule)
            fields = _form_fields(world, url) if "<" not in rule else set(FORM_FIELDS)
            for label, value in FORM_VALUES.items():
                body = "&".join(f"{quote(k)}={quote(value, errors='surrogatepass')}"
                                for k in sorted(fields)).encode()
                world.send("POST", url, body, "application/x-www-form-urlencoded", {},
                           f"form {label}")
            nul = world.send("POST", url, b"name=a%00b&phone=%00",
                             "application/x-www-form-urlencoded", {}, "form NUL")
            assert nul.status_code in (302, 400, 401, 403, 404, 405), (url, nul.status_code)
            world.send("POST", url, b"name=%FF%FE&phone=\xff\xfe",
                       "application/x-www-form-urlencoded", {}, "form invalid UTF-8")
            world.send("POST", url, b'{"name": "x"}', "application/json", {}, "form JSON")
            big = world.send("POST", url, b"name=" + b"x" * TEN_MB,
                             "application/x-www-form-urlencoded", {}, "form 10 MB")
            assert big.status_code == 413, (url, big.status_code)
    _report("forms", world)
