"""Fees due before the decision or before handover: the case cannot pass that point
unpaid (409 fees_unpaid)."""

from .conftest import JS_1200_TOTAL


def test_default_is_before_handover(fees):
    case = fees.case()
    no = case["tracking_no"]
    assert case["fees"]["due"] == "before_handover"
    fees.approve_all(no)  # the decision is not held back
    assert fees.get(no)["status"] == "approved"
    res = fees.post(f"/cases/{no}/complete", "clerk3")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "fees_unpaid"
    assert res.get_json()["error"]["details"]["outstanding_fen"] == JS_1200_TOTAL
    assert fees.get(no)["status"] == "approved"
    assert fees.pay(no, JS_1200_TOTAL).status_code == 201
    assert fees.post(f"/cases/{no}/complete", "clerk3").get_json()["status"] == "completed"


def test_before_decision(fees):
    res = fees.client.put("/api/v1/service-items/JS-001/fee-due",
                          json={"fee_due": "before_decision"}, headers=fees.auth.headers("admin"))
    assert res.status_code == 200 and res.get_json()["fee_due"] == "before_decision"
    no = fees.case()["tracking_no"]
    for dept in ("GHJ", "HBJ", "RFB"):
        assert fees.decide(no, dept).status_code == 200
    res = fees.decide(no, "ZJJ", opinion="准予许可")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "fees_unpaid"
    case = fees.get(no)
    assert case["status"] == "in_progress" and fees.task(case, "ZJJ")["status"] == "active"
    assert fees.pay(no, JS_1200_TOTAL).status_code == 201
    assert fees.decide(no, "ZJJ", opinion="准予许可").get_json()["status"] == "approved"
    assert fees.post(f"/cases/{no}/complete", "clerk3").status_code == 200


def test_a_refund_closes_the_gate_again(fees):
    no = fees.case()["tracking_no"]
    payment = fees.pay(no, JS_1200_TOTAL).get_json()["payment"]
    fees.approve_all(no)
    fees.post(f"/cases/{no}/payments/{payment['id']}/void", "manager", {"reason": "录入错误"})
    assert fees.post(f"/cases/{no}/complete", "clerk3").status_code == 409


def test_a_rejection_is_handed_over_without_payment(fees):
    no = fees.case()["tracking_no"]
    assert fees.decide(no, "HBJ", "reject", opinion="不符合环评要求").status_code == 200
    assert fees.post(f"/cases/{no}/complete", "clerk3").get_json()["status"] == "completed"


def test_fee_due_setting_rules(fees):
    url = "/api/v1/service-items/JS-001/fee-due"
    assert fees.client.put(url, json={"fee_due": "before_decision"},
                           headers=fees.auth.headers("manager")).status_code == 403
    assert fees.client.put(url, json={"fee_due": "never"},
                           headers=fees.auth.headers("admin")).status_code == 422
    assert fees.client.put("/api/v1/service-items/NOPE/fee-due", json={
        "fee_due": "before_decision"}, headers=fees.auth.headers("admin")).status_code == 404
    assert fees.client.get(url, headers=fees.auth.headers("cashier")).get_json() == \
        {"service_item": "JS-001", "fee_due": "before_handover"}
