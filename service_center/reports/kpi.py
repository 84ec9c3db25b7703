"""KPI queries. Everything is aggregated in SQL: ticket figures of closed days come from
the daily summary tables (report_ticket_day, report_wait_day), today's and any day not yet
summarised straight from the tickets with the same GROUP BY; cases, tasks, ratings and
complaints are counted over indexed columns.

Definitions (also shown on the report page, see DEFINITIONS):
- days are the center's local service days (catalog.services.center_timezone());
- a ticket belongs to the day it was issued; its hour is the local hour of issue;
- durations are whole seconds (the difference rounded to the millisecond, then truncated);
- wait = first_called_at − issued_at, over tickets that were called at least once;
- service = completed_at − serving_at, over completed tickets that were started;
- p90 is the nearest-rank percentile: sort the n waits, take the ⌈0.9·n⌉-th (exact);
- a case is completed (办结) when it got its decision (approved or rejected); on time when
  the decision's local day is on or before the promised deadline (which moves by the
  paused working days); early when strictly before it;
- one-visit (一次性办结): completed, accepted at its first visit (no missing materials at
  registration) and never suspended for a supplement;
- satisfaction: ratings of 非常满意, 满意 (and 基本满意 unless REPORTS_BASIC_SATISFIED_IS_GOOD
  is False) over all ratings of the range; bad ratings: 不满意 and 非常不满意.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import (
    DateTime,
    Integer,
    Numeric,
    and_,
    case,
    cast,
    delete,
    exists,
    extract,
    func,
    insert,
    select,
)
from sqlalchemy.sql import ColumnElement

from ..approvals.models import Case, CaseTask, Suspension
from ..auth.models import User
from ..catalog.models import Department, Hall, QueueCategory, ServiceItem, Window
from ..catalog.services import center_timezone, localized_name, service_day
from ..extensions import db
from ..queueing.models import Ticket
from .models import (
    Complaint,
    Rating,
    Rectification,
    SummarizedDay,
    TicketDaySummary,
    WaitDayHistogram,
)

DECIDED = ("approved", "rejected", "completed")


# --- dialect helpers -------------------------------------------------------------------------
def _dialect() -> str:
    return db.session.get_bind().dialect.name


def seconds_between(start, end) -> ColumnElement:
    """Whole seconds from `start` to `end`, the same on SQLite and PostgreSQL."""
    if _dialect() == "postgresql":
        return cast(func.floor(func.round(cast(extract("epoch", end - start), Numeric), 3)),
                    Integer)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3), Integer)


def _offset_seconds(day: date) -> int:
    tz = center_timezone()
    return int(datetime.combine(day, time(12), tz).utcoffset().total_seconds())


def local_hour(column, day: date) -> ColumnElement:
    if _dialect() == "postgresql":
        return cast(extract("hour", func.timezone(str(center_timezone()), column)), Integer)
    return cast(func.strftime("%H", column, f"{_offset_seconds(day):+d} seconds"), Integer)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `start` and at the day after `end`."""
    tz = center_timezone()
    lo = datetime.combine(start, time(0), tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), tz).astimezone(UTC)
    return lo, hi


def _decided_by_deadline(decided_at, deadline, strict: bool = False) -> ColumnElement:
    """The decision's local day is on (or, strict, before) the deadline day."""
    if _dialect() == "postgresql":
        limit = func.timezone(str(center_timezone()),
                              cast(deadline + (0 if strict else 1), DateTime))
        return decided_at < limit
    days = 0 if strict else 1
    offset = _offset_seconds(service_day()) / 86400.0
    return func.julianday(decided_at) < func.julianday(deadline) + days - offset


# --- scope -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    hall_id: int | None = None  # None: every hall of the district

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _hall_filter(column, scope: Scope):
    return True if scope.hall_id is None else column == scope.hall_id


# --- the ticket facts: one GROUP BY shape for tickets and for the summary table --------------
_KEYS = ("hour", "category_id", "window_id", "staff_id")
_MEASURES = ("issued", "served", "no_shows", "wait_n", "wait_sum", "service_n", "service_sum")


def _ticket_fact_columns(day: date):
    wait = seconds_between(Ticket.issued_at, Ticket.first_called_at)
    service = seconds_between(Ticket.serving_at, Ticket.completed_at)
    completed = Ticket.status == "completed"
    started = and_(completed, Ticket.serving_at.is_not(None))
    return [
        local_hour(Ticket.issued_at, day).label("hour"),
        Ticket.category_id.label("category_id"),
        Ticket.window_id.label("window_id"),
        Ticket.served_by_id.label("staff_id"),
        func.count(Ticket.id).label("issued"),
        func.coalesce(func.sum(case((completed, 1), else_=0)), 0).label("served"),
        func.coalesce(func.sum(case((Ticket.status == "no_show", 1), else_=0)), 0)
        .label("no_shows"),
        func.count(Ticket.first_called_at).label("wait_n"),
        func.coalesce(func.sum(case((Ticket.first_called_at.is_not(None), wait), else_=0)), 0)
        .label("wait_sum"),
        func.coalesce(func.sum(case((started, 1), else_=0)), 0).label("service_n"),
        func.coalesce(func.sum(case((started, service), else_=0)), 0).label("service_sum"),
    ]


def _live_facts(day: date, hall_id: int | None, *, per_hall: bool = False):
    cols = _ticket_fact_columns(day)
    group = [c for c in cols[:4]]
    if per_hall:
        cols = [Ticket.hall_id.label("hall_id"), *cols]
        group = [Ticket.hall_id, *group]
    stmt = select(*cols).where(Ticket.service_day == day)
    if hall_id is not None:
        stmt = stmt.where(Ticket.hall_id == hall_id)
    return db.session.execute(stmt.group_by(*group)).mappings().all()


def _live_waits(day: date, hall_id: int | None, *, per_hall: bool = False):
    wait = seconds_between(Ticket.issued_at, Ticket.first_called_at).label("seconds")
    cols = [wait, func.count().label("n")]
    group = [wait]
    if per_hall:
        cols.insert(0, Ticket.hall_id.label("hall_id"))
        group.insert(0, Ticket.hall_id)
    stmt = select(*cols).where(Ticket.service_day == day, Ticket.first_called_at.is_not(None))
    if hall_id is not None:
        stmt = stmt.where(Ticket.hall_id == hall_id)
    return db.session.execute(stmt.group_by(*group)).mappings().all()


def build_day(day: date) -> int:
    """(Re)write the summary rows of one service day; the caller commits. Returns rows."""
    db.session.execute(delete(TicketDaySummary).where(TicketDaySummary.service_day == day))
    db.session.execute(delete(WaitDayHistogram).where(WaitDayHistogram.service_day == day))
    db.session.execute(delete(SummarizedDay).where(SummarizedDay.service_day == day))
    facts = [{**row, "service_day": day} for row in _live_facts(day, None, per_hall=True)]
    waits = [{**row, "service_day": day} for row in _live_waits(day, None, per_hall=True)]
    if facts:
        db.session.execute(insert(TicketDaySummary), facts)
    if waits:
        db.session.execute(insert(WaitDayHistogram), waits)
    db.session.add(SummarizedDay(service_day=day))
    return len(facts)


def built_days(start: date, end: date) -> set[date]:
    return set(db.session.execute(select(SummarizedDay.service_day).where(
        SummarizedDay.service_day.between(start, end))).scalars())


def days_to_build(scope: Scope) -> list[date]:
    """Closed days of the range (before today) without summary rows."""
    last = min(scope.end, service_day() - timedelta(days=1))
    if last < scope.start:
        return []
    done = built_days(scope.start, last)
    return [d for d in Scope(scope.start, last).days() if d not in done]


def _facts_and_waits(scope: Scope):
    done = built_days(scope.start, scope.end)
    today = service_day()
    done = {d for d in done if d < today}
    facts: list = []
    waits: Counter = Counter()
    if done:
        s = TicketDaySummary
        in_range = and_(s.service_day.between(scope.start, scope.end),
                        _hall_filter(s.hall_id, scope))
        facts.extend(db.session.execute(
            select(s.hour, s.category_id, s.window_id, s.staff_id,
                   *[func.sum(getattr(s, m)).label(m) for m in _MEASURES])
            .where(in_range).group_by(s.hour, s.category_id, s.window_id, s.staff_id)
        ).mappings().all())
        h = WaitDayHistogram
        for seconds, n in db.session.execute(
                select(h.seconds, func.sum(h.n)).where(
                    h.service_day.between(scope.start, scope.end),
                    _hall_filter(h.hall_id, scope)).group_by(h.seconds)):
            waits[int(seconds)] += int(n)
    for day in scope.days():
        if day in done or day > today:
            continue
        facts.extend(_live_facts(day, scope.hall_id))
        for row in _live_waits(day, scope.hall_id):
            waits[int(row["seconds"])] += int(row["n"])
    return facts, waits


def nearest_rank(histogram: Counter, fraction: float = 0.9) -> int | None:
    """The ⌈fraction·n⌉-th smallest value (nearest-rank percentile), from value counts."""
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(fraction * n - 1e-9))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover


def _avg(total, n) -> float | None:
    return round(total / n, 1) if n else None


def _rate(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _fold(facts, key) -> dict:
    out: dict = defaultdict(lambda: dict.fromkeys(_MEASURES, 0))
    for row in facts:
        acc = out[key(row)]
        for m in _MEASURES:
            acc[m] += int(row[m] or 0)
    return out


def _ticket_view(acc: dict) -> dict:
    return {"tickets_issued": acc["issued"], "tickets_served": acc["served"],
            "no_shows": acc["no_shows"],
            "avg_wait_seconds": _avg(acc["wait_sum"], acc["wait_n"]),
            "avg_service_seconds": _avg(acc["service_sum"], acc["service_n"])}


# --- ratings, complaints, cases ----------------------------------------------------------------
def good_rating_floor() -> int:
    return 3 if current_app.config.get("REPORTS_BASIC_SATISFIED_IS_GOOD", True) else 4


def _rating_rows(scope: Scope, group_by):
    floor = good_rating_floor()
    stmt = select(*group_by, func.count(Rating.id),
                  func.coalesce(func.sum(case((Rating.score >= floor, 1), else_=0)), 0),
                  func.coalesce(func.sum(case((Rating.score <= 2, 1), else_=0)), 0)) \
        .where(Rating.service_day.between(scope.start, scope.end),
               _hall_filter(Rating.hall_id, scope))
    if group_by:
        stmt = stmt.group_by(*group_by)
    return db.session.execute(stmt).all()


def _rating_view(total, good, bad) -> dict:
    return {"ratings": int(total), "satisfaction_rate": _rate(int(good), int(total)),
            "bad_rating_rate": _rate(int(bad), int(total))}


def satisfaction(scope: Scope) -> dict:
    """{ratings, satisfaction_rate, bad_rating_rate} of every rating in the scope (the same
    definition as the summary's; for the public disclosure page)."""
    (total, good, bad), = _rating_rows(scope, []) or [(0, 0, 0)]
    return _rating_view(total, good, bad)


def satisfaction_by_department(scope: Scope) -> dict[int, dict]:
    """{department id: {ratings, satisfaction_rate, bad_rating_rate}}: the ratings of cases,
    by the item's lead department (a window's ticket rating names no department)."""
    return {dept: _rating_view(total, good, bad)
            for dept, total, good, bad in _rating_rows(scope, [Rating.department_id])
            if dept is not None}


def _cases_base(scope: Scope):
    return _hall_filter(Case.hall_id, scope)


def _decided_at():
    return func.coalesce(Case.approved_at, Case.rejected_at)


def _case_figures(scope: Scope, group_col=None) -> dict:
    """{group: {accepted, completed, on_time, early, one_visit}} (group None when ungrouped)."""
    lo, hi = day_bounds(scope.start, scope.end)
    cols = [] if group_col is None else [group_col]
    join_item = group_col is not None
    result: dict = defaultdict(lambda: dict.fromkeys(
        ("accepted", "completed", "on_time", "early", "one_visit"), 0))

    stmt = select(*cols, func.count(Case.id)).where(
        Case.accepted_on.between(scope.start, scope.end), _cases_base(scope))
    if join_item:
        stmt = stmt.join(ServiceItem, ServiceItem.id == Case.service_item_id).group_by(*cols)
    for row in db.session.execute(stmt):
        result[row[0] if cols else None]["accepted"] += int(row[-1])

    supplement = exists().where(Suspension.case_id == Case.id, Suspension.kind == "supplement")
    first_visit = seconds_between(Case.registered_at, Case.accepted_at) < 60
    for decided_col in (Case.approved_at, Case.rejected_at):
        in_range = and_(decided_col >= lo, decided_col < hi)
        if decided_col is Case.rejected_at:  # a case is decided once: count it once
            in_range = and_(in_range, Case.approved_at.is_(None))
        stmt = select(
            *cols, func.count(Case.id),
            func.coalesce(func.sum(case((_decided_by_deadline(
                decided_col, Case.promised_deadline), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_decided_by_deadline(
                decided_col, Case.promised_deadline, strict=True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(first_visit, ~supplement), 1), else_=0)), 0),
        ).where(in_range, Case.status.in_(DECIDED), _cases_base(scope))
        if join_item:
            stmt = stmt.join(ServiceItem, ServiceItem.id == Case.service_item_id).group_by(*cols)
        for row in db.session.execute(stmt):
            acc = result[row[0] if cols else None]
            n, on_time, early, one_visit = (int(v or 0) for v in row[-4:])
            acc["completed"] += n
            acc["on_time"] += on_time
            acc["early"] += early
            acc["one_visit"] += one_visit
    return result


def _overdue_open(scope: Scope) -> int:
    today = service_day()
    return int(db.session.execute(select(func.count(Case.id)).where(
        Case.status.in_(("in_progress",)), Case.suspended.is_(False),
        Case.promised_deadline < today, _cases_base(scope))).scalar_one())


def _task_figures(scope: Scope) -> dict:
    lo, hi = day_bounds(scope.start, scope.end)
    decided = and_(CaseTask.decided_at >= lo, CaseTask.decided_at < hi)
    stmt = select(CaseTask.department_id, func.count(CaseTask.id),
                  func.coalesce(func.sum(case((_decided_by_deadline(
                      CaseTask.decided_at, CaseTask.due_date), 1), else_=0)), 0)) \
        .where(decided)
    if scope.hall_id is not None:
        stmt = stmt.join(Case, Case.id == CaseTask.case_id).where(Case.hall_id == scope.hall_id)
    return {dept: {"tasks_decided": int(n), "tasks_on_time": int(ok)}
            for dept, n, ok in db.session.execute(stmt.group_by(CaseTask.department_id))}


def _complaints_by(scope: Scope, column) -> dict:
    rows = db.session.execute(
        select(column, func.count(Complaint.id)).where(
            Complaint.service_day.between(scope.start, scope.end),
            _hall_filter(Complaint.hall_id, scope)).group_by(column))
    return {key: int(n) for key, n in rows}


def _rectification_figures(scope: Scope) -> dict:
    r = Rectification
    row = db.session.execute(
        select(func.count(r.id),
               func.coalesce(func.sum(case((r.status == "closed", 1), else_=0)), 0))
        .join(Rating, Rating.id == r.rating_id)
        .where(Rating.service_day.between(scope.start, scope.end),
               _hall_filter(r.hall_id, scope))).one()
    return {"rectifications": int(row[0]), "rectifications_closed": int(row[1]),
            "rectification_rate": _rate(int(row[1]), int(row[0]))}


# --- the summary -----------------------------------------------------------------------------
def _names(model, ids) -> dict:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.execute(
        select(model).where(model.id.in_(ids))).unique().scalars()}


def summary(scope: Scope) -> dict:
    facts, waits = _facts_and_waits(scope)
    total = _fold(facts, lambda r: None)[None]

    # ratings
    (r_total, r_good, r_bad), = _rating_rows(scope, []) or [(0, 0, 0)]
    by_window_ratings = {w: (t, g, b) for w, t, g, b in _rating_rows(scope, [Rating.window_id])}
    by_staff_ratings = {s: (t, g, b) for s, t, g, b in _rating_rows(scope, [Rating.staff_id])}
    by_dept_ratings = {d: (t, g, b) for d, t, g, b in
                       _rating_rows(scope, [Rating.department_id])}
    rated_tickets = int(db.session.execute(select(func.count(Rating.id)).where(
        Rating.ticket_id.is_not(None), Rating.service_day.between(scope.start, scope.end),
        _hall_filter(Rating.hall_id, scope))).scalar_one())

    # cases
    cases = _case_figures(scope)[None]
    case_by_dept = _case_figures(scope, ServiceItem.lead_department_id)
    tasks = _task_figures(scope)
    complaints_by_staff = _complaints_by(scope, Complaint.staff_id)
    complaints_by_dept = _complaints_by(scope, Complaint.department_id)

    # by window
    windows = _fold(facts, lambda r: r["window_id"])
    window_objs = _names(Window, list(windows) + list(by_window_ratings))
    by_window = []
    for wid in sorted({*windows, *by_window_ratings} - {None},
                      key=lambda i: (window_objs[i].hall_id, window_objs[i].number)
                      if i in window_objs else (0, i)):
        w = window_objs.get(wid)
        acc = windows.get(wid, dict.fromkeys(_MEASURES, 0))
        view = _ticket_view(acc)
        view.pop("tickets_issued")
        by_window.append({"window_id": wid, "number": w.number if w else None,
                          "name": localized_name(w) if w else None,
                          "hall": w.hall.code if w else None, **view,
                          **_rating_view(*by_window_ratings.get(wid, (0, 0, 0)))})

    # by staff
    staff = _fold(facts, lambda r: r["staff_id"])
    staff_objs = _names(User, list(staff) + list(by_staff_ratings) + list(complaints_by_staff))
    by_staff = []
    for sid in sorted({*staff, *by_staff_ratings, *complaints_by_staff} - {None},
                      key=lambda i: getattr(staff_objs.get(i), "staff_no", None) or str(i)):
        u = staff_objs.get(sid)
        view = _ticket_view(staff.get(sid, dict.fromkeys(_MEASURES, 0)))
        view.pop("tickets_issued")
        by_staff.append({"staff_id": sid, "name": u.display_name if u else None,
                         "staff_no": u.staff_no if u else None, **view,
                         **_rating_view(*by_staff_ratings.get(sid, (0, 0, 0))),
                         "complaints": complaints_by_staff.get(sid, 0)})

    # by hour (local hour of issue)
    hours = _fold(facts, lambda r: int(r["hour"]))
    by_hour = [{"hour": h, **_ticket_view(hours[h])} for h in sorted(hours)]

    # by category
    cats = _fold(facts, lambda r: r["category_id"])
    cat_objs = _names(QueueCategory, cats)
    halls = _names(Hall, [c.hall_id for c in cat_objs.values()])
    by_category = []
    for cid in sorted(cats, key=lambda i: (cat_objs[i].hall_id, cat_objs[i].prefix)
                      if i in cat_objs else (0, str(i))):
        c = cat_objs.get(cid)
        by_category.append({"category_id": cid, "prefix": c.prefix if c else None,
                            "name": localized_name(c) if c else None,
                            "hall": halls[c.hall_id].code if c else None,
                            **_ticket_view(cats[cid])})

    # by department (cases by the item's lead department, tasks by their department)
    dept_ids = {*case_by_dept, *tasks, *by_dept_ratings, *complaints_by_dept} - {None}
    depts = _names(Department, dept_ids)
    by_department = []
    for did in sorted(dept_ids, key=lambda i: depts[i].code if i in depts else str(i)):
        d = depts.get(did)
        c = case_by_dept.get(did, {"accepted": 0, "completed": 0, "on_time": 0, "early": 0,
                                   "one_visit": 0})
        t = tasks.get(did, {"tasks_decided": 0, "tasks_on_time": 0})
        by_department.append({
            "department_id": did, "code": d.code if d else None,
            "name": localized_name(d) if d else None,
            "cases_accepted": c["accepted"], "cases_completed": c["completed"],
            "on_time_rate": _rate(c["on_time"], c["completed"]),
            "one_visit_rate": _rate(c["one_visit"], c["completed"]),
            **t, "task_on_time_rate": _rate(t["tasks_on_time"], t["tasks_decided"]),
            **_rating_view(*by_dept_ratings.get(did, (0, 0, 0))),
            "complaints": complaints_by_dept.get(did, 0)})

    complaints_total = sum(_complaints_by(scope, Complaint.hall_id).values())
    return {
        "from": scope.start.isoformat(), "to": scope.end.isoformat(),
        "hall": None if scope.hall_id is None else db.session.get(Hall, scope.hall_id).code,
        "tickets_issued": total["issued"],
        "tickets_served": total["served"],
        "no_shows": total["no_shows"],
        "avg_wait_seconds": _avg(total["wait_sum"], total["wait_n"]),
        "p90_wait_seconds": nearest_rank(waits),
        "avg_service_seconds": _avg(total["service_sum"], total["service_n"]),
        "cases_accepted": cases["accepted"],
        "cases_completed": cases["completed"],
        "on_time_rate": _rate(cases["on_time"], cases["completed"]),
        "early_completion_rate": _rate(cases["early"], cases["completed"]),
        "one_visit_rate": _rate(cases["one_visit"], cases["completed"]),
        "overdue_open_cases": _overdue_open(scope),
        "satisfaction_rate": _rate(int(r_good), int(r_total)),
        "bad_rating_rate": _rate(int(r_bad), int(r_total)),
        "ratings": int(r_total),
        "rating_coverage": _rate(rated_tickets, total["served"]),
        **_rectification_figures(scope),
        "complaints": complaints_total,
        "by_window": by_window,
        "by_staff": by_staff,
        "by_hour": by_hour,
        "by_department": by_department,
        "by_category": by_category,
        "definitions": definitions(),
    }


def definitions() -> dict:
    from flask_babel import gettext as _

    good = _("very satisfied, satisfied and basically satisfied") \
        if good_rating_floor() == 3 else _("very satisfied and satisfied")
    return {
        "days": _("Days are the center's local service days; a ticket counts on the day and "
                  "in the hour it was issued."),
        "wait": _("Wait: from issue to the first call, in whole seconds, over tickets that "
                  "were called."),
        "p90": _("90th percentile wait: the nearest-rank value — sort the waits and take the "
                 "one at position ⌈0.9 × n⌉."),
        "service": _("Service time: from the start of service to completion, over completed "
                     "tickets."),
        "on_time": _("On-time rate (按时办结率): cases decided on or before their promised "
                     "deadline (paused working days excluded) over cases decided in the range."),
        "early": _("Early-completion rate (提前办结率): decided before the deadline day."),
        "one_visit": _("One-visit rate (一次性办结率): decided cases accepted at the first visit "
                       "and never sent back for a supplement, over decided cases."),
        "satisfaction": _("Satisfaction rate: ratings of %(good)s over all ratings.",
                          good=good),
        "bad": _("Bad-rating rate (差评率): dissatisfied and very dissatisfied over all ratings."),
        "coverage": _("Rating coverage: rated tickets over served tickets."),
        "rectification": _("Rectification rate: rectifications closed over those opened."),
    }


def rectifications_by(scope: Scope, column) -> dict:
    """{key: (opened, closed in time)} of rectifications opened by ratings of the range;
    in time = closed on or before its due day (local)."""
    tz = center_timezone()
    rows = db.session.execute(
        select(column, Rectification.due_date, Rectification.closed_at)
        .join(Rating, Rating.id == Rectification.rating_id)
        .where(Rating.service_day.between(scope.start, scope.end),
               _hall_filter(Rating.hall_id, scope))).all()
    out: dict = defaultdict(lambda: [0, 0])
    for key, due, closed_at in rows:
        out[key][0] += 1
        if closed_at is not None and closed_at.astimezone(tz).date() <= due:
            out[key][1] += 1
    return {k: tuple(v) for k, v in out.items()}


def assessment(scope: Scope) -> dict:
    """The monthly scorecard's figures per department and per staff member."""
    data = summary(scope)
    by_staff_rect = rectifications_by(scope, Rating.staff_id)
    by_dept_rect = rectifications_by(scope, Rating.department_id)
    departments = []
    for d in data["by_department"]:
        opened, in_time = by_dept_rect.get(d["department_id"], (0, 0))
        departments.append({**d, "rectifications": opened, "rectifications_in_time": in_time})
    staff = []
    for s in data["by_staff"]:
        opened, in_time = by_staff_rect.get(s["staff_id"], (0, 0))
        staff.append({**s, "rectifications": opened, "rectifications_in_time": in_time})
    return {"summary": data, "departments": departments, "staff": staff}
