"""Door-to-door service in a real browser: an applicant asks for a visit on the public page
(errors first, then a reference number and the status look-up), the manager schedules it,
the clerk sees it on the day's route. Screenshots go to tmp_path and to $ONEWINDOW_SHOTS."""

from __future__ import annotations

import re

import pytest

from .conftest import login
from .test_kiosk_appointment import clock, shot  # noqa: F401

pytestmark = pytest.mark.browser
DAY = "2026-09-22"


def test_request_schedule_route(new_page, clock, tmp_path):  # noqa: F811
    clock("2026-09-21 09:00")
    phone = new_page(390, 844, touch=True)
    phone.goto("/door-service/new")
    phone.fill("#door-name", "王大爷")
    phone.fill("#door-phone", "12ab")
    phone.fill("#door-date", "2026-10-01")
    phone.click("#door-submit")
    phone.wait_for_selector("#door-error")
    fields = set(phone.eval_on_selector_all("#door-error [data-field]",
                                            "els => els.map(e => e.dataset.field)"))
    assert fields == {"phone", "address", "reason", "description"}
    shot(phone, tmp_path, "door-form-errors")
    phone.fill("#door-phone", "13800138000")
    phone.fill("#door-address", "幸福路 8 号 3 单元 502")
    phone.select_option("#door-item", "SB-001")
    phone.check('input[name="reason"][value="elderly"]')
    phone.click("#door-submit")
    phone.wait_for_selector("#door-error [data-field='preferred_date']")  # National Day
    phone.fill("#door-date", DAY)
    phone.click("#door-submit")
    ref = phone.inner_text("#door-reference").strip()
    assert re.fullmatch(r"D[A-Z2-9]{7}", ref)
    shot(phone, tmp_path, "door-submitted")

    manager = new_page(1366, 900)
    login(manager, "manager")
    manager.goto("/door-service")
    manager.wait_for_selector(f'#door-list tr[data-reference="{ref}"][data-status="requested"]')
    shot(manager, tmp_path, "door-list")
    manager.click(f'#door-list tr[data-reference="{ref}"] a')
    manager.select_option("#assignee", "clerk1")
    manager.fill("#visit-date", DAY)
    manager.click("#door-assign-go")
    manager.wait_for_selector('#door-request[data-status="scheduled"]')
    shot(manager, tmp_path, "door-detail-scheduled")

    phone.goto("/door-service/status")
    phone.fill("#door-ref", ref)
    phone.fill("#door-phone", "13800138000")
    phone.click("#door-lookup")
    phone.wait_for_selector('#door-status[data-status="scheduled"]')
    assert phone.inner_text("#door-visit-day").strip() == DAY
    shot(phone, tmp_path, "door-status")

    clock(f"{DAY} 08:30")
    clerk = new_page(1366, 900)
    login(clerk, "clerk1")
    clerk.goto(f"/door-service/route?date={DAY}")
    clerk.wait_for_selector(f'#door-route li[data-reference="{ref}"]')
    shot(clerk, tmp_path, "door-route")
    clerk.goto(f"/door-service/{ref}")
    clerk.check('input[name="outcome"][value="completed"]')
    clerk.click("#door-result-go")
    clerk.wait_for_selector('#door-request[data-status="completed"]')
    shot(clerk, tmp_path, "door-detail-completed")
