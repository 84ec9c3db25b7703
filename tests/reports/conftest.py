"""Hand-built queue, case and rating rows with known answers, in the center's zone."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service_center.approvals.models import Case, Suspension
from service_center.auth.models import User
from service_center.catalog.models import Hall, QueueCategory, ServiceItem, Window
from service_center.extensions import db
from service_center.queueing.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")


def local(day: date, hhmmss: str) -> datetime:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=TZ)


class Factory:
    def __init__(self):
        self.seq: dict = {}

    def hall(self, code: str = "MAIN") -> Hall:
        return db.session.execute(select(Hall).where(Hall.code == code)).scalar_one()

    def window(self, number: int, hall: str = "MAIN") -> Window:
        return db.session.execute(select(Window).where(
            Window.hall_id == self.hall(hall).id, Window.number == number)).scalar_one()

    def user(self, username: str) -> User:
        return db.session.execute(select(User).where(User.username == username)) \
            .unique().scalar_one()

    def ticket(self, issued: datetime, *, called: datetime | None = None,
               serving: datetime | None = None, completed: datetime | None = None,
               status: str | None = None, window: int | None = None,
               staff: str | None = None, category: str = "A", hall: str = "MAIN") -> Ticket:
        h = self.hall(hall)
        cat = db.session.execute(select(QueueCategory).where(
            QueueCategory.hall_id == h.id, QueueCategory.prefix == category)).scalar_one()
        day = issued.astimezone(TZ).date()
        key = (cat.id, day)
        self.seq[key] = self.seq.get(key, 0) + 1
        if status is None:
            status = "completed" if completed else ("called" if called else "waiting")
        t = Ticket(hall_id=h.id, issued_category_id=cat.id, category_id=cat.id,
                   service_day=day, seq=self.seq[key], number=f"{category}{self.seq[key]:03d}",
                   status=status, token=secrets.token_urlsafe(16), issued_at=issued,
                   first_called_at=called, called_at=called, serving_at=serving,
                   completed_at=completed,
                   no_show_at=called + timedelta(minutes=2) if status == "no_show" else None,
                   window_id=self.window(window, hall).id if window else None,
                   served_by_id=self.user(staff).id if staff else None)
        db.session.add(t)
        db.session.flush()
        return t

    def case(self, *, accepted_on: date | None, registered: datetime,
             accepted: datetime | None = None, deadline: date | None = None,
             approved: datetime | None = None, rejected: datetime | None = None,
             status: str = "in_progress", supplement: bool = False,
             item: str | None = None, hall: str = "MAIN") -> Case:
        it = db.session.execute(select(ServiceItem).where(ServiceItem.code == item)
                                if item else select(ServiceItem).order_by(ServiceItem.id)
                                ).unique().scalars().first()
        no = "T" + secrets.token_hex(6)
        c = Case(tracking_no=no, query_hash="x" * 64, service_item_id=it.id,
                 hall_id=self.hall(hall).id, applicant_name="张三", applicant_phone="13800000000",
                 status=status, suspended=False, registered_at=registered,
                 accepted_at=accepted, accepted_on=accepted_on, promised_deadline=deadline,
                 statutory_deadline=deadline, approved_at=approved, rejected_at=rejected)
        db.session.add(c)
        db.session.flush()
        if supplement:
            db.session.add(Suspension(case_id=c.id, kind="supplement", started_at=registered,
                                      started_on=registered.astimezone(TZ).date()))
            db.session.flush()
        return c


@pytest.fixture
def build(seeded):
    """build(fn): run fn(factory) in an app context and commit (before any request)."""

    def run(fn):
        with seeded.app_context():
            result = fn(Factory())
            db.session.commit()
            db.session.remove()
            return result

    return run


def summary(client, auth, user="manager", **params):
    res = client.get("/api/v1/reports/summary", query_string=params, headers=auth.headers(user))
    assert res.status_code == 200, res.get_json()
    return res.get_json()
