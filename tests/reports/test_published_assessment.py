"""Issue 9, disclosure: satisfaction per department for the month (the reports' own KPI
functions), and the monthly assessment results (通报) a district manager publishes: a
public PDF only for published months, with staff names and staff numbers and nothing
about applicants."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.catalog.models import Department
from service_center.extensions import db
from service_center.reports import kpi
from service_center.reports.models import Complaint, PublishedAssessment, Rating
from tests.conftest import Auth, extract_csrf

from .conftest import local

MARCH = date(2026, 3, 10)
COMPLAINANT, COMPLAINANT_PHONE = "投诉人欧阳", "13911112222"


def _month_of_ratings(f) -> None:
    """March 2026: ZJJ's cases rated 5, 4 and 1 (2 of 3 satisfied); GHJ's case rated 2;
    one ticket at window 1 (clerk1) rated 5; a complaint naming its complainant."""
    zjj, ghj = (db.session.execute(select(Department).where(Department.code == code))
                .scalar_one() for code in ("ZJJ", "GHJ"))
    for dept, score in ((zjj, 5), (zjj, 4), (zjj, 1), (ghj, 2)):
        case = f.case(accepted_on=MARCH, registered=local(MARCH, "09:00:00"),
                      approved=local(MARCH, "15:00:00"), status="approved")
        db.session.add(Rating(case_id=case.id, hall_id=case.hall_id, department_id=dept.id,
                              score=score, service_day=MARCH, source="tracking"))
    t = f.ticket(local(MARCH, "10:00:00"), called=local(MARCH, "10:01:00"),
                 serving=local(MARCH, "10:01:00"), completed=local(MARCH, "10:06:00"),
                 window=1, staff="clerk1")
    db.session.add(Rating(ticket_id=t.id, hall_id=t.hall_id, window_id=t.window_id,
                          staff_id=t.served_by_id, score=5, service_day=MARCH))
    db.session.add(Complaint(tracking_no="TS20260310BBBBBB", name=COMPLAINANT,
                             phone=COMPLAINANT_PHONE, subject="s", body="b",
                             hall_id=t.hall_id, staff_id=t.served_by_id, service_day=MARCH,
                             due_date=MARCH + timedelta(days=14)))


def _section(html: str, section_id: str) -> str:
    return re.search(rf'id="{section_id}"(.*?)</section>', html, re.S).group(1)


def _dept_rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-department="([A-Z]+)">(.*?)</tr>',
                           _section(html, "performance"), re.S))


def test_disclosure_shows_satisfaction_per_department(client, seeded, build):
    empty = client.get("/disclosure?month=2026-03").get_data(as_text=True)
    assert 'id="no-satisfaction"' in empty and "%" not in _section(empty, "performance")

    build(_month_of_ratings)
    html = client.get("/disclosure?month=2026-03").get_data(as_text=True)
    rows = _dept_rows(html)
    # departments with ratings but no decided step still get their row
    assert set(rows) == {"GHJ", "ZJJ"}
    sat = {code: re.search(r'data-field="satisfaction">(.*?)</td>', body, re.S).group(1)
           for code, body in rows.items()}
    assert sat["ZJJ"].startswith("66.7%") and "3" in sat["ZJJ"]
    assert sat["GHJ"].startswith("0.0%")
    # center-wide: 5, 4, 1, 2 and the window's 5 → 3 of 5
    overall = re.search(r'id="satisfaction"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "60.0%" in overall and "5" in overall
    # the same figures as the reports' summary (one definition)
    with seeded.app_context():
        data = kpi.summary(kpi.Scope(date(2026, 3, 1), date(2026, 3, 31)))
        assert data["satisfaction_rate"] == pytest.approx(0.6)
        by_dept = {d["code"]: d["satisfaction_rate"] for d in data["by_department"]}
        assert by_dept["ZJJ"] == pytest.approx(0.6667)  # _rate keeps 4 decimals
    # another month has no data yet
    april = client.get("/disclosure?month=2026-04").get_data(as_text=True)
    assert 'id="no-satisfaction"' in april
    assert COMPLAINANT not in html and COMPLAINANT_PHONE not in html


def _client_as(app, username: str | None):
    c = app.test_client()
    if username:
        Auth(c).login(username)
    return c


def _publish(c, month: str, *, csrf: bool = True):
    page = c.get("/reports")
    data = {"month": month}
    if csrf:
        data["csrf_token"] = extract_csrf(page.get_data(as_text=True))
    return c.post("/reports/assessment/publish", data=data)


def test_publish_and_download_the_assessment(seeded, build):
    build(_month_of_ratings)
    public = seeded.test_client()
    assert public.get("/disclosure/assessment/2026-03.pdf").status_code == 404
    for bad in ("2026-3x", "2026-13", "nope", "2026-03-01"):
        assert public.get(f"/disclosure/assessment/{bad}.pdf").status_code == 404
    assert 'id="no-assessments"' in public.get("/disclosure").get_data(as_text=True)

    # only a district manager publishes; a hall manager, the admin and clerks may not
    for username in ("xd-manager", "admin", "clerk1"):
        c = _client_as(seeded, username)
        csrf = extract_csrf(c.get("/guide").get_data(as_text=True))
        res = c.post("/reports/assessment/publish", data={"month": "2026-03", "csrf_token": csrf})
        assert res.status_code == 403, username
    anonymous = public.post("/reports/assessment/publish", data={"month": "2026-03"})
    assert anonymous.status_code in (302, 400, 401)

    manager = _client_as(seeded, "manager")
    assert _publish(manager, "2026-03", csrf=False).status_code == 400  # CSRF
    res = _publish(manager, "2026-03")
    assert res.status_code == 302 and res.headers["Location"].endswith("/reports")
    page = manager.get("/reports").get_data(as_text=True)
    assert "flash-info" in page and 'data-month="2026-03"' in page
    # published once: a second time is refused with a message, nothing added
    with seeded.app_context():
        from service_center.catalog.services import service_day

        this_month = service_day().strftime("%Y-%m")
    for month in ("2026-03", this_month, "bad", ""):
        _publish(manager, month)
        assert "flash-error" in manager.get("/reports").get_data(as_text=True), month
    with seeded.app_context():
        rows = db.session.execute(select(PublishedAssessment)).scalars().all()
        assert [r.month for r in rows] == [date(2026, 3, 1)]
        audit = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "assessment_published")).scalars().all()
        assert [(a.actor_name, a.details["month"]) for a in audit] == [("manager", "2026-03")]

    html = public.get("/disclosure").get_data(as_text=True)
    listed = _section(html, "assessments")
    assert re.findall(r'data-month="([0-9-]+)"', listed) == ["2026-03"]
    link = re.search(r'href="([^"]+)"', listed).group(1)
    assert link == "/disclosure/assessment/2026-03.pdf"
    res = public.get(link)
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(res.data)).pages)
    assert "2026-03-01" in text and "2026-03-31" in text
    assert "住建局" in text or "Housing" in text  # the department scorecard
    # staff only by name next to staff number (公示); nothing about applicants
    assert "李晓红" in text and "W0101" in text
    for secret in (COMPLAINANT, COMPLAINANT_PHONE, "张三", "13800000000", "clerk1"):
        assert secret not in text, secret
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)
    # other months stay unpublished
    assert public.get("/disclosure/assessment/2026-02.pdf").status_code == 404

