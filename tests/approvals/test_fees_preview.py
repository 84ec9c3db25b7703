"""The pure fee assessment: per-unit half-up item by item, min/max clamps, exact totals."""

from decimal import Decimal

import pytest

from service_center.approvals.fees_preview import FeeRule, MissingQuantity, amount_for, assess

RFYD = FeeRule(code="RFYD", department="RFB", basis="per_unit", rate_fen=2500,
               quantity_param="area_m2")
ZLJD = FeeRule(code="ZLJD", department="ZJJ", basis="fixed", amount_fen=80000)
GHGL = FeeRule(code="GHGL", department="GHJ", basis="per_unit", rate_fen=150,
               quantity_param="area_m2", min_fen=20000)
CAPPED = FeeRule(code="CAP", department="GHJ", basis="per_unit", rate_fen=333,
                 quantity_param="area_m2", max_fen=100000)


@pytest.mark.parametrize(("rule", "area", "expected"), [
    (RFYD, "1200", 3000000),
    (RFYD, "0.02", 50),           # 2500 × 0.02 = 50
    (RFYD, "0.0002", 1),          # 0.5 fen rounds half up
    (RFYD, "0.0001", 0),          # 0.25 fen rounds down
    (GHGL, "1000", 150000),
    (GHGL, "100", 20000),         # 15000 < minimum 20000
    (GHGL, "0", 20000),
    (CAPPED, "1.5", 500),         # 499.5 → 500 (half up, not banker's)
    (CAPPED, "2.5", 833),         # 832.5 → 833
    (CAPPED, "1000", 100000),     # 333000 > maximum
    (ZLJD, "5", 80000),
])
def test_amount_for(rule, area, expected):
    assert amount_for(rule, {"area_m2": Decimal(area)}) == expected


def test_total_is_the_sum_of_rounded_items():
    # each item rounds on its own: 0.5 + 0.5 fen would be 1 fen if summed first
    half = FeeRule(code="H1", department="GHJ", basis="per_unit", rate_fen=1,
                   quantity_param="area_m2")
    other = FeeRule(code="H2", department="HBJ", basis="per_unit", rate_fen=1,
                    quantity_param="area_m2")
    result = assess([half, other], {"area_m2": Decimal("0.5")})
    assert result == {"items": [{"code": "H1", "department": "GHJ", "amount_fen": 1},
                                {"code": "H2", "department": "HBJ", "amount_fen": 1}],
                      "total_fen": 2}


def test_demo_joint_item():
    result = assess([RFYD, ZLJD, GHGL], {"area_m2": Decimal("1234.56")})
    assert [i["amount_fen"] for i in result["items"]] == [3086400, 80000, 185184]
    assert result["total_fen"] == 3086400 + 80000 + 185184
    assert all(isinstance(i["amount_fen"], int) for i in result["items"])


def test_no_fees():
    assert assess([], {}) == {"items": [], "total_fen": 0}


def test_missing_quantity():
    with pytest.raises(MissingQuantity) as info:
        assess([RFYD], {})
    assert info.value.param == "area_m2"
