"""Sessions: idle timeout, absolute lifetime, no reuse after logout (the old cookie
replayed), sessions end on deactivation and password reset; cookie flags."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from service_center.auth.models import ApiToken, User
from service_center.extensions import db

from ..conftest import extract_csrf, make_app
from .conftest import audit_rows, login_page, post_form, token

ME = "/api/v1/auth/me"


def signed_in(client) -> bool:
    return client.get(ME).status_code == 200


def test_idle_timeout(seeded, client, clock):
    assert seeded.config["SESSION_IDLE_MINUTES"] == 30  # the default
    login_page(client, "clerk1")
    for _ in range(4):  # activity keeps the session alive past 30 minutes in total
        clock.shift(29 * 60)
        assert client.get("/console").status_code == 200
    clock.shift(31 * 60)
    res = client.get("/console")
    assert res.status_code == 302 and "/login" in res.headers["Location"]
    assert not signed_in(client)
    expired = audit_rows(seeded, "session_expired")
    assert [(r.actor_name, r.details["reason"]) for r in expired] == [("clerk1", "idle")]


def test_idle_timeout_is_configurable(seeded, client, clock):
    seeded.config.update(SESSION_IDLE_MINUTES=5)
    login_page(client, "clerk1")
    clock.shift(4 * 60)
    assert signed_in(client)
    clock.shift(6 * 60)
    assert not signed_in(client)


def test_absolute_lifetime(seeded, client, clock):
    login_page(client, "clerk2")
    steps = 0
    while signed_in(client):  # active every 20 minutes
        steps += 1
        if steps > 12 * 3 + 1:
            pytest.fail("the session outlived its absolute lifetime")
        clock.shift(20 * 60)
    assert steps == 12 * 3 + 1  # it ends just past 12 hours, not before
    assert audit_rows(seeded, "session_expired")[-1].details["reason"] == "absolute"


def test_no_reuse_after_logout(seeded, client):
    login_page(client, "clerk3")
    stolen = client.get_cookie("session").value
    assert signed_in(client)
    csrf = extract_csrf(client.get("/console").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert audit_rows(seeded, "logout")[-1].actor_name == "clerk3"
    replay = seeded.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get(ME).status_code == 401
    page = replay.get("/console")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


@pytest.mark.parametrize("change", ["deactivate", "reset_password"])
def test_sessions_end_when_the_account_changes(seeded, client, change):
    login_page(client, "clerk4")
    assert signed_in(client)
    admin = seeded.test_client()
    login_page(admin, "admin")
    with seeded.app_context():
        user_id = db.session.execute(select(User.id).filter_by(username="clerk4")).scalar_one()
    if change == "deactivate":
        res = post_form(admin, f"/admin/staff/{user_id}",
                        {"display_name": "x", "role": "window_staff", "hall": "MAIN",
                         "window": "4"})  # "active" unchecked
    else:
        res = post_form(admin, f"/admin/staff/{user_id}/password",
                        {"password": "another-pass-2026"}, page_url=f"/admin/staff/{user_id}")
    assert res.status_code in (200, 302), res.get_data(as_text=True)[:300]
    assert not signed_in(client)


def test_change_password_keeps_this_session_ends_others(seeded, client):
    other = seeded.test_client()
    login_page(client, "clerk5")
    login_page(other, "clerk5")
    device = seeded.test_client()
    bearer = {"Authorization": f"Bearer {token(device, 'clerk5').get_json()['token']}"}
    res = post_form(client, "/account/password", {"current": "demo-pass-2026",
                                                  "new": "a long new passphrase",
                                                  "confirm": "a long new passphrase"})
    assert res.status_code == 302
    assert signed_in(client)
    assert not signed_in(other)
    assert device.get(ME, headers=bearer).status_code == 401  # tokens revoked
    with seeded.app_context():
        assert all(t.revoked for t in db.session.execute(select(ApiToken)).scalars())


def test_cookie_flags(seeded, client):
    res = login_page(client, "clerk1")
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development and tests


def test_production_cookie_is_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-0123456789")
    app = make_app(f"sqlite:///{tmp_path / 'prod.db'}", SERVICE_CENTER_ENV="production",
                   SECRET_KEY="a-long-random-production-secret-0123456789")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.test_request_context("/"):
        from flask import session

        session["x"] = 1
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
        morsel = SimpleCookie(response.headers["Set-Cookie"])["session"]
        assert morsel["secure"] and morsel["httponly"]
