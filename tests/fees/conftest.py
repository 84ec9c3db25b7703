"""The case helpers of tests/approvals (fixed clock in Shanghai, a small API client), plus
payments and adjustments."""

from __future__ import annotations

import pytest

from tests.approvals.conftest import JS_MATERIALS, Cases, at, traveller  # noqa: F401

# JS-001 at 1200 m2: RFYD 25.00 × 1200, ZLJD 800.00, GHGL 1.50 × 1200, HPSP 1200.00
JS_1200 = {"RFYD": 3000000, "ZLJD": 80000, "GHGL": 180000, "HPSP": 120000}
JS_1200_TOTAL = sum(JS_1200.values())  # 3380000


class FeeCases(Cases):
    def case(self, area: str = "1200", **extra) -> dict:
        return self.create(params={"area_m2": area}, **extra)

    def pay(self, no: str, amount: int, user: str = "cashier", method: str = "cash",
            key: str | None = None, **extra):
        headers = self.auth.headers(user)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(f"/api/v1/cases/{no}/payments", headers=headers,
                                json={"amount_fen": amount, "method": method, **extra})

    def adjust(self, no: str, code: str, amount: int, user: str = "manager",
               reason: str = "核减"):
        return self.post(f"/cases/{no}/fee-adjustments", user,
                         {"fee_code": code, "amount_fen": amount, "reason": reason})

    def ledger(self, no: str, user: str = "manager") -> dict:
        res = self.client.get(f"/api/v1/cases/{no}/payments", headers=self.auth.headers(user))
        assert res.status_code == 200, res.get_json()
        return res.get_json()

    def approve_all(self, no: str) -> None:
        for dept in ("GHJ", "HBJ", "RFB"):
            assert self.decide(no, dept).status_code == 200
        assert self.decide(no, "ZJJ").status_code == 200


@pytest.fixture
def fees(seeded, client, auth, traveller):  # noqa: F811
    seeded.config["API_TOKEN_HOURS"] = 24 * 400
    # bearer tokens first: once a test signs in with a cookie, the token call needs CSRF
    for user in ("manager", "cashier", "clerk3", "admin"):
        auth.token(user)
    return FeeCases(client, auth, traveller)
