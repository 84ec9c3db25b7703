"""Login throttling: lockout with exponential backoff per account, the hourly cap per
account, the cap per address, and no account enumeration (S5 audit of each refusal)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from service_center.auth.models import User
from service_center.extensions import db

from .conftest import audit_rows, login_page, token

WRONG = "not-the-password"


def test_backoff_locks_and_doubles(seeded, client, clock):
    for _ in range(5):
        assert token(client, "clerk1", WRONG).status_code == 401
    # locked for 1 minute: even the right password is refused, like a wrong one
    locked = token(client, "clerk1")
    assert locked.status_code == 401
    assert locked.get_json()["error"]["code"] == "unauthorized"
    clock.shift(59)
    assert token(client, "clerk1").status_code == 401
    clock.shift(2)
    assert token(client, "clerk1").status_code == 200  # lock over; success resets the count

    for _ in range(5):
        token(client, "clerk1", WRONG)
    clock.shift(61)
    assert token(client, "clerk1", WRONG).status_code == 401  # 6th in a row: 2 minutes
    clock.shift(61)
    assert token(client, "clerk1").status_code == 401
    clock.shift(60)
    assert token(client, "clerk1").status_code == 200

    locks = audit_rows(seeded, "account_locked")
    assert [row.details["minutes"] for row in locks] == [1, 1, 2]
    refused_locked = audit_rows(seeded, "login", "locked")
    assert len(refused_locked) == 3 and all(r.details["username"] == "clerk1"
                                            for r in refused_locked)


def test_backoff_is_capped(seeded, client, clock):
    seeded.config.update(LOGIN_LOCKOUT_MAX_MINUTES=4)
    minutes = []
    for _ in range(9):
        token(client, "clerk2", WRONG)
        clock.shift(10 * 60)  # always past the lock
    minutes = [row.details["minutes"] for row in audit_rows(seeded, "account_locked")]
    assert minutes == [1, 2, 4, 4, 4]


@pytest.mark.parametrize("limit", [None, 7])
def test_hourly_cap_per_account(seeded, client, clock, limit):
    # no backoff, so only the hourly cap stops the guessing
    seeded.config.update(LOGIN_LOCKOUT_THRESHOLD=0)
    if limit is None:
        limit = seeded.config["LOGIN_MAX_FAILURES_PER_HOUR"]
        assert limit == 100  # the default: at most 100 failures an hour per account
    else:
        seeded.config.update(LOGIN_MAX_FAILURES_PER_HOUR=limit)
    for n in range(limit):
        assert token(client, "clerk3", WRONG).status_code == 401
        if n % 25 == 24:
            clock.shift(61)  # stay under the per-minute limiter of the endpoint
    assert token(client, "clerk3").status_code == 401  # capped: right password refused
    assert audit_rows(seeded, "login", "locked")[-1].details["username"] == "clerk3"
    clock.shift(3600)
    assert token(client, "clerk3").status_code == 200


def test_cap_per_address(seeded, client, clock):
    seeded.config.update(LOGIN_MAX_FAILURES_PER_ADDRESS_HOUR=6)
    for n in range(6):
        assert token(client, f"guess{n}", WRONG, ip="203.0.113.9").status_code == 401
    throttled = token(client, "clerk4", ip="203.0.113.9")
    assert throttled.status_code == 429
    assert throttled.get_json()["error"]["code"] == "rate_limited"
    assert token(client, "clerk4", ip="203.0.113.10").status_code == 200  # another address
    assert audit_rows(seeded, "login", "throttled")[-1].ip == "203.0.113.9"
    clock.shift(3601)
    assert token(client, "clerk4", ip="203.0.113.9").status_code == 200


def test_no_account_enumeration(seeded, client, clock):
    for _ in range(5):
        token(client, "clerk5", WRONG)
    with seeded.app_context():
        db.session.execute(update(User).where(User.username == "clerk6").values(active=False))
        db.session.commit()
    answers = {
        "unknown user": token(client, "nobody-here", WRONG),
        "wrong password": token(client, "clerk1", WRONG),
        "locked, right password": token(client, "clerk5"),
        "locked, wrong password": token(client, "clerk5", WRONG),
        "inactive": token(client, "clerk6"),
    }
    seen = {(r.status_code, r.get_data()) for r in answers.values()}
    assert len(seen) == 1, {k: (r.status_code, r.get_data()) for k, r in answers.items()}

    pages = {
        "unknown user": login_page(client, "nobody-here", WRONG),
        "wrong password": login_page(client, "clerk1", WRONG),
        "locked": login_page(client, "clerk5"),
    }
    bodies = set()
    for name, res in pages.items():
        assert res.status_code == 401, name
        html = res.get_data(as_text=True)
        bodies.add(html[html.index('id="login-error"'):html.index("</div>", html.index(
            'id="login-error"'))])
    assert len(bodies) == 1
    # audited differently all the same
    results = {(r.details["username"], r.result) for r in audit_rows(seeded, "login")}
    assert {("nobody-here", "denied"), ("clerk1", "denied"), ("clerk5", "locked"),
            ("clerk6", "denied")} <= results


def test_login_page_locks_too(seeded, client, clock):
    for _ in range(5):
        assert login_page(client, "manager", WRONG).status_code == 401
    assert login_page(client, "manager").status_code == 401
    assert token(client, "manager").status_code == 401  # one lock for page and API
    clock.shift(61)
    res = login_page(client, "manager")
    assert res.status_code == 302
    ok = audit_rows(seeded, "login", "ok")
    assert ok[-1].details["method"] == "password" and ok[-1].actor_name == "manager"


def test_unlock_command(seeded, client, clock):
    for _ in range(5):
        token(client, "agent", WRONG)
    assert token(client, "agent").status_code == 401
    result = seeded.test_cli_runner().invoke(args=["account", "unlock", "agent"])
    assert result.exit_code == 0, result.output
    assert token(client, "agent").status_code == 200
    assert audit_rows(seeded, "account_unlocked")
