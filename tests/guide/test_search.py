"""Search: exact, partial, full-width and traditional input, filters, hostile queries."""

from __future__ import annotations

import re

import pytest

from service_center.guide.services import SearchFilters, normalize, query_terms, search


def codes(client, **params) -> list[str]:
    res = client.get("/guide", query_string=params)
    assert res.status_code == 200, res.status_code
    return re.findall(r'class="guide-result" data-code="([^"]+)"', res.get_data(as_text=True))


@pytest.mark.parametrize(("text", "expected"), [
    ("ＪＳ－００１", "js-001"),
    ("施工\u3000许可", "施工 许可"),
    ("建築工程施工許可", "建筑工程施工许可"),
    ("  营业  执照 ", "营业 执照"),
    ("abc\x00def", "abcdef"),
    (None, ""),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_query_terms_are_bounded():
    terms = query_terms(" ".join(f"w{i}" for i in range(50)))
    assert len(terms) == 8
    assert len("".join(query_terms("字" * 10_000))) <= 100


SEARCH_CASES = [
    # exact words
    ({"q": "建筑工程施工许可"}, "JS-002", {"JS-002"}, {"QY-001", "SB-001"}),
    ({"q": "社会保险登记"}, "SB-001", {"SB-001"}, {"JS-001"}),
    # partial words
    ({"q": "施工"}, "JS-002", {"JS-002"}, {"QY-001"}),
    ({"q": "许可"}, None, {"JS-001", "JS-002"}, {"SB-001"}),
    ({"q": "施工许可证"}, "JS-002", {"JS-002"}, {"SB-001"}),
    # a material and a fee's name find their item
    ({"q": "营业执照"}, None, {"SB-001", "QY-001"}, {"JS-002"}),
    # mixed full-width characters and an ideographic space
    ({"q": "施工\u3000许可"}, "JS-002", {"JS-002"}, {"QY-001"}),
    ({"q": "ＪＳ"}, None, {"JS-001", "JS-002"}, {"QY-001", "SB-001", "NJ-001"}),
    ({"q": "ｊｓ－００２"}, "JS-002", {"JS-002"}, {"JS-001"}),
    # traditional characters
    ({"q": "建築工程施工許可"}, "JS-002", {"JS-002"}, {"SB-001"}),
    ({"q": "社會保險"}, "SB-001", {"SB-001"}, {"JS-002"}),
    # English names
    ({"q": "construction PERMIT"}, None, {"JS-001", "JS-002"}, {"SB-001"}),
    # topic (life event), department, kind filters
    ({"topic": "construction"}, None, {"JS-001", "JS-002"}, {"QY-001", "SB-001", "NJ-001"}),
    ({"topic": "start-business"}, None, {"QY-001", "SB-001"}, {"JS-001"}),
    ({"q": "开办企业"}, None, {"QY-001", "SB-001"}, {"JS-001"}),
    ({"department": "HBJ"}, "JS-001", {"JS-001"}, {"JS-002", "QY-001"}),
    ({"department": "SWJ"}, "NJ-001", {"NJ-001"}, {"QY-001"}),
    ({"kind": "annual_inspection"}, "NJ-001", {"NJ-001"}, {"JS-001", "SB-001"}),
    ({"kind": "service"}, "SB-001", {"SB-001"}, {"JS-001"}),
    # a department finds the items it leads and the joint items it takes part in
    ({"q": "许可", "department": "RFB"}, "JS-001", {"JS-001"}, {"JS-002"}),
    ({"department": "ZJJ"}, None, {"JS-001", "JS-002"}, {"QY-001"}),
    ({"q": "登记", "topic": "social-insurance"}, "SB-001", {"SB-001"}, {"QY-001"}),
    # unknown filter values are ignored, not errors
    ({"department": "NOPE", "kind": "nope", "topic": "nope"}, None,
     {"JS-001", "JS-002", "QY-001", "SB-001", "NJ-001"}, set()),
]


def test_search(gclient):
    # one app per backend for the whole table: each row names its own failure
    for params, first, all_of, none_of in SEARCH_CASES:
        found = codes(gclient, **params)
        assert all_of <= set(found), (params, found)
        assert not (none_of & set(found)), (params, found)
        if first:
            assert found[0] == first, (params, found)


def test_empty_query_lists_everything(gclient):
    assert set(codes(gclient)) == {"JS-001", "JS-002", "QY-001", "SB-001", "NJ-001"}
    assert set(codes(gclient, q="   ")) == set(codes(gclient))


HOSTILE = [
    "a" * 10_000, "字" * 5000, ".*", "(", "[a-", "\\", "^$|", "?*+{2,}", "%", "_", "%_%",
    "' OR 1=1 --", "'; DROP TABLE service_item; --", '" OR ""="', "1) UNION SELECT * FROM user--",
    "<script>alert(1)</script>", "{{ 7*7 }}", "\u202e\u200b\ufeff", "\U0001f600" * 40,
    "\ud7ff", "\t\r\n", "ＳＥＬＥＣＴ　＊",
]


def test_hostile_queries_never_error(gclient):
    for q in HOSTILE:
        res = gclient.get("/guide", query_string={"q": q, "department": q, "topic": q,
                                                   "kind": q})
        assert res.status_code == 200, q
        html = res.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "49" not in re.findall(r'id="q"[^>]*value="([^"]*)"', html)


def test_nul_byte_is_refused_cleanly(gclient, guide_app):
    # the house-wide guard answers 400 with the error page (never a 500) ...
    res = gclient.get("/guide?q=%E6%96%BD%00%E5%B7%A5")
    assert res.status_code == 400
    # ... and the search itself drops NUL characters if it ever sees one
    with guide_app.app_context():
        found = [r.item.code for r in search(SearchFilters(q="施工\x00许可"))]
    assert found[0] == "JS-002"


def test_tables_survive_sql_looking_queries(gclient):
    gclient.get("/guide", query_string={"q": "'; DROP TABLE service_item; --"})
    assert len(codes(gclient)) == 5
