"""Issue 9 in a real browser: search → open a guide → see the windows; the larger-text
mode; axe-core (npm, copied to static/vendor/ by scripts/vendor.d/axe.sh, injected by
the test only) finds no serious or critical WCAG 2.1 AA violation on the public pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from service_center.catalog.models import Hall
from service_center.extensions import db
from service_center.guide.services import seed_demo_guides
from tests.conftest import seed_demo_catalog

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe.min.js"


@pytest.fixture
def browser_app(sqlite_app):
    seed_demo_catalog(sqlite_app)
    with sqlite_app.app_context():
        seed_demo_guides()
        main = db.session.execute(select(Hall).where(Hall.code == "MAIN")).scalar_one()
        for window in main.windows[:3]:
            window.status = "open"
        db.session.commit()
        db.session.remove()
    return sqlite_app


def serious_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/vendor.sh")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return {passes: r.passes.length, violations: r.violations.map(v => ({id: v.id,
            impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))};
    }""")
    assert result["passes"] > 10  # axe really ran its rules on the page
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_search_open_a_guide_and_see_the_windows(new_page, tmp_path):
    page = new_page(390, 844, touch=True)
    page.goto("/guide")
    page.fill("#q", "施工\u3000许可")
    page.click("#guide-search-submit")
    page.wait_for_load_state("domcontentloaded")
    first = page.locator(".guide-result").first
    assert first.get_attribute("data-code") == "JS-002"
    first.locator("h3 a").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("article.guide").get_attribute("data-code") == "JS-002"
    page.click("a[href='#where']")
    windows = page.locator("#where [data-window]")
    assert windows.count() == 1 and windows.first.get_attribute("data-window") == "3"
    assert page.locator("#where").is_visible()
    page.screenshot(path=str(tmp_path / "guide-js-002.png"), full_page=True)


def test_keyboard_reaches_search_and_larger_text(new_page):
    page = new_page()
    page.goto("/guide")
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
    assert "q" in focused and "text-size-toggle" in focused
    base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("#text-size-toggle")
    page.wait_for_load_state("domcontentloaded")
    page.goto("/disclosure")
    assert "large-text" in page.get_attribute("body", "class")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > base


@pytest.mark.parametrize("url", ["/guide", "/guide?q=许可&topic=construction", "/guide/JS-001",
                                 "/guide/SB-001?large=1", "/disclosure", "/guide?lang=en"])
def test_axe_finds_no_serious_violation(browser, server, url):
    # the test injects axe-core as a script; the app's CSP (rightly) forbids that
    context = browser.new_context(base_url=server.url, locale="zh-CN", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url)
        assert serious_violations(page) == []
    finally:
        context.close()
