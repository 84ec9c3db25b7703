"""Issue 9: the guide links to the booking page for each hall whose category offering the
item takes appointments (demo: only category A of the main hall does)."""

from __future__ import annotations

import re

import pytest


def _halls(html: str) -> dict[str, str]:
    where = re.search(r'id="where"(.*?)</section>', html, re.S).group(1)
    return {part.split('"')[0]: part for part in re.split(r'data-hall="', where)[1:]}


def _link(block: str) -> str | None:
    match = re.search(r'data-field="appointment-link" href="([^"]+)"', block)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.parametrize("code, expected", [
    # NJ-001 is category A: MAIN's A takes appointments, XD's A does not
    ("NJ-001", {"MAIN": "/appointments?hall=MAIN&category=A", "XD": None}),
    # JS-001 is category B: served in MAIN, no appointments
    ("JS-001", {"MAIN": None}),
    # SB-001 is category D in both halls, no appointments anywhere
    ("SB-001", {"MAIN": None, "XD": None}),
])
def test_appointment_link_per_hall(gclient, code, expected):
    res = gclient.get(f"/guide/{code}")
    assert res.status_code == 200
    halls = _halls(res.get_data(as_text=True))
    assert {hall: _link(block) for hall, block in halls.items()} == expected


def test_the_link_opens_the_booking_page_for_that_category(gclient):
    halls = _halls(gclient.get("/guide/NJ-001").get_data(as_text=True))
    booking = gclient.get(_link(halls["MAIN"]))
    assert booking.status_code == 200
    html = booking.get_data(as_text=True)
    # the category is chosen: its button is marked current and its booking days are offered
    chosen = re.search(r'<a class="appt-choice is-chosen" href="[^"]*category=A"[^>]*'
                       r'aria-current="true"><span class="prefix">A</span>', html)
    assert chosen, "category A is not chosen on the booking page"
    assert "date=" in html
