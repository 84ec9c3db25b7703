"""The door-to-door answers match their OpenAPI description (service_center/openapi.yaml)."""

from __future__ import annotations

from tests.test_openapi import assert_documented

from .conftest import TOMORROW, request_body


def test_answers_match_the_description(door):
    c, h = door.client, door.auth.headers
    res = c.post("/api/v1/door-requests", json=request_body())
    assert_documented(res, "post", "/door-requests")
    ref = res.get_json()["reference"]
    assert_documented(c.post("/api/v1/door-requests", json={}), "post", "/door-requests")
    assert_documented(c.get("/api/v1/door-requests/status",
                            query_string={"reference": ref, "phone": "13800138000"}),
                      "get", "/door-requests/status")
    assert_documented(door.assign(ref), "post", "/door-requests/{reference}/assign")
    assert_documented(door.get(ref), "get", "/door-requests/{reference}")
    assert_documented(c.get("/api/v1/door-requests", headers=h("manager")),
                      "get", "/door-requests")
    assert_documented(c.get("/api/v1/door-requests/route", query_string={"date": TOMORROW},
                            headers=h("clerk1")), "get", "/door-requests/route")
    assert_documented(c.post(f"/api/v1/door-requests/{ref}/case",
                             json={"service_item": "QY-001"}, headers=h("clerk1")),
                      "post", "/door-requests/{reference}/case")
    assert_documented(c.post(f"/api/v1/door-requests/{ref}/case-link",
                             json={"tracking_no": "NOPE"}, headers=h("clerk1")),
                      "post", "/door-requests/{reference}/case-link")
    assert_documented(door.result(ref, "completed"), "post", "/door-requests/{reference}/result")
    assert_documented(c.post(f"/api/v1/door-requests/{ref}/cancel", json={"reason": "x"},
                             headers=h("manager")), "post", "/door-requests/{reference}/cancel")
