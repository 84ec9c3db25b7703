"""The inspection answers match their OpenAPI description."""

from __future__ import annotations

from tests.test_openapi import assert_documented

from .conftest import NJ_MATERIALS


def test_answers_match_the_description(insp):
    ent = insp.enterprise({"SCJ": "2026-09-01", "RSJ": "2026-10-20"})
    eid = ent["id"]
    h = insp.auth.headers("manager")
    c = insp.client
    checks = [
        (c.get("/api/v1/enterprises", headers=h), "get", "/enterprises"),
        (c.get(f"/api/v1/enterprises/{eid}", headers=h), "get", "/enterprises/{enterprise_id}"),
        (c.post("/api/v1/enterprises", json={"name": "x"}, headers=h), "post", "/enterprises"),
        (c.patch(f"/api/v1/enterprises/{eid}", json={"address": "a"}, headers=h), "patch",
         "/enterprises/{enterprise_id}"),
        (c.put(f"/api/v1/enterprises/{eid}/obligations/GHJ", json={"due_date": "2027-01-01"},
               headers=h), "put", "/enterprises/{enterprise_id}/obligations/{code}"),
        (c.delete(f"/api/v1/enterprises/{eid}/obligations/GHJ", headers=h), "delete",
         "/enterprises/{enterprise_id}/obligations/{code}"),
    ]
    booked = c.post(f"/api/v1/enterprises/{eid}/inspections",
                    json={"date": "2026-09-29", "materials_received": NJ_MATERIALS}, headers=h)
    checks.append((booked, "post", "/enterprises/{enterprise_id}/inspections"))
    vid = booked.get_json()["id"]
    checks += [
        (c.get(f"/api/v1/inspections/{vid}", headers=h), "get", "/inspections/{visit_id}"),
        (insp.post(f"/inspections/{vid}/results", "approver-scj",
                   {"department": "SCJ", "result": "failed", "reason": "年报未公示"}),
         "post", "/inspections/{visit_id}/results"),
        (c.get("/api/v1/inspections/overdue", headers=h), "get", "/inspections/overdue"),
    ]
    period = c.post("/api/v1/inspection-periods", headers=h, json={
        "name": "p", "start": "2026-09-30", "end": "2026-10-12", "daily_capacity": 3,
        "departments": ["SCJ", "RSJ"]})
    checks.append((period, "post", "/inspection-periods"))
    pid = period.get_json()["id"]
    insp.enterprise({"RSJ": "2026-10-01"})
    checks += [
        (c.post(f"/api/v1/inspection-periods/{pid}/schedule", json={}, headers=h), "post",
         "/inspection-periods/{period_id}/schedule"),
        (c.get(f"/api/v1/inspection-periods/{pid}", headers=h), "get",
         "/inspection-periods/{period_id}"),
        (c.get("/api/v1/inspection-periods", headers=h), "get", "/inspection-periods"),
    ]
    for res, method, path in checks:
        assert res.status_code < 500
        assert_documented(res, method, path)
    assert [r.status_code for r, _m, _p in checks][:7] == [200, 200, 422, 200, 200, 200, 201]
