"""Password policy for passwords users choose (length ≥ 12, not trivially weak), the
change-password page, and optional rotation (PASSWORD_MAX_AGE_DAYS)."""

from __future__ import annotations

import pytest

from .conftest import audit_rows, login_page, post_form, token

GOOD = "correct horse battery"


@pytest.mark.parametrize(("current", "new", "confirm", "field"), [
    ("demo-pass-2026", "short-pass1", "short-pass1", "new"),          # 11 characters
    ("demo-pass-2026", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "new"),  # too easy
    ("demo-pass-2026", "clerk1-is-my-name", "clerk1-is-my-name", "new"),  # the username
    ("demo-pass-2026", "demo-pass-2026", "demo-pass-2026", "new"),    # unchanged
    ("demo-pass-2026", GOOD, GOOD + "x", "confirm"),
    ("wrong-current-password", GOOD, GOOD, "current"),
])
def test_refused_changes(seeded, client, current, new, confirm, field):
    login_page(client, "clerk1")
    res = post_form(client, "/account/password",
                    {"current": current, "new": new, "confirm": confirm})
    assert res.status_code == 422
    assert 'id="password-error"' in res.get_data(as_text=True)
    assert token(seeded.test_client(), "clerk1").status_code == 200  # unchanged


def test_change(seeded, client):
    login_page(client, "clerk1")
    res = post_form(client, "/account/password",
                    {"current": "demo-pass-2026", "new": GOOD, "confirm": GOOD})
    assert res.status_code == 302
    assert token(seeded.test_client(), "clerk1").status_code == 401
    assert token(seeded.test_client(), "clerk1", GOOD).status_code == 200
    assert audit_rows(seeded, "password_changed")[-1].actor_name == "clerk1"


def test_rotation(seeded, client, clock):
    assert seeded.config["PASSWORD_MAX_AGE_DAYS"] == 0  # off by default (ASVS 2.1.10)
    seeded.config.update(PASSWORD_MAX_AGE_DAYS=90)
    clock.shift(91 * 86400)
    res = login_page(client, "clerk2")
    assert res.status_code == 302 and res.headers["Location"].endswith("/account/password")
    held = client.get("/console")
    assert held.status_code == 302 and held.headers["Location"].endswith("/account/password")
    refused = token(seeded.test_client(), "clerk2")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"
    res = post_form(client, "/account/password",
                    {"current": "demo-pass-2026", "new": GOOD, "confirm": GOOD})
    assert res.status_code == 302
    assert client.get("/console").status_code == 200
    assert token(seeded.test_client(), "clerk2", GOOD).status_code == 200
