"""The public calendar endpoints against hand-computed dates."""

import pytest

# (start, days, deadline, provisional) — hand-checked against the State Council schedules
DEADLINES = [
    # National Day 2026: Oct 1-7 off, Sat Oct 10 worked; Sep 30 is day 1, Oct 8 day 2
    ("2026-09-29", 1, "2026-09-30", False),
    ("2026-09-29", 2, "2026-10-08", False),
    ("2026-09-29", 4, "2026-10-10", False),
    ("2026-09-29", 10, "2026-10-19", False),
    # Spring Festival 2026: Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked
    ("2026-02-13", 1, "2026-02-14", False),
    ("2026-02-13", 2, "2026-02-24", False),
    ("2026-02-13", 5, "2026-02-27", False),
    ("2026-02-13", 6, "2026-02-28", False),
    # a weekend adjusted working day: Sunday 2026-09-20 counts
    ("2026-09-18", 1, "2026-09-20", False),
    # the clock never starts on the day itself; 0 days is the start
    ("2026-09-29", 0, "2026-09-29", False),
    # 2028 is known neither to the built-in calendar nor to the demo catalog: weekends only
    ("2028-09-29", 3, "2028-10-04", True),
]


@pytest.mark.parametrize(("start", "days", "deadline", "provisional"), DEADLINES)
def test_deadline(app, client, start, days, deadline, provisional):
    res = client.get(f"/api/v1/calendar/deadline?start={start}&days={days}")
    assert res.status_code == 200, res.get_json()
    assert res.get_json() == {"start": start, "days": days, "deadline": deadline,
                              "provisional": provisional}


def test_catalog_override_year(seeded, client):
    # the demo catalog adds 2027-01-01 (a Friday) as a holiday
    res = client.get("/api/v1/calendar/deadline?start=2026-12-31&days=1")
    assert res.get_json()["deadline"] == "2027-01-04"
    year = client.get("/api/v1/calendar/2027").get_json()
    assert "2027-01-01" in year["holidays"]


def test_year(app, client):
    res = client.get("/api/v1/calendar/2026")
    assert res.status_code == 200
    data = res.get_json()
    assert "2026-10-01" in data["holidays"] and "2026-10-10" in data["workdays"]
    assert "2026-10-03" not in data["holidays"]  # an ordinary Saturday
    assert data["provisional"] is False
    assert client.get("/api/v1/calendar/2031").get_json()["provisional"] is True


@pytest.mark.parametrize("query", [
    "", "start=2026-09-29", "days=3", "start=2026-13-01&days=3", "start=20260929&days=3",
    "start=2026-09-29&days=-1", "start=2026-09-29&days=2501", "start=2026-09-29&days=1.5",
    "start=2026-09-29&days=%EF%BC%93", "start=9999-12-31&days=2500", "start=0001-01-01&days=1",
    "start=2026-02-30&days=1",
])
def test_bad_deadline_queries_are_422(app, client, query):
    res = client.get(f"/api/v1/calendar/deadline?{query}")
    assert res.status_code == 422, (query, res.status_code)
    assert res.get_json()["error"]["code"] == "validation_failed"


def test_nul_in_query_is_refused(app, client):
    # the app may refuse NUL bytes before routing (400); never a 500
    res = client.get("/api/v1/calendar/deadline?start=%00&days=1")
    assert res.status_code in (400, 422) and "error" in res.get_json()


@pytest.mark.parametrize("year", ["abc", "99999", "0", "-1", "1e3", "２０２６"])
def test_bad_year_is_422(app, client, year):
    assert client.get(f"/api/v1/calendar/{year}").status_code == 422
