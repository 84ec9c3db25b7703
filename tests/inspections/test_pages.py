"""The inspection pages: register, form (with the credit code's message), detail with
booking and results, periods, overdue; in Chinese and English; CSRF-protected forms."""

from __future__ import annotations

import re

from tests.conftest import extract_csrf

from .conftest import make_code


def _post(client, path: str, data: dict, page: str):
    csrf = extract_csrf(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": csrf})


def test_register_and_book_through_the_pages(insp, client, auth):
    auth.login("clerk3")
    # English: the text checks below do not wait for the Chinese catalog
    page = client.get("/inspections/enterprises?lang=en")
    assert page.status_code == 200 and "Enterprise register" in page.get_data(as_text=True)
    form = client.get("/inspections/enterprises/new")
    assert form.status_code == 200
    bad = _post(client, "/inspections/enterprises/new",
                {"name": "页面测试有限公司", "credit_code": "91350100M000100Y44",
                 "due_SCJ": "2026-10-20"}, "/inspections/enterprises/new")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "check character" in html and 'aria-invalid="true"' in html
    assert "页面测试有限公司" in html  # the form keeps what was typed
    ok = _post(client, "/inspections/enterprises/new",
               {"name": "页面测试有限公司", "credit_code": "91350100M000100Y43",
                "phone": "0591-87654321", "due_SCJ": "2026-10-20", "due_RSJ": "2026-10-25"},
               "/inspections/enterprises/new")
    assert ok.status_code == 302
    detail_url = ok.headers["Location"]
    detail = client.get(detail_url).get_data(as_text=True)
    assert "91350100M000100Y43" in detail and 'id="book-form"' in detail
    eid = int(re.search(r"/enterprises/(\d+)", detail_url).group(1))
    holiday = _post(client, f"/inspections/enterprises/{eid}/book",
                    {"date": "2026-10-01", "departments": ["SCJ", "RSJ"]}, detail_url)
    assert holiday.status_code == 422 and "Not a working day" in holiday.get_data(as_text=True)
    booked = _post(client, f"/inspections/enterprises/{eid}/book",
                   {"date": "2026-09-30", "departments": ["SCJ", "RSJ"],
                    "materials": ["年度报告书", "财务报表"]}, detail_url)
    assert booked.status_code == 302
    detail = client.get(detail_url).get_data(as_text=True)
    assert "NJ20260929-0001" in detail and "query code" in detail
    # window staff do not edit the register
    assert client.get(f"/inspections/enterprises/{eid}/edit").status_code == 403
    # the approver records the department's result on the page
    client.post("/logout", data={"csrf_token": extract_csrf(detail)})
    auth.login("approver-scj")
    detail = client.get(detail_url).get_data(as_text=True)
    assert detail.count('class="form cases-mini result-form"') == 1  # only SCJ's
    visit = re.search(r"/inspections/visits/(\d+)/result", detail).group(1)
    res = _post(client, f"/inspections/visits/{visit}/result",
                {"department": "SCJ", "result": "failed"}, detail_url)
    assert res.status_code == 422  # a failure needs its reason
    res = _post(client, f"/inspections/visits/{visit}/result",
                {"department": "SCJ", "result": "passed"}, detail_url)
    assert res.status_code == 302
    assert "2027-10-20" in client.get(detail_url).get_data(as_text=True)
    res = _post(client, f"/inspections/visits/{visit}/result",
                {"department": "RSJ", "result": "passed"}, detail_url)
    assert res.status_code == 403


def test_manager_pages_in_both_languages(insp, client, auth):
    ent = insp.enterprise({"SCJ": "2026-09-01"})
    auth.login("manager")
    for lang in ("zh_CN", "en"):
        for path in ("/inspections/enterprises", f"/inspections/enterprises/{ent['id']}",
                     f"/inspections/enterprises/{ent['id']}/edit", "/inspections/periods",
                     "/inspections/overdue", "/inspections/overdue?department=SCJ",
                     "/inspections/enterprises/new"):
            res = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            assert res.status_code == 200, (path, lang)
    overdue = client.get("/inspections/overdue?lang=en").get_data(as_text=True)
    assert "Overdue inspections" in overdue and ent["name"] in overdue
    periods = "/inspections/periods"
    bad = _post(client, periods, {"name": "集中年检", "start": "2026-10-03",
                                  "end": "2026-10-12", "daily_capacity": "2",
                                  "departments": ["SCJ"]}, periods)
    assert bad.status_code == 422 and "Not a working day" in bad.get_data(as_text=True)
    ok = _post(client, periods, {"name": "集中年检", "start": "2026-09-30", "end": "2026-10-12",
                                 "daily_capacity": "2", "departments": ["SCJ"]}, periods)
    assert ok.status_code == 302
    period_url = ok.headers["Location"]
    res = _post(client, f"{period_url}/schedule", {"scope": "due"}, period_url)
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and ent["name"] in html and 'data-day="2026-09-30"' in html
    res = _post(client, f"{period_url}/schedule", {"scope": "chosen"}, period_url)
    assert res.status_code == 422
    edit = f"/inspections/enterprises/{ent['id']}/edit"
    res = _post(client, edit, {"name": ent["name"], "credit_code": make_code(1),
                               "address": "新地址", "due_SCJ": "2026-09-01"}, edit)
    assert res.status_code == 302


def test_pages_refuse_the_wrong_roles(insp, client, auth):
    assert client.get("/inspections/enterprises").status_code in (302, 401)
    auth.login("approver-scj")
    assert client.get("/inspections/enterprises/new").status_code == 403
    assert client.get("/inspections/periods").status_code == 403
    assert client.get("/inspections/overdue").status_code == 200
    assert client.get("/inspections/overdue?department=RSJ").status_code == 403


def test_a_hall_manager_plans_their_own_halls_periods(insp, client, auth):
    """xd-manager's form offers only hall XD and creates the period there; MAIN's periods
    are neither listed nor open to them."""
    auth.login("manager")
    periods = "/inspections/periods"
    main = _post(client, periods, {"name": "主厅集中年检", "start": "2026-09-30",
                                   "end": "2026-10-12", "daily_capacity": "2",
                                   "departments": ["SCJ"], "hall": "MAIN"}, periods)
    assert main.status_code == 302
    main_url = main.headers["Location"]
    client.post("/logout", data={"csrf_token": extract_csrf(client.get(periods)
                                                             .get_data(as_text=True))})
    auth.login("xd-manager")
    page = client.get(periods).get_data(as_text=True)
    assert 'name="hall"' not in page and "主厅集中年检" not in page
    ok = _post(client, periods, {"name": "新店镇集中年检", "start": "2026-09-30",
                                 "end": "2026-10-12", "daily_capacity": "2",
                                 "departments": ["SCJ"]}, periods)
    assert ok.status_code == 302
    assert "新店镇集中年检" in client.get(ok.headers["Location"]).get_data(as_text=True)
    assert client.get(main_url).status_code == 403
    refused = _post(client, periods, {"name": "越权", "start": "2026-09-30", "end": "2026-10-12",
                                      "daily_capacity": "2", "departments": ["SCJ"],
                                      "hall": "MAIN"}, periods)
    assert refused.status_code == 403
