"""The public booking page works with plain forms (no JavaScript), in Chinese by default;
staff see today's bookings."""

from __future__ import annotations

import re

from ..conftest import extract_csrf


def test_book_and_cancel_without_javascript(booking, clock):
    clock("2026-09-18 08:00")
    client = booking.client
    page = client.get("/appointments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="zh-CN"' in html
    assert "/appointments?hall=MAIN&amp;category=A" in html
    html = client.get("/appointments?hall=MAIN&category=A").get_data(as_text=True)
    assert "date=2026-09-18" in html and "date=2026-09-19" not in html   # a Saturday
    html = client.get("/appointments?hall=MAIN&category=A&date=2026-09-22").get_data(as_text=True)
    assert 'value="2026-09-22T09:00:00+08:00"' in html
    form = {"csrf_token": extract_csrf(html), "hall": "MAIN", "category": "A",
            "date": "2026-09-22", "start": "2026-09-22T09:00:00+08:00", "name": "王五",
            "phone": "13800138000"}
    assert client.post("/appointments", data={**form, "csrf_token": "x"}).status_code == 400
    done = client.post("/appointments", data=form)
    assert done.status_code == 201
    code = re.search(r'id="appt-code">([A-Z0-9]+)<', done.get_data(as_text=True))[1]
    assert booking.slots("2026-09-22").get_json()[0]["booked"] == 1
    bad = client.post("/appointments/cancel", data={"csrf_token": form["csrf_token"],
                                                    "code": code, "phone": "13900000000"})
    assert bad.status_code == 404
    ok = client.post("/appointments/cancel", data={"csrf_token": form["csrf_token"],
                                                   "code": code, "phone": "13800138000"})
    assert ok.status_code == 200 and 'id="cancel-result"' in ok.get_data(as_text=True)
    assert booking.slots("2026-09-22").get_json()[0]["booked"] == 0


def test_form_errors_are_shown_on_the_page(booking, clock):
    clock("2026-09-18 08:00")
    client = booking.client
    csrf = extract_csrf(client.get("/appointments").get_data(as_text=True))
    res = client.post("/appointments", data={
        "csrf_token": csrf, "hall": "MAIN", "category": "A", "date": "2026-09-22",
        "start": "2026-09-22T09:10:00+08:00", "name": "", "phone": "abc"})
    assert res.status_code == 422 and 'id="appt-error"' in res.get_data(as_text=True)
    english = client.get("/appointments?lang=en&category=A").get_data(as_text=True)
    assert "Book an appointment" in english


def test_staff_page_lists_today(booking, clock, auth):
    clock("2026-09-22 08:00")
    code = booking.booked("2026-09-22T09:00:00+08:00", name="赵六")["code"]
    assert booking.client.get("/appointments/today").status_code in (302, 401)
    auth.login("clerk1")
    page = booking.client.get("/appointments/today")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and code in html and "赵六" in html
