"""The /cashier page: find by tracking or ticket number, the lines per department and the
one total, a CSRF-protected payment form, clear errors."""

import re

from tests.conftest import extract_csrf

from .conftest import JS_1200_TOTAL


def _page(fees, q: str, status: int = 200) -> str:
    res = fees.client.get(f"/cashier?q={q}")
    assert res.status_code == status
    return res.get_data(as_text=True)


def _form(html: str) -> dict:
    return {"csrf_token": extract_csrf(html),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html)[1]}


def test_find_pay_and_print(fees):
    no = fees.case()["tracking_no"]
    fees.auth.login("cashier")
    html = _page(fees, no)
    for text in ("区人防办", "人防易地建设费", "区住建局", "¥30,000.00", "¥33,800.00",
                 'id="pay-form"', 'value="33800.00"'):
        assert text in html, text
    form = {**_form(html), "tracking_no": no, "amount": "33800.00", "method": "cash"}
    res = fees.client.post("/cashier/pay", data=form)
    assert res.status_code == 302 and f"q={no}" in res.headers["Location"]
    html = fees.client.get(res.headers["Location"]).get_data(as_text=True)
    assert f"{no}-S1" in html and 'id="fees-paid"' in html and 'id="pay-form"' not in html
    assert f"/api/v1/cases/{no}/documents/receipt.pdf?payment=" in html
    # the same form submitted again (a double click) records nothing new
    again = fees.client.post("/cashier/pay", data=form)
    assert again.status_code == 302
    assert len(fees.ledger(no, "cashier")["entries"]) == 1


def test_errors_are_shown_on_the_form(fees):
    no = fees.case()["tracking_no"]
    fees.auth.login("cashier")
    html = _page(fees, no)
    base = {**_form(html), "tracking_no": no, "method": "cash"}
    res = fees.client.post("/cashier/pay", data={**base, "amount": "33799.99"})
    assert res.status_code == 422
    assert "cashier-error" in res.get_data(as_text=True)
    res = fees.client.post("/cashier/pay", data={**base, "amount": "1_000"})
    assert res.status_code == 422 and "field-error" in res.get_data(as_text=True)
    res = fees.client.post("/cashier/pay", data={**base, "amount": "33800.00",
                                                 "method": "transfer"})
    assert res.status_code == 422 and "field-error" in res.get_data(as_text=True)
    assert fees.ledger(no, "cashier")["fees"]["paid"] is False
    # no CSRF token, no payment
    res = fees.client.post("/cashier/pay", data={"tracking_no": no, "amount": "33800.00",
                                                 "method": "cash"})
    assert res.status_code == 400
    assert _page(fees, "JS20990101-0001", status=404).count("cashier-error") == 1


def test_find_by_todays_ticket(fees):
    ticket = fees.client.post("/api/v1/tickets", json={"category": "B"}).get_json()
    no = fees.case(ticket_id=ticket["id"])["tracking_no"]
    fees.auth.login("cashier")
    html = _page(fees, ticket["number"].lower())
    assert no in html and "¥33,800.00" in html


def test_who_may_use_the_page(fees):
    no = fees.case()["tracking_no"]
    for user, status in (("approver-ghj", 403), ("manager", 403), ("clerk3", 200)):
        fees.client.post("/logout", data={"csrf_token": extract_csrf(
            fees.client.get("/login").get_data(as_text=True))})
        fees.auth.login(user)
        assert fees.client.get(f"/cashier?q={no}").status_code == status, user
    # another hall's clerk finds nothing of this hall's to collect
    fees.auth.login("xd-clerk1")
    assert fees.client.get(f"/cashier?q={no}").status_code == 403
    assert JS_1200_TOTAL
