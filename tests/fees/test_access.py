"""Who may collect, see, adjust and reverse (S1 for the fee endpoints)."""

import pytest
from sqlalchemy import select

from service_center.audit import AuditEvent
from service_center.extensions import db

from .conftest import JS_1200_TOTAL

PAYERS = [
    ("cashier", 201),        # the fee window of the case's hall
    ("clerk3", 201),         # window staff of the same hall
    ("clerk6", 201),
    ("xd-clerk1", 403),      # another hall's clerk
    ("approver-ghj", 403),   # approvers never collect
    ("agent", 403),
    ("manager", 403),        # managers adjust and refund; they do not take money
    ("admin", 403),
]


@pytest.mark.parametrize(("user", "status"), PAYERS)
def test_who_may_pay(fees, user, status):
    no = fees.case()["tracking_no"]
    res = fees.pay(no, JS_1200_TOTAL, user=user)
    assert res.status_code == status, res.get_json()
    if status == 403:
        with fees.client.application.app_context():
            refused = db.session.execute(select(AuditEvent).where(
                AuditEvent.action == "fees.pay", AuditEvent.result == "denied")).scalars().all()
            assert refused and refused[-1].actor_name == user


def test_without_login(fees):
    no = fees.case()["tracking_no"]
    res = fees.client.post(f"/api/v1/cases/{no}/payments",
                           json={"amount_fen": JS_1200_TOTAL, "method": "cash"})
    assert res.status_code == 401
    assert fees.client.get(f"/api/v1/cases/{no}/payments").status_code == 401


def test_unknown_case_is_404(fees):
    assert fees.pay("JS20990101-0001", 1).status_code == 404


@pytest.mark.parametrize(("user", "status"), [
    ("cashier", 200), ("clerk3", 200), ("manager", 200), ("approver-rfb", 200),
    ("approver-scj", 403), ("xd-clerk1", 403), ("xd-manager", 403), ("agent", 403),
])
def test_who_may_see_the_ledger(fees, user, status):
    no = fees.case()["tracking_no"]
    res = fees.client.get(f"/api/v1/cases/{no}/payments", headers=fees.auth.headers(user))
    assert res.status_code == status
