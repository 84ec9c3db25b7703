"""The OpenAPI description (/api/v1/openapi.json): a valid OpenAPI 3.1 document that
describes every /api/v1 route the app has, and whose schemas the real answers match."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec

from service_center.openapi import load_spec

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


def test_request_schemas_follow_what_the_views_validate():
    ticket = _resolve(operation("post", "/tickets")["requestBody"]["content"]
                      ["application/json"]["schema"])
    assert ticket["required"] == ["category"]
    assert ticket["properties"]["category"]["maxLength"] == 4
    from service_center.queueing.services import PRIORITY_REASONS

    assert set(ticket["properties"]["priority_reason"]["enum"]) - {None} == \
        set(PRIORITY_REASONS)
    token = _resolve(operation("post", "/auth/token")["requestBody"]["content"]
                     ["application/json"]["schema"])
    assert set(token["required"]) == {"username", "password"}


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
