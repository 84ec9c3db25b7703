"""Every document: the text extracted from the PDF carries the center, the case number,
local dates and ¥ amounts; applicant text appears literally (escaped, S6); a kind that is
not available yet answers 404; applicants need their query code (rate limited)."""

import io

import pypdf
import pytest

from tests.approvals.conftest import JS_MATERIALS

HOSTILE = "<b>x</b>&<font>"


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _get(fees, no: str, kind: str, user: str | None = "manager", query: str = ""):
    headers = fees.auth.headers(user) if user else {}
    return fees.client.get(f"/api/v1/cases/{no}/documents/{kind}.pdf{query}", headers=headers)


def _pdf(fees, no, kind, user="manager", query="") -> str:
    res = _get(fees, no, kind, user, query)
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    assert res.mimetype == "application/pdf"
    return _text(res.data)


@pytest.fixture
def hostile_case(fees):
    return fees.create(params={"area_m2": "12.345"},
                       applicant={"name": HOSTILE, "phone": "13800138000",
                                  "organization": "示例<i>建设</i>有限公司"})


def test_acceptance_notice(fees, hostile_case):
    no, code = hostile_case["tracking_no"], hostile_case["query_code"]
    text = _pdf(fees, no, "acceptance-notice", query=f"?code={code}")
    for expected in ("示例区政务服务中心", no, code, "建设工程规划许可（联合审批）", HOSTILE,
                     "示例<i>建设</i>有限公司", "2026-09-29", "2026-10-19", "2026-11-02",
                     "设计方案总平面图"):
        assert expected in text, expected
    # without the code the staff copy does not print one
    assert code not in _pdf(fees, no, "acceptance-notice")


def test_supplement_notice_lists_every_missing_material(fees):
    case = fees.create(materials=JS_MATERIALS[:2])
    no = case["tracking_no"]
    text = _pdf(fees, no, "supplement-notice")
    for material in JS_MATERIALS[2:]:
        assert material in text
    assert no in text and "示例区政务服务中心" in text
    # no acceptance notice and no fee notice before acceptance
    assert _get(fees, no, "acceptance-notice").status_code == 404
    assert _get(fees, no, "fee-notice").status_code == 404


def test_fee_notice_and_receipt(fees, hostile_case):
    no = hostile_case["tracking_no"]
    text = _pdf(fees, no, "fee-notice")
    for expected in ("区人防办", "人防易地建设费", "¥308.63", "区规划局", "¥200.00", "区住建局",
                     "¥800.00", "区环保局", "¥1,200.00", "¥2,508.63", HOSTILE, no):
        assert expected in text, expected
    missing = _get(fees, no, "receipt")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "document_not_available"
    assert fees.pay(no, 250863, method="transfer", reference=HOSTILE).status_code == 201
    text = _pdf(fees, no, "receipt", user="cashier")
    for expected in (f"{no}-S1", "¥2,508.63", "¥308.63", "区人防办", HOSTILE, "郑丽",
                     "2026-09-29 10:00"):
        assert expected in text, expected


def test_fee_notice_shows_adjustments(fees):
    no = fees.case()["tracking_no"]
    fees.adjust(no, "HPSP", -50000, reason="减半<征收>")
    text = _pdf(fees, no, "fee-notice")
    assert "减半<征收>" in text and "¥33,300.00" in text and "-¥500.00" in text


def test_decision_letters(fees):
    no = fees.case()["tracking_no"]
    assert _get(fees, no, "decision").status_code == 404
    fees.approve_all(no)
    text = _pdf(fees, no, "decision")
    assert "区住建局" in text and "《中华人民共和国城乡规划法》第四十条" in text and no in text
    rejected = fees.case()["tracking_no"]
    fees.decide(rejected, "HBJ", "reject", opinion=f"环评不合格 {HOSTILE}")
    text = _pdf(fees, rejected, "decision")
    assert "区环保局" in text and f"环评不合格 {HOSTILE}" in text


def test_refusal_notice(fees):
    case = fees.create(refuse=True, reason="不属于本中心受理范围 <br/>")
    text = _pdf(fees, case["tracking_no"], "refusal-notice")
    assert "不属于本中心受理范围 <br/>" in text
    assert _get(fees, case["tracking_no"], "acceptance-notice").status_code == 404


def test_deterministic(fees):
    no = fees.case()["tracking_no"]
    assert _get(fees, no, "fee-notice").data == _get(fees, no, "fee-notice").data


def test_applicant_with_code(fees):
    case = fees.case()
    no, code = case["tracking_no"], case["query_code"]
    assert "¥33,800.00" in _pdf(fees, no, "fee-notice", user=None, query=f"?code={code}")
    assert _get(fees, no, "fee-notice", user=None).status_code == 404
    wrong = _get(fees, no, "fee-notice", user=None, query="?code=WRONG123")
    unknown = _get(fees, "JS20990101-0001", "fee-notice", user=None, query=f"?code={code}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    assert _get(fees, no, "nonsense", user=None, query=f"?code={code}").status_code == 404


def test_failures_are_rate_limited(fees):
    no = fees.case()["tracking_no"]
    statuses = [_get(fees, no, "fee-notice", user=None, query="?code=WRONG").status_code
                for _ in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429


@pytest.mark.parametrize(("user", "status"), [
    ("manager", 200), ("clerk3", 200), ("cashier", 200), ("approver-ghj", 200),
    ("approver-scj", 403), ("xd-clerk1", 403), ("agent", 403),
])
def test_staff_who_may_see_the_case(fees, user, status):
    no = fees.case()["tracking_no"]
    assert _get(fees, no, "fee-notice", user=user).status_code == status
