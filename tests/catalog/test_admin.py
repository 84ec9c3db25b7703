"""The administrator pages at /admin: access, CSRF, create/edit of every catalog section
and of staff accounts (each audited), refusals that write nothing, the catalog file."""

from __future__ import annotations

import html as html_lib
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service_center.audit import AuditEvent
from service_center.auth.models import ApiToken, User
from service_center.catalog.importer import export_text, import_text
from service_center.catalog.models import (
    Department,
    FeeItem,
    Hall,
    QueueCategory,
    ServiceItem,
    Window,
)
from service_center.extensions import db
from tests.conftest import DEMO_PASSWORD, extract_csrf

ROOT = Path(__file__).resolve().parents[2]




@pytest.fixture
def admin(seeded, client, auth):
    res = auth.login("admin")
    assert res.status_code == 302
    return client


def csrf(client) -> str:
    return extract_csrf(client.get("/admin/").get_data(as_text=True))


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": csrf(client), **data}, **kwargs)


def field_error(page: str, name: str) -> str | None:
    """The error message shown next to a form field, if any."""
    match = re.search(rf'data-field="{re.escape(name)}">(.*?)</div>', page, re.S)
    assert match, f"no field {name} on the page"
    error = re.search(r'class="field-error"[^>]*>(.*?)</p>', match.group(1), re.S)
    return html_lib.unescape(error.group(1)).strip() if error else None


def audits(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = list(db.session.execute(query).scalars())
        db.session.expunge_all()
        return rows


def one(app, model, **where):
    with app.app_context():
        row = db.session.execute(select(model).filter_by(**where)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def row_id(app, model, **where) -> int:
    row = one(app, model, **where)
    assert row is not None, (model, where)
    return row.id


def counts(app) -> dict:
    with app.app_context():
        return {m.__name__: db.session.execute(select(func.count()).select_from(m)).scalar()
                for m in (Department, Hall, QueueCategory, Window, FeeItem, ServiceItem, User,
                          AuditEvent)}


# --- access ------------------------------------------------------------------------------------
PAGES = ["/admin/", "/admin/departments", "/admin/halls", "/admin/categories", "/admin/windows",
         "/admin/fees", "/admin/items", "/admin/catalog", "/admin/catalog/export",
         "/admin/staff", "/admin/staff/new", "/admin/items/new"]


@pytest.mark.parametrize("username, status", [(None, 302), ("manager", 403), ("clerk1", 403),
                                              ("cashier", 403), ("approver-ghj", 403),
                                              ("admin", 200)])
def test_only_administrators_get_in(seeded, client, auth, username, status):
    if username:
        auth.login(username)
    for page in PAGES:
        res = client.get(page)
        assert res.status_code == status, (page, res.status_code)
        if status == 302:
            assert "/login" in res.headers["Location"]
    if username and status == 403:
        denied = [a for a in audits(seeded) if a.result == "denied"]
        assert len(denied) == len(PAGES)


def test_non_admin_post_is_refused_and_writes_nothing(seeded, client, auth):
    auth.login("manager")
    token = extract_csrf(client.get("/").get_data(as_text=True))
    before = counts(seeded)
    res = client.post("/admin/departments/new",
                      data={"csrf_token": token, "code": "XX", "name": "某局"})
    assert res.status_code == 403
    after = counts(seeded)
    assert after["Department"] == before["Department"]


def test_post_without_csrf_token_is_refused(admin, seeded):
    before = counts(seeded)
    res = admin.post("/admin/departments/new", data={"code": "TJJ", "name": "区统计局"})
    assert res.status_code == 400
    res = admin.post("/admin/departments/new",
                     data={"code": "TJJ", "name": "区统计局", "csrf_token": "forged"})
    assert res.status_code == 400
    assert counts(seeded) == before


def test_overview_counts_and_links(admin):
    page = admin.get("/admin/").get_data(as_text=True)
    for key, n in [("departments", 8), ("halls", 2), ("items", None), ("staff", 20)]:
        match = re.search(rf'data-count="{key}"><span class="tile-count">(\d+)<', page)
        assert match, key
        if n is not None:
            assert int(match.group(1)) == n
    for link in ("/admin/departments", "/admin/categories?hall=XD", "/admin/catalog/export"):
        assert link in page


# --- create and edit, every section ------------------------------------------------------------
CREATE_CASES = [
    ("/admin/departments/new", {"code": "TJJ", "name": "区统计局", "name_en": "Statistics"},
     Department, {"code": "TJJ"}, {"name": "区统计局", "name_en": "Statistics"},
     "department_created"),
    ("/admin/halls/new", {"code": "HS", "name": "河山街道便民服务中心"},
     Hall, {"code": "HS"}, {"name": "河山街道便民服务中心", "is_main": False}, "hall_created"),
    ("/admin/categories/new?hall=XD",
     {"prefix": "E", "name": "不动产登记", "active": "y", "slot_minutes": "20", "capacity": "3",
      "hours": "09:00-11:30, 13:30-17:00"},
     QueueCategory, {"prefix": "E"},
     {"appointments": {"slot_minutes": 20, "capacity": 3, "hours": ["09:00-11:30",
                                                                   "13:30-17:00"]},
      "active": True}, "category_created"),
    ("/admin/windows/new?hall=MAIN",
     {"number": "8", "name": "社保综合窗", "categories": "D, A"},
     Window, {"number": 8}, {"name": "社保综合窗"}, "window_created"),
    ("/admin/fees/new",
     {"code": "TDSY", "name": "土地使用费", "department": "GHJ", "basis": "per_unit",
      "rate": "3.50", "unit": "m2", "quantity": "area_m2", "min": "100", "max": "9999.99"},
     FeeItem, {"code": "TDSY"},
     {"rate_fen": 350, "min_fen": 10000, "max_fen": 999999, "amount_fen": None},
     "fee_item_created"),
    ("/admin/items/new",
     {"code": "T-100", "name": "测试事项", "name_en": "Test item", "kind": "licensing",
      "lead_department": "GHJ", "queue_category": "B", "statutory_days": "20",
      "promised_days": "10", "proxy_service": "y", "materials": "申请表\n\n身份证明\n",
      "parameters": "area_m2|建筑面积（平方米）|decimal", "fees": ["RFYD", "ZLJD"],
      "workflow": "并联审查: GHJ 5, HBJ 5\n审批决定：ZJJ 3"},
     ServiceItem, {"code": "T-100"},
     {"statutory_days": 20, "promised_days": 10, "proxy_service": True,
      "parameters": [{"name": "area_m2", "label": "建筑面积（平方米）", "type": "decimal"}]},
     "service_item_created"),
]


@pytest.mark.parametrize("url, data, model, key, expected, action", CREATE_CASES,
                         ids=[c[5] for c in CREATE_CASES])
def test_create(admin, seeded, url, data, model, key, expected, action):
    res = post(admin, url, data)
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    row = one(seeded, model, **key)
    assert row is not None
    for attr, value in expected.items():
        assert getattr(row, attr) == value, attr
    records = audits(seeded, action)
    assert len(records) == 1 and records[0].actor_name == "admin"
    assert records[0].entity_id == str(row.id) and records[0].details["to"]


def test_created_window_and_item_keep_their_order(admin, seeded):
    post(admin, "/admin/windows/new?hall=MAIN", {"number": "8", "name": "社保综合窗",
                                                 "categories": "d，A"})
    post(admin, "/admin/items/new", CREATE_CASES[5][1])
    with seeded.app_context():
        window = db.session.execute(select(Window).join(Hall).where(
            Hall.code == "MAIN", Window.number == 8)).scalar_one()
        assert [c.prefix for c in window.categories] == ["D", "A"]
        item = db.session.execute(select(ServiceItem).where(ServiceItem.code == "T-100")
                                  ).scalar_one()
        assert [m.name for m in item.materials] == ["申请表", "身份证明"]
        assert [f.code for f in item.fee_items] == ["RFYD", "ZLJD"]
        assert [(s.name, [(t.department.code, t.days) for t in s.tasks]) for s in item.stages] \
            == [("并联审查", [("GHJ", 5), ("HBJ", 5)]), ("审批决定", [("ZJJ", 3)])]


EDIT_CASES = [
    ("departments", Department, {"code": "GHJ"},
     {"code": "CHANGED", "name": "区规划和自然资源局", "name_en": "Planning Bureau"},
     {"code": "GHJ", "name": "区规划和自然资源局"}, "department_updated"),
    ("halls", Hall, {"code": "XD"}, {"code": "XD2", "name": "新店镇政务服务中心"},
     {"code": "XD2", "name": "新店镇政务服务中心"}, "hall_updated"),
    ("categories", QueueCategory, {"prefix": "C"},
     {"prefix": "C", "name": "企业开办专区", "name_en": "Business"},
     {"name": "企业开办专区", "active": False, "appointments": None}, "category_updated"),
    ("windows", Window, {"number": 4, "name": "企业开办窗"},
     {"number": "9", "name": "企业开办窗", "categories": "A, C"},
     {"number": 9}, "window_updated"),
    ("fees", FeeItem, {"code": "ZLJD"},
     {"code": "ZLJD", "name": "工程质量监督费", "department": "ZJJ", "basis": "fixed",
      "amount": "850.5"}, {"amount_fen": 85050}, "fee_item_updated"),
]


@pytest.mark.parametrize("section, model, key, data, expected, action", EDIT_CASES,
                         ids=[c[0] for c in EDIT_CASES])
def test_edit(admin, seeded, section, model, key, data, expected, action):
    rid = row_id(seeded, model, **key)
    url = f"/admin/{section}/{rid}"
    page = admin.get(url)
    assert page.status_code == 200
    res = post(admin, url, data)
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    with seeded.app_context():
        row = db.session.get(model, rid)
        for attr, value in expected.items():
            assert getattr(row, attr) == value, attr
    [record] = audits(seeded, action)
    assert record.entity_id == str(rid) and record.details["from"] and record.details["to"]
    # saving again with no change writes no second record
    post(admin, url, data)
    assert len(audits(seeded, action)) == 1


def test_edit_service_item_workflow_and_fees(admin, seeded):
    rid = row_id(seeded, ServiceItem, code="JS-001")
    page = admin.get(f"/admin/items/{rid}").get_data(as_text=True)
    assert "并联审查: GHJ 5, HBJ 5, RFB 4" in page and "area_m2|" in page
    data = {"code": "JS-001", "name": "建设工程规划许可（联合审批）", "kind": "licensing",
            "lead_department": "GHJ", "queue_category": "B", "statutory_days": "20",
            "promised_days": "8", "proxy_service": "y", "materials": "申请表",
            "parameters": "area_m2|建筑面积|decimal", "fees": ["ZLJD", "RFYD"],
            "workflow": "并联审查: GHJ 4, HBJ 4\n审批决定: ZJJ 2"}
    res = post(admin, f"/admin/items/{rid}", data)
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    with seeded.app_context():
        item = db.session.get(ServiceItem, rid)
        assert item.promised_days == 8 and [m.name for m in item.materials] == ["申请表"]
        assert [f.code for f in item.fee_items] == ["ZLJD", "RFYD"]
        assert [[t.days for t in s.tasks] for s in item.stages] == [[4, 4], [2]]
    [record] = audits(seeded, "service_item_updated")
    assert record.details["from"]["promised_days"] == 10
    assert record.details["to"]["promised_days"] == 8
    assert record.details["to"]["workflow"][1] == {"name": "审批决定",
                                                   "tasks": [{"department": "ZJJ", "days": 2}]}


# --- refusals: messages next to the fields, nothing written -----------------------------------
ITEM = dict(CREATE_CASES[5][1])

INVALID_CASES = [
    ("duplicate department code", "/admin/departments/new",
     {"code": "GHJ", "name": "另一个规划局"}, "code"),
    ("bad department code", "/admin/departments/new", {"code": "规划", "name": "x"}, "code"),
    ("duplicate hall code", "/admin/halls/new", {"code": "XD", "name": "x"}, "code"),
    ("lower-case prefix", "/admin/categories/new?hall=MAIN", {"prefix": "e", "name": "x"},
     "prefix"),
    ("prefix taken in the hall", "/admin/categories/new?hall=XD", {"prefix": "A", "name": "x"},
     "prefix"),
    ("appointments without capacity", "/admin/categories/new?hall=MAIN",
     {"prefix": "G", "name": "x", "slot_minutes": "30", "hours": "09:00-11:00"}, "capacity"),
    ("bad appointment hours", "/admin/categories/new?hall=MAIN",
     {"prefix": "G", "name": "x", "slot_minutes": "30", "capacity": "2", "hours": "9-11"},
     "hours"),
    ("window lists an unknown category", "/admin/windows/new?hall=XD",
     {"number": "3", "name": "x", "categories": "D, B"}, "categories"),
    ("window number taken", "/admin/windows/new?hall=MAIN",
     {"number": "1", "name": "x", "categories": "A"}, "number"),
    ("window number not a number", "/admin/windows/new?hall=MAIN",
     {"number": "one", "name": "x", "categories": "A"}, "number"),
    ("fee amount with three decimals", "/admin/fees/new",
     {"code": "X1", "name": "x", "department": "ZJJ", "basis": "fixed", "amount": "12.345"},
     "amount"),
    ("fee amount missing", "/admin/fees/new",
     {"code": "X1", "name": "x", "department": "ZJJ", "basis": "fixed"}, "amount"),
    ("fee rate in full-width digits", "/admin/fees/new",
     {"code": "X1", "name": "x", "department": "ZJJ", "basis": "per_unit", "rate": "１２",
      "unit": "m2", "quantity": "area_m2"}, "rate"),
    ("fee min above max", "/admin/fees/new",
     {"code": "X1", "name": "x", "department": "ZJJ", "basis": "fixed", "amount": "1",
      "min": "10", "max": "5"}, "min"),
    ("fee of an unknown department", "/admin/fees/new",
     {"code": "X1", "name": "x", "department": "NOPE", "basis": "fixed", "amount": "1"},
     "department"),
    ("promised longer than statutory", "/admin/items/new",
     {**ITEM, "statutory_days": "5", "promised_days": "10"}, "promised_days"),
    ("duplicate item code", "/admin/items/new", {**ITEM, "code": "JS-001"}, "code"),
    ("per-unit fee without its parameter", "/admin/items/new",
     {**ITEM, "parameters": ""}, "fees"),
    ("workflow with an unknown department", "/admin/items/new",
     {**ITEM, "workflow": "审查: GHJ 5, XYZ 3"}, "workflow"),
    ("workflow with zero days", "/admin/items/new",
     {**ITEM, "workflow": "审查: GHJ 0"}, "workflow"),
    ("workflow line without days", "/admin/items/new",
     {**ITEM, "workflow": "审查: GHJ"}, "workflow"),
    ("parameter line malformed", "/admin/items/new",
     {**ITEM, "parameters": "area_m2"}, "parameters"),
    ("parameter name not an identifier", "/admin/items/new",
     {**ITEM, "parameters": "Area|面积|decimal"}, "parameters"),
    ("negative days", "/admin/items/new", {**ITEM, "statutory_days": "-1"}, "statutory_days"),
    ("staff password too short", "/admin/staff/new",
     {"username": "newbie", "display_name": "新人", "role": "window_staff", "hall": "MAIN",
      "window": "2", "password": "short"}, "password"),
    ("approver without department", "/admin/staff/new",
     {"username": "newbie", "display_name": "新人", "role": "approver",
      "password": "long-enough-1"}, "department"),
    ("staff window unknown in hall", "/admin/staff/new",
     {"username": "newbie", "display_name": "新人", "role": "window_staff", "hall": "XD",
      "window": "7", "password": "long-enough-1"}, "window"),
    ("staff username taken", "/admin/staff/new",
     {"username": "clerk1", "display_name": "x", "role": "manager",
      "password": "long-enough-1"}, "username"),
]


@pytest.mark.parametrize("name, url, data, field", INVALID_CASES,
                         ids=[c[0] for c in INVALID_CASES])
def test_invalid_input_is_shown_and_writes_nothing(admin, seeded, name, url, data, field):
    before = counts(seeded)
    res = post(admin, url, data)
    assert res.status_code == 422, res.status_code
    message = field_error(res.get_data(as_text=True), field)
    assert message, f"no error next to {field}"
    assert counts(seeded) == before


def test_edit_refusal_keeps_the_row(admin, seeded):
    rid = row_id(seeded, ServiceItem, code="JS-001")
    res = post(admin, f"/admin/items/{rid}",
               {**ITEM, "code": "JS-001", "statutory_days": "3", "promised_days": "4",
                "workflow": "审查: GHJ 5"})
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert field_error(page, "promised_days")
    with seeded.app_context():
        item = db.session.get(ServiceItem, rid)
        assert (item.statutory_days, item.promised_days, len(item.stages)) == (20, 10, 2)
    assert audits(seeded, "service_item_updated") == []


def test_fee_turned_per_unit_needs_the_parameter_of_its_items(admin, seeded):
    rid = row_id(seeded, FeeItem, code="ZLJD")
    res = post(admin, f"/admin/fees/{rid}",
               {"code": "ZLJD", "name": "工程质量监督费", "department": "ZJJ",
                "basis": "per_unit", "rate": "1.00", "unit": "m2", "quantity": "floors"})
    assert res.status_code == 422
    assert "JS-001" in field_error(res.get_data(as_text=True), "quantity")
    assert one(seeded, FeeItem, code="ZLJD").basis == "fixed"


def test_missing_rows_answer_404(admin):
    for url in ("/admin/departments/9999", "/admin/items/9999", "/admin/staff/9999",
                "/admin/windows/9999"):
        assert admin.get(url).status_code == 404
    assert admin.get("/admin/categories?hall=NOPE").status_code == 404


def test_item_search(admin):
    page = admin.get("/admin/items?q=JS-001").get_data(as_text=True)
    assert "JS-001" in page and "JS-002" not in page
    page = admin.get("/admin/items?q=planning permit").get_data(as_text=True)
    assert "JS-001" in page
    page = admin.get("/admin/items?q=%25_nothing").get_data(as_text=True)
    assert "JS-001" not in page


# --- the catalog file --------------------------------------------------------------------------
BAD_CATALOG = """center: {name: 示例区政务服务中心}
departments:
  - {code: GHJ, name: 区规划局}
queue_categories:
  - {prefix: A, name: 综合受理}
windows:
  - {number: 1, name: 一号窗, categories: [A, Z]}
fee_items:
  - {code: F1, name: 费, department: GHJ, basis: fixed, amount: "12.345"}
service_items:
  - {code: S1, name: 事项, lead_department: NOPE, statutory_days: 5, promised_days: 9}
"""


def test_upload_of_a_bad_catalog_lists_lines_and_changes_nothing(admin, seeded):
    before = counts(seeded)
    res = post(admin, "/admin/catalog",
               {"file": (io.BytesIO(BAD_CATALOG.encode()), "bad.yaml")},
               content_type="multipart/form-data")
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert 'id="import-problems"' in page
    for line in (7, 9, 11):
        assert f"Line {line}" in page or f"第 {line} 行" in page, line
    assert "windows[0].categories[1]" in page and "fee_items[0].amount" in page
    assert counts(seeded) == before


def test_upload_of_a_file_that_is_not_utf8(admin, seeded):
    res = post(admin, "/admin/catalog", {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.yaml")},
               content_type="multipart/form-data")
    assert res.status_code == 422 and 'id="import-problems"' in res.get_data(as_text=True)


def test_upload_without_a_file_shows_the_field_error(admin):
    res = post(admin, "/admin/catalog", {}, content_type="multipart/form-data")
    assert res.status_code == 422
    assert field_error(res.get_data(as_text=True), "file")


def test_upload_of_a_good_catalog_reports_counts_and_is_audited(admin, seeded):
    text = (ROOT / "service_center" / "demo_catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("name: 区税务局,", "name: 区税务局（新）,")
    res = post(admin, "/admin/catalog", {"file": (io.BytesIO(text.encode()), "c.yaml")},
               content_type="multipart/form-data")
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    assert 'id="import-result"' in page
    assert one(seeded, Department, code="SWJ").name == "区税务局（新）"
    [record] = [a for a in audits(seeded, "catalog_imported") if a.actor_name]
    assert record.actor_name == "admin" and record.details == {"created": 0, "updated": 1}


def test_export_downloads_yaml_that_reimports_with_no_changes(admin, seeded):
    # an edit made on the pages travels through the file too
    rid = row_id(seeded, QueueCategory, prefix="C")
    post(admin, f"/admin/categories/{rid}", {"prefix": "C", "name": "企业开办"})
    res = admin.get("/admin/catalog/export")
    assert res.status_code == 200
    assert res.mimetype == "application/x-yaml"
    assert "attachment" in res.headers["Content-Disposition"]
    text = res.get_data(as_text=True)
    assert "JS-001" in text and "active: false" in text
    with seeded.app_context():
        assert import_text(text) == {"created": 0, "updated": 0}
        assert export_text() == text


# --- staff accounts ----------------------------------------------------------------------------
def test_staff_list_filters_by_role(admin):
    page = admin.get("/admin/staff?role=approver").get_data(as_text=True)
    assert "approver-ghj" in page and "clerk1" not in page
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "approver-ghj" in page and "clerk1" in page


def test_staff_create_edit_deactivate_and_reset_password(seeded, admin):
    res = post(admin, "/admin/staff/new",
               {"username": "clerk9", "display_name": "新窗口员", "staff_no": "W0109",
                "role": "window_staff", "hall": "XD", "window": "2",
                "password": "first-pass-99"})
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    user = one(seeded, User, username="clerk9")
    with seeded.app_context():
        user = db.session.get(User, user.id)
        assert (user.role, user.window.number, user.window.hall.code) == ("window_staff", 2, "XD")
    assert audits(seeded, "user_created")[-1].entity_id == str(user.id)

    other = seeded.test_client()

    def login(password):
        page = other.get("/login").get_data(as_text=True)
        return other.post("/login", data={"username": "clerk9", "password": password,
                                          "csrf_token": extract_csrf(page)})

    assert login("first-pass-99").status_code == 302
    token = seeded.test_client().post("/api/v1/auth/token",
                                      json={"username": "clerk9",
                                            "password": "first-pass-99"})
    assert token.status_code == 200, token.get_json()
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    device = seeded.test_client()  # no session cookie: the bearer token alone
    assert device.get("/api/v1/auth/me", headers=bearer).status_code == 200

    # edit: becomes a cashier at window 7 of the main hall
    res = post(admin, f"/admin/staff/{user.id}",
               {"display_name": "新收费员", "role": "cashier", "hall": "MAIN", "window": "7",
                "active": "y"})
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    [record] = audits(seeded, "user_updated")
    assert record.from_state == "window_staff/active" and record.to_state == "cashier/active"

    # reset password: the old one stops working, bearer tokens are revoked
    res = post(admin, f"/admin/staff/{user.id}/password", {"password": "second-pass-99"})
    assert res.status_code == 302
    assert audits(seeded, "password_reset")[-1].entity_id == str(user.id)
    assert device.get("/api/v1/auth/me", headers=bearer).status_code == 401
    other.post("/logout", data={"csrf_token": extract_csrf(other.get("/").get_data(
        as_text=True))})
    assert login("first-pass-99").status_code == 401
    assert login("second-pass-99").status_code == 302

    # deactivate: the signed-in session ends and signing in is refused
    res = post(admin, f"/admin/staff/{user.id}",
               {"display_name": "新收费员", "role": "cashier", "hall": "MAIN", "window": "7"})
    assert res.status_code == 302
    record = audits(seeded, "user_updated")[-1]
    assert record.from_state == "cashier/active" and record.to_state == "cashier/inactive"
    assert other.get("/console").status_code == 302
    assert login("second-pass-99").status_code == 401
    with seeded.app_context():
        assert not db.session.get(User, user.id).active
        tokens = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                                    ).scalars().all()
        assert tokens and all(t.revoked for t in tokens)


def test_staff_password_reset_refuses_a_short_password(admin, seeded):
    rid = row_id(seeded, User, username="clerk2")
    res = post(admin, f"/admin/staff/{rid}/password", {"password": "1234567"})
    assert res.status_code == 422
    assert field_error(res.get_data(as_text=True), "password")
    assert audits(seeded, "password_reset") == []
    with seeded.app_context():
        assert db.session.get(User, rid).check_password(DEMO_PASSWORD)


def test_admin_cannot_lock_themselves_out(admin, seeded):
    rid = row_id(seeded, User, username="admin")
    res = post(admin, f"/admin/staff/{rid}", {"display_name": "x", "role": "manager",
                                              "active": "y"})
    assert res.status_code == 422
    assert one(seeded, User, username="admin").role == "admin"


def test_pages_render_in_english(admin):
    for url in ("/admin/?lang=en", "/admin/items", "/admin/staff/new", "/admin/catalog"):
        res = admin.get(url)
        assert res.status_code == 200
        assert "Administration" in res.get_data(as_text=True) or "Overview" in \
            res.get_data(as_text=True)
