"""Complaints through their lifecycle (public form, staff API, public status), the
pages' access rules, CSV export and the monthly assessment PDF/CSV."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.extensions import db
from service_center.reports.models import Complaint
from tests.conftest import extract_csrf

from .conftest import local
from .test_summary import DAY, _queue_day

BODY = {"name": "王五", "phone": "13900001111", "subject": "等候时间太长",
        "body": "排队一个小时", "hall": "MAIN", "window_number": 2}


def test_complaint_lifecycle_over_the_api(client, auth, seeded):
    res = client.post("/api/v1/complaints", json=BODY)
    assert res.status_code == 201, res.get_json()
    no = res.get_json()["tracking_no"]
    assert re.fullmatch(r"TS\d{8}[A-Z2-9]{6}", no) and res.get_json()["status"] == "received"
    status = client.get(f"/api/v1/complaints/{no}", query_string={"phone": BODY["phone"]})
    assert status.status_code == 200 and status.get_json()["reply"] is None
    wrong = client.get(f"/api/v1/complaints/{no}", query_string={"phone": "13900002222"})
    unknown = client.get("/api/v1/complaints/TS00000000AAAAAA",
                         query_string={"phone": BODY["phone"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()

    h = auth.headers("manager")
    # closing before it is resolved is a state conflict
    assert client.post(f"/api/v1/complaints/{no}/close", headers=h).status_code == 409
    assert client.post(f"/api/v1/complaints/{no}/assign", json={"username": "nobody"},
                       headers=h).status_code == 422
    assigned = client.post(f"/api/v1/complaints/{no}/assign", json={"username": "xd-manager"},
                           headers=h)
    assert assigned.status_code == 200 and assigned.get_json()["status"] == "assigned"
    assert client.post(f"/api/v1/complaints/{no}/resolve", json={"resolution": "x"},
                       headers=h).status_code == 422
    resolved = client.post(f"/api/v1/complaints/{no}/resolve",
                           json={"resolution": "增开窗口", "reply": "已增开窗口，感谢监督"},
                           headers=h)
    assert resolved.get_json()["status"] == "resolved"
    assert client.post(f"/api/v1/complaints/{no}/close", headers=h).get_json()["status"] == \
        "closed"
    public = client.get(f"/api/v1/complaints/{no}", query_string={"phone": BODY["phone"]})
    assert public.get_json()["reply"] == "已增开窗口，感谢监督"
    assert "resolution" not in public.get_json()
    with seeded.app_context():
        states = [e.to_state for e in db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "complaint").order_by(AuditEvent.id)).scalars()]
        assert states == ["received", "assigned", "resolved", "closed"]
        c = db.session.execute(select(Complaint)).scalar_one()
        assert c.due_date > c.service_day and c.resolved_at and c.closed_at


@pytest.mark.parametrize("user, status", [("clerk1", 403), ("approver-ghj", 403),
                                          ("xd-manager", 403), ("manager", 200)])
def test_complaint_management_access(client, auth, seeded, user, status):
    no = client.post("/api/v1/complaints", json=BODY).get_json()["tracking_no"]
    res = client.post(f"/api/v1/complaints/{no}/assign", json={"username": "manager"},
                      headers=auth.headers(user))
    assert res.status_code == status


@pytest.mark.parametrize("field, value", [("phone", "abc"), ("name", ""), ("body", None),
                                          ("hall", "NOPE"), ("window_number", "2"),
                                          ("subject", "x" * 201)])
def test_complaint_bad_input(client, seeded, field, value):
    res = client.post("/api/v1/complaints", json={**BODY, field: value})
    assert res.status_code == 422 and field in res.get_json()["error"]["details"]


def test_public_form_with_csrf_and_rate_limit(client, seeded):
    page = client.get("/complaints/new")
    assert page.status_code == 200
    csrf = extract_csrf(page.get_data(as_text=True))
    form = {k: str(v) for k, v in BODY.items()}
    assert client.post("/complaints/new", data=form).status_code == 400  # no CSRF token
    res = client.post("/complaints/new", data={**form, "csrf_token": csrf})
    assert res.status_code == 200
    no = re.search(r'id="complaint-no">([A-Z0-9]+)<', res.get_data(as_text=True)).group(1)
    bad = client.post("/complaints/new", data={**form, "phone": "x", "csrf_token": csrf})
    assert bad.status_code == 200 and b'aria-invalid="true"' in bad.data
    status = client.post("/complaints/status", data={"tracking_no": no,
                                                      "phone": BODY["phone"],
                                                      "csrf_token": csrf})
    assert b'data-status="received"' in status.data
    codes = [client.post("/complaints/new", data={**form, "csrf_token": csrf}).status_code
             for _ in range(5)]
    assert 429 in codes


@pytest.mark.parametrize("path", ["/manager", "/reports", "/manager/complaints",
                                  "/reports/export.csv", "/reports/assessment.pdf"])
@pytest.mark.parametrize("user, ok", [("manager", True), ("admin", True), ("xd-manager", True),
                                      ("clerk1", False), ("agent", False)])
def test_pages_access(sqlite_seeded, path, user, ok):
    """Pages only (the data rules are tested on both databases above)."""
    from tests.conftest import Auth

    client = sqlite_seeded.test_client()
    Auth(client).login(user)
    res = client.get(path)
    assert (res.status_code == 200) == ok, (path, user, res.status_code)
    if not ok:
        assert res.status_code == 403


@pytest.fixture
def sqlite_seeded(sqlite_app):
    from tests.conftest import seed_demo_catalog

    seed_demo_catalog(sqlite_app)
    return sqlite_app


def test_csv_export(client, auth, seeded, build):
    build(_queue_day)
    auth.login("manager")
    # column headings follow the page's language; English keeps the test independent of it
    res = client.get("/reports/export.csv", query_string={"from": DAY.isoformat(),
                                                         "to": DAY.isoformat(), "lang": "en"})
    assert res.status_code == 200 and res.mimetype == "text/csv"
    text = res.get_data(as_text=True)
    assert text.startswith("\ufeff")
    import csv

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    flat = {r[0]: r[1] for r in rows if len(r) == 2}
    assert flat["Tickets issued"] == "13" and flat["90th percentile wait (s)"] == "600"
    assert sum(1 for r in rows if r and r[0] == "MAIN") >= 3  # windows and categories
    assert client.get("/reports/export.csv", query_string={"from": "bad"}).status_code == 422


def test_assessment_pdf_holds_the_figures(client, auth, seeded, build):
    from pypdf import PdfReader

    from service_center.reports.models import Rating

    def month(f):
        _queue_day(f)
        t = f.ticket(local(DAY, "11:00:00"), called=local(DAY, "11:01:00"),
                     serving=local(DAY, "11:01:00"), completed=local(DAY, "11:05:00"),
                     window=1, staff="clerk1")
        db.session.add(Rating(ticket_id=t.id, hall_id=t.hall_id, window_id=t.window_id,
                              staff_id=t.served_by_id, score=5, service_day=DAY))
        db.session.add(Complaint(tracking_no="TS20260310AAAAAA", name="<b>x</b>",
                                 phone="1", subject="s", body="b", hall_id=t.hall_id,
                                 staff_id=t.served_by_id, service_day=DAY,
                                 due_date=DAY + timedelta(days=14)))

    build(month)
    auth.login("manager")
    res = client.get("/reports/assessment.pdf", query_string={"month": "2026-03"})
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(res.data)).pages)
    assert "2026-03" in text and "2026-03-01" in text and "2026-03-31" in text
    assert "李晓红" in text and "W0101" in text
    # clerk1: served 4 + 1, 2 no-shows, service (100+300+500+700+240)/5 = 368 s,
    # 1 rating of 5 (100 %), 1 complaint, no rectification
    cells = text[text.index("W0101"):text.index("W0102")].split()
    assert cells == ["W0101", "李晓红", "5", "2", "368", "1", "100.0%", "1", "0/0"]
    csv_res = client.get("/reports/assessment.csv", query_string={"month": "2026-03"})
    assert "李晓红" in csv_res.get_data(as_text=True)
    assert client.get("/reports/assessment.pdf", query_string={"month": "2026-3x"}) \
        .status_code == 422


def test_rate_page(client, seeded):
    res = client.post("/api/v1/tickets", json={"category": "A"})
    token = res.get_json()["token"]
    page = client.get(f"/rate/{token}")
    assert page.status_code == 200 and b'data-score' not in page.data  # not completed yet
    assert client.get("/rate/nope").status_code == 404
