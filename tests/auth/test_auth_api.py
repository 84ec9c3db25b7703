"""POST /api/v1/auth/token and GET /api/v1/auth/me; bearer tokens versus cookie sessions
(CSRF applies to cookie sessions only)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from service_center.audit import AuditEvent
from service_center.auth.models import ApiToken, User
from service_center.db import utcnow
from service_center.extensions import db

from ..conftest import DEMO_PASSWORD, extract_csrf
from ..queueing.test_api import assert_error

API = "/api/v1/auth"


def test_token_and_me(seeded, client):
    res = client.post(f"{API}/token", json={"username": "clerk1", "password": DEMO_PASSWORD})
    assert res.status_code == 200
    body = res.get_json()
    assert len(body["token"]) >= 32
    assert body["user"] == {"id": body["user"]["id"], "username": "clerk1",
                            "display_name": "李晓红", "staff_no": "W0101",
                            "role": "window_staff", "department": None, "hall": "MAIN",
                            "window": 1}
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["username"] == "clerk1"
    with seeded.app_context():
        stored = db.session.execute(select(ApiToken.token_hash)).scalars().all()
        assert body["token"] not in stored and len(stored) == 1  # only a hash is kept


def test_me_for_other_roles(seeded, auth, client):
    approver = client.get(f"{API}/me", headers=auth.headers("approver-ghj")).get_json()
    assert (approver["role"], approver["department"], approver["window"]) == \
        ("approver", "GHJ", None)
    xd = client.get(f"{API}/me", headers=auth.headers("xd-clerk2")).get_json()
    assert (xd["hall"], xd["window"]) == ("XD", 2)
    assert client.get(f"{API}/me", headers=auth.headers("xd-manager")).get_json()["hall"] == "XD"


def test_wrong_password_and_unknown_user_are_alike(seeded, client):
    wrong = client.post(f"{API}/token", json={"username": "clerk1", "password": "nope-nope"})
    unknown = client.post(f"{API}/token", json={"username": "ghost", "password": "nope-nope"})
    assert_error(wrong, 401, "unauthorized")
    assert_error(unknown, 401, "unauthorized")
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    with seeded.app_context():
        denied = db.session.execute(select(AuditEvent.action, AuditEvent.details).where(
            AuditEvent.result == "denied")).all()
        assert [(a, d["username"]) for a, d in denied] == [("login", "clerk1"),
                                                           ("login", "ghost")]


def test_me_needs_a_valid_token(seeded, client):
    assert_error(client.get(f"{API}/me"), 401)
    for header in ("Bearer nope", "Bearer", "Token abc", "bearer x", "Bearer " + "a" * 300):
        assert_error(client.get(f"{API}/me", headers={"Authorization": header}), 401)


def test_expired_revoked_and_inactive(seeded, client, auth):
    headers = auth.headers("clerk2")
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    with seeded.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_error(client.get(f"{API}/me", headers=headers), 401)
    headers = {"Authorization": f"Bearer {client.post(f'{API}/token', json={'username': 'clerk3', 'password': DEMO_PASSWORD}).get_json()['token']}"}  # noqa: E501
    with seeded.app_context():
        db.session.execute(update(ApiToken).values(revoked=True))
        db.session.commit()
    assert_error(client.get(f"{API}/me", headers=headers), 401)
    with seeded.app_context():
        db.session.execute(update(User).where(User.username == "clerk4").values(active=False))
        db.session.commit()
    assert_error(client.post(f"{API}/token", json={"username": "clerk4",
                                                   "password": DEMO_PASSWORD}), 401)


def test_token_bad_input(seeded, client):
    cases = [
        (b"", 400), (b"{", 400), (b"[]", 400), (b'"x"', 400), (b"[" * 10000, 400),
        (b'{"username": "\xff"}', 400),
        (b"{}", 422), (b'{"username": "clerk1"}', 422), (b'{"password": "x"}', 422),
        (b'{"username": 5, "password": "x"}', 422),
        (b'{"username": "clerk1", "password": 12345678}', 422),
        (b'{"username": ["clerk1"], "password": "x"}', 422),
        (b'{"username": "clerk1\\u0000", "password": "x"}', 422),
        (b'{"username": "' + b"u" * 65 + b'", "password": "x"}', 422),
        (b'{"username": "clerk1", "password": "' + b"p" * 300 + b'"}', 422),
        (b'{"username": "\\ud800", "password": "x"}', 400),
    ]
    for raw, status in cases:
        res = client.post(f"{API}/token", data=raw, content_type="application/json")
        assert res.status_code == status, (raw[:40], res.get_data()[:200])
        assert_error(res, status)


def test_token_is_rate_limited(seeded, client):
    statuses = [client.post(f"{API}/token", json={"username": "x", "password": "yyyyyyyy"}
                            ).status_code for _ in range(32)]
    assert statuses[:30] == [401] * 30 and statuses[-1] == 429


def test_cookie_session_on_the_api_needs_csrf(seeded, client, auth):
    res = auth.login("clerk1")
    assert res.status_code == 302
    assert client.get(f"{API}/me").get_json()["username"] == "clerk1"
    refused = client.post("/api/v1/windows/1/call-next")
    assert_error(refused, 400, "csrf_failed")
    page = client.get("/console")
    csrf = extract_csrf(page.get_data(as_text=True))
    ok = client.post("/api/v1/windows/1/call-next", headers={"X-CSRFToken": csrf})
    assert ok.status_code == 204


def test_login_page_wrong_password(seeded, client, auth):
    res = auth.login("clerk1", password="wrong-password")
    assert res.status_code == 401
    assert_error(client.get(f"{API}/me"), 401)
