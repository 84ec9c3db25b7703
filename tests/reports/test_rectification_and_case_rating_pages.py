"""The pages of issue 6's rating loop: the head answers a rectification in a form (CSRF,
errors) and the applicant sees the reply; an applicant rates a decided case from the
tracking page (five levels, optional comment, once)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from service_center.approvals.models import Case
from service_center.approvals.services import _code_hash
from service_center.catalog.models import Department
from service_center.demo import DEMO_PASSWORD
from service_center.extensions import db
from service_center.reports.models import Rating, Rectification
from tests.conftest import Auth, extract_csrf

from .conftest import local
from .test_ratings import serve

CODE = "ABCD2345"


def _decided_case(f, status: str = "approved") -> str:
    day = date(2026, 3, 10)
    c = f.case(accepted_on=day, registered=local(day, "09:00:00"),
               accepted=local(day, "09:00:00"), deadline=date(2026, 3, 20),
               approved=local(day, "15:00:00") if status == "approved" else None,
               status=status)
    c.query_hash = _code_hash(c.tracking_no, CODE)
    db.session.flush()
    return c.tracking_no


def _track(client, tracking_no: str, code: str = CODE):
    page = client.get("/track")
    csrf = extract_csrf(page.get_data(as_text=True))
    return client.post("/track", data={"tracking_no": tracking_no, "code": code,
                                       "csrf_token": csrf}), csrf


def test_rate_a_decided_case_from_the_tracking_page(client, seeded, build):
    tracking_no = build(_decided_case)
    res, csrf = _track(client, tracking_no)
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and 'id="case-rate-form"' in html
    assert html.count('name="score"') == 5
    form = {"tracking_no": tracking_no, "code": CODE, "csrf_token": csrf}
    # no level chosen, a level out of range, a wrong code, no CSRF token
    assert client.post("/track/rate", data=form).status_code == 422
    bad = client.post("/track/rate", data={**form, "score": "6"})
    assert bad.status_code == 422 and 'id="rate-error"' in bad.get_data(as_text=True)
    assert client.post("/track/rate", data={**form, "code": "WRONG", "score": "5"}) \
        .status_code == 404
    assert client.post("/track/rate", data={"tracking_no": tracking_no, "code": CODE,
                                            "score": "5"}).status_code == 400
    ok = client.post("/track/rate", data={**form, "score": "4", "comment": "办得快"})
    assert ok.status_code == 200
    html = ok.get_data(as_text=True)
    assert 'data-rated="1"' in html and "办得快" in html and 'id="case-rate-form"' not in html
    again = client.post("/track/rate", data={**form, "score": "1"})
    assert again.status_code == 409
    with seeded.app_context():
        ratings = db.session.execute(select(Rating)).scalars().all()
        assert [(r.score, r.source, r.comment) for r in ratings] == [(4, "tracking", "办得快")]
    # tracking again shows the rating, not the form
    res, _ = _track(client, tracking_no)
    assert 'data-rated="1"' in res.get_data(as_text=True)


def test_an_open_case_offers_no_rating(client, seeded, build):
    tracking_no = build(lambda f: _decided_case(f, status="in_progress"))
    res, csrf = _track(client, tracking_no)
    assert res.status_code == 200 and 'id="case-rating"' not in res.get_data(as_text=True)
    refused = client.post("/track/rate", data={"tracking_no": tracking_no, "code": CODE,
                                               "csrf_token": csrf, "score": "5"})
    assert refused.status_code == 409


def _rect_id(seeded) -> int:
    with seeded.app_context():
        return db.session.execute(select(Rectification.id)).scalar_one()


def test_head_answers_a_rectification_and_the_applicant_sees_it(client, auth, seeded):
    token, _ = serve(client, auth)
    res = client.post("/api/v1/ratings", json={"ticket_token": token, "score": 1,
                                               "comment": "态度差"})
    assert res.status_code == 201
    rect_id = _rect_id(seeded)
    auth.login("manager")
    page = client.get("/manager/rectifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'data-rectification="{rect_id}"' in html
    assert "态度差" in html and "data-days-left=" in html
    csrf = extract_csrf(html)
    url = f"/manager/rectifications/{rect_id}"
    # without the CSRF token: refused
    assert client.post(url, data={"reply": "x", "action": "close"}).status_code == 400
    # closing without a reply: the form again, with the error beside the field
    bad = client.post(url, data={"csrf_token": csrf, "explanation": "窗口人员解释不清",
                                 "reply": "", "action": "close"})
    assert bad.status_code == 422
    assert 'id="re-err-' in bad.get_data(as_text=True)
    assert "窗口人员解释不清" in bad.get_data(as_text=True)  # what was typed stays
    # save first, then send and close
    saved = client.post(url, data={"csrf_token": csrf, "explanation": "窗口人员解释不清",
                                   "action": "save"})
    assert saved.status_code == 302
    done = client.post(url, data={"csrf_token": csrf, "explanation": "窗口人员解释不清",
                                  "reply": "已对窗口人员批评教育，感谢您的监督。",
                                  "action": "close"})
    assert done.status_code == 302
    with seeded.app_context():
        rect = db.session.get(Rectification, rect_id)
        assert rect.status == "closed" and rect.explanation == "窗口人员解释不清"
    closed = client.post(url, data={"csrf_token": csrf, "reply": "x", "action": "save"})
    assert closed.status_code == 302  # closed already: a message, nothing changes
    # the applicant's ticket page shows the reply (not the internal explanation)
    rate_page = client.get(f"/rate/{token}").get_data(as_text=True)
    assert "已对窗口人员批评教育" in rate_page and "窗口人员解释不清" not in rate_page


def test_rectification_page_access(client, auth, seeded):
    token, _ = serve(client, auth)
    client.post("/api/v1/ratings", json={"ticket_token": token, "score": 2})
    rect_id = _rect_id(seeded)
    for user, status in (("clerk1", 403), ("approver-ghj", 403), ("xd-manager", 200)):
        client = seeded.test_client()  # a fresh session per user
        Auth(client).login(user)
        page = client.get("/manager/rectifications")
        assert page.status_code == status, user
        if status == 200:  # another hall's manager: an empty list, and no answering
            html = page.get_data(as_text=True)
            assert f'data-rectification="{rect_id}"' not in html
            res = client.post(f"/manager/rectifications/{rect_id}",
                              data={"csrf_token": extract_csrf(html), "reply": "x",
                                    "action": "close"})
            assert res.status_code == 403


def test_department_head_answers_their_departments_rectification(client, auth, seeded,
                                                                 build):
    tracking_no = build(_decided_case)
    with seeded.app_context():
        from service_center.auth.services import create_user

        case = db.session.execute(select(Case).where(Case.tracking_no == tracking_no)) \
            .unique().scalar_one()
        dept = case.service_item.lead_department
        other = db.session.execute(select(Department).where(Department.id != dept.id)) \
            .scalars().first()
        from service_center.auth.models import User

        # the department's head: the demo's own (head-ghj) where it has one
        head_name = db.session.execute(select(User.username).where(
            User.role == "dept_head", User.department_id == dept.id).order_by(User.id)) \
            .scalars().first()
        if head_name is None:
            head_name = "head"
            create_user(username="head", password=DEMO_PASSWORD, role="dept_head",
                        department=dept.code)
        create_user(username="other-head", password=DEMO_PASSWORD, role="dept_head",
                    department=other.code)
        db.session.commit()
        db.session.remove()
    res = client.post("/api/v1/ratings", json={"tracking_no": tracking_no, "code": CODE,
                                               "score": 1, "comment": "太慢"})
    assert res.status_code == 201, res.get_json()
    rect_id = _rect_id(seeded)
    with seeded.app_context():
        rect = db.session.get(Rectification, rect_id)
        assert rect.assignee.username == head_name  # the department's head, not the hall's
    other_client = seeded.test_client()
    Auth(other_client).login("other-head")
    assert f'data-rectification="{rect_id}"' not in \
        other_client.get("/manager/rectifications").get_data(as_text=True)
    assert client.get("/api/v1/rectifications", headers=auth.headers("other-head")) \
        .get_json() == []
    head = seeded.test_client()
    Auth(head).login(head_name)
    html = head.get("/manager/rectifications").get_data(as_text=True)
    assert f'data-rectification="{rect_id}"' in html and "太慢" in html
    listed = client.get("/api/v1/rectifications", headers=auth.headers(head_name)).get_json()
    assert [r["id"] for r in listed] == [rect_id]
    done = head.post(f"/manager/rectifications/{rect_id}", data={
        "csrf_token": extract_csrf(html), "explanation": "审批材料流转慢",
        "reply": "已优化流转环节，今后三日内办结。", "action": "close"})
    assert done.status_code == 302
    # the applicant sees the reply on the tracking page
    res, _ = _track(client, tracking_no)
    html = res.get_data(as_text=True)
    assert 'id="rectification-reply"' in html and "已优化流转环节" in html
    assert "审批材料流转慢" not in html
