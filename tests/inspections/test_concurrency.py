"""No double booking under concurrency: the same enterprise booked from several windows at
once, and two schedulings of one period at once, book each inspection once and never pass
a day's capacity."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from service_center.extensions import db
from service_center.inspections.models import InspectionResult, InspectionVisit
from tests.approvals.test_concurrency import _race


def test_simultaneous_bookings_of_one_enterprise_book_once(insp, seeded):
    ent = insp.enterprise({"SCJ": "2026-10-20", "RSJ": "2026-10-20"})
    path = f"/api/v1/enterprises/{ent['id']}/inspections"
    calls = [(path, insp.auth.headers(user), {"date": "2026-09-30"})
             for user in ("clerk1", "clerk2", "clerk3", "manager")]
    results = _race(seeded, calls)
    assert sorted(results) == [201, 409, 409, 409]
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(InspectionVisit)) == 1
        assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 2


def test_simultaneous_schedulings_of_a_period_respect_the_capacity(insp, seeded):
    period = insp.post("/inspection-periods", "manager", {
        "name": "p", "start": "2026-09-30", "end": "2026-10-12", "daily_capacity": 2,
        "departments": ["SCJ"]}).get_json()
    for i in range(6):
        insp.enterprise({"SCJ": f"2026-10-0{i + 1}"})
    path = f"/api/v1/inspection-periods/{period['id']}/schedule"
    results = _race(seeded, [(path, insp.auth.headers("manager"), {})] * 2)
    assert results == [200, 200]
    detail = insp.get(f"/inspection-periods/{period['id']}").get_json()
    assert len(detail["visits"]) == 6
    assert len({v["enterprise"]["id"] for v in detail["visits"]}) == 6
    assert max(Counter(v["date"] for v in detail["visits"]).values()) == 2
