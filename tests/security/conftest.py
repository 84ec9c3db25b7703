"""Helpers for the sign-in, session, header and audit checks (issue 8, S4/S5/S7)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from ..conftest import DEMO_PASSWORD, extract_csrf

TOKEN = "/api/v1/auth/token"
START = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai


@pytest.fixture(autouse=True)
def _session_lifetimes(request):
    """The testing config switches session lifetimes off (other domains' tests travel in
    time with a signed-in browser); here they are what production runs with."""
    if "app" in request.fixturenames:
        from config import Config

        request.getfixturevalue("app").config.update(
            SESSION_IDLE_MINUTES=Config.SESSION_IDLE_MINUTES,
            SESSION_MAX_HOURS=Config.SESSION_MAX_HOURS)


@pytest.fixture
def clock():
    """A frozen clock that the test moves by hand (`clock.shift(seconds)`)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def token(client, username: str, password: str = DEMO_PASSWORD, otp: str | None = None,
          ip: str = "10.0.0.1"):
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post(TOKEN, json=body, environ_base={"REMOTE_ADDR": ip})


def login_page(client, username: str, password: str = DEMO_PASSWORD, ip: str = "10.0.0.1"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": ip})
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": extract_csrf(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": ip})


def post_form(client, url: str, data: dict, *, page_url: str | None = None):
    page = client.get(page_url or url)
    html = page.get_data(as_text=True)
    fields = dict(data)
    for name, value in re.findall(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"', html):
        fields.setdefault(name, value)
    return client.post(url, data=fields)


def audit_rows(app, action: str | None = None, result: str | None = None):
    from sqlalchemy import select

    from service_center.audit import AuditEvent
    from service_center.extensions import db

    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            query = query.where(AuditEvent.action == action)
        if result:
            query = query.where(AuditEvent.result == result)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return rows
