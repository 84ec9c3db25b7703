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
