"""The screens in Debian's chromium (Playwright): the lobby shows and announces a call,
the applicant's page turns to "called", the window display follows; screenshots of the
lobby at 1920×1080 and 1366×768 are saved under the test's tmp_path (CI artifacts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

# Headless chromium has no voices: a stand-in that records what would be spoken.
STUB_SPEECH = """
window.__utterances = [];
const fakeSynth = {
  speaking: false, pending: false, paused: false,
  getVoices() { return [{lang: 'zh-CN', name: 'stub-zh', voiceURI: 'stub-zh',
                         localService: true, default: true}]; },
  speak(u) { window.__utterances.push(u.text); setTimeout(() => u.onend && u.onend(), 20); },
  cancel() {}, pause() {}, resume() {},
  addEventListener() {}, removeEventListener() {},
};
Object.defineProperty(window, 'speechSynthesis', {value: fakeSynth, configurable: true});
"""


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: run `make test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


def test_lobby_applicant_and_window_screens(chromium, live_server, tmp_path):
    base = live_server.url
    http = chromium.new_context().request
    tok = http.post(base + "/api/v1/auth/token",
                    data={"username": "clerk1", "password": "demo-pass-2026"}).json()["token"]
    mgr = http.post(base + "/api/v1/auth/token",
                    data={"username": "manager", "password": "demo-pass-2026"}).json()["token"]
    res = http.post(base + "/api/v1/display/notice", headers={"Authorization": f"Bearer {mgr}"},
                    data={"text": "温馨提示：请保管好随身物品，取号后请留意叫号屏幕与语音提示。"})
    assert res.ok
    ticket = http.post(base + "/api/v1/tickets", data={"category": "A"}).json()
    for category in ("A", "B", "D", "D"):
        http.post(base + "/api/v1/tickets", data={"category": category})
    assert ticket["number"] == "A001"

    lobby_ctx = chromium.new_context(bypass_csp=True, viewport={"width": 1920, "height": 1080})
    lobby_ctx.add_init_script(STUB_SPEECH)
    lobby = lobby_ctx.new_page()
    errors: list[str] = []
    lobby.on("pageerror", lambda exc: errors.append(str(exc)))
    lobby.goto(base + "/display?speaker=1")
    overlay = lobby.locator("#sound-overlay")
    if overlay.is_visible():
        lobby.click("#sound-enable")
    lobby.wait_for_selector("#display[data-state=live]", timeout=15000)

    phone = chromium.new_context(bypass_csp=True, viewport={"width": 390, "height": 844}).new_page()
    phone.goto(base + f"/t/{ticket['token']}")
    phone.wait_for_selector("#state-waiting:not([hidden])")
    counter = chromium.new_context(bypass_csp=True,
                                   viewport={"width": 1280, "height": 720}).new_page()
    counter.goto(base + "/display/window/1")
    counter.wait_for_function("document.getElementById('window-display').dataset.seq !== undefined")
    lobby.wait_for_timeout(500)  # the live link settles (websocket upgrade)

    res = http.post(base + "/api/v1/windows/1/call-next",
                    headers={"Authorization": f"Bearer {tok}"})
    assert res.ok and res.json()["number"] == "A001"

    lobby.wait_for_function(
        "document.getElementById('latest-number').textContent === 'A001'", timeout=10000)
    assert "1" in lobby.text_content("#latest-window")
    lobby.wait_for_function("window.__utterances.length >= 2", timeout=15000)
    assert lobby.evaluate("window.__utterances") == ["请 A001 号到 1 号窗口办理"] * 2
    assert "blink" in lobby.get_attribute("#call-latest", "class")
    window_cell = lobby.locator("#window-grid [data-window='1'] .window-now")
    assert window_cell.text_content() == "A001"

    phone.wait_for_selector("#state-called:not([hidden])", timeout=10000)
    assert phone.get_attribute("#ticket", "data-status") == "called"
    counter.wait_for_function(
        "document.getElementById('counter-number').textContent === 'A001'", timeout=10000)
    counter.wait_for_selector("#staff-line:not([hidden])", timeout=10000)

    # a second call queues behind the first announcement and is spoken twice too
    http.post(base + "/api/v1/windows/1/call-next", headers={"Authorization": f"Bearer {tok}"})
    lobby.wait_for_function("window.__utterances.length >= 4", timeout=15000)
    assert lobby.evaluate("window.__utterances")[2:] == ["请 A002 号到 1 号窗口办理"] * 2

    lobby.screenshot(path=str(tmp_path / "lobby-1920x1080.png"))
    lobby.set_viewport_size({"width": 1366, "height": 768})
    lobby.wait_for_timeout(300)
    lobby.screenshot(path=str(tmp_path / "lobby-1366x768.png"))
    counter.screenshot(path=str(tmp_path / "window-1.png"))
    phone.screenshot(path=str(tmp_path / "ticket-phone.png"))
    shots = os.environ.get("ONEWINDOW_SCREENSHOTS")
    if shots:  # a stable place for a human to look at them
        import shutil

        Path(shots).mkdir(parents=True, exist_ok=True)
        for png in tmp_path.glob("*.png"):
            shutil.copy(png, Path(shots) / png.name)
    assert (tmp_path / "lobby-1920x1080.png").stat().st_size > 10_000
    assert errors == []
