"""One payment of exactly the outstanding total; adjustments, refunds and voids as new
rows; the idempotency key; the allocation per department."""

import pytest
from sqlalchemy import func, select

from service_center.audit import AuditEvent
from service_center.extensions import db
from service_center.fees.models import FeeAllocation, FeePayment

from .conftest import JS_1200_TOTAL


def test_pay_exactly_the_total_then_twice_is_409(fees):
    no = fees.case()["tracking_no"]
    res = fees.pay(no, JS_1200_TOTAL)
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["payment"]["amount_fen"] == JS_1200_TOTAL
    assert body["payment"]["receipt_no"] == f"{no}-S1"
    assert {a["department"]: a["amount_fen"] for a in body["payment"]["allocations"]} == \
        {"RFB": 3000000, "ZJJ": 80000, "GHJ": 180000, "HBJ": 120000}
    assert body["fees"]["paid"] is True and body["fees"]["outstanding_fen"] == 0
    again = fees.pay(no, JS_1200_TOTAL)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_paid"
    assert fees.get(no)["fees"]["paid"] is True


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"amount_fen": JS_1200_TOTAL - 1, "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": JS_1200_TOTAL + 1, "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": 3380000.0, "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": "3380000", "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": -JS_1200_TOTAL, "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": True, "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": 10**30, "method": "cash"}, 422, "amount_fen"),
    ({"amount_fen": JS_1200_TOTAL, "method": "cheque"}, 422, "method"),
    ({"amount_fen": JS_1200_TOTAL}, 422, "method"),
    ({"amount_fen": JS_1200_TOTAL, "method": "transfer"}, 422, "reference"),
])
def test_bad_payments_are_refused(fees, body, status, field):
    no = fees.case()["tracking_no"]
    res = fees.client.post(f"/api/v1/cases/{no}/payments", json=body,
                           headers=fees.auth.headers("cashier"))
    assert res.status_code == status, res.get_json()
    assert field in res.get_json()["error"]["details"]
    assert fees.get(no)["fees"]["paid"] is False


def test_transfer_with_reference(fees):
    no = fees.case()["tracking_no"]
    res = fees.pay(no, JS_1200_TOTAL, method="transfer", reference="TX-20260929-77")
    assert res.status_code == 201
    assert res.get_json()["payment"]["reference"] == "TX-20260929-77"


def test_idempotency_key_replays_the_first_answer(fees):
    no = fees.case()["tracking_no"]
    first = fees.pay(no, JS_1200_TOTAL, key="k-123")
    second = fees.pay(no, JS_1200_TOTAL, key="k-123")
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    other = fees.pay(no, 1, key="k-123")  # the same key for a different payment
    assert other.status_code == 422
    with fees.client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(FeePayment)) == 1


def test_adjustment_then_payment_of_the_new_outstanding(fees):
    no = fees.case()["tracking_no"]
    res = fees.adjust(no, "HPSP", -50000, reason="环评费减半")
    assert res.status_code == 201, res.get_json()
    adj = res.get_json()["adjustment"]
    assert (adj["line_before_fen"], adj["line_after_fen"]) == (120000, 70000)
    assert res.get_json()["fees"]["total_fen"] == JS_1200_TOTAL - 50000
    assert fees.pay(no, JS_1200_TOTAL).status_code == 422
    paid = fees.pay(no, JS_1200_TOTAL - 50000)
    assert paid.status_code == 201
    assert {a["department"]: a["amount_fen"] for a in paid.get_json()["payment"]["allocations"]
            }["HBJ"] == 70000
    # raised after payment: only the difference is outstanding, and only HBJ gets it
    assert fees.adjust(no, "HPSP", 20000, reason="复核").status_code == 201
    fees_now = fees.get(no)["fees"]
    assert fees_now["outstanding_fen"] == 20000 and fees_now["paid"] is False
    second = fees.pay(no, 20000)
    assert second.status_code == 201
    assert second.get_json()["payment"]["allocations"] == \
        [{"fee_code": "HPSP", "department": "HBJ", "amount_fen": 20000}]
    assert second.get_json()["payment"]["receipt_no"] == f"{no}-S2"
    ledger = fees.ledger(no)
    assert [a["amount_fen"] for a in ledger["adjustments"]] == [-50000, 20000]
    assert all(a["by"] == "manager" and a["reason"] for a in ledger["adjustments"])
    with fees.client.application.app_context():
        actions = db.session.execute(select(AuditEvent.action).where(
            AuditEvent.entity_type == "fee_assessment").order_by(AuditEvent.id)).scalars().all()
    assert actions == ["fees_assessed", "fee_adjusted", "fees_paid", "fee_adjusted", "fees_paid"]


@pytest.mark.parametrize(("code", "amount", "status", "error"), [
    ("NOPE", 100, 422, "unknown_fee"),
    ("HPSP", 0, 422, "validation_failed"),
    ("HPSP", -120001, 422, "negative_fee"),
    ("HPSP", "100", 422, "validation_failed"),
])
def test_bad_adjustments(fees, code, amount, status, error):
    no = fees.case()["tracking_no"]
    res = fees.post(f"/cases/{no}/fee-adjustments", "manager",
                    {"fee_code": code, "amount_fen": amount, "reason": "x"})
    assert res.status_code == status and res.get_json()["error"]["code"] == error


def test_adjustment_needs_a_reason_and_a_manager(fees):
    no = fees.case()["tracking_no"]
    res = fees.post(f"/cases/{no}/fee-adjustments", "manager", {"fee_code": "HPSP",
                                                                "amount_fen": -1})
    assert res.status_code == 422 and "reason" in res.get_json()["error"]["details"]
    for user in ("cashier", "clerk3", "approver-hbj", "agent"):
        assert fees.adjust(no, "HPSP", -1, user=user).status_code == 403
    assert fees.adjust(no, "HPSP", -1, user="xd-manager").status_code == 403


def test_refund_is_a_new_row(fees):
    no = fees.case()["tracking_no"]
    payment = fees.pay(no, JS_1200_TOTAL).get_json()["payment"]
    url = f"/cases/{no}/payments/{payment['id']}/refund"
    assert fees.post(url, "cashier", {"reason": "撤回申请"}).status_code == 403
    assert fees.post(url, "manager", {}).status_code == 422  # a reason is required
    res = fees.post(url, "manager", {"reason": "撤回申请"})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["entry"]["kind"] == "refund"
    assert res.get_json()["entry"]["amount_fen"] == JS_1200_TOTAL
    assert res.get_json()["fees"]["outstanding_fen"] == JS_1200_TOTAL
    ledger = fees.ledger(no)
    assert [(e["kind"], e["amount_fen"], e["refers_to"]) for e in ledger["entries"]] == \
        [("payment", JS_1200_TOTAL, None), ("refund", JS_1200_TOTAL, payment["id"])]
    assert fees.post(url, "manager", {"reason": "again"}).status_code == 409
    assert fees.post(f"/cases/{no}/payments/{payment['id']}/void", "manager",
                     {"reason": "x"}).status_code == 409


def test_lowered_after_payment_then_partial_refund(fees):
    no = fees.case()["tracking_no"]
    payment = fees.pay(no, JS_1200_TOTAL).get_json()["payment"]
    fees.adjust(no, "RFYD", -1000000, reason="面积复核")
    assert fees.get(no)["fees"]["outstanding_fen"] == -1000000
    res = fees.post(f"/cases/{no}/payments/{payment['id']}/refund", "manager",
                    {"reason": "退还多收", "amount_fen": 1000000})
    assert res.status_code == 201
    assert res.get_json()["entry"]["allocations"] == \
        [{"fee_code": "RFYD", "department": "RFB", "amount_fen": -1000000}]
    assert res.get_json()["fees"]["outstanding_fen"] == 0
    assert res.get_json()["fees"]["paid"] is True
    too_much = fees.post(f"/cases/{no}/payments/{payment['id']}/refund", "manager",
                         {"reason": "x", "amount_fen": JS_1200_TOTAL})
    assert too_much.status_code == 422


def test_void_reverses_a_payment_whole(fees):
    no = fees.case()["tracking_no"]
    payment = fees.pay(no, JS_1200_TOTAL).get_json()["payment"]
    res = fees.post(f"/cases/{no}/payments/{payment['id']}/void", "manager",
                    {"reason": "录入错误"})
    assert res.status_code == 201 and res.get_json()["entry"]["kind"] == "void"
    assert fees.pay(no, JS_1200_TOTAL).status_code == 201  # can be paid again
    assert fees.post(f"/cases/{no}/payments/999999/void", "manager",
                     {"reason": "x"}).status_code == 404


def test_allocation_sums_equal_payments(fees):
    a = fees.case("1200")["tracking_no"]
    b = fees.case("12.345")["tracking_no"]   # 30863 + 80000 + 20000 + 120000
    c = fees.case("100")["tracking_no"]      # 250000 + 80000 + 20000 + 120000
    pa = fees.pay(a, JS_1200_TOTAL).get_json()["payment"]
    fees.pay(b, 250863, user="clerk3")
    fees.adjust(c, "ZLJD", -80000, reason="免征")
    fees.pay(c, 390000, method="bank_card")
    fees.post(f"/cases/{a}/payments/{pa['id']}/refund", "manager",
              {"reason": "部分退还", "amount_fen": 100000})
    res = fees.client.get("/api/v1/fees/allocation?date=2026-09-29",
                          headers=fees.auth.headers("manager"))
    assert res.status_code == 200, res.get_json()
    report = res.get_json()
    by_dept = {r["code"]: r["amount_fen"] for r in report["departments"]}
    # the partial refund takes back the payment's lines in order: RFYD first
    assert by_dept == {"RFB": 3000000 + 30863 + 250000 - 100000,
                       "ZJJ": 80000 + 80000,
                       "GHJ": 180000 + 20000 + 20000,
                       "HBJ": 120000 * 3}
    assert report["payments"] == {"count": 3, "amount_fen": JS_1200_TOTAL + 250863 + 390000}
    assert report["reversed_fen"] == 100000
    assert report["total_fen"] == sum(by_dept.values()) == report["net_fen"]
    with fees.client.application.app_context():
        assert db.session.scalar(select(func.sum(FeeAllocation.amount_fen))) == \
            report["net_fen"]
    other_day = fees.client.get("/api/v1/fees/allocation?date=2026-09-28",
                                headers=fees.auth.headers("manager")).get_json()
    assert other_day["departments"] == [] and other_day["total_fen"] == 0
    # a hall's manager sees only their hall
    xd = fees.client.get("/api/v1/fees/allocation?date=2026-09-29",
                         headers=fees.auth.headers("xd-manager")).get_json()
    assert xd["total_fen"] == 0
    for user, status in (("cashier", 403), ("clerk3", 403), ("approver-ghj", 403),
                         ("admin", 200)):
        assert fees.client.get("/api/v1/fees/allocation",
                               headers=fees.auth.headers(user)).status_code == status
    bad = fees.client.get("/api/v1/fees/allocation?date=2026-13-01",
                          headers=fees.auth.headers("manager"))
    assert bad.status_code == 422


def test_allocation_csv_and_pdf(fees):
    import csv
    import io

    import pypdf

    no = fees.case()["tracking_no"]
    fees.pay(no, JS_1200_TOTAL)
    fees.auth.login("manager")
    res = fees.client.get("/fees/allocation.csv?date=2026-09-29")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["date", "hall", "department_code"]
    assert {r[2]: r[5] for r in rows[1:]} == {"GHJ": "180000", "HBJ": "120000",
                                              "RFB": "3000000", "ZJJ": "80000",
                                              "TOTAL": str(JS_1200_TOTAL)}
    assert ["2026-09-29", "ALL", "RFB", "区人防办", "30000.00", "3000000"] in rows
    page = fees.client.get("/fees/allocation?date=2026-09-29")
    assert page.status_code == 200 and "区人防办" in page.get_data(as_text=True)
    assert "¥33,800.00" in page.get_data(as_text=True)
    pdf = fees.client.get("/fees/allocation.pdf?date=2026-09-29")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in ("示例区政务服务中心", "2026-09-29", "区人防办", "¥30,000.00", "¥33,800.00"):
        assert expected in text, expected
