"""TOTP (RFC 6238): enrolment with a QR code, the second step at sign-in (valid, invalid,
replayed codes, recovery codes), the `otp` field of the token endpoint, and the roles
that must enrol (REQUIRE_2FA_ROLES)."""

from __future__ import annotations

import re

import pyotp

from service_center.auth.models import User
from service_center.extensions import db

from .conftest import audit_rows, login_page, post_form, token


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/2fa")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, inline
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    res = post_form(client, "/account/2fa", {"code": pyotp.TOTP(secret).now(),
                                             "action": "enrol"})
    assert res.status_code == 200, res.get_data(as_text=True)[:500]
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>",
                       res.get_data(as_text=True))
    assert len(codes) == 8
    return secret, codes


def second_step(client, code: str):
    return post_form(client, "/login/2fa", {"code": code})


def test_enrol_and_sign_in_with_valid_invalid_and_replayed_codes(seeded, client, clock):
    assert login_page(client, "clerk1").status_code == 302
    secret, _codes = enrol(client)
    totp = pyotp.TOTP(secret)
    enrolled = audit_rows(seeded, "2fa_enrolled")
    assert len(enrolled) == 1 and enrolled[0].actor_name == "clerk1"
    with seeded.app_context():
        user = db.session.execute(db.select(User).filter_by(username="clerk1")).scalar_one()
        assert user.totp_secret == secret and len(user.recovery_codes) == 8
        assert all(len(h) == 64 for h in user.recovery_codes)  # only hashes are kept
    client.post("/logout", data={"csrf_token": _csrf(client)})

    clock.shift(30)
    res = login_page(client, "clerk1")
    assert res.status_code == 302 and res.headers["Location"].endswith("/login/2fa")
    assert client.get("/api/v1/auth/me").status_code == 401  # not signed in yet
    assert second_step(client, "000000" if totp.now() != "000000" else "111111"
                       ).status_code == 401
    assert second_step(client, "abc").status_code == 401
    code = totp.now()
    ok = second_step(client, code)
    assert ok.status_code == 302
    assert client.get("/api/v1/auth/me").get_json()["username"] == "clerk1"
    client.post("/logout", data={"csrf_token": _csrf(client)})

    # the same code again, within its 30 seconds: refused (replay)
    login_page(client, "clerk1")
    assert second_step(client, code).status_code == 401
    clock.shift(30)
    assert second_step(client, totp.now()).status_code == 302
    denied = [r for r in audit_rows(seeded, "login", "denied") if r.details["reason"] == "bad_otp"]
    assert len(denied) == 3
    methods = [r.details["method"] for r in audit_rows(seeded, "login", "ok")]
    assert methods == ["password", "password+totp", "password+totp"]


def test_second_step_expires_and_counts_failures(seeded, client, clock):
    login_page(client, "clerk2")
    _secret, _ = enrol(client)
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login_page(client, "clerk2")
    clock.shift(301)
    res = client.get("/login/2fa")
    assert res.status_code == 302 and "/login" in res.headers["Location"]
    login_page(client, "clerk2")
    for _ in range(5):
        second_step(client, "123456")
    with seeded.app_context():
        user = db.session.execute(db.select(User).filter_by(username="clerk2")).scalar_one()
        assert user.locked_until is not None  # wrong codes lock like wrong passwords


def test_recovery_code_works_once(seeded, client, clock):
    login_page(client, "clerk3")
    _secret, codes = enrol(client)
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login_page(client, "clerk3")
    assert second_step(client, codes[0].upper()).status_code == 302
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login_page(client, "clerk3")
    assert second_step(client, codes[0]).status_code == 401
    assert second_step(client, codes[1]).status_code == 302


def test_token_endpoint_takes_otp(seeded, client, clock):
    login_page(client, "clerk4")
    secret, _ = enrol(client)
    totp = pyotp.TOTP(secret)
    clock.shift(30)
    client = seeded.test_client()  # a device: no cookie session
    missing = token(client, "clerk4")
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "otp_required"
    wrong = token(client, "clerk4", otp="000000" if totp.now() != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "unauthorized"
    # a wrong password with a right code is a plain wrong password
    assert token(client, "clerk4", "bad-password-x", otp=totp.now()).status_code == 401
    code = totp.now()
    assert token(client, "clerk4", otp=code).status_code == 200
    assert token(client, "clerk4", otp=code).status_code == 401  # replayed
    clock.shift(30)
    assert token(client, "clerk4", otp=totp.now()).status_code == 200


def test_required_roles_must_enrol(seeded, client, clock):
    seeded.config.update(REQUIRE_2FA_ROLES="admin,manager")
    res = login_page(client, "manager")
    assert res.status_code == 302 and res.headers["Location"].endswith("/account/2fa")
    # every other page and the API wait until the second factor is set up
    held = client.get("/")
    assert held.status_code == 302 and held.headers["Location"].endswith("/account/2fa")
    api = client.get("/api/v1/auth/me")
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "two_factor_enrolment_required"
    no_token = token(seeded.test_client(), "admin")
    assert no_token.status_code == 403
    assert no_token.get_json()["error"]["code"] == "two_factor_enrolment_required"
    secret, _ = enrol(client)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/auth/me").get_json()["username"] == "manager"
    # a required role cannot turn it off
    off = post_form(client, "/account/2fa", {"action": "disable",
                                             "disable-password": "demo-pass-2026"})
    assert off.status_code == 403
    # roles not listed are not asked
    other = client.application.test_client()
    assert login_page(other, "clerk5").headers["Location"].endswith("/console")
    assert token(seeded.test_client(), "clerk5").status_code == 200
    assert secret


def test_disable_needs_the_password(seeded, client, clock):
    login_page(client, "agent")
    enrol(client)
    bad = post_form(client, "/account/2fa", {"action": "disable", "disable-password": "nope"})
    assert bad.status_code == 422
    good = post_form(client, "/account/2fa", {"action": "disable",
                                              "disable-password": "demo-pass-2026"})
    assert good.status_code == 302
    assert audit_rows(seeded, "2fa_disabled")
    assert token(seeded.test_client(), "agent").status_code == 200  # no code needed now


def test_admin_reset_of_a_lost_phone(seeded, client, clock):
    login_page(client, "cashier")
    enrol(client)
    result = seeded.test_cli_runner().invoke(args=["account", "reset-2fa", "cashier"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/auth/me").status_code == 401  # its sessions ended
    assert token(seeded.test_client(), "cashier").status_code == 200  # no code needed
    assert audit_rows(seeded, "2fa_reset")


def _csrf(client) -> str:
    from ..conftest import extract_csrf

    return extract_csrf(client.get("/account/2fa").get_data(as_text=True))
