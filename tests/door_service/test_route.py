"""The staff member's route for a day: in the order the manager gave (unordered visits
last), only their own visits of that day; as a page and as a PDF."""

from __future__ import annotations

import io

import pypdf

from .conftest import TOMORROW


def _route(door, who="clerk1", day=TOMORROW, by=None):
    return door.client.get("/api/v1/door-requests/route",
                           query_string={"date": day, "staff": who},
                           headers=door.auth.headers(by or who))


def test_route_is_ordered(door):
    a = door.create(name="甲", address="一号")["reference"]
    b = door.create(name="乙", address="二号")["reference"]
    c = door.create(name="丙", address="三号")["reference"]
    d = door.create(name="丁", address="四号")["reference"]
    other_day = door.create(name="戊", preferred_date="2026-09-23")["reference"]
    assert door.assign(a, order=3).status_code == 200
    assert door.assign(b, order=1).status_code == 200
    assert door.assign(c).status_code == 200               # appended: after 3 → 4
    assert door.assign(d, "clerk2").status_code == 200     # someone else's route
    assert door.assign(other_day, day="2026-09-23").status_code == 200
    res = _route(door)
    assert res.status_code == 200, res.get_json()
    visits = res.get_json()["visits"]
    assert [v["reference"] for v in visits] == [b, a, c]
    assert [v["route_order"] for v in visits] == [1, 3, 4]
    # reordering: b moves behind c
    assert door.assign(b, order=9).status_code == 200
    assert [v["reference"] for v in _route(door).get_json()["visits"]] == [a, c, b]
    # a manager sees anyone's route; the route of the other day holds only its visit
    other = _route(door, day="2026-09-23", by="manager").get_json()["visits"]
    assert [v["reference"] for v in other] == [other_day]


def test_route_page_and_pdf(door, auth):
    first = door.create(name="甲", address="<b>幸福路</b>一号")["reference"]
    second = door.create(name="乙", address="幸福路二号")["reference"]
    door.assign(second, order=1)
    door.assign(first, order=2)
    auth.login("clerk1")
    page = door.client.get("/door-service/route", query_string={"date": TOMORROW})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index(f'data-reference="{second}"') < html.index(f'data-reference="{first}"')
    pdf = door.client.get("/door-service/route.pdf", query_string={"date": TOMORROW})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    # what the applicant typed is text, not ReportLab markup (S6)
    text = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "<b>幸福路</b>" in text, text
    assert text.index("乙") < text.index("甲"), text
    empty = door.client.get("/door-service/route", query_string={"date": "2026-09-25"})
    assert empty.status_code == 200 and 'data-reference="' not in empty.get_data(as_text=True)
    assert door.client.get("/door-service/route?date=2026-13-01").status_code == 422
