"""The combined assessment stored at acceptance: hand-computed amounts (half up, item by
item, minimum clamp), the stored rows, and what the case answers show."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from service_center.approvals.fees_preview import FeeRule, amount_for, assess
from service_center.catalog.models import FeeItem
from service_center.extensions import db
from service_center.fees.models import FeeAssessment, FeeLine
from service_center.money import parse_yuan

from .conftest import JS_1200, JS_1200_TOTAL


@pytest.mark.parametrize(("area", "expected"), [
    # RFYD 2500 × 12.345 = 30862.5 → 30863; GHGL 150 × 12.345 = 1851.75 → minimum 20000
    ("12.345", {"RFYD": 30863, "ZLJD": 80000, "GHGL": 20000, "HPSP": 120000}),
    ("1200", JS_1200),
    # GHGL 150 × 1234.56 = 185184 (above the minimum); RFYD 3086400
    ("1234.56", {"RFYD": 3086400, "ZLJD": 80000, "GHGL": 185184, "HPSP": 120000}),
    # GHGL 150 × 133.33 = 19999.5 → 20000 (half up) = the minimum exactly
    ("133.33", {"RFYD": 333325, "ZLJD": 80000, "GHGL": 20000, "HPSP": 120000}),
    # GHGL 150 × 133.337 = 20000.55 → 20001, just above the minimum
    ("133.337", {"RFYD": 333343, "ZLJD": 80000, "GHGL": 20001, "HPSP": 120000}),
    ("0", {"RFYD": 0, "ZLJD": 80000, "GHGL": 20000, "HPSP": 120000}),
    # 2500 × 0.0002 = 0.5 fen → 1 (half up, not banker's)
    ("0.0002", {"RFYD": 1, "ZLJD": 80000, "GHGL": 20000, "HPSP": 120000}),
])
def test_assessment_at_acceptance(fees, area, expected):
    case = fees.case(area)
    items = {i["code"]: i["amount_fen"] for i in case["fees"]["items"]}
    assert items == expected
    assert case["fees"]["total_fen"] == sum(expected.values())
    assert case["fees"]["assessed"] is True and case["fees"]["paid"] is False
    assert {i["code"]: i["department"] for i in case["fees"]["items"]} == \
        {"RFYD": "RFB", "ZLJD": "ZJJ", "GHGL": "GHJ", "HPSP": "HBJ"}
    with fees.client.application.app_context():
        assessment = db.session.execute(select(FeeAssessment)).scalar_one()
        assert assessment.total_fen == sum(expected.values())
        lines = {ln.code: ln for ln in assessment.lines}
        assert lines["RFYD"].basis == "per_unit" and lines["RFYD"].rate_fen == 2500
        assert lines["RFYD"].quantity == str(Decimal(area))
        assert lines["ZLJD"].basis == "fixed" and lines["ZLJD"].quantity is None
        assert lines["GHGL"].min_fen == 20000
        assert all(isinstance(ln.amount_fen, int) for ln in lines.values())


def test_stored_assessment_outlives_a_catalog_change(fees):
    no = fees.case()["tracking_no"]
    with fees.client.application.app_context():
        fee = db.session.execute(select(FeeItem).where(FeeItem.code == "HPSP")).scalar_one()
        fee.amount_fen = 999900
        db.session.commit()
    case = fees.get(no)
    assert case["fees"]["total_fen"] == JS_1200_TOTAL
    assert {i["code"]: i["amount_fen"] for i in case["fees"]["items"]}["HPSP"] == 120000


def test_no_assessment_until_materials_are_complete(fees):
    case = fees.case(materials=["建设工程规划许可申请表"])
    assert case["status"] == "awaiting_materials"
    # the answer shows what it would be, marked as not assessed
    assert case["fees"]["assessed"] is False and case["fees"]["total_fen"] == JS_1200_TOTAL
    with fees.client.application.app_context():
        assert db.session.execute(select(FeeAssessment)).first() is None
    no = case["tracking_no"]
    assert fees.pay(no, JS_1200_TOTAL).status_code == 409
    res = fees.post(f"/cases/{no}/supplement", "clerk3", {})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["fees"]["assessed"] is True
    with fees.client.application.app_context():
        assert len(db.session.execute(select(FeeLine)).scalars().all()) == 4


def test_proxy_service_is_free(fees):
    case = fees.case(proxy_requested=True)
    no = case["tracking_no"]
    assert fees.post(f"/cases/{no}/proxy-agent", "manager", {"username": "agent"}) \
        .status_code == 200
    after = fees.get(no)["fees"]
    assert after["total_fen"] == JS_1200_TOTAL
    assert {i["code"] for i in after["items"]} == set(JS_1200)


def test_refused_intake_has_no_fees_to_pay(fees):
    case = fees.create(refuse=True, reason="不属于本中心受理范围")
    assert case["status"] == "refused"
    assert fees.pay(case["tracking_no"], JS_1200_TOTAL).get_json()["error"]["code"] == \
        "not_assessed"


def test_tracking_shows_total_and_paid(fees):
    case = fees.case()
    no, code = case["tracking_no"], case["query_code"]
    assert fees.client.get(f"/api/v1/track/{no}?code={code}").get_json()["fees"] == \
        {"total_fen": JS_1200_TOTAL, "paid": False}
    assert fees.pay(no, JS_1200_TOTAL).status_code == 201
    assert fees.client.get(f"/api/v1/track/{no}?code={code}").get_json()["fees"] == \
        {"total_fen": JS_1200_TOTAL, "paid": True}


# --- the pure arithmetic, near the limits ------------------------------------------------------
@pytest.mark.parametrize(("rate_fen", "qty", "min_fen", "max_fen", "expected"), [
    (999_999_999, "1", None, None, 999_999_999),
    (100_000_000, "9.999999", None, None, 999_999_900),
    (3, "0.5", None, None, 2),               # 1.5 → 2
    (5, "0.1", None, None, 1),               # 0.5 → 1
    (5, "0.09", None, None, 0),              # 0.45 → 0
    (1, "1000000000", None, 999_999_999, 999_999_999),
    (1, "1", 50_000, None, 50_000),
])
def test_per_unit_table(rate_fen, qty, min_fen, max_fen, expected):
    rule = FeeRule(code="X", department="GHJ", basis="per_unit", rate_fen=rate_fen,
                   quantity_param="q", min_fen=min_fen, max_fen=max_fen)
    assert amount_for(rule, {"q": Decimal(qty)}) == expected


def test_many_items_across_departments_sum_exactly():
    rules = [FeeRule(code=f"F{i}", department=d, basis="per_unit", rate_fen=333,
                     quantity_param="q") for i, d in enumerate(["GHJ", "HBJ", "RFB", "ZJJ"] * 5)]
    result = assess(rules, {"q": Decimal("2.5")})  # 832.5 → 833 each
    assert [i["amount_fen"] for i in result["items"]] == [833] * 20
    assert result["total_fen"] == 833 * 20  # not round(832.5 × 20) = 16650


@pytest.mark.parametrize("text", ["1_000", "１２", "1e3", "-5", "1.234", " 12", "12.", "",
                                  "0x10", "NaN", "1,000"])
def test_money_strings_are_strict(text):
    with pytest.raises(ValueError):
        parse_yuan(text)


@pytest.mark.parametrize(("text", "fen"), [("12.30", 1230), ("0.05", 5), ("10000000", 1000000000)])
def test_money_strings(text, fen):
    assert parse_yuan(text) == fen
