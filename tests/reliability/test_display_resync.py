"""R3: a lobby display whose connection drops and returns shows exactly the server's state
within 5 s of the server being back.

The lobby display (/display, Debian's chromium through Playwright) is connected to a real
server process on a SQLite file. That server is killed (SIGKILL: every socket drops at
once); while it is down, a second server process on the same database calls, recalls,
issues, transfers and pauses. Then the first server comes back on the same port. Within
5 s the screen must show exactly what GET /api/v1/display/snapshot says: the latest call,
the list of earlier calls, every window's state and current number, and the waiting count
of every category. Also checked before the outage, and that the offline mark shows while
the server is away."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

import tests.live.servers as servers
from tests.live.servers import ServerProcess, seed_database, token

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
BACK_WITHIN_S = 5.0
OUTAGE_S = 8

SCREEN_JS = """() => {
  const text = (sel) => (document.querySelector(sel) || {}).textContent || '';
  return {
    latest: text('#latest-number'),
    earlier: [...document.querySelectorAll('#call-list .call-number')].map(e => e.textContent),
    windows: [...document.querySelectorAll('#window-grid .window-cell')].map(e => [
      Number(e.dataset.window), e.dataset.status,
      e.querySelector('.window-now').classList.contains('is-number')
        ? e.querySelector('.window-now').textContent : null]),
    waiting: Object.fromEntries([...document.querySelectorAll('#queue-grid .queue-cell')]
      .map(e => [e.dataset.category, Number(e.querySelector('.queue-count').textContent)])),
    offline: document.body.classList.contains('is-offline'),
  };
}"""


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


def expected(base: str) -> dict:
    snap = requests.get(base + "/api/v1/display/snapshot", timeout=10).json()
    calls = [c["number"] for c in snap["recent_calls"]]
    return {
        "latest": calls[0] if calls else "—",
        "earlier": calls[1:8],
        "windows": [[w["number"], w["status"],
                     w["current_number"] if w["status"] == "open" and w["current_number"]
                     else None] for w in snap["windows"]],
        "waiting": {c["prefix"]: snap["waiting"][c["prefix"]] for c in snap["categories"]},
        "offline": False,
    }


def server_on(url: str, port: int, log: Path, monkeypatch) -> ServerProcess:
    monkeypatch.setattr(servers, "free_port", lambda: port)
    return ServerProcess(url, None, log).wait_ready()


def test_display_resyncs_after_the_server_comes_back(chromium, tmp_path, monkeypatch):
    url = seed_database(tmp_path / "r3.db")
    port, other_port = servers.free_port(), servers.free_port()
    first = server_on(url, port, tmp_path / "first.log", monkeypatch)
    page = None
    try:
        base = first.url
        clerk = {"Authorization": f"Bearer {token(base, 'clerk1')}"}
        for category in ("A", "A", "A", "B", "C", "A", "D", "A"):
            assert requests.post(base + "/api/v1/tickets", json={"category": category},
                                 timeout=10).status_code == 201
        assert requests.post(base + "/api/v1/windows/1/call-next", headers=clerk,
                             timeout=10).status_code == 200

        context = chromium.new_context(viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/display")
        page.wait_for_selector("#display[data-state=live]", timeout=15000)
        page.wait_for_timeout(500)
        assert page.evaluate(SCREEN_JS) == expected(base)

        # --- the server goes away: every socket drops at once --------------------------------
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        first.stop()
        page.wait_for_function("document.body.classList.contains('is-offline')", timeout=30000)

        # --- meanwhile another process on the same database changes the hall ---------------
        other = server_on(url, other_port, tmp_path / "other.log", monkeypatch)
        try:
            o = other.url
            c1 = {"Authorization": f"Bearer {token(o, 'clerk1')}"}
            c2 = {"Authorization": f"Bearer {token(o, 'clerk2')}"}
            c3 = {"Authorization": f"Bearer {token(o, 'clerk3')}"}
            for path, headers in (("/windows/1/call-next", c1), ("/windows/2/call-next", c2),
                                  ("/windows/3/call-next", c3), ("/windows/1/recall", c1),
                                  ("/windows/2/call-next", c2), ("/windows/3/pause", c3)):
                res = requests.post(o + "/api/v1" + path, headers=headers, timeout=10)
                assert res.status_code in (200, 204), (path, res.text)
            for category in ("B", "B", "C"):
                requests.post(o + "/api/v1/tickets", json={"category": category}, timeout=10)
            current = requests.get(o + "/api/v1/windows/1", headers=c1, timeout=10).json()
            res = requests.post(o + f"/api/v1/tickets/{current['current']['id']}/transfer",
                                headers=c1, json={"to_window": 4}, timeout=10)
            assert res.status_code == 200, res.text
        finally:
            other.stop()
        assert page.evaluate(SCREEN_JS)["offline"] is True
        # a long enough outage for the client's reconnection back-off to reach its ceiling
        page.wait_for_timeout(OUTAGE_S * 1000)

        # --- the server is back on its port ------------------------------------------------
        first = server_on(url, port, tmp_path / "back.log", monkeypatch)
        back_at = time.monotonic()
        want = expected(first.url)
        seen = None
        while time.monotonic() - back_at < BACK_WITHIN_S + 5:
            seen = page.evaluate(SCREEN_JS)
            if seen == want:
                break
            page.wait_for_timeout(100)
        took = time.monotonic() - back_at
        print(f"\nR3: the display matched the server's state {took:.2f} s after it was back")
        assert seen == want
        assert took <= BACK_WITHIN_S, f"took {took:.2f} s"
        page.screenshot(path=str(tmp_path / "display-after-resync.png"))
        assert errors == []
    finally:
        if page is not None:
            page.context.close()
        first.stop()
