"""Ticket numbers: per category, per hall, per local day (Asia/Shanghai), widening past
999, never a gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from service_center.catalog.models import Hall, QueueCategory
from service_center.catalog.services import service_day
from service_center.extensions import db
from service_center.queueing.models import Ticket, TicketCounter


def test_numbers_per_category(queue):
    got = [queue.issue(c)["number"] for c in "AABACBA"]
    assert got == ["A001", "A002", "B001", "A003", "C001", "B002", "A004"]


def test_halls_number_independently(queue):
    assert queue.issue("A")["number"] == "A001"
    xd = queue.issue("A", hall="XD")
    assert (xd["number"], xd["hall"]) == ("A001", "XD")
    assert queue.issue("A")["number"] == "A002"
    assert queue.issue("D", hall="XD")["number"] == "D001"
    assert queue.issue("A", hall="XD")["number"] == "A002"
    # an XD window calls XD's A001, never MAIN's
    called = queue.call(1, "xd-clerk1").get_json()
    assert (called["number"], called["hall"]) == ("A001", "XD")
    assert queue.called_number(1, "clerk1") == "A001"
    assert queue.called_number(2, "clerk2") == "A002"


def test_category_of_another_hall_is_unknown(queue, client):
    res = client.post("/api/v1/tickets", json={"category": "B", "hall": "XD"})
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "unknown_category"


def _seed_counter(app, prefix: str, last: int, days_back: int = 0) -> None:
    with app.app_context():
        day = service_day() - timedelta(days=days_back)
        cat = db.session.execute(select(QueueCategory).join(Hall).where(
            Hall.code == "MAIN", QueueCategory.prefix == prefix)).scalar_one()
        db.session.add(TicketCounter(category_id=cat.id, service_day=day,
                                     last_seq=last))
        db.session.commit()


def test_numbers_widen_past_999(seeded, queue):
    _seed_counter(seeded, "A", 998)
    assert [queue.issue("A")["number"] for _ in range(3)] == ["A999", "A1000", "A1001"]
    assert queue.issue("B")["number"] == "B001"
    # the widened number sorts by issue time, not as text
    assert queue.called_number(1, "clerk1") == "A999"
    assert queue.called_number(1, "clerk1") == "A1000"


def test_yesterdays_counter_does_not_carry_over(seeded, queue):
    _seed_counter(seeded, "A", 57, days_back=1)
    assert queue.issue("A")["number"] == "A001"


def test_numbering_restarts_at_local_midnight_not_utc(seeded, queue, client):
    """R7: the server clock is UTC; Shanghai's midnight is 16:00 UTC."""
    before = datetime(2026, 11, 28, 15, 59, 30, tzinfo=UTC)   # 23:59:30 in Shanghai
    after = datetime(2026, 11, 28, 16, 0, 30, tzinfo=UTC)     # 00:00:30 on the 29th
    with time_machine.travel(before, tick=False):
        assert [queue.issue("A")["number"] for _ in range(2)] == ["A001", "A002"]
        late = queue.issue("A")
        assert late["number"] == "A003"
    with time_machine.travel(after, tick=False):
        first = queue.issue("A")
        assert (first["number"], first["position"]) == ("A001", 1)
        assert queue.issue("B")["number"] == "B001"
        # yesterday's waiting tickets are not in today's queue
        waiting = {c["prefix"]: c["waiting"] for c in client.get("/api/v1/categories").get_json()}
        assert waiting["A"] == 1
        assert queue.called_number(1, "clerk1") == "A001"
    with seeded.app_context():
        days = db.session.execute(select(Ticket.number, Ticket.service_day)
                                  .order_by(Ticket.id)).all()
        assert [(n, d.isoformat()) for n, d in days] == [
            ("A001", "2026-11-28"), ("A002", "2026-11-28"), ("A003", "2026-11-28"),
            ("A001", "2026-11-29"), ("B001", "2026-11-29")]


def test_numbers_do_not_restart_at_utc_midnight(seeded, queue):
    # 23:59:30 UTC and 00:00:30 UTC are the same Shanghai day (07:59 and 08:00)
    with time_machine.travel(datetime(2026, 11, 28, 23, 59, 30, tzinfo=UTC), tick=False):
        assert queue.issue("A")["number"] == "A001"
    with time_machine.travel(datetime(2026, 11, 29, 0, 0, 30, tzinfo=UTC), tick=False):
        assert queue.issue("A")["number"] == "A002"


def test_refused_issue_leaves_no_gap(queue, client):
    assert queue.issue("A")["number"] == "A001"
    assert client.post("/api/v1/tickets", json={"category": "A", "phone": "x"}).status_code == 422
    assert client.post("/api/v1/tickets", json={"category": "Q"}).status_code == 422
    assert queue.issue("A")["number"] == "A002"
