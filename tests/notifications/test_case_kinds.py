"""Issue 4: the applicant hears of their case. supplement_needed (the one-time notice of a
department's supplement request), case_decided (approved / rejected with the reason) and
fee_due (the combined assessment at acceptance, when something is due): each queued once,
in the transaction of the change, so a change that rolls back queues nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from service_center.approvals.models import Case
from service_center.extensions import db
from service_center.notifications.models import Notification
from tests.fees.conftest import JS_1200_TOTAL, fees, traveller  # noqa: F401

PHONE = "13800138000"  # the applicant's phone in the case helpers
ITEM = "建设工程规划许可（联合审批）"


def _notes(app, kind: str | None = None) -> list:
    with app.app_context():
        query = select(Notification.kind, Notification.recipient, Notification.payload)
        if kind:
            query = query.where(Notification.kind == kind)
        rows = db.session.execute(query.order_by(Notification.id)).all()
        db.session.remove()
        return rows


def _kinds(app) -> list[str]:
    return [r.kind for r in _notes(app)]


def test_fee_due_at_acceptance_then_approved(seeded, fees):  # noqa: F811
    no = fees.case()["tracking_no"]
    (note,) = _notes(seeded, "fee_due")
    assert note.recipient == PHONE
    assert note.payload == {"tracking_no": no, "service_item": "JS-001", "item_name": ITEM,
                            "total_fen": JS_1200_TOTAL, "total_yuan": "33800.00",
                            "due": "before_handover"}
    for dept in ("GHJ", "HBJ", "RFB"):
        assert fees.decide(no, dept).status_code == 200
    assert _kinds(seeded) == ["fee_due"]  # a stage's approvals tell nothing yet
    assert fees.decide(no, "ZJJ", opinion="准予许可").status_code == 200
    decided = _notes(seeded, "case_decided")
    assert [(n.recipient, n.payload) for n in decided] == [(PHONE, {
        "tracking_no": no, "service_item": "JS-001", "item_name": ITEM,
        "decision": "approved", "reason": "准予许可", "department": "区住建局"})]
    assert _kinds(seeded) == ["fee_due", "case_decided"]


def test_rejected_with_the_reason(seeded, fees):  # noqa: F811
    no = fees.case()["tracking_no"]
    assert fees.decide(no, "HBJ", "reject", opinion="不符合环评要求").status_code == 200
    (note,) = _notes(seeded, "case_decided")
    assert note.payload["decision"] == "rejected"
    assert note.payload["reason"] == "不符合环评要求"
    assert note.payload["department"] == "区环保局" and note.payload["tracking_no"] == no
    # a later decision on the closed case is refused: nothing more is queued
    assert fees.decide(no, "GHJ").status_code == 409
    assert _kinds(seeded) == ["fee_due", "case_decided"]


def test_supplement_needed_lists_every_missing_material(seeded, fees):  # noqa: F811
    no = fees.case()["tracking_no"]
    missing = ["环评补充说明", "噪声监测报告"]
    res = fees.decide(no, "HBJ", "supplement", opinion="请补充环评材料", missing=missing)
    assert res.status_code == 200
    (note,) = _notes(seeded, "supplement_needed")
    assert note.recipient == PHONE
    assert note.payload == {"tracking_no": no, "service_item": "JS-001", "item_name": ITEM,
                            "missing": missing, "reason": "请补充环评材料",
                            "department": "区环保局"}
    assert fees.get(no)["suspended"] is True
    # a second department cannot decide while the case is suspended (409): nothing queued
    assert fees.decide(no, "GHJ", "supplement", opinion="又缺").status_code == 409
    assert _kinds(seeded) == ["fee_due", "supplement_needed"]


def test_no_fee_no_message(seeded, fees):  # noqa: F811
    # NJ-001 (joint annual inspection) has no fees: accepted without a fee_due message
    fees.create(item="NJ-001", materials=["年度报告书", "财务报表"])
    assert _kinds(seeded) == []


def test_a_rolled_back_decision_queues_nothing(seeded, fees):  # noqa: F811
    # fees due before the decision: the final approval is refused (409) while unpaid
    res = fees.client.put("/api/v1/service-items/JS-001/fee-due",
                          json={"fee_due": "before_decision"}, headers=fees.auth.headers("admin"))
    assert res.status_code == 200
    no = fees.case()["tracking_no"]
    for dept in ("GHJ", "HBJ", "RFB"):
        assert fees.decide(no, dept).status_code == 200
    res = fees.decide(no, "ZJJ", opinion="准予许可")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "fees_unpaid"
    assert _kinds(seeded) == ["fee_due"]
    assert fees.pay(no, JS_1200_TOTAL).status_code == 201
    assert fees.decide(no, "ZJJ", opinion="准予许可").status_code == 200
    assert _kinds(seeded) == ["fee_due", "case_decided"]


@pytest.mark.parametrize("decision, extra", [
    ("reject", {}), ("supplement", {"missing": ["补充说明"]}),
])
def test_notified_then_rolled_back(seeded, fees, monkeypatch, decision, extra):  # noqa: F811
    """The outbox row is written, then the transaction fails: the row goes with it."""
    from service_center.approvals import services
    from service_center.errors import Conflict

    no = fees.case()["tracking_no"]
    notified = []
    real_notify = services.notify

    def notify_then_fail(*args, **kwargs):
        notified.append(real_notify(*args, **kwargs))
        raise Conflict("simulated failure after the message was queued", code="simulated")

    monkeypatch.setattr(services, "notify", notify_then_fail)
    res = fees.decide(no, "HBJ", decision, opinion="理由", **extra)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "simulated"
    assert notified and notified[0] is not None  # it was in the outbox, then rolled back
    assert _kinds(seeded) == ["fee_due"]
    case = fees.get(no)
    assert case["status"] == "in_progress" and case["suspended"] is False


def test_nothing_without_a_phone(seeded, fees):  # noqa: F811
    no = fees.case()["tracking_no"]
    with seeded.app_context():
        db.session.execute(update(Case).where(Case.tracking_no == no).values(applicant_phone=""))
        db.session.commit()
        db.session.remove()
    assert fees.decide(no, "HBJ", "reject", opinion="不符合").status_code == 200
    assert _kinds(seeded) == ["fee_due"]
