"""Issue 10 in a real browser: book a slot on the public /appointments page, check in at
the kiosk with the booking code on its on-screen keypad, and see the window call that
priority ticket before a normal one taken earlier. The clock is moved with time_machine
(for every thread of this process, so the live server too): booking the day before the
slot's check-in window opens, checking in inside it.

Assertions use ids and data attributes, never Chinese text. Screenshots go to tmp_path,
and to $ONEWINDOW_SHOTS when set."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .conftest import login

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2026-09-22"              # a Tuesday, a working day
SLOT = f"{DAY}T10:00:00+08:00"  # check-in from 09:30 to 10:15
MIN_TOUCH_PX = 72


@pytest.fixture
def clock():
    travellers = []

    def at(text: str):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=TZ),
                                        tick=True)
        traveller.start()
        travellers.append(traveller)

    yield at
    for traveller in travellers:
        traveller.stop()


def shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path)
    target = os.environ.get("ONEWINDOW_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def enter_code(kiosk, code: str) -> None:
    kiosk.click("#appt-open")
    kiosk.wait_for_selector("#kiosk-code:not([hidden])")
    for ch in code:
        kiosk.click(f'#code-keys [data-key="{ch}"]')
    kiosk.wait_for_selector(f'#code-display[data-code="{code}"]')


def test_booked_check_in_is_called_first(new_page, clock, tmp_path):
    clock(f"{DAY} 08:00")
    applicant = new_page(390, 844, touch=True)
    applicant.goto(f"/appointments?category=A&date={DAY}")
    applicant.check(f'input[name="start"][value="{SLOT}"]')
    applicant.fill("#appt-name", "张三")
    applicant.fill("#appt-phone", "13800138000")
    applicant.click("#appt-submit")
    code = applicant.inner_text("#appt-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code), code
    shot(applicant, tmp_path, "appointment-booked")

    kiosk = new_page(1920, 1080, touch=True)
    kiosk.goto("/kiosk")
    # a walk-in takes a normal number first
    kiosk.click('[data-category="A"]')
    kiosk.wait_for_selector("#kiosk-result:not([hidden])")
    walk_in = kiosk.inner_text("#result-number").strip()
    assert walk_in == "A001"
    assert kiosk.is_hidden("#result-appt")
    kiosk.click("#result-done")
    kiosk.wait_for_selector("#kiosk-result", state="hidden")

    clock(f"{DAY} 09:45")
    # a mistyped code: told on the keypad, which keeps it for correcting
    enter_code(kiosk, "ABCDEFGH" if code != "ABCDEFGH" else "HGFEDCBA")
    kiosk.click("#code-submit")
    kiosk.wait_for_selector('#code-error[data-code="unknown_appointment"]:not([hidden])')
    shot(kiosk, tmp_path, "kiosk-code-unknown")
    assert kiosk.is_visible("#kiosk-code")
    kiosk.click("#code-clear")
    assert kiosk.get_attribute("#code-display", "data-code") == ""
    assert kiosk.is_disabled("#code-submit")
    kiosk.click("#code-cancel")
    kiosk.wait_for_selector("#kiosk-code", state="hidden")

    enter_code(kiosk, code)
    for selector in ('#code-keys [data-key="A"]', "#code-submit", "#code-back", "#code-cancel"):
        box = kiosk.locator(selector).bounding_box()
        assert box["height"] >= MIN_TOUCH_PX and box["width"] >= MIN_TOUCH_PX, selector
    shot(kiosk, tmp_path, "kiosk-code-entered")
    kiosk.click("#code-submit")
    kiosk.wait_for_selector("#kiosk-result:not([hidden])")
    assert kiosk.get_attribute("#result-appt", "data-priority") == "priority"
    assert kiosk.is_visible("#result-appt")
    checked_in = kiosk.inner_text("#result-number").strip()
    assert checked_in == "A002"
    shot(kiosk, tmp_path, "kiosk-checked-in")

    # the same code again: already used
    kiosk.click("#result-done")
    enter_code(kiosk, code)
    kiosk.click("#code-submit")
    kiosk.wait_for_selector('#code-error[data-code="already_checked_in"]:not([hidden])')
    kiosk.click("#code-cancel")

    clerk = new_page(1366, 768)
    login(clerk, "clerk1")
    clerk.wait_for_url(re.compile(r"/console$"))
    clerk.wait_for_selector('#live-state[data-live="live"]')
    clerk.click("#btn-call-next")
    clerk.wait_for_function(
        "n => document.getElementById('current-number').textContent === n", arg=checked_in)
    shot(clerk, tmp_path, "console-called-appointment")
    clerk.click("#btn-call-next")
    clerk.wait_for_function(
        "n => document.getElementById('current-number').textContent === n", arg=walk_in)


def test_late_check_in_gets_a_normal_number_in_english(new_page, clock, tmp_path):
    clock(f"{DAY} 08:00")
    applicant = new_page(1366, 768)
    applicant.goto(f"/appointments?category=A&date={DAY}")
    applicant.check(f'input[name="start"][value="{SLOT}"]')
    applicant.fill("#appt-name", "李四")
    applicant.fill("#appt-phone", "13900139000")
    applicant.click("#appt-submit")
    code = applicant.inner_text("#appt-code").strip()

    clock(f"{DAY} 10:40")
    kiosk = new_page(1080, 1920, touch=True)
    kiosk.goto("/kiosk?lang=en")
    assert kiosk.get_attribute("html", "lang") == "en"
    enter_code(kiosk, code)
    shot(kiosk, tmp_path, "kiosk-code-portrait-en")
    kiosk.click("#code-submit")
    kiosk.wait_for_selector("#kiosk-result:not([hidden])")
    assert kiosk.get_attribute("#result-appt", "data-priority") == "normal"
    shot(kiosk, tmp_path, "kiosk-late-en")
