"""Ratings (好差评): one per ticket or case, only once finished; a bad rating opens a
rectification whose reply the applicant sees; the rating pad beside a window."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.catalog.services import service_day, work_calendar
from service_center.extensions import db
from service_center.reports.models import Rating, Rectification


def serve(client, auth, *, clerk="clerk1", window=1, hall=None, finish=True):
    body = {"category": "A", **({"hall": hall} if hall else {})}
    issued = client.post("/api/v1/tickets", json=body).get_json()
    h = auth.headers(clerk)
    called = client.post(f"/api/v1/windows/{window}/call-next", headers=h)
    assert called.status_code == 200, called.get_json()
    tid = called.get_json()["id"]
    if finish:
        assert client.post(f"/api/v1/tickets/{tid}/start", headers=h).status_code == 200
        assert client.post(f"/api/v1/tickets/{tid}/complete", headers=h).status_code == 200
    return issued["token"], tid


def test_rate_once_a_completed_ticket(client, auth, seeded):
    token, _ = serve(client, auth)
    res = client.post("/api/v1/ratings", json={"ticket_token": token, "score": 5,
                                               "comment": "很好"})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["rated"] is True and res.get_json()["rectification"] is None
    again = client.post("/api/v1/ratings", json={"ticket_token": token, "score": 1})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    with seeded.app_context():
        (rating,) = db.session.execute(select(Rating)).scalars().all()
        assert rating.score == 5 and rating.staff_id is not None and rating.window_id
        assert db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "rating")).scalars().first() is not None


def test_only_a_completed_ticket(client, auth, seeded):
    token, _ = serve(client, auth, finish=False)
    res = client.post("/api/v1/ratings", json={"ticket_token": token, "score": 4})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "not_completed"


@pytest.mark.parametrize("body, status", [
    ({"score": 5}, 422),
    ({"ticket_token": "nope", "score": 5}, 404),
    ({"ticket_token": "T", "score": 0}, 422),
    ({"ticket_token": "T", "score": 6}, 422),
    ({"ticket_token": "T", "score": "5"}, 422),
    ({"ticket_token": "T", "score": 4.5}, 422),
    ({"ticket_token": "T", "score": True}, 422),
    ({"ticket_token": "T", "score": 5, "comment": "x" * 501}, 422),
    ({"tracking_no": "X1", "code": "nope", "score": 5}, 404),
])
def test_bad_input(client, auth, seeded, body, status):
    token, _ = serve(client, auth)
    if body.get("ticket_token") == "T":
        body = {**body, "ticket_token": token}
    res = client.post("/api/v1/ratings", json=body)
    assert res.status_code == status, res.get_json()
    assert "error" in res.get_json()


@pytest.mark.parametrize("score, opens", [(1, True), (2, True), (3, False), (5, False)])
def test_bad_rating_opens_rectification(client, auth, seeded, score, opens):
    token, _ = serve(client, auth, clerk="xd-clerk1", window=1, hall="XD")
    res = client.post("/api/v1/ratings", json={"ticket_token": token, "score": score})
    assert res.status_code == 201
    with seeded.app_context():
        rect = db.session.execute(select(Rectification)).scalars().first()
        assert (rect is not None) == opens
        if opens:
            assert rect.assignee.username == "xd-manager"  # the hall's own manager
            assert rect.due_date == work_calendar().add_working_days(service_day(), 5)[0]
            rect_id = rect.id
    if not opens:
        return
    view = client.get(f"/api/v1/ratings/by-token/{token}").get_json()
    assert view["rectification"]["status"] == "open" and view["rectification"]["reply"] is None
    # another hall's manager may not answer; the hall's may
    h_other = auth.headers("clerk1")
    assert client.post(f"/api/v1/rectifications/{rect_id}", json={"reply": "x"},
                       headers=h_other).status_code == 403
    h = auth.headers("xd-manager")
    no_reply = client.post(f"/api/v1/rectifications/{rect_id}", json={"close": True},
                           headers=h)
    assert no_reply.status_code == 422
    done = client.post(f"/api/v1/rectifications/{rect_id}",
                       json={"explanation": "窗口人员态度问题", "reply": "已约谈，深表歉意",
                             "close": True}, headers=h)
    assert done.status_code == 200 and done.get_json()["status"] == "closed"
    view = client.get(f"/api/v1/ratings/by-token/{token}").get_json()
    assert view["rectification"] == {"status": "closed", "due_date": view["rectification"]
                                     ["due_date"], "reply": "已约谈，深表歉意"}
    assert "explanation" not in str(view)
    listed = client.get("/api/v1/rectifications", headers=h).get_json()
    assert [r["id"] for r in listed] == [rect_id]
    assert client.post(f"/api/v1/rectifications/{rect_id}", json={"reply": "again"},
                       headers=h).status_code == 409


def test_rating_pad(client, auth, seeded):
    assert client.get("/api/v1/ratings/pad/1").get_json() == {"ticket": None}
    token, tid = serve(client, auth)
    shown = client.get("/api/v1/ratings/pad/1").get_json()["ticket"]
    assert shown["id"] == tid
    # the pad may only rate what it shows
    assert client.post("/api/v1/ratings/pad/2", json={"ticket_id": tid, "score": 5}) \
        .status_code == 404
    res = client.post("/api/v1/ratings/pad/1", json={"ticket_id": tid, "score": 4})
    assert res.status_code == 201
    assert client.get("/api/v1/ratings/pad/1").get_json() == {"ticket": None}
    assert client.post("/api/v1/ratings", json={"ticket_token": token, "score": 5}) \
        .status_code == 409
    page = client.get("/rate/window/1")
    assert page.status_code == 200 and b'data-score="5"' in page.data
    assert client.get("/rate/window/99").status_code == 404


def test_rating_a_case_by_tracking_code(client, auth, seeded):
    from service_center.approvals import services as approvals
    from service_center.approvals.services import Applicant
    from service_center.auth.models import User
    from service_center.catalog.models import ServiceItem

    with seeded.app_context():
        clerk = db.session.execute(select(User).where(User.username == "clerk1")) \
            .unique().scalar_one()
        item = db.session.execute(select(ServiceItem).where(ServiceItem.code == "QY-001")) \
            .unique().scalar_one()
        created = approvals.create_case(
            item_code="QY-001", applicant=Applicant(name="张三", phone="13800000000"),
            params={}, materials_received=[m.name for m in item.materials], actor=clerk)
        code, no = created.query_code, created.case.tracking_no
    res = client.post("/api/v1/ratings", json={"tracking_no": no, "code": code, "score": 5})
    assert res.status_code == 409  # not decided yet
    wrong = client.post("/api/v1/ratings", json={"tracking_no": no, "code": "000000",
                                                 "score": 5})
    assert wrong.status_code == 404
