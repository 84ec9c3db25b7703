"""A guide page shows every field of its item; the one-page PDF carries the same."""

from __future__ import annotations

import io
import re

import pypdf
from sqlalchemy import select

from service_center.catalog.models import ServiceItem
from service_center.extensions import db
from service_center.guide.services import save_guide
from service_center.money import format_fen


def page(client, url: str) -> str:
    res = client.get(url)
    assert res.status_code == 200, (url, res.status_code)
    return res.get_data(as_text=True)


def field(html: str, name: str) -> str:
    match = re.search(rf'data-field="{name}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no field {name}"
    return match.group(1).strip()


def test_every_field_of_the_item_is_shown(gclient, guide_app):
    html = page(gclient, "/guide/JS-001?lang=en")
    with guide_app.app_context():
        item = db.session.execute(
            select(ServiceItem).where(ServiceItem.code == "JS-001")).scalar_one()
        assert "Construction project planning permit" in html
        assert field(html, "code") == item.code
        assert field(html, "department") == item.lead_department.name_en
        assert item.legal_basis in field(html, "legal-basis")
        assert field(html, "statutory-days") == f"{item.statutory_days} working days"
        assert field(html, "promised-days") == f"{item.promised_days} working days"
        assert 'data-field="proxy" data-value="yes"' in html
        assert "已取得建设用地规划许可证" in field(html, "conditions")
        # materials with original/copy and copies
        for material in item.materials:
            assert f'data-material="{material.name}"' in html
        row = re.search(r'data-material="建设工程规划许可申请表">(.*?)</tr>', html, re.S).group(1)
        assert "Original and copy" in row and '<td data-field="copies">1</td>' in row
        row = re.search(r'data-material="设计方案总平面图">(.*?)</tr>',
                        html, re.S).group(1)
        assert "Copy" in row and '<td data-field="copies">2</td>' in row
        # fees: standard (money.format_fen) and legal basis
        for fee in item.fee_items:
            fee_row = re.search(rf'data-fee="{fee.code}">(.*?)</tr>', html, re.S).group(1)
            assert format_fen(fee.rate_fen if fee.basis == "per_unit" else fee.amount_fen) \
                in fee_row
            assert fee.department.name_en in fee_row
            if fee.legal_basis:
                assert fee.legal_basis in fee_row
        assert "minimum ¥200.00" in html
        # the process: stages in order, parallel departments in the first
        process = re.search(r'id="process">(.*?)</ol>', html, re.S).group(1)
        depts = re.findall(r'data-department="([A-Z]+)"', process)
        assert depts == ["GHJ", "HBJ", "RFB", "ZJJ"]
        assert "in parallel" in process
        # windows and halls: category B is served by window 3 of MAIN only
        where = re.search(r'id="where"(.*?)</section>', html, re.S).group(1)
        assert re.findall(r'data-hall="([A-Z]+)"', where) == ["MAIN"]
        assert re.findall(r'data-window="(\d+)"', where) == ["3"]
        # topics and the last-changed date
        assert 'data-field="topic"' in html and "Construction projects" in html
        assert re.search(r'Last changed: <time datetime="\d{4}-\d{2}-\d{2}">', html)
        # no uploaded file: no download section
        assert 'id="guide-files"' not in html


def test_windows_of_every_hall_that_serves_the_category(gclient):
    html = page(gclient, "/guide/SB-001")
    where = re.search(r'id="where"(.*?)</section>', html, re.S).group(1)
    halls = re.split(r'data-hall="', where)[1:]
    by_hall = {h.split('"')[0]: re.findall(r'data-window="(\d+)"', h) for h in halls}
    assert by_hall == {"MAIN": ["5", "6"], "XD": ["1", "2"]}


def test_unknown_item_is_404(gclient):
    assert gclient.get("/guide/NOPE-1").status_code == 404
    assert gclient.get("/guide/NOPE-1.pdf").status_code == 404


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join(p.extract_text() for p in reader.pages)


def test_pdf_is_one_page_with_the_guide(gclient):
    res = gclient.get("/guide/JS-001.pdf")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    pages, text = pdf_text(res.data)
    assert pages == 1
    for expected in ("建设工程规划许可（联合审批）", "JS-001",
                     "《中华人民共和国城乡规划法》第四十条",
                     "建设用地规划许可证", "¥25.00", "¥1,200.00", "《人民防空法》", "工程建设窗",
                     "区环保局", "已取得建设用地规划许可证"):
        assert expected in text, expected


def test_pdf_escapes_markup_and_stays_one_page(gclient, guide_app):
    hostile = "<b>粗</b> & <font size=80>大</font> <para>" + "很长的条件。" * 400
    with guide_app.app_context():
        item = db.session.execute(
            select(ServiceItem).where(ServiceItem.code == "SB-001")).scalar_one()
        save_guide(item=item, data={"conditions": hostile, "topics": [], "materials": {}},
                   actor=None)
    res = gclient.get("/guide/SB-001.pdf")
    assert res.status_code == 200
    pages, text = pdf_text(res.data)
    assert pages == 1
    assert "<b>粗</b>" in text and "<font size=80>" in text
    html = page(gclient, "/guide/SB-001")
    assert "<b>粗</b>" not in html and "&lt;b&gt;粗&lt;/b&gt;" in html
