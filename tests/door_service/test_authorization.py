"""Who may do what: managers of the request's hall assign and cancel; the assigned staff
member records the result and the case; others are refused (and the refusal audited)."""

from __future__ import annotations

from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.extensions import db

from .conftest import TOMORROW


def test_anonymous_staff_endpoints_are_401(door):
    ref = door.create()["reference"]
    client = door.client
    assert client.get("/api/v1/door-requests").status_code == 401
    assert client.get(f"/api/v1/door-requests/{ref}").status_code == 401
    assert client.get("/api/v1/door-requests/route").status_code == 401
    assert client.post(f"/api/v1/door-requests/{ref}/assign",
                       json={"assignee": "clerk1", "date": TOMORROW}).status_code == 401
    assert client.post(f"/api/v1/door-requests/{ref}/result",
                       json={"outcome": "completed"}).status_code == 401
    assert client.get("/door-service/route").status_code in (302, 401)


def test_only_managers_of_the_hall_assign(seeded, door):
    ref = door.create()["reference"]
    for who in ("clerk1", "xd-manager", "approver-ghj", "agent", "cashier"):
        assert door.assign(ref, by=who).status_code == 403, who
    assert door.assign(ref, by="admin").status_code == 200
    assert door.assign(ref, "clerk2", by="manager").status_code == 200
    with seeded.app_context():
        denied = db.session.execute(select(AuditEvent.actor_name).where(
            AuditEvent.action == "door.manage", AuditEvent.result == "denied")).scalars().all()
    assert sorted(denied) == sorted(["clerk1", "xd-manager", "approver-ghj", "agent", "cashier"])


def test_only_the_assignee_records_the_result(door):
    ref = door.create()["reference"]
    door.assign(ref, "clerk1")
    door.at(f"{TOMORROW} 14:00")
    for who in ("clerk2", "xd-manager", "agent"):
        assert door.result(ref, "completed", by=who).status_code == 403, who
        assert door.client.post(f"/api/v1/door-requests/{ref}/case-link",
                                json={"tracking_no": "X"},
                                headers=door.auth.headers(who)).status_code == 403
    assert door.result(ref, "completed", by="clerk1").status_code == 200


def test_views_and_routes_by_role(door):
    ref = door.create()["reference"]
    door.assign(ref, "agent")
    assert door.get(ref, "agent").status_code == 200       # the assignee
    assert door.get(ref, "clerk1").status_code == 200      # window staff of the hall
    assert door.get(ref, "xd-clerk1").status_code == 403
    assert door.get(ref, "approver-ghj").status_code == 403
    route = "/api/v1/door-requests/route"
    q = {"date": TOMORROW, "staff": "agent"}
    h = door.auth.headers
    assert door.client.get(route, query_string=q, headers=h("agent")).status_code == 200
    assert door.client.get(route, query_string=q, headers=h("manager")).status_code == 200
    assert door.client.get(route, query_string=q, headers=h("clerk1")).status_code == 403
    assert door.client.get(route, query_string={"date": TOMORROW},
                           headers=h("approver-ghj")).status_code == 403
    mine = door.client.get("/api/v1/door-requests", headers=h("agent")).get_json()
    assert [r["reference"] for r in mine] == [ref]
    assert door.client.get("/api/v1/door-requests", headers=h("xd-manager")).get_json() == []
    assert [r["reference"] for r in door.client.get(
        "/api/v1/door-requests", headers=h("manager")).get_json()] == [ref]


def test_staff_enter_requests_for_their_hall(door):
    h = door.auth.headers
    body = {"name": "李奶奶", "phone": "13700137000", "address": "新店镇 1 号",
            "description": "办理高龄津贴", "preferred_date": TOMORROW, "reason": "elderly"}
    res = door.client.post("/api/v1/door-requests", json=body, headers=h("clerk1"))
    assert res.status_code == 201 and res.get_json()["source"] == "staff"
    # staff of another hall (or without a desk) use the public form like anyone
    other = door.client.post("/api/v1/door-requests", json={**body, "hall": "XD"},
                             headers=h("clerk1"))
    assert other.status_code == 201 and "source" not in other.get_json()
    approver = door.client.post("/api/v1/door-requests", json=body, headers=h("approver-ghj"))
    assert approver.status_code == 201 and "source" not in approver.get_json()
    own = door.client.post("/api/v1/door-requests", json={**body, "hall": "XD"},
                           headers=h("xd-clerk1"))
    assert own.status_code == 201 and own.get_json()["source"] == "staff"
