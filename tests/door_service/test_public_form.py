"""The public request page: CSRF, field errors named one by one, working days only, a
reference number on success, the status look-up by reference and phone, rate limits."""

from __future__ import annotations

import re

from tests.conftest import extract_csrf

from .conftest import TOMORROW, request_body


def _form(client):
    page = client.get("/door-service/new")
    assert page.status_code == 200
    return extract_csrf(page.get_data(as_text=True))


def _post(client, csrf, **fields):
    return client.post("/door-service/new", data={"csrf_token": csrf, **fields})


def test_form_without_csrf_is_refused(door):
    res = door.client.post("/door-service/new", data=request_body())
    assert res.status_code == 400


def test_validation_errors_name_every_field(door):
    csrf = _form(door.client)
    res = _post(door.client, csrf, name="", phone="abc", address="", preferred_date="tomorrow",
                reason="bored")
    assert res.status_code == 422
    html = res.get_data(as_text=True)
    fields = set(re.findall(r'data-field="([a-z_]+)"', html))
    assert fields == {"name", "phone", "address", "preferred_date", "reason", "description"}
    assert 'aria-invalid="true"' in html
    # what was typed stays in the form
    assert 'value="abc"' in html


def test_working_days_only(door):
    csrf = _form(door.client)
    for day, status in (("2026-10-01", 422), ("2026-09-21", 422), ("2027-09-22", 422),
                        ("2026-10-01x", 422)):
        res = _post(door.client, csrf, **request_body(preferred_date=day))
        assert res.status_code == status, day
        assert 'data-field="preferred_date"' in res.get_data(as_text=True)
    res = _post(door.client, csrf, **request_body(service_item="NOPE"))
    assert res.status_code == 422 and 'data-field="service_item"' in res.get_data(as_text=True)


def test_success_gives_a_reference_and_status_lookup(door):
    csrf = _form(door.client)
    res = _post(door.client, csrf, **request_body(service_item="", description="办理养老认证"))
    assert res.status_code == 201
    ref = re.search(r'id="door-reference">([A-Z0-9]+)<', res.get_data(as_text=True)).group(1)
    status = door.client.get("/door-service/status")
    csrf = extract_csrf(status.get_data(as_text=True))
    found = door.client.post("/door-service/status",
                             data={"csrf_token": csrf, "reference": ref.lower(),
                                   "phone": "13800138000"})
    assert found.status_code == 200
    assert 'data-status="requested"' in found.get_data(as_text=True)
    wrong_phone = door.client.post("/door-service/status", data={
        "csrf_token": csrf, "reference": ref, "phone": "13900139000"})
    unknown = door.client.post("/door-service/status", data={
        "csrf_token": csrf, "reference": "DXXXXXXX", "phone": "13800138000"})
    assert wrong_phone.status_code == unknown.status_code == 404
    # the API look-up answers the same way
    api = door.client.get("/api/v1/door-requests/status",
                          query_string={"reference": ref, "phone": "13800138000"})
    assert api.status_code == 200 and api.get_json()["status"] == "requested"
    assert "phone" not in api.get_json() and "address" not in api.get_json()
    assert door.client.get("/api/v1/door-requests/status", query_string={
        "reference": ref, "phone": "1"}).status_code == 404


def test_api_validation(door):
    res = door.client.post("/api/v1/door-requests", json={"name": 5, "preferred_date": TOMORROW})
    assert res.status_code == 422
    assert {"name", "phone", "address", "reason", "description"} <= \
        set(res.get_json()["error"]["details"])
    assert door.client.post("/api/v1/door-requests", data="[1]",
                            content_type="application/json").status_code == 400


def test_public_form_is_rate_limited(door):
    csrf = _form(door.client)
    codes = [_post(door.client, csrf, name="").status_code for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429
