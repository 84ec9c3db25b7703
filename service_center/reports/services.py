"""Ratings (好差评), rectifications, complaints, the manager's live dashboard and the
summary rebuild. Each public write is one transaction (db.transactional)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..approvals.models import Case
from ..audit import record
from ..auth.models import User
from ..catalog.models import Department, Hall, Window
from ..catalog.services import localized_name, service_day, work_calendar
from ..db import transactional, utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..lifecycle import transition_to
from ..queueing.models import Ticket
from . import kpi
from .models import Complaint, PublishedAssessment, Rating, Rectification
from .states import (
    COMPLAINT_TRANSITIONS,
    LEVELS,
    RECTIFICATION_TRANSITIONS,
    RECTIFY_AT_OR_BELOW,
    ComplaintStatus,
    RectificationStatus,
)


def _setting(name: str, default):
    return current_app.config.get(name, default)


def level_label(score: int) -> str:
    return _(LEVELS[score])


# --- ratings -----------------------------------------------------------------------------------
def _hall_manager(hall_id: int | None) -> User | None:
    if hall_id is None:
        return None
    return db.session.execute(select(User).where(
        User.role == "manager", User.hall_id == hall_id, User.active.is_(True))
        .order_by(User.id)).scalars().first()


def _due(days: int) -> date:
    return work_calendar().add_working_days(service_day(), days)[0]


def _department_head(department_id: int | None) -> User | None:
    if department_id is None:
        return None
    return db.session.execute(select(User).where(
        User.role == "dept_head", User.department_id == department_id,
        User.active.is_(True)).order_by(User.id)).unique().scalars().first()


def _open_rectification(rating: Rating) -> Rectification:
    # a case's rating goes to its department's head when there is one, else (and for a
    # window's ticket) to the hall's manager
    manager = _department_head(rating.department_id) or _hall_manager(rating.hall_id)
    rect = Rectification(rating=rating, status=RectificationStatus.OPEN, hall_id=rating.hall_id,
                         assignee_id=manager.id if manager else None,
                         department_id=rating.department_id,
                         due_date=_due(int(_setting("REPORTS_RECTIFY_WORKING_DAYS", 5))),
                         open_at=utcnow())
    db.session.add(rect)
    db.session.flush()
    record("opened", "rectification", rect.id, actor=None, to_state=rect.status,
           details={"rating": rating.id, "score": rating.score,
                    "assignee": manager.username if manager else None,
                    "due_date": rect.due_date.isoformat()})
    return rect


def _already(existing) -> None:
    if existing is not None:
        raise Conflict(_("This service has been rated already."), code="already_rated")


@transactional()
def rate_ticket(*, ticket: Ticket, score: int, comment: str | None, source: str) -> Rating:
    if ticket.status != "completed":
        raise Conflict(_("Only a completed service can be rated."), code="not_completed")
    _already(db.session.execute(select(Rating.id).where(
        Rating.ticket_id == ticket.id)).scalar_one_or_none())
    window = db.session.get(Window, ticket.window_id) if ticket.window_id else None
    rating = Rating(ticket_id=ticket.id, hall_id=ticket.hall_id, window_id=ticket.window_id,
                    staff_id=ticket.served_by_id, score=score, comment=comment or None,
                    source=source, service_day=service_day())
    return _save(rating, "ticket", ticket.number, window)


@transactional()
def rate_case(*, case: Case, score: int, comment: str | None, source: str) -> Rating:
    if case.status not in kpi.DECIDED:
        raise Conflict(_("Only a decided case can be rated."), code="not_completed")
    _already(db.session.execute(select(Rating.id).where(
        Rating.case_id == case.id)).scalar_one_or_none())
    rating = Rating(case_id=case.id, hall_id=case.hall_id, window_id=case.window_id,
                    staff_id=case.accepted_by_id,
                    department_id=case.service_item.lead_department_id, score=score,
                    comment=comment or None, source=source, service_day=service_day())
    return _save(rating, "case", case.tracking_no, None)


def _save(rating: Rating, kind: str, ref: str, window) -> Rating:
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent second rating lost the race
        raise Conflict(_("This service has been rated already."), code="already_rated") from exc
    record("rated", "rating", rating.id, actor=None,
           details={kind: ref, "score": rating.score})
    if rating.score <= RECTIFY_AT_OR_BELOW:
        _open_rectification(rating)
    return rating


def rating_json(rating: Rating | None) -> dict:
    if rating is None:
        return {"rated": False}
    rect = rating.rectification
    return {
        "rated": True, "score": rating.score, "level": level_label(rating.score),
        "comment": rating.comment,
        "rectification": None if rect is None else {
            "status": rect.status, "due_date": rect.due_date.isoformat(),
            "reply": rect.reply},
    }


def rating_for_ticket(ticket: Ticket) -> Rating | None:
    return db.session.execute(select(Rating).where(
        Rating.ticket_id == ticket.id)).scalar_one_or_none()


def pad_ticket(window: Window) -> Ticket | None:
    """The ticket the rating pad beside `window` offers: completed there in the last few
    minutes and not rated yet, newest first."""
    since = utcnow() - timedelta(minutes=int(_setting("REPORTS_PAD_MINUTES", 5)))
    rated = select(Rating.ticket_id).where(Rating.ticket_id.is_not(None))
    return db.session.execute(select(Ticket).where(
        Ticket.window_id == window.id, Ticket.status == "completed",
        Ticket.completed_at >= since, Ticket.id.not_in(rated))
        .order_by(Ticket.completed_at.desc(), Ticket.id.desc()).limit(1)).scalars().first()


# --- rectifications ------------------------------------------------------------------------
@transactional()
def answer_rectification(*, rect: Rectification, explanation: str | None, reply: str | None,
                         close: bool, actor) -> Rectification:
    if rect.status == RectificationStatus.CLOSED:
        raise Conflict(_("This rectification is closed."), code="closed")
    if explanation is not None:
        rect.explanation = explanation
    if reply is not None:
        rect.reply = reply
    if close:
        if not rect.reply:
            raise ValidationError(_("Some values are not valid."),
                                  details={"reply": _("Write the reply to the applicant.")})
        transition_to(rect, RECTIFICATION_TRANSITIONS, RectificationStatus.CLOSED, by=actor,
                      entity_type="rectification")
        rect.closed_by_id = actor.id
    else:
        record("answered", "rectification", rect.id, actor=actor)
    return rect


def rectifications(*, hall_id: int | None, status: str | None = None,
                   department_id: int | None = None) -> list[Rectification]:
    stmt = select(Rectification).order_by(Rectification.due_date, Rectification.id)
    if hall_id is not None:
        stmt = stmt.where(Rectification.hall_id == hall_id)
    if department_id is not None:
        stmt = stmt.where(Rectification.department_id == department_id)
    if status:
        stmt = stmt.where(Rectification.status == status)
    return list(db.session.execute(stmt.limit(200)).scalars())


def working_days_left(rect: Rectification) -> int | None:
    """Working days from today to the due day (negative: overdue); None once closed."""
    if rect.status == RectificationStatus.CLOSED:
        return None
    today = service_day()
    cal = work_calendar()
    if rect.due_date >= today:
        return cal.working_days_between(today, rect.due_date)
    return -cal.working_days_between(rect.due_date, today)


def rectifications_for(user) -> list[Rectification]:
    """The rectifications a head answers: a department head's department's; a hall
    manager's hall's; a district manager's or administrator's, all."""
    if user.role == "dept_head":
        return rectifications(hall_id=None, department_id=user.department_id)
    return rectifications(hall_id=user.hall_id if user.role == "manager" else None)


def departments() -> list[Department]:
    return list(db.session.execute(select(Department).order_by(Department.code)).scalars())


# --- complaints ----------------------------------------------------------------------------
@dataclass
class ComplaintInput:
    name: str
    phone: str
    subject: str
    body: str
    hall: Hall | None = None
    window_number: int | None = None
    department: Department | None = None


def _tracking_no() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "TS" + service_day().strftime("%Y%m%d") + \
        "".join(secrets.choice(alphabet) for _ in range(6))


@transactional()
def file_complaint(*, data: ComplaintInput, channel: str, actor=None) -> Complaint:
    complaint = Complaint(
        tracking_no=_tracking_no(), status=ComplaintStatus.RECEIVED, channel=channel,
        name=data.name, phone=data.phone, subject=data.subject, body=data.body,
        hall_id=data.hall.id if data.hall else None, window_number=data.window_number,
        department_id=data.department.id if data.department else None,
        service_day=service_day(), received_at=utcnow(),
        due_date=_due(int(_setting("REPORTS_COMPLAINT_WORKING_DAYS", 10))))
    if data.hall is not None and data.window_number is not None:
        window = db.session.execute(select(Window).where(
            Window.hall_id == data.hall.id, Window.number == data.window_number)
        ).scalar_one_or_none()
        if window is not None:
            complaint.staff_id = window.staff_id
    db.session.add(complaint)
    db.session.flush()
    record("received", "complaint", complaint.id, actor=actor, to_state=complaint.status,
           details={"tracking_no": complaint.tracking_no, "channel": channel})
    return complaint


@transactional()
def assign_complaint(*, complaint: Complaint, assignee: User, actor) -> Complaint:
    transition_to(complaint, COMPLAINT_TRANSITIONS, ComplaintStatus.ASSIGNED, by=actor,
                  entity_type="complaint", details={"assignee": assignee.username})
    complaint.assignee_id = assignee.id
    return complaint


@transactional()
def resolve_complaint(*, complaint: Complaint, resolution: str, reply: str,
                      actor) -> Complaint:
    complaint.resolution = resolution
    complaint.reply = reply
    transition_to(complaint, COMPLAINT_TRANSITIONS, ComplaintStatus.RESOLVED, by=actor,
                  entity_type="complaint")
    return complaint


@transactional()
def close_complaint(*, complaint: Complaint, actor) -> Complaint:
    transition_to(complaint, COMPLAINT_TRANSITIONS, ComplaintStatus.CLOSED, by=actor,
                  entity_type="complaint")
    return complaint


def complaint_by_number(tracking_no: str, phone: str | None = None) -> Complaint:
    """With `phone` (the public status page) a wrong phone answers like an unknown number."""
    complaint = None
    if tracking_no and len(tracking_no) <= 24:
        complaint = db.session.execute(select(Complaint).where(
            Complaint.tracking_no == tracking_no.strip().upper())).scalar_one_or_none()
    if complaint is not None and phone is not None and \
            not secrets.compare_digest(complaint.phone.encode(), phone.strip().encode()):
        complaint = None
    if complaint is None:
        raise NotFound(_("No such complaint."))
    return complaint


def complaint_public_json(c: Complaint) -> dict:
    return {"tracking_no": c.tracking_no, "status": c.status, "subject": c.subject,
            "received_on": c.service_day.isoformat(),
            "due_date": c.due_date.isoformat() if c.due_date else None,
            "reply": c.reply if c.status in (ComplaintStatus.RESOLVED,
                                             ComplaintStatus.CLOSED) else None}


def complaint_json(c: Complaint) -> dict:
    return {**complaint_public_json(c), "id": c.id, "channel": c.channel, "name": c.name,
            "phone": c.phone, "body": c.body, "hall": c.hall.code if c.hall else None,
            "window_number": c.window_number,
            "department": c.department.code if c.department else None,
            "assignee": c.assignee.username if c.assignee else None,
            "resolution": c.resolution, "reply": c.reply}


def complaints(*, hall_id: int | None, status: str | None = None) -> list[Complaint]:
    stmt = select(Complaint).order_by(Complaint.due_date, Complaint.id)
    if hall_id is not None:
        stmt = stmt.where(Complaint.hall_id == hall_id)
    if status:
        stmt = stmt.where(Complaint.status == status)
    return list(db.session.execute(stmt.limit(200)).scalars())


# --- summaries ---------------------------------------------------------------------------------
@transactional()
def build_days(days: list[date]) -> int:
    rows = 0
    for day in days:
        rows += kpi.build_day(day)
    return rows


def summary(scope: kpi.Scope) -> dict:
    """The KPIs of a range. Closed days still without summary rows are summarised first
    (their own write transaction), so the next request reads the small table."""
    missing = kpi.days_to_build(scope)
    if missing and len(missing) <= int(_setting("REPORTS_BUILD_ON_DEMAND_DAYS", 62)):
        from ..db import reset_read_only, set_read_only

        db.session.rollback()
        token = set_read_only(False)
        try:
            build_days(missing)
        finally:
            reset_read_only(token)
    return kpi.summary(scope)


def rebuild(start: date | None = None, end: date | None = None) -> int:
    """Rebuild every closed day's summary (or those of a range): `flask reports rebuild`."""
    if start is None:
        first = db.session.execute(select(func.min(Ticket.service_day))).scalar_one()
        if first is None:
            return 0
        start = first
    end = min(end or service_day(), service_day() - timedelta(days=1))
    days = kpi.Scope(start, end).days() if end >= start else []
    built = 0
    for i in range(0, len(days), 7):  # a week per transaction
        build_days(days[i:i + 7])
        built += len(days[i:i + 7])
    return built


# --- the manager's dashboard -------------------------------------------------------------------
def dashboard(hall: Hall) -> dict:
    from ..queueing.services import window_list

    now = utcnow()
    today = service_day()
    threshold = int(_setting("REPORTS_WAIT_ALERT_MINUTES", 30))
    waiting_rows = db.session.execute(
        select(Ticket.category_id, func.count(Ticket.id), func.min(Ticket.issued_at))
        .where(Ticket.hall_id == hall.id, Ticket.service_day == today,
               Ticket.status == "waiting").group_by(Ticket.category_id)).all()
    waiting = {cid: (int(n), oldest) for cid, n, oldest in waiting_rows}
    categories = []
    for cat in hall.categories:
        if not cat.active:
            continue
        n, oldest = waiting.get(cat.id, (0, None))
        longest = int((now - oldest).total_seconds() // 60) if oldest else 0
        categories.append({"prefix": cat.prefix, "name": localized_name(cat), "waiting": n,
                           "longest_wait_minutes": longest})
    staff = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(
        [w.staff_id for w in hall.windows if w.staff_id]))).unique().scalars()}
    alerts = []
    windows = []
    for w in window_list(hall):
        current = db.session.get(Ticket, w.current_ticket_id) if w.current_ticket_id else None
        state = w.status if w.status != "open" else ("serving" if current else "idle")
        who = staff.get(w.staff_id)
        cats = [c.prefix for c in w.categories]
        windows.append({"number": w.number, "name": localized_name(w), "status": w.status,
                        "state": state, "staff": who.display_name if who else None,
                        "current_number": current.number if current else None,
                        "current_status": current.status if current else None,
                        "categories": cats})
        people = sum(c["waiting"] for c in categories if c["prefix"] in cats)
        if state in ("idle", "paused") and people:
            alerts.append({"kind": "window_" + state, "level": "warning", "window": w.number,
                           "waiting": people,
                           "message": _("Window %(n)s is %(state)s while %(people)d people "
                                        "wait for its categories.", n=w.number,
                                        state=_(state), people=people)})
    for c in categories:
        if c["longest_wait_minutes"] >= threshold:
            alerts.append({"kind": "long_wait", "level": "danger", "category": c["prefix"],
                           "minutes": c["longest_wait_minutes"],
                           "message": _("Category %(p)s: someone has waited %(m)d minutes "
                                        "(threshold %(t)d).", p=c["prefix"],
                                        m=c["longest_wait_minutes"], t=threshold)})
    alerts.extend(_case_alerts(hall))
    today_kpis = kpi.summary(kpi.Scope(today, today, hall.id))
    keep = ("tickets_issued", "tickets_served", "no_shows", "avg_wait_seconds",
            "p90_wait_seconds", "avg_service_seconds", "cases_accepted", "satisfaction_rate",
            "ratings")
    longest = max((c["longest_wait_minutes"] for c in categories), default=0)
    return {"hall": hall.code, "hall_name": localized_name(hall),
            "generated_at": now.isoformat(timespec="seconds"),
            "wait_threshold_minutes": threshold, "longest_wait_minutes": longest,
            "categories": categories, "windows": windows, "alerts": alerts,
            "today": {k: today_kpis[k] for k in keep}}


def _case_alerts(hall: Hall) -> list[dict]:
    """Open cases of the hall whose promised deadline is near (yellow) or past (red)."""
    from ..approvals.services import case_warning

    open_cases = db.session.execute(select(Case).where(
        Case.hall_id == hall.id, Case.status == "in_progress",
        Case.promised_deadline <= work_calendar().add_working_days(service_day(), 3)[0])
        .order_by(Case.promised_deadline).limit(50)).unique().scalars().all()
    alerts = []
    for case in open_cases:
        warning = case_warning(case)
        if warning in ("yellow", "red"):
            alerts.append({"kind": "case_" + warning,
                           "level": "danger" if warning == "red" else "warning",
                           "tracking_no": case.tracking_no,
                           "due_date": case.promised_deadline.isoformat(),
                           "message": (_("Case %(no)s is past its deadline %(d)s.")
                                       if warning == "red" else
                                       _("Case %(no)s is near its deadline %(d)s."))
                           % {"no": case.tracking_no, "d": case.promised_deadline.isoformat()}})
    return alerts


# --- published assessments (通报) --------------------------------------------------------------
def month_scope(first: date) -> kpi.Scope:
    """The whole district over the month that starts on `first`."""
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return kpi.Scope(first, last, None)


def published_assessments() -> list[PublishedAssessment]:
    return list(db.session.execute(
        select(PublishedAssessment).order_by(PublishedAssessment.month.desc())).scalars())


def published_assessment(first: date) -> PublishedAssessment | None:
    return db.session.execute(select(PublishedAssessment).where(
        PublishedAssessment.month == first)).scalar_one_or_none()


@transactional()
def publish_assessment(*, month: date, actor) -> PublishedAssessment:
    """Release a finished month's assessment to the public disclosure page (once)."""
    first = month.replace(day=1)
    if month_scope(first).end >= service_day():
        raise ValidationError(_("Some values are not valid."), code="month_not_over",
                              details={"month": _("Only a month that has ended can be "
                                                  "published.")})
    if published_assessment(first) is not None:
        raise Conflict(_("This month's assessment is published already."),
                       code="already_published")
    row = PublishedAssessment(month=first, published_at=utcnow(),
                              published_by_id=getattr(actor, "id", None))
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent publication of the same month won
        raise Conflict(_("This month's assessment is published already."),
                       code="already_published") from exc
    record("assessment_published", "published_assessment", row.id, actor=actor,
           to_state="published", details={"month": first.strftime("%Y-%m")})
    return row
