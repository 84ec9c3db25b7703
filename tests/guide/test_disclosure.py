"""Disclosure: fee standards, staff on duty (name with staff number only), performance
by department from the approvals tables — and no personal data of applicants."""

from __future__ import annotations

import io
import re
import secrets
from datetime import UTC, date, datetime

import pypdf
from sqlalchemy import select

from service_center.approvals.models import Case, CaseStage, CaseTask
from service_center.auth.models import User
from service_center.catalog.models import (
    Department,
    FeeItem,
    Hall,
    QueueCategory,
    ServiceItem,
)
from service_center.extensions import db
from service_center.money import format_fen
from service_center.queueing.models import Ticket

APPLICANT_NAME = "申请人欧阳测试"
APPLICANT_PHONE = "13800138000"
TICKET_PHONE = "13912345678"
STAFF_PHONE = "13700001111"
ID_NUMBER = "110101199001011234"


def set_windows(app, statuses: dict[int, str]) -> None:
    with app.app_context():
        main = db.session.execute(select(Hall).where(Hall.code == "MAIN")).scalar_one()
        for window in main.windows:
            if window.number in statuses:
                window.status = statuses[window.number]
        db.session.commit()


def seed_personal_data(app) -> None:
    with app.app_context():
        main = db.session.execute(select(Hall).where(Hall.code == "MAIN")).scalar_one()
        cat = db.session.execute(select(QueueCategory).where(
            QueueCategory.hall_id == main.id, QueueCategory.prefix == "B")).scalar_one()
        item = db.session.execute(
            select(ServiceItem).where(ServiceItem.code == "JS-002")).scalar_one()
        db.session.add(Ticket(hall_id=main.id, issued_category_id=cat.id, category_id=cat.id,
                              service_day=date.today(), seq=1, number="B001",
                              token=secrets.token_urlsafe(16), phone=TICKET_PHONE))
        db.session.add(Case(tracking_no="T-PII-1", query_hash="0" * 64, service_item_id=item.id,
                            hall_id=main.id, applicant_name=APPLICANT_NAME,
                            applicant_phone=APPLICANT_PHONE, applicant_id_number=ID_NUMBER,
                            status="in_progress", params={}, materials_received=[],
                            missing_materials=[]))
        clerk = db.session.execute(select(User).where(User.username == "clerk1")).scalar_one()
        clerk.phone = STAFF_PHONE
        db.session.commit()


def add_decided_tasks(app, rows) -> None:
    """rows: (department code, activated_on, due_date, decided_at)."""
    with app.app_context():
        main = db.session.execute(select(Hall).where(Hall.code == "MAIN")).scalar_one()
        item = db.session.execute(
            select(ServiceItem).where(ServiceItem.code == "JS-001")).scalar_one()
        case = Case(tracking_no="T-PERF-1", query_hash="0" * 64, service_item_id=item.id,
                    hall_id=main.id, applicant_name=APPLICANT_NAME,
                    applicant_phone=APPLICANT_PHONE, status="in_progress", params={},
                    materials_received=[], missing_materials=[])
        db.session.add(case)
        db.session.flush()
        stage = CaseStage(case_id=case.id, position=0, name="并联审查", status="active")
        db.session.add(stage)
        db.session.flush()
        depts = {d.code: d for d in db.session.execute(select(Department)).scalars()}
        for position, (code, activated, due, decided) in enumerate(rows):
            db.session.add(CaseTask(case_id=case.id, stage_id=stage.id, stage_position=0,
                                    position=position, department_id=depts[code].id, days=5,
                                    status="approved", activated_on=activated, due_date=due,
                                    decided_at=decided, approved_at=decided))
        db.session.commit()


def html_of(client, url: str) -> str:
    res = client.get(url)
    assert res.status_code == 200, url
    return res.get_data(as_text=True)


def test_fee_standards_in_force(gclient, guide_app):
    html = html_of(gclient, "/disclosure")
    section = re.search(r'id="fee-standards"(.*?)</section>', html, re.S).group(1)
    with guide_app.app_context():
        fees = list(db.session.execute(select(FeeItem)).scalars())
        assert len(re.findall(r"data-fee=", section)) == len(fees) == 5
        for fee in fees:
            row = re.search(rf'data-fee="{fee.code}">(.*?)</tr>', section, re.S).group(1)
            amount = fee.rate_fen if fee.basis == "per_unit" else fee.amount_fen
            assert format_fen(amount) in row and fee.department.name in row
            if fee.legal_basis:
                assert fee.legal_basis in row


def test_staff_on_duty_shows_name_and_staff_number_only(gclient, guide_app):
    html = html_of(gclient, "/disclosure")
    assert 'id="no-staff"' in html  # every window starts closed
    set_windows(guide_app, {1: "open", 3: "paused", 5: "closed"})
    seed_personal_data(guide_app)
    section = re.search(r'id="staff-on-duty"(.*?)</section>',
                        html_of(gclient, "/disclosure"), re.S).group(1)
    assert re.findall(r'data-staff-no="([A-Z0-9]+)"', section) == ["W0101", "W0103"]
    assert "李晓红" in section and "陈静" in section
    assert "赵敏" not in section  # window 5 is closed
    assert "clerk1" not in section and STAFF_PHONE not in section


def test_no_personal_data_of_applicants_on_public_pages(gclient, guide_app):
    set_windows(guide_app, {1: "open", 2: "open", 3: "open"})
    seed_personal_data(guide_app)
    add_decided_tasks(guide_app, [("ZJJ", date(2026, 3, 2), date(2026, 3, 9),
                                   datetime(2026, 3, 5, 3, 0, tzinfo=UTC))])
    pages = ["/disclosure", "/disclosure?month=2026-03", "/guide", "/guide?q=施工",
             "/guide/JS-002", "/guide/JS-001", "/disclosure?lang=en"]
    with guide_app.app_context():
        staff = {u.display_name: u.staff_no for u in db.session.execute(select(User)).scalars()}
    for url in pages:
        html = html_of(gclient, url)
        for secret in (APPLICANT_NAME, APPLICANT_PHONE, TICKET_PHONE, STAFF_PHONE, ID_NUMBER,
                       "T-PII-1", "T-PERF-1"):
            assert secret not in html, (url, secret)
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html), url  # no mobile number
        # a staff name appears only next to its staff number (公示)
        for name, staff_no in staff.items():
            if name in html:
                row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(name)}.*?</tr>", html, re.S)
                assert row and staff_no in row.group(0), (url, name)
    pdf = gclient.get("/guide/JS-002.pdf").data
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert APPLICANT_NAME not in text and APPLICANT_PHONE not in text


def test_performance_has_an_honest_empty_state(gclient):
    html = html_of(gclient, "/disclosure?month=2026-03")
    assert 'id="no-performance"' in html
    assert "%" not in re.search(r'id="performance"(.*?)</section>', html, re.S).group(1)


def test_performance_by_department_from_decided_steps(gclient, guide_app):
    add_decided_tasks(guide_app, [
        # ZJJ: one on time (2 working days), one late (decided after its due date)
        ("ZJJ", date(2026, 3, 2), date(2026, 3, 9), datetime(2026, 3, 4, 2, 0, tzinfo=UTC)),
        ("ZJJ", date(2026, 3, 2), date(2026, 3, 3), datetime(2026, 3, 6, 2, 0, tzinfo=UTC)),
        # GHJ: on time; 5 working days from Mon 2 to Mon 9 March
        ("GHJ", date(2026, 3, 2), date(2026, 3, 9), datetime(2026, 3, 9, 1, 0, tzinfo=UTC)),
        # decided on 1 April in Shanghai (31 March 17:00 UTC): April, not March
        ("HBJ", date(2026, 3, 2), date(2026, 4, 9), datetime(2026, 3, 31, 17, 0, tzinfo=UTC)),
    ])
    html = html_of(gclient, "/disclosure?month=2026-03")
    section = re.search(r'id="performance"(.*?)</section>', html, re.S).group(1)
    rows = {code: body for code, body in
            re.findall(r'<tr data-department="([A-Z]+)">(.*?)</tr>', section, re.S)}
    assert set(rows) == {"GHJ", "ZJJ"}
    assert '<td data-field="decided">2</td>' in rows["ZJJ"]
    assert "50.0%" in rows["ZJJ"] and ">3.0<" in rows["ZJJ"]  # (2 + 4) / 2 working days
    assert "100.0%" in rows["GHJ"] and ">5.0<" in rows["GHJ"]
    april = html_of(gclient, "/disclosure?month=2026-04")
    assert 'data-department="HBJ"' in april
    # a malformed month shows the current month, never an error
    assert gclient.get("/disclosure?month=2026-13").status_code == 200
    assert gclient.get("/disclosure?month=';--").status_code == 200


def test_larger_text_mode_is_remembered(gclient):
    assert "large-text" not in html_of(gclient, "/guide")
    html = html_of(gclient, "/guide?large=1")
    assert 'class="page guide-page large-text"' in html
    assert 'class="page guide-page large-text"' in html_of(gclient, "/disclosure")
    assert 'class="page guide-page large-text"' in html_of(gclient, "/guide/JS-001")
    toggle = re.search(r'id="text-size-toggle" href="([^"]+)"', html).group(1)
    assert "large=0" in toggle
    assert "large-text" not in html_of(gclient, toggle.replace("&amp;", "&"))
    assert "large-text" not in html_of(gclient, "/disclosure")
