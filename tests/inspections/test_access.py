"""Who may do what, and bad input answered with 4xx, never a 500."""

from __future__ import annotations

from .conftest import NJ_MATERIALS, make_code


def test_authorization(insp, client):
    ent = insp.enterprise({"SCJ": "2026-10-20", "RSJ": "2026-10-20"})
    eid = ent["id"]
    body = {"name": "另一家公司", "credit_code": make_code(900)}
    assert client.get("/api/v1/enterprises").status_code == 401
    assert insp.post("/enterprises", "approver-scj", body).status_code == 403
    assert insp.post("/enterprises", "agent", body).status_code == 403
    assert insp.get("/enterprises", "agent").status_code == 403
    assert insp.get("/enterprises", "approver-scj").status_code == 200
    # window staff register and book, but do not edit the register
    assert insp.client.patch(f"/api/v1/enterprises/{eid}", json={"name": "x"},
                             headers=insp.auth.headers("clerk3")).status_code == 403
    res = insp.client.patch(f"/api/v1/enterprises/{eid}", json={"address": "新地址"},
                            headers=insp.auth.headers("manager"))
    assert res.status_code == 200 and res.get_json()["address"] == "新地址"
    assert insp.client.put(f"/api/v1/enterprises/{eid}/obligations/GHJ",
                           json={"due_date": "2027-01-01"},
                           headers=insp.auth.headers("clerk3")).status_code == 403
    # periods are the managers'
    period = {"name": "p", "start": "2026-09-30", "end": "2026-10-12", "daily_capacity": 2,
              "departments": ["SCJ"]}
    for user in ("clerk3", "approver-scj"):
        assert insp.post("/inspection-periods", user, period).status_code == 403
        assert insp.get("/inspection-periods", user).status_code == 403
    assert insp.post(f"/enterprises/{eid}/inspections", "approver-scj",
                     {"date": "2026-09-30"}).status_code == 403
    visit = insp.book(ent, "2026-09-29", materials_received=NJ_MATERIALS)
    # a department records only its own result
    res = insp.post(f"/inspections/{visit['id']}/results", "approver-rsj",
                    {"department": "SCJ", "result": "passed"})
    assert res.status_code == 403
    res = insp.post(f"/inspections/{visit['id']}/results", "manager",
                    {"department": "SCJ", "result": "passed"})
    assert res.status_code == 403
    res = insp.post(f"/inspections/{visit['id']}/results", "approver-ghj",
                    {"department": "GHJ", "result": "passed"})
    assert res.status_code == 404  # GHJ has no part in it
    insp.result(visit, "SCJ")


def test_bad_input_is_4xx(insp):
    ent = insp.enterprise({"SCJ": "2026-10-20"})
    h = insp.auth.headers("manager")
    c = insp.client
    assert c.post("/api/v1/enterprises", data="{", headers={**h, "Content-Type":
                                                           "application/json"}).status_code == 400
    assert c.post("/api/v1/enterprises", json=[1], headers=h).status_code == 400
    cases = [
        {}, {"name": "x"}, {"name": "x", "credit_code": "91350100M000100Y44"},
        {"name": "x", "credit_code": 12}, {"name": "x" * 201, "credit_code": make_code(7)},
        {"name": "x", "credit_code": make_code(7), "phone": "call me"},
        {"name": "x", "credit_code": make_code(7), "obligations": "SCJ"},
        {"name": "x", "credit_code": make_code(7), "obligations": [{"department": "SCJ"}]},
        {"name": "x", "credit_code": make_code(7),
         "obligations": [{"department": "NOPE", "due_date": "2027-01-01"}]},
        {"name": "x\x00", "credit_code": make_code(7)},
    ]
    for body in cases:
        res = c.post("/api/v1/enterprises", json=body, headers=h)
        assert res.status_code == 422, (body, res.get_json())
    res = c.post("/api/v1/enterprises", json={"name": "x", "credit_code": "91350100M000100Y44"},
                 headers=h)
    assert "credit_code" in res.get_json()["error"]["details"]
    dup = c.post("/api/v1/enterprises", json={"name": "y", "credit_code": ent["credit_code"]},
                 headers=h)
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "duplicate_credit_code"
    eid = ent["id"]
    for body in ({}, {"date": "2026/09/30"}, {"date": 20260930}, {"date": "2026-02-30"},
                 {"date": "2026-09-30", "departments": "SCJ"},
                 {"date": "2026-09-30", "departments": ["NOPE"]},
                 {"date": "2026-09-30", "materials_received": "all"},
                 {"date": "2026-09-30", "materials_received": ["不存在的材料"]}):
        res = c.post(f"/api/v1/enterprises/{eid}/inspections", json=body, headers=h)
        assert res.status_code == 422, (body, res.get_json())
    assert c.get("/api/v1/enterprises/999999", headers=h).status_code == 404
    assert c.get("/api/v1/inspections/999999", headers=h).status_code == 404
    assert c.put(f"/api/v1/enterprises/{eid}/obligations/SCJ", json={"due_date": "x"},
                 headers=h).status_code == 422
    assert c.delete(f"/api/v1/enterprises/{eid}/obligations/GHJ",
                    headers=h).status_code == 404
    assert c.patch(f"/api/v1/enterprises/{eid}", json={"version": 99, "name": "z"},
                   headers=h).status_code == 409
    visit = insp.book(ent, "2026-09-30")
    for body in ({}, {"department": "SCJ"}, {"department": "SCJ", "result": "ok"},
                 {"department": 5, "result": "passed"}):
        res = c.post(f"/api/v1/inspections/{visit['id']}/results", json=body,
                     headers=insp.auth.headers("approver-scj"))
        assert res.status_code == 422, (body, res.get_json())
    # removing a booked department's inspection waits for its result
    assert c.delete(f"/api/v1/enterprises/{eid}/obligations/SCJ",
                    headers=h).status_code == 409
