"""Issue 3, printed tickets: every slip print request is recorded (audit), the kiosk reports
a print that failed (public with the ticket's token), and the window console shows the
current ticket's slip state and reprints it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.extensions import db


def take(client, category="A") -> dict:
    res = client.post("/api/v1/tickets", json={"category": category})
    assert res.status_code == 201
    return res.get_json()


def slip_records(app, ticket_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.result, AuditEvent.actor_name,
                   AuditEvent.details)
            .where(AuditEvent.entity_type == "ticket", AuditEvent.entity_id == str(ticket_id),
                   AuditEvent.action.like("slip%"))
            .order_by(AuditEvent.id)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def window_state(client, auth, user="clerk1", number=1) -> dict:
    res = client.get(f"/api/v1/windows/{number}", headers=auth.headers(user))
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def test_kiosk_print_failure_and_console_reprint(seeded, client, auth):
    ticket = take(client)
    headers = auth.headers("clerk1")
    assert client.post("/api/v1/windows/1/call-next", headers=headers).status_code == 200
    slip = window_state(client, auth)["current"]["slip"]
    assert slip == {"state": "not_printed", "prints": 0, "last_at": None, "error": None}

    # the kiosk fetched the slip: one print request
    url = f"/api/v1/tickets/{ticket['id']}/slip.pdf"
    assert client.get(f"{url}?token={ticket['token']}").status_code == 200
    slip = window_state(client, auth)["current"]["slip"]
    assert slip["state"] == "printed" and slip["prints"] == 1 and slip["last_at"]

    # the kiosk reports that printing failed: staff see it
    res = client.post(f"/api/v1/tickets/by-token/{ticket['token']}/print-result",
                      json={"ok": False, "error": "HTTP 503"})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["slip"]["state"] == "failed"
    slip = window_state(client, auth)["current"]["slip"]
    assert slip["state"] == "failed" and slip["error"] == "HTTP 503" and slip["prints"] == 1

    # the clerk reprints from the console (staff auth, no token)
    res = client.get(url, headers=headers)
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    slip = window_state(client, auth)["current"]["slip"]
    assert slip["state"] == "printed" and slip["prints"] == 2 and slip["error"] is None

    assert slip_records(seeded, ticket["id"]) == [
        ("slip_printed", "ok", None, {"number": "A001", "via": "kiosk"}),
        ("slip_print_result", "failed", None, {"number": "A001", "error": "HTTP 503"}),
        ("slip_printed", "ok", "clerk1", {"number": "A001", "via": "staff"}),
    ]


def test_refused_slips_are_not_recorded(seeded, client, auth):
    ticket = take(client)
    url = f"/api/v1/tickets/{ticket['id']}/slip.pdf"
    assert client.get(f"{url}?token=wrong").status_code == 404
    assert client.get(url, headers=auth.headers("xd-clerk1")).status_code == 403
    assert client.get(url).status_code == 401
    assert slip_records(seeded, ticket["id"]) == []


@pytest.mark.parametrize("body, status", [
    ({"ok": True}, 200),
    ({"ok": False}, 200),
    ({"ok": "no"}, 422),
    ({}, 422),
    ({"ok": False, "error": "x" * 201}, 422),
    ({"ok": False, "error": 5}, 422),
])
def test_print_result_input(seeded, client, body, status):
    ticket = take(client)
    res = client.post(f"/api/v1/tickets/by-token/{ticket['token']}/print-result", json=body)
    assert res.status_code == status, res.get_json()
    if status == 422:
        assert res.get_json()["error"]["code"] == "validation_failed"
        assert slip_records(seeded, ticket["id"]) == []
    else:
        assert res.get_json()["slip"]["state"] == ("printed" if body["ok"] else "failed")


def test_print_result_needs_the_ticket_token(seeded, client):
    res = client.post("/api/v1/tickets/by-token/not-a-token/print-result", json={"ok": False})
    assert res.status_code == 404
    res = client.post("/api/v1/tickets/by-token/" + "x" * 300 + "/print-result",
                      json={"ok": False})
    assert res.status_code == 404
    res = client.post("/api/v1/tickets/by-token/abc/print-result", data="not json",
                      content_type="application/json")
    assert res.status_code in (400, 404)


def test_console_and_kiosk_pages_carry_the_print_parts(seeded, client, auth):
    auth.login("clerk1")
    html = client.get("/console").get_data(as_text=True)
    assert 'id="btn-reprint"' in html and 'id="current-slip"' in html
    assert '"not_printed"' in html  # the slip states' labels for the script
    kiosk = client.get("/kiosk").get_data(as_text=True)
    assert 'id="result-print-error"' in kiosk and '"print_failed"' in kiosk
    assert "<script>" not in html and "<script>" not in kiosk


@pytest.mark.browser
@pytest.mark.slow
def test_kiosk_reports_a_slip_it_could_not_fetch(live_server):
    """Chromium: the kiosk's Print fetches the slip; a 503 shows the message on the kiosk
    and reaches the console's state; a working fetch opens the PDF and is recorded."""
    from tests.live.test_browser import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            kiosk = context.new_page()
            kiosk.goto(base + "/kiosk")
            kiosk.click('[data-category="A"]')
            kiosk.wait_for_selector("#kiosk-result:not([hidden])")
            assert kiosk.is_hidden("#result-print-error")
            kiosk.route("**/slip.pdf*", lambda route: route.fulfill(status=503, body="down"))
            kiosk.click("#result-print")
            kiosk.wait_for_selector("#result-print-error:not([hidden])")

            http = context.request
            tok = http.post(base + "/api/v1/auth/token", data={
                "username": "clerk1", "password": "demo-pass-2026"}).json()["token"]
            headers = {"Authorization": f"Bearer {tok}"}
            assert http.post(base + "/api/v1/windows/1/call-next", headers=headers).ok
            slip = http.get(base + "/api/v1/windows/1", headers=headers).json()["current"]["slip"]
            assert slip["state"] == "failed" and slip["error"] == "HTTP 503"

            kiosk.unroute("**/slip.pdf*")
            with context.expect_page() as popup:
                kiosk.click("#result-print")
            popup.value.wait_for_load_state()
            for _ in range(50):
                slip = http.get(base + "/api/v1/windows/1",
                                headers=headers).json()["current"]["slip"]
                if slip["state"] == "printed":
                    break
                kiosk.wait_for_timeout(100)
            assert slip["state"] == "printed" and slip["prints"] == 1
        finally:
            browser.close()
