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
  is False) over all ratings of the range; bad ratings: 不满意 and 非常不满意;
- tickets per staff-hour: served tickets over the hours windows were open (not paused), from
  the windows' open/pause/close audit rows, for the staff member who opened the window;
- processing time: working days in (accepted_on, decision day] minus the case's paused
  working days, over decided cases that are not same-day (即办件: decided the day accepted,
  or of an item promised in 0 days), which are counted apart;
- overdue (超期件): decided late in the range plus open past the deadline now;
- time-limit compression: Σ(statutory − promised) ÷ Σ statutory days, over the cases accepted
  in the range (REPORTS_COMPRESSION_BASIS "cases") or the active items ("items").
Closed days' case, step and staffed-hour figures come from report_case_day, report_task_day
and report_staff_day, built with the ticket summaries.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import (
    Date,
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
from ..audit import AuditEvent
from ..auth.models import User
from ..catalog.models import (
    Department,
    Hall,
    QueueCategory,
    ServiceItem,
    Window,
    WindowCategory,
)
from ..catalog.services import center_timezone, localized_name, service_day, work_calendar
from ..extensions import db
from ..queueing.models import Ticket
from .models import (
    CaseDaySummary,
    Complaint,
    Rating,
    Rectification,
    StaffDaySummary,
    SummarizedDay,
    TaskDaySummary,
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
    # a department's report (its head's): its cases, steps, ratings, complaints; no tickets
    department_id: int | None = None

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _hall_filter(column, scope: Scope):
    return True if scope.hall_id is None else column == scope.hall_id


def _dept_filter(column, scope: Scope):
    return True if scope.department_id is None else column == scope.department_id


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
    for model in (CaseDaySummary, TaskDaySummary, StaffDaySummary):
        db.session.execute(delete(model).where(model.service_day == day))
    facts = [{**row, "service_day": day} for row in _live_facts(day, None, per_hall=True)]
    waits = [{**row, "service_day": day} for row in _live_waits(day, None, per_hall=True)]
    if facts:
        db.session.execute(insert(TicketDaySummary), facts)
    if waits:
        db.session.execute(insert(WaitDayHistogram), waits)
    cases = [{**row, "service_day": day} for row in _live_case_rows(day, day)]
    if cases:
        db.session.execute(insert(CaseDaySummary), cases)
    tasks = [{**row, "service_day": day} for row in _live_task_rows(day, day)]
    if tasks:
        db.session.execute(insert(TaskDaySummary), tasks)
    staffed = [row for row in _staff_intervals(*day_bounds(day, day))
               if row["service_day"] == day]
    if staffed:
        db.session.execute(insert(StaffDaySummary), staffed)
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
    if scope.department_id is not None:  # queue tickets belong to halls, not departments
        return [], Counter()
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
               _hall_filter(Rating.hall_id, scope), _dept_filter(Rating.department_id, scope))
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
    return and_(_hall_filter(Case.hall_id, scope),
                _dept_filter(ServiceItem.lead_department_id, scope))


def local_date(column) -> ColumnElement:
    """The center's local calendar day of a UTC instant (a date, or an ISO string on SQLite)."""
    if _dialect() == "postgresql":
        return cast(func.timezone(str(center_timezone()), column), Date)
    return func.date(column, f"{_offset_seconds(service_day()):+d} seconds")


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class _Ordinals:
    """Working days counted from a fixed origin, so that the working days in (a, b] are
    ord(b) − ord(a): one pass over the calendar for a whole report."""

    def __init__(self):
        self.cal = work_calendar()
        self.cache: dict[date, int] = {}
        self.lo: date | None = None
        self.hi: date | None = None

    def __call__(self, day: date) -> int:
        if self.lo is None:
            self.lo = self.hi = day
            self.cache[day] = 0
        while day > self.hi:  # extend forwards: one more day, one more if it is worked
            nxt = self.hi + timedelta(days=1)
            self.cache[nxt] = self.cache[self.hi] + (1 if self.cal.is_workday(nxt) else 0)
            self.hi = nxt
        while day < self.lo:  # extend backwards
            prev = self.lo - timedelta(days=1)
            self.cache[prev] = self.cache[self.lo] - (1 if self.cal.is_workday(self.lo) else 0)
            self.lo = prev
        return self.cache[day]

    def between(self, start: date, end: date) -> int:
        return max(0, self(end) - self(start)) if end > start else 0


_CASE_MEASURES = ("accepted", "statutory_days", "promised_days", "completed", "on_time",
                  "early", "one_visit", "same_day", "processing_n", "processing_days")
_CASE_KEYS = ("hall_id", "department_id", "service_item_id")


def _live_case_rows(start: date, end: date, hall_id: int | None = None,
                    department_id: int | None = None) -> list[dict]:
    """Case figures of the days start…end from the cases, one dict per (hall, lead
    department, item): accepted on those days, decided on those days."""
    lo, hi = day_bounds(start, end)
    scope = Scope(start, end, hall_id, department_id)
    keys = [Case.hall_id, ServiceItem.lead_department_id, Case.service_item_id]
    out: dict = defaultdict(lambda: dict.fromkeys(_CASE_MEASURES, 0))
    compress = ServiceItem.statutory_days > 0
    stmt = select(*keys, func.count(Case.id),
                  func.coalesce(func.sum(case((compress, ServiceItem.statutory_days),
                                              else_=0)), 0),
                  func.coalesce(func.sum(case((compress, ServiceItem.promised_days),
                                              else_=0)), 0)) \
        .join(ServiceItem, ServiceItem.id == Case.service_item_id) \
        .where(Case.accepted_on.between(start, end), _cases_base(scope)).group_by(*keys)
    for h, d, i, n, stat, prom in db.session.execute(stmt):
        acc = out[(h, d, i)]
        acc["accepted"] += int(n)
        acc["statutory_days"] += int(stat or 0)
        acc["promised_days"] += int(prom or 0)

    supplement = exists().where(Suspension.case_id == Case.id, Suspension.kind == "supplement")
    first_visit = seconds_between(Case.registered_at, Case.accepted_at) < 60
    ordinals = _Ordinals()
    for decided_col in (Case.approved_at, Case.rejected_at):
        in_range = and_(decided_col >= lo, decided_col < hi)
        if decided_col is Case.rejected_at:  # a case is decided once: count it once
            in_range = and_(in_range, Case.approved_at.is_(None))
        decided_on = local_date(decided_col)
        group = [*keys, ServiceItem.promised_days, Case.accepted_on, decided_on]
        stmt = select(
            *group, func.count(Case.id),
            func.coalesce(func.sum(case((_decided_by_deadline(
                decided_col, Case.promised_deadline), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_decided_by_deadline(
                decided_col, Case.promised_deadline, strict=True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(first_visit, ~supplement), 1), else_=0)), 0),
            func.coalesce(func.sum(Case.paused_working_days), 0),
        ).join(ServiceItem, ServiceItem.id == Case.service_item_id) \
            .where(in_range, Case.status.in_(DECIDED), _cases_base(scope)).group_by(*group)
        for h, d, i, promised, accepted_on, decided, n, on_time, early, one_visit, paused \
                in db.session.execute(stmt):
            acc = out[(h, d, i)]
            n = int(n)
            acc["completed"] += n
            acc["on_time"] += int(on_time or 0)
            acc["early"] += int(early or 0)
            acc["one_visit"] += int(one_visit or 0)
            accepted_on, decided = _as_date(accepted_on), _as_date(decided)
            if accepted_on is None or decided is None or decided <= accepted_on \
                    or promised == 0:
                acc["same_day"] += n  # 即办件: decided the day it was accepted
            else:
                days = n * ordinals.between(accepted_on, decided) - int(paused or 0)
                acc["processing_n"] += n
                acc["processing_days"] += max(0, days)
    return [{"hall_id": h, "department_id": d, "service_item_id": i, **m}
            for (h, d, i), m in out.items()]


def _live_task_rows(start: date, end: date, hall_id: int | None = None,
                    department_id: int | None = None) -> list[dict]:
    lo, hi = day_bounds(start, end)
    stmt = select(Case.hall_id, CaseTask.department_id, func.count(CaseTask.id),
                  func.coalesce(func.sum(case((_decided_by_deadline(
                      CaseTask.decided_at, CaseTask.due_date), 1), else_=0)), 0)) \
        .join(Case, Case.id == CaseTask.case_id) \
        .where(CaseTask.decided_at >= lo, CaseTask.decided_at < hi)
    if hall_id is not None:
        stmt = stmt.where(Case.hall_id == hall_id)
    if department_id is not None:
        stmt = stmt.where(CaseTask.department_id == department_id)
    return [{"hall_id": h, "department_id": d, "decided": int(n), "on_time": int(ok)}
            for h, d, n, ok in db.session.execute(
                stmt.group_by(Case.hall_id, CaseTask.department_id))]


def _unbuilt_runs(scope: Scope) -> list[tuple[date, date]]:
    """The contiguous runs of days of the range that are read from the source rows: today,
    and closed days without summary rows (future days hold nothing)."""
    today = service_day()
    done = {d for d in built_days(scope.start, scope.end) if d < today}
    runs: list[tuple[date, date]] = []
    for day in scope.days():
        if day in done or day > today:
            continue
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _case_and_task_rows(scope: Scope) -> tuple[list, list]:
    cases: list = []
    tasks: list = []
    s, t = CaseDaySummary, TaskDaySummary
    cases.extend(db.session.execute(
        select(s.hall_id, s.department_id, s.service_item_id,
               *[func.sum(getattr(s, m)).label(m) for m in _CASE_MEASURES])
        .join(SummarizedDay, SummarizedDay.service_day == s.service_day)
        .where(s.service_day.between(scope.start, scope.end), s.service_day < service_day(),
               _hall_filter(s.hall_id, scope), _dept_filter(s.department_id, scope))
        .group_by(s.hall_id, s.department_id, s.service_item_id)).mappings().all())
    tasks.extend(db.session.execute(
        select(t.hall_id, t.department_id, func.sum(t.decided).label("decided"),
               func.sum(t.on_time).label("on_time"))
        .join(SummarizedDay, SummarizedDay.service_day == t.service_day)
        .where(t.service_day.between(scope.start, scope.end), t.service_day < service_day(),
               _hall_filter(t.hall_id, scope), _dept_filter(t.department_id, scope))
        .group_by(t.hall_id, t.department_id)).mappings().all())
    for start, end in _unbuilt_runs(scope):
        cases.extend(_live_case_rows(start, end, scope.hall_id, scope.department_id))
        tasks.extend(_live_task_rows(start, end, scope.hall_id, scope.department_id))
    return cases, tasks


def _fold_cases(rows, key) -> dict:
    out: dict = defaultdict(lambda: dict.fromkeys(_CASE_MEASURES, 0))
    for row in rows:
        acc = out[key(row)]
        for m in _CASE_MEASURES:
            acc[m] += int(row[m] or 0)
    return out


def _case_view(c: dict) -> dict:
    return {
        "cases_accepted": c["accepted"], "cases_completed": c["completed"],
        "on_time_rate": _rate(c["on_time"], c["completed"]),
        "early_completion_rate": _rate(c["early"], c["completed"]),
        "one_visit_rate": _rate(c["one_visit"], c["completed"]),
        "completed_late": c["completed"] - c["on_time"],
        "same_day_cases": c["same_day"],
        "same_day_rate": _rate(c["same_day"], c["completed"]),
        "avg_processing_working_days": _avg(c["processing_days"], c["processing_n"]),
    }


def _compression(rows, scope: Scope) -> float | None:
    """Time-limit compression (承诺时限压缩比), by the REPORTS_COMPRESSION_BASIS setting:
    "cases" (default): Σ(statutory − promised) ÷ Σ statutory over the cases accepted in the
    range; "items": the same over the active items of the catalog, once each."""
    if current_app.config.get("REPORTS_COMPRESSION_BASIS", "cases") == "items":
        stmt = select(func.coalesce(func.sum(ServiceItem.statutory_days), 0),
                      func.coalesce(func.sum(ServiceItem.promised_days), 0)).where(
            ServiceItem.active.is_(True), ServiceItem.statutory_days > 0,
            _dept_filter(ServiceItem.lead_department_id, scope))
        stat, prom = db.session.execute(stmt).one()
    else:
        stat = sum(int(r["statutory_days"] or 0) for r in rows)
        prom = sum(int(r["promised_days"] or 0) for r in rows)
    return _rate(int(stat) - int(prom), int(stat))


def _overdue_open(scope: Scope) -> int:
    today = service_day()
    return int(db.session.execute(select(func.count(Case.id))
                                  .join(ServiceItem, ServiceItem.id == Case.service_item_id)
                                  .where(Case.status.in_(("in_progress",)),
                                         Case.suspended.is_(False),
                                         Case.promised_deadline < today,
                                         _cases_base(scope))).scalar_one())


# --- staffed hours (tickets per staff-hour) ------------------------------------------------------
STAFF_LOOKBACK_DAYS = 4  # a window's state at a range's start: its last change before


def _staff_intervals(lo: datetime, hi: datetime) -> list[dict]:
    """Staffed seconds in [lo, hi) by (local day, window, staff, local hour): from the
    windows' status changes in the audit trail, a window counts while it is open (not
    paused, not closed), for the staff member who opened or resumed it."""
    ev = AuditEvent
    base = and_(ev.entity_type == "window", ev.result == "ok", ev.to_state.is_not(None))
    cols = (ev.entity_id, ev.at, ev.to_state, ev.actor_id)
    rows = list(db.session.execute(select(*cols).where(base, ev.at >= lo, ev.at < hi)))
    last = select(ev.entity_id.label("w"), func.max(ev.at).label("at")).where(
        base, ev.at < lo, ev.at >= lo - timedelta(days=STAFF_LOOKBACK_DAYS)) \
        .group_by(ev.entity_id).subquery()
    rows += list(db.session.execute(select(*cols).join(
        last, and_(last.c.w == ev.entity_id, last.c.at == ev.at)).where(base)))
    if not rows:
        return []
    end = min(hi, datetime.now(UTC))
    by_window: dict = defaultdict(list)
    for wid, at, state, actor in rows:
        if str(wid).isdigit():
            by_window[int(wid)].append((at, str(state), actor))
    halls = dict(db.session.execute(select(Window.id, Window.hall_id).where(
        Window.id.in_(list(by_window)))).all())
    tz = center_timezone()
    out: dict = defaultdict(int)
    for wid, events in by_window.items():
        if wid not in halls:
            continue
        events.sort(key=lambda e: e[0])
        for n, (at, state, actor) in enumerate(events):
            if state != "open":
                continue
            start = max(at, lo)
            stop = min(events[n + 1][0] if n + 1 < len(events) else end, end)
            while start < stop:
                local = start.astimezone(tz)
                boundary = (local.replace(minute=0, second=0, microsecond=0)
                            + timedelta(hours=1)).astimezone(UTC)
                piece = min(boundary, stop)
                out[(local.date(), halls[wid], wid, actor, local.hour)] += \
                    (piece - start).total_seconds()
                start = piece
    return [{"service_day": k[0], "hall_id": k[1], "window_id": k[2], "staff_id": k[3],
             "hour": k[4], "seconds": int(round(v))} for k, v in out.items() if v >= 0.5]


def _staff_rows(scope: Scope) -> list:
    if scope.department_id is not None:
        return []
    s = StaffDaySummary
    rows = list(db.session.execute(
        select(s.window_id, s.staff_id, s.hour, func.sum(s.seconds).label("seconds"))
        .join(SummarizedDay, SummarizedDay.service_day == s.service_day)
        .where(s.service_day.between(scope.start, scope.end), s.service_day < service_day(),
               _hall_filter(s.hall_id, scope))
        .group_by(s.window_id, s.staff_id, s.hour)).mappings().all())
    for start, end in _unbuilt_runs(scope):
        lo, hi = day_bounds(start, end)
        rows.extend(r for r in _staff_intervals(lo, hi)
                    if scope.hall_id is None or r["hall_id"] == scope.hall_id)
    return rows


def _per_staff_hour(served: int, seconds: int) -> float | None:
    return round(served * 3600 / seconds, 2) if seconds else None


def _complaints_by(scope: Scope, column) -> dict:
    rows = db.session.execute(
        select(column, func.count(Complaint.id)).where(
            Complaint.service_day.between(scope.start, scope.end),
            _hall_filter(Complaint.hall_id, scope),
            _dept_filter(Complaint.department_id, scope)).group_by(column))
    return {key: int(n) for key, n in rows}


def _rectification_figures(scope: Scope) -> dict:
    r = Rectification
    row = db.session.execute(
        select(func.count(r.id),
               func.coalesce(func.sum(case((r.status == "closed", 1), else_=0)), 0))
        .join(Rating, Rating.id == r.rating_id)
        .where(Rating.service_day.between(scope.start, scope.end),
               _hall_filter(r.hall_id, scope), _dept_filter(r.department_id, scope))).one()
    return {"rectifications": int(row[0]), "rectifications_closed": int(row[1]),
            "rectification_rate": _rate(int(row[1]), int(row[0]))}


# --- the summary -----------------------------------------------------------------------------
def _names(model, ids) -> dict:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.execute(
        select(model).where(model.id.in_(ids))).unique().scalars()}


def _sum_seconds(rows, key) -> dict:
    out: dict = defaultdict(int)
    for row in rows:
        out[key(row)] += int(row["seconds"] or 0)
    return out


def summary(scope: Scope) -> dict:
    facts, waits = _facts_and_waits(scope)
    total = _fold(facts, lambda r: None)[None]
    staffed = _staff_rows(scope)
    staffed_total = sum(int(r["seconds"] or 0) for r in staffed)

    # ratings
    (r_total, r_good, r_bad), = _rating_rows(scope, []) or [(0, 0, 0)]
    by_window_ratings = {w: (t, g, b) for w, t, g, b in _rating_rows(scope, [Rating.window_id])}
    by_staff_ratings = {s: (t, g, b) for s, t, g, b in _rating_rows(scope, [Rating.staff_id])}
    by_dept_ratings = {d: (t, g, b) for d, t, g, b in
                       _rating_rows(scope, [Rating.department_id])}
    in_range = and_(Rating.service_day.between(scope.start, scope.end),
                    _hall_filter(Rating.hall_id, scope),
                    _dept_filter(Rating.department_id, scope))
    rated_tickets = int(db.session.execute(select(func.count(Rating.id)).where(
        Rating.ticket_id.is_not(None), in_range)).scalar_one())
    rated_cases = int(db.session.execute(select(func.count(Rating.id)).where(
        Rating.case_id.is_not(None), in_range)).scalar_one())

    # cases and steps
    case_rows, task_rows = _case_and_task_rows(scope)
    cases = _fold_cases(case_rows, lambda r: None)[None]
    case_by_dept = _fold_cases(case_rows, lambda r: r["department_id"])
    tasks: dict = defaultdict(lambda: {"tasks_decided": 0, "tasks_on_time": 0})
    for row in task_rows:
        tasks[row["department_id"]]["tasks_decided"] += int(row["decided"] or 0)
        tasks[row["department_id"]]["tasks_on_time"] += int(row["on_time"] or 0)
    complaints_by_staff = _complaints_by(scope, Complaint.staff_id)
    complaints_by_dept = _complaints_by(scope, Complaint.department_id)
    overdue_open = _overdue_open(scope)

    # by window
    windows = _fold(facts, lambda r: r["window_id"])
    window_seconds = _sum_seconds(staffed, lambda r: r["window_id"])
    window_objs = _names(Window, list(windows) + list(by_window_ratings) + list(window_seconds))
    by_window = []
    for wid in sorted({*windows, *by_window_ratings, *window_seconds} - {None},
                      key=lambda i: (window_objs[i].hall_id, window_objs[i].number)
                      if i in window_objs else (0, i)):
        w = window_objs.get(wid)
        acc = windows.get(wid, dict.fromkeys(_MEASURES, 0))
        view = _ticket_view(acc)
        view.pop("tickets_issued")
        by_window.append({"window_id": wid, "number": w.number if w else None,
                          "name": localized_name(w) if w else None,
                          "hall": w.hall.code if w else None, **view,
                          "staffed_hours": round(window_seconds.get(wid, 0) / 3600, 2),
                          "tickets_per_staff_hour": _per_staff_hour(
                              acc["served"], window_seconds.get(wid, 0)),
                          **_rating_view(*by_window_ratings.get(wid, (0, 0, 0)))})

    # by staff
    staff = _fold(facts, lambda r: r["staff_id"])
    staff_seconds = _sum_seconds(staffed, lambda r: r["staff_id"])
    staff_objs = _names(User, list(staff) + list(by_staff_ratings) + list(complaints_by_staff)
                        + list(staff_seconds))
    by_staff = []
    for sid in sorted({*staff, *by_staff_ratings, *complaints_by_staff, *staff_seconds}
                      - {None},
                      key=lambda i: getattr(staff_objs.get(i), "staff_no", None) or str(i)):
        u = staff_objs.get(sid)
        acc = staff.get(sid, dict.fromkeys(_MEASURES, 0))
        view = _ticket_view(acc)
        view.pop("tickets_issued")
        by_staff.append({"staff_id": sid, "name": u.display_name if u else None,
                         "staff_no": u.staff_no if u else None, **view,
                         "staffed_hours": round(staff_seconds.get(sid, 0) / 3600, 2),
                         "tickets_per_staff_hour": _per_staff_hour(
                             acc["served"], staff_seconds.get(sid, 0)),
                         **_rating_view(*by_staff_ratings.get(sid, (0, 0, 0))),
                         "complaints": complaints_by_staff.get(sid, 0)})

    # by hour (local hour of issue; staffed hours by the clock hour)
    hours = _fold(facts, lambda r: int(r["hour"]))
    hour_seconds = _sum_seconds(staffed, lambda r: int(r["hour"]))
    by_hour = [{"hour": h, **_ticket_view(hours[h]),
                "staffed_hours": round(hour_seconds.get(h, 0) / 3600, 2),
                "tickets_per_staff_hour": _per_staff_hour(hours[h]["served"],
                                                          hour_seconds.get(h, 0))}
               for h in sorted(hours)]

    # by category (staffed hours: those of the windows that serve the category)
    cats = _fold(facts, lambda r: r["category_id"])
    cat_objs = _names(QueueCategory, cats)
    halls = _names(Hall, [c.hall_id for c in cat_objs.values()])
    serving: dict = defaultdict(set)
    if cats:
        for cid, wid in db.session.execute(select(
                WindowCategory.category_id, WindowCategory.window_id).where(
                WindowCategory.category_id.in_(list(cats)))):
            serving[cid].add(wid)
    by_category = []
    for cid in sorted(cats, key=lambda i: (cat_objs[i].hall_id, cat_objs[i].prefix)
                      if i in cat_objs else (0, str(i))):
        c = cat_objs.get(cid)
        seconds = sum(window_seconds.get(w, 0) for w in serving.get(cid, ()))
        by_category.append({"category_id": cid, "prefix": c.prefix if c else None,
                            "name": localized_name(c) if c else None,
                            "hall": halls[c.hall_id].code if c else None,
                            **_ticket_view(cats[cid]),
                            "staffed_hours": round(seconds / 3600, 2),
                            "tickets_per_staff_hour": _per_staff_hour(
                                cats[cid]["served"], seconds)})

    # by department (cases by the item's lead department, steps by their department,
    # tickets by the department of the staff member who served them)
    staff_dept = {sid: u.department_id for sid, u in staff_objs.items()}
    dept_served: dict = defaultdict(int)
    dept_seconds: dict = defaultdict(int)
    for sid, acc in staff.items():
        if staff_dept.get(sid) is not None:
            dept_served[staff_dept[sid]] += acc["served"]
    for sid, secs in staff_seconds.items():
        if staff_dept.get(sid) is not None:
            dept_seconds[staff_dept[sid]] += secs
    dept_ids = {*case_by_dept, *tasks, *by_dept_ratings, *complaints_by_dept,
                *dept_seconds} - {None}
    if scope.department_id is not None:
        dept_ids &= {scope.department_id}
    depts = _names(Department, dept_ids)
    by_department = []
    for did in sorted(dept_ids, key=lambda i: depts[i].code if i in depts else str(i)):
        d = depts.get(did)
        c = case_by_dept.get(did, dict.fromkeys(_CASE_MEASURES, 0))
        t = tasks.get(did, {"tasks_decided": 0, "tasks_on_time": 0})
        by_department.append({
            "department_id": did, "code": d.code if d else None,
            "name": localized_name(d) if d else None,
            **_case_view(c),
            **t, "task_on_time_rate": _rate(t["tasks_on_time"], t["tasks_decided"]),
            "tickets_served": dept_served.get(did, 0),
            "staffed_hours": round(dept_seconds.get(did, 0) / 3600, 2),
            "tickets_per_staff_hour": _per_staff_hour(dept_served.get(did, 0),
                                                      dept_seconds.get(did, 0)),
            **_rating_view(*by_dept_ratings.get(did, (0, 0, 0))),
            "complaints": complaints_by_dept.get(did, 0)})

    complaints_total = sum(_complaints_by(scope, Complaint.hall_id).values())
    case_view = _case_view(cases)
    department = None if scope.department_id is None else \
        db.session.get(Department, scope.department_id)
    return {
        "from": scope.start.isoformat(), "to": scope.end.isoformat(),
        "hall": None if scope.hall_id is None else db.session.get(Hall, scope.hall_id).code,
        "department": department.code if department else None,
        "tickets_issued": total["issued"],
        "tickets_served": total["served"],
        "no_shows": total["no_shows"],
        "avg_wait_seconds": _avg(total["wait_sum"], total["wait_n"]),
        "p90_wait_seconds": nearest_rank(waits),
        "avg_service_seconds": _avg(total["service_sum"], total["service_n"]),
        "staffed_hours": round(staffed_total / 3600, 2),
        "tickets_per_staff_hour": _per_staff_hour(total["served"], staffed_total),
        **case_view,
        "overdue_open_cases": overdue_open,
        "overdue_cases": case_view["completed_late"] + overdue_open,
        "time_limit_compression": _compression(case_rows, scope),
        "satisfaction_rate": _rate(int(r_good), int(r_total)),
        "bad_rating_rate": _rate(int(r_bad), int(r_total)),
        "ratings": int(r_total),
        "rating_coverage": _rate(rated_tickets, total["served"]),
        "case_rating_coverage": _rate(rated_cases, cases["completed"]),
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
    if current_app.config.get("REPORTS_COMPRESSION_BASIS", "cases") == "items":
        compression = _("Time-limit compression: (statutory − promised days) ÷ statutory "
                        "days, summed over the active items of the catalog.")
    else:
        compression = _("Time-limit compression: (statutory − promised days) ÷ statutory "
                        "days, summed over the cases accepted in the range.")
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
        "staff_hour": _("Tickets per staff-hour: served tickets over staffed hours. A window "
                        "is staffed while it is open (paused and closed time excluded), for "
                        "the staff member who opened or resumed it; by hour, the clock hour "
                        "of that time against tickets by hour of issue; by category, the "
                        "hours of the windows that serve the category; by department, the "
                        "staff member's department."),
        "processing": _("Average processing time: working days from acceptance (次日起算) "
                        "to the decision, minus the working days the case was paused, over "
                        "decided cases that were not same-day."),
        "same_day": _("Same-day cases (即办件): decided on the day they were accepted, or of "
                      "an item promised at once (0 days); counted and rated apart, not in the "
                      "average processing time."),
        "overdue": _("Overdue cases (超期件): cases decided after their deadline in the range, "
                     "plus open cases now past their deadline (paused ones excluded)."),
        "compression": compression,
        "case_coverage": _("Case rating coverage: ratings of cases over cases decided."),
        "department": _("A department's report: its cases (items it leads), its steps, the "
                        "ratings of its cases, complaints naming it and their rectifications; "
                        "queue tickets belong to a hall, not to a department."),
    }


def rectifications_by(scope: Scope, column) -> dict:
    """{key: (opened, closed in time)} of rectifications opened by ratings of the range;
    in time = closed on or before its due day (local)."""
    tz = center_timezone()
    rows = db.session.execute(
        select(column, Rectification.due_date, Rectification.closed_at)
        .join(Rating, Rating.id == Rectification.rating_id)
        .where(Rating.service_day.between(scope.start, scope.end),
               _hall_filter(Rating.hall_id, scope),
               _dept_filter(Rectification.department_id, scope))).all()
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
