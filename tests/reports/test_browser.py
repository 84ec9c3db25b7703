"""In a real browser: the manager's dashboard updates live when a ticket is called, and
the report page draws its chart. Screenshots (1366×768) go to the test's tmp_path, and
to $REPORTS_SHOTS when set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import browser, browser_app, login, new_page, server  # noqa: F401

pytestmark = pytest.mark.browser


def _shot(page, tmp_path, name):
    page.screenshot(path=tmp_path / name, full_page=False)
    if os.environ.get("REPORTS_SHOTS"):
        page.screenshot(path=Path(os.environ["REPORTS_SHOTS"]) / name)


def test_dashboard_updates_live_when_a_ticket_is_called(new_page, tmp_path):  # noqa: F811
    kiosk = new_page(1366, 768)
    kiosk.goto("/kiosk")
    kiosk.click('[data-category="A"]')
    kiosk.wait_for_selector("#kiosk-result:not([hidden])")

    manager = new_page(1366, 768)
    login(manager, "manager")
    manager.goto("/manager")
    manager.wait_for_selector('#live-state[data-live="live"]')
    manager.wait_for_selector('#dashboard[data-waiting="1"]')
    assert manager.inner_text('#windows tr[data-window="1"] .current').strip() == "—"

    clerk = new_page(1366, 768)
    login(clerk, "clerk1")
    clerk.wait_for_selector('#live-state[data-live="live"]')
    clerk.click("#btn-call-next")
    # no reload and no polling (15 s): the socket event makes the dashboard re-fetch
    manager.wait_for_function(
        "() => document.querySelector('#windows tr[data-window=\"1\"] .current')"
        ".textContent === 'A001'", timeout=5000)
    manager.wait_for_selector('#dashboard[data-waiting="0"]', timeout=5000)
    _shot(manager, tmp_path, "manager.png")


def test_report_page_draws_its_chart(new_page, browser_app, tmp_path):  # noqa: F811
    from service_center import demo  # yesterday's demo history in the main hall
    from service_center.extensions import db

    with browser_app.app_context():
        import random

        demo._history(random.Random(3))
        db.session.commit()
        db.session.remove()
    page = new_page(1366, 768)
    login(page, "manager")
    from datetime import timedelta

    from service_center.catalog.services import service_day

    with browser_app.app_context():
        today = service_day()
    page.goto(f"/reports?from={(today - timedelta(days=1)).isoformat()}&to={today.isoformat()}")
    page.wait_for_selector("#report:not([hidden])")
    page.wait_for_selector('#hour-chart[data-drawn="1"]')
    drawn = page.evaluate("""() => {
        const c = document.getElementById('hour-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
        return n; }""")
    assert drawn > 1000, drawn
    assert int(page.inner_text('[data-kpi="tickets_issued"]')) > 0
    assert page.locator('[data-table="by_window"] tbody tr').count() >= 1
    _shot(page, tmp_path, "reports.png")
    page.evaluate("window.scrollTo(0, 700)")
    _shot(page, tmp_path, "reports-tables.png")


def test_department_head_report_draws_the_department_chart(  # noqa: F811
        new_page, browser_app, tmp_path):  # noqa: F811
    """A department head's report: forced to their department, no queue figures, and the
    cases-by-department chart drawn."""
    from datetime import date

    from sqlalchemy import select

    from service_center.auth.services import create_user
    from service_center.catalog.models import ServiceItem
    from service_center.extensions import db

    from .conftest import Factory, local

    with browser_app.app_context():
        f = Factory()
        item = db.session.execute(select(ServiceItem).order_by(ServiceItem.id)).unique() \
            .scalars().first()
        day = date(2026, 3, 10)
        for n in range(3):
            f.case(accepted_on=day, registered=local(day, "09:00:00"),
                   accepted=local(day, "09:00:00"), deadline=date(2026, 3, 20),
                   approved=local(date(2026, 3, 12 + n), "10:00:00"), status="approved",
                   item=item.code)
        create_user(username="head", password="demo-pass-2026", role="dept_head",
                    display_name="局长", department=item.lead_department.code)
        db.session.commit()
        db.session.remove()
    page = new_page(1366, 768)
    login(page, "head")
    page.goto("/reports?from=2026-03-01&to=2026-03-31")
    page.wait_for_selector("#report:not([hidden])")
    page.wait_for_selector('#dept-chart[data-drawn="1"]')
    drawn = page.evaluate("""() => {
        const c = document.getElementById('dept-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
        return n; }""")
    assert drawn > 1000, drawn
    assert page.inner_text('[data-kpi="cases_completed"]').strip() == "3"
    assert page.locator("#department-scope").is_visible()
    assert not page.locator("#hour-chart").is_visible()  # no queue figures for a department
    _shot(page, tmp_path, "reports-department-head.png")


def test_rectification_form_and_case_rating_on_the_tracking_page(new_page, browser_app,  # noqa: F811
                                                                 tmp_path):
    """An applicant rates a decided case on /track (dissatisfied), the head answers in the
    rectification form, and the applicant sees the reply on /track."""
    from datetime import date

    from service_center.approvals.services import _code_hash
    from service_center.extensions import db

    from .conftest import Factory, local

    with browser_app.app_context():
        day = date(2026, 3, 10)
        c = Factory().case(accepted_on=day, registered=local(day, "09:00:00"),
                           accepted=local(day, "09:00:00"), deadline=date(2026, 3, 20),
                           approved=local(date(2026, 3, 12), "10:00:00"), status="approved")
        c.query_hash = _code_hash(c.tracking_no, "ABCD2345")
        tracking_no = c.tracking_no
        db.session.commit()
        db.session.remove()

    def track(page):
        page.goto("/track")
        page.fill("#tr-no", tracking_no)
        page.fill("#tr-code", "ABCD2345")
        page.click("#track-submit")
        page.wait_for_selector("#track-result")

    applicant = new_page(390, 844, touch=True)
    track(applicant)
    applicant.check('#case-rate-form input[name="score"][value="2"]')
    applicant.fill("#rate-comment", "等了太久")
    _shot(applicant, tmp_path, "track-rate.png")
    applicant.click('#case-rate-form button[type="submit"]')
    applicant.wait_for_selector('#case-rating[data-rated="1"]')

    head = new_page(1366, 768)
    login(head, "manager")
    head.goto("/manager/rectifications")
    head.wait_for_selector("[data-rectification]")
    assert "等了太久" in head.inner_text("[data-rectification]")
    head.click('button[value="close"]')  # nothing written: the errors show
    head.wait_for_selector(".field-error")
    head.fill('textarea[name="explanation"]', "审批环节排队")
    head.fill('textarea[name="reply"]', "已调整审批顺序，感谢您的意见。")
    _shot(head, tmp_path, "rectifications.png")
    head.click('button[value="close"]')
    head.wait_for_selector('[data-rectification][data-status="closed"]')

    track(applicant)
    assert "已调整审批顺序" in applicant.inner_text("#rectification-reply")
    _shot(applicant, tmp_path, "track-reply.png")
