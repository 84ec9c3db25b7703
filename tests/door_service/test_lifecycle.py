"""A request's life: received → scheduled → completed / not completed (→ scheduled again)
→ …; cancelled; every change audited; the applicant notified when a visit is scheduled;
the case it serves linked by number or registered from the request."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.door_service.models import DoorRequest
from service_center.door_service.states import DOOR_TRANSITIONS, DoorStatus
from service_center.extensions import db
from service_center.notifications.models import Notification

from .conftest import TOMORROW


def _audit(app, ref: str) -> list[tuple[str, str | None, str | None, str | None]]:
    with app.app_context():
        row_id = db.session.execute(select(DoorRequest.id).where(
            DoorRequest.reference == ref)).scalar_one()
        return [(e.action, e.from_state, e.to_state, e.actor_name) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "door_request",
                                     AuditEvent.entity_id == str(row_id))
            .order_by(AuditEvent.seq)).scalars()]


def _notes(app, kind: str) -> list[Notification]:
    with app.app_context():
        return list(db.session.execute(select(Notification).where(
            Notification.kind == kind)).scalars())


def test_request_scheduled_completed(seeded, door, clock):
    created = door.create()
    ref = created["reference"]
    assert created["status"] == "requested" and ref.startswith("D") and len(ref) == 8
    assert "phone" not in created  # the public answer does not echo personal data
    assert _notes(seeded, "door_service_scheduled") == []

    res = door.assign(ref)
    assert res.status_code == 200, res.get_json()
    data = res.get_json()
    assert data["status"] == "scheduled" and data["scheduled_date"] == TOMORROW
    assert data["assignee"]["username"] == "clerk1" and data["route_order"] == 1
    notes = _notes(seeded, "door_service_scheduled")
    assert [(n.recipient, n.payload["reference"], n.payload["date"]) for n in notes] == \
        [("13800138000", ref, TOMORROW)]

    door.at(f"{TOMORROW} 15:00")
    res = door.result(ref, "completed", note="已办结")
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["status"] == "completed"
    assert res.get_json()["completed_at"].startswith(TOMORROW)
    # a finished request takes no more changes
    assert door.assign(ref).status_code == 409
    assert door.result(ref, "not_completed", note="x").status_code == 409
    assert _audit(seeded, ref) == [
        ("requested", None, "requested", None),
        ("scheduled", "requested", "scheduled", "manager"),
        ("completed", "scheduled", "completed", "clerk1"),
    ]


def test_not_completed_needs_a_reason_and_can_be_visited_again(seeded, door, clock):
    ref = door.create()["reference"]
    assert door.assign(ref).status_code == 200
    door.at(f"{TOMORROW} 11:00")
    res = door.result(ref, "not_completed")
    assert res.status_code == 422 and "note" in res.get_json()["error"]["details"]
    res = door.result(ref, "not_completed", note="家中无人")
    assert res.status_code == 200 and res.get_json()["status"] == "not_completed"
    assert res.get_json()["result_note"] == "家中无人"
    again = door.assign(ref, "clerk2", "2026-09-23")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["assignee"]["username"] == "clerk2"
    # reassigned before the visit: recorded as such
    assert door.assign(ref, "clerk1", "2026-09-24").status_code == 200
    res = door.client.post(f"/api/v1/door-requests/{ref}/cancel", json={"reason": "本人来厅办理"},
                           headers=door.auth.headers("manager"))
    assert res.status_code == 200 and res.get_json()["status"] == "cancelled"
    assert [a[0] for a in _audit(seeded, ref)] == [
        "requested", "scheduled", "not_completed", "scheduled", "rescheduled", "cancelled"]
    assert len(_notes(seeded, "door_service_scheduled")) == 3


def test_result_waits_for_the_visit_day(door):
    ref = door.create()["reference"]
    door.assign(ref)
    res = door.result(ref, "completed")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "visit_not_due"


def test_visits_only_on_working_days_and_not_in_the_past(door):
    ref = door.create()["reference"]
    for day, code in (("2026-10-01", "not_a_working_day"), ("2026-09-18", "date_in_past")):
        res = door.assign(ref, day=day)
        assert res.status_code == 422 and res.get_json()["error"]["code"] == code, day


def test_assignee_must_make_visits_in_the_same_hall(door):
    ref = door.create()["reference"]
    for who in ("approver-ghj", "xd-clerk1", "nobody"):
        res = door.assign(ref, who)
        assert res.status_code == 422, who
        assert "assignee" in res.get_json()["error"]["details"]


def test_link_case_by_tracking_number_and_create_case(seeded, door, auth, clock):
    # a case accepted at window 1, then linked to a request when the result is recorded
    res = door.client.post("/api/v1/cases", headers=auth.headers("clerk1"), json={
        "service_item": "QY-001", "applicant": {"name": "王大爷", "phone": "13800138000"},
        "params": {}, "materials_received": []})
    assert res.status_code == 201, res.get_json()
    tracking_no = res.get_json()["tracking_no"]
    ref = door.create()["reference"]
    other = door.create(service_item="QY-001")["reference"]
    door.assign(ref)
    door.assign(other)
    door.at(f"{TOMORROW} 10:00")
    assert door.result(ref, "completed", tracking_no="NOPE-1").status_code == 422
    res = door.result(ref, "completed", tracking_no=tracking_no.lower())
    assert res.status_code == 200 and res.get_json()["tracking_no"] == tracking_no

    # another request: the staff member registers the case at the door
    res = door.client.post(f"/api/v1/door-requests/{other}/case", json={},
                           headers=auth.headers("clerk1"))
    assert res.status_code == 201, res.get_json()
    case = res.get_json()["case"]
    assert case["tracking_no"] and case["query_code"]
    assert res.get_json()["tracking_no"] == case["tracking_no"]
    again = door.client.post(f"/api/v1/door-requests/{other}/case", json={},
                             headers=auth.headers("clerk1"))
    assert again.status_code == 409
    tracked = door.client.get(f"/api/v1/track/{case['tracking_no']}",
                              query_string={"code": case["query_code"]})
    assert tracked.status_code == 200
    assert "case_linked" in [a[0] for a in _audit(seeded, other)]


@pytest.mark.parametrize("current", list(DoorStatus))
def test_transition_table_is_closed(current):
    """Every state named in the table, and nothing leaves a final state."""
    assert current in DOOR_TRANSITIONS
    for target in DOOR_TRANSITIONS[current]:
        assert target in DOOR_TRANSITIONS
    if current in (DoorStatus.COMPLETED, DoorStatus.CANCELLED):
        assert not DOOR_TRANSITIONS[current]
