"""Issue 4 in a real browser: intake at the window with a material missing → the one-time
notice → the supplement → three departments approve in parallel → the second stage →
the decision; a manager assigns the proxy agent; the applicant's tracking page shows each
step. Screenshots (1366×768) go to the test's tmp_path, or to $CASES_SCREENSHOTS.

Assertions use ids and data attributes, never Chinese text: the translations are filled
in later and must not break these tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.approvals.conftest import JS_MATERIALS

from .conftest import login

pytestmark = pytest.mark.browser


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("CASES_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=False)


def decide(page, tracking_no: str) -> None:
    page.goto("/tasks")
    page.click(f'tr[data-case="{tracking_no}"] a')
    page.wait_for_selector("#decision-form")
    page.check("#d-approve")
    page.fill("#d-opinion", "同意")
    page.click("#btn-decide")
    page.wait_for_url(re.compile(r"/tasks$"))
    assert page.query_selector(f'tr[data-case="{tracking_no}"]') is None


def test_intake_supplement_parallel_approvals_decision_tracking(new_page, tmp_path):
    clerk = new_page(1366, 768)
    login(clerk, "clerk3")
    clerk.goto("/console")
    clerk.click("#btn-open-case")
    clerk.wait_for_url(re.compile(r"/cases/new"))
    clerk.fill("#item-q", "JS-001")
    clerk.click('form[role="search"] button')
    clerk.click('[data-item="JS-001"]')
    clerk.fill("#f-name", "王经理")
    clerk.fill("#f-phone", "13800138000")
    clerk.fill("#f-org", "示例建设有限公司")
    clerk.fill("#p-area_m2", "1200")
    clerk.wait_for_selector("#fee-total")  # the live preview from the same service
    assert clerk.inner_text("#fee-total").replace(",", "").strip() == "¥33800.00"
    for name in JS_MATERIALS[:3]:
        clerk.check(f'input[name="materials"][value="{name}"]')
    clerk.check("#f-proxy")
    assert not clerk.is_hidden("#missing-summary")
    clerk.evaluate("window.scrollTo(0, 0)")
    shot(clerk, tmp_path, "cases-new")
    # "accept" with a material missing is refused next to the checklist
    clerk.click("#btn-accept")
    clerk.wait_for_selector('.field-error[data-field="materials_received"]')
    clerk.click("#btn-pending")
    clerk.wait_for_url(re.compile(r"/cases/[A-Z0-9-]+/accepted$"))
    tracking_no = clerk.inner_text("#tracking-no").strip()
    code = clerk.inner_text("#query-code").strip()
    assert re.fullmatch(r"JS[0-9]{8}-[0-9]{4}", tracking_no) and len(code) == 8
    assert clerk.get_attribute("#case-result", "data-status") == "awaiting_materials"
    shot(clerk, tmp_path, "cases-accepted")

    # the one-time notice lists every missing item at once, printable
    clerk.click("#notice-link")
    clerk.wait_for_selector('#notice[data-kind="supplement"]')
    listed = [li.inner_text().strip() for li in clerk.query_selector_all("#notice-missing li")]
    assert listed == JS_MATERIALS[3:]

    # the applicant comes back with the rest: the supplement starts the clock
    clerk.goto(f"/cases/{tracking_no}")
    clerk.click("#btn-supplement")
    clerk.wait_for_selector('#case[data-status="in_progress"]')

    # a manager assigns the proxy agent the applicant asked for
    manager = new_page(1366, 768)
    login(manager, "manager")
    manager.goto("/cases?proxy=1")
    manager.click(f'tr[data-case="{tracking_no}"] a')
    manager.select_option("#a-user", "agent")
    manager.click("#agent-form button")
    manager.wait_for_selector("#proxy-agent")
    shot(manager, tmp_path, "case-page")
    assert manager.query_selector("#proxy-agent .badge") is None  # no longer "requested"

    agent = new_page(1366, 768)
    login(agent, "agent")
    agent.wait_for_url(re.compile(r"/agent$"))
    agent.wait_for_selector(f"#case-{tracking_no}")
    form = f'#case-{tracking_no} form[data-form="handover"]'
    agent.select_option(f"{form} select[name=from_department]", "GHJ")
    agent.select_option(f"{form} select[name=to_department]", "HBJ")
    agent.fill(f"{form} input[name=note]", "图纸两套")
    agent.click(f"{form} button")
    agent.wait_for_url(re.compile(r"/agent#case-"))
    shot(agent, tmp_path, "agent")

    # three departments in parallel, then the second stage
    approver = new_page(1366, 768)
    for username in ("approver-ghj", "approver-hbj"):
        login(approver, username)
        if username == "approver-ghj":
            approver.goto("/tasks")
            approver.wait_for_selector("#decision-form")
            shot(approver, tmp_path, "tasks")
        decide(approver, tracking_no)
        approver.click(".topnav form button")  # sign out
    other = new_page(1366, 768)
    login(other, "approver-zjj")
    other.goto("/tasks")
    assert other.query_selector(f'tr[data-case="{tracking_no}"]') is None  # not open yet
    third = new_page(1366, 768)
    login(third, "approver-rfb")
    decide(third, tracking_no)
    decide(other, tracking_no)

    # the applicant's tracking page shows each step, data masked
    public = new_page(1366, 768)
    public.goto("/track")
    public.fill("#tr-no", tracking_no)
    public.fill("#tr-code", code)
    public.click("#track-submit")
    public.wait_for_selector("#track-result")
    assert public.get_attribute("#track-result", "data-status") == "approved"
    steps = [el.get_attribute("data-step") for el in public.query_selector_all("#track-steps > li")]
    assert steps == ["registered", "accepted", "stage", "stage", "decision"], steps
    assert len(public.query_selector_all(".cases-step-tasks li")) == 4
    assert public.query_selector("#track-agent") is not None
    body = public.inner_text("body")
    assert "王经理" not in body and "示例建设有限公司" not in body
    shot(public, tmp_path, "track")
    # a wrong code: refused like an unknown number
    public.fill("#tr-no", tracking_no)
    public.fill("#tr-code", "WRONG123")
    public.click("#track-submit")
    public.wait_for_selector("#track-error")
    assert public.query_selector("#track-result") is None
