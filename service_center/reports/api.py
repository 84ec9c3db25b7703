"""Reports, ratings, rectifications and complaints under /api/v1."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..apiutil import Fields, json_body
from ..auth.models import User
from ..auth.permissions import authorize, login_required
from ..catalog.models import Department, Hall
from ..catalog.services import resolve_hall, service_day, window_by_number
from ..errors import NotFound, ValidationError
from ..extensions import db, limiter
from . import kpi, services
from .models import Rectification
from .states import LEVELS

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_RANGE_DAYS = 3 * 366
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,19}")


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(_("Some values are not valid."), details={field: message})


def parse_day(raw: str | None, field: str, default: date | None = None) -> date:
    if not raw:
        if default is not None:
            return default
        raise _invalid(field, _("This field is required."))
    if not _DATE.fullmatch(raw):
        raise _invalid(field, _("Must be a date such as 2026-09-29."))
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise _invalid(field, _("Must be a date such as 2026-09-29.")) from exc
    if not 1990 <= day.year <= 2199:
        raise _invalid(field, _("Out of range."))
    return day


def is_department_head(user=None) -> bool:
    user = user if user is not None else current_user
    return bool(getattr(user, "is_authenticated", False)) and user.role == "dept_head"


def report_department() -> Department | None:
    """The department a report is restricted to: the `department` parameter (a code), and
    for a department head always their own (another department: 403)."""
    code = request.args.get("department")
    department = None
    if code:
        department = db.session.execute(select(Department).where(
            Department.code == code[:20])).scalar_one_or_none()
        if department is None:
            raise _invalid("department", _("Unknown department."))
    if is_department_head():
        department = department or current_user.department
    if department is not None or is_department_head():
        authorize("reports.department", department, entity_type="report")
    return department


def report_hall(*, department_head: bool = False) -> Hall | None:
    """The hall a report is about: the `hall` parameter, else a hall manager's own hall,
    else None (the whole district). Authorizes the signed-in user for it; a department
    head only where `department_head` says their department's report is asked for."""
    code = request.args.get("hall")
    hall = resolve_hall(code) if code else None
    if department_head and is_department_head():
        return hall  # any hall, but only their department's figures (report_scope)
    if hall is None and current_user.is_authenticated and \
            current_user.role == "manager" and current_user.hall_id is not None:
        hall = current_user.hall
    authorize("reports.view", hall, entity_type="report")
    return hall


def report_scope() -> kpi.Scope:
    today = service_day()
    start = parse_day(request.args.get("from"), "from", today)
    end = parse_day(request.args.get("to"), "to", start if request.args.get("from") else today)
    if end < start:
        raise _invalid("to", _("The end of the range is before its start."))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise _invalid("to", _("At most %(n)d days at once.", n=MAX_RANGE_DAYS))
    hall = report_hall(department_head=True)
    department = report_department()
    return kpi.Scope(start, end, hall.id if hall else None,
                     department.id if department else None)


# --- reports ---------------------------------------------------------------------------------
@bp.get("/reports/summary")
@login_required
def summary():
    return jsonify(services.summary(report_scope()))


@bp.get("/reports/dashboard")
@login_required
def dashboard():
    code = request.args.get("hall")
    if code:
        hall = resolve_hall(code)
    elif current_user.hall_id is not None:
        hall = current_user.hall
    else:
        hall = resolve_hall(None)
    authorize("reports.view", hall, entity_type="report")
    return jsonify(services.dashboard(hall))


# --- ratings -----------------------------------------------------------------------------------
def _score(fields: Fields) -> tuple[int | None, str | None]:
    score = fields.integer("score", required=True, minimum=1, maximum=5)
    comment = fields.string("comment", max_len=500)
    return score, comment


@bp.post("/ratings")
@limiter.limit("30/minute")
def rate():
    from ..approvals import services as approvals
    from ..queueing.services import ticket_by_token

    body = json_body()
    fields = Fields(body)
    token = fields.string("ticket_token", max_len=64)
    tracking_no = fields.string("tracking_no", max_len=32)
    code = fields.string("code", max_len=32)
    score, comment = _score(fields)
    if not token and not (tracking_no and code):
        fields.errors.setdefault("ticket_token", _("Give ticket_token, or tracking_no and code."))
    fields.check()
    if token:
        rating = services.rate_ticket(ticket=ticket_by_token(token), score=score,
                                      comment=comment, source="phone")
    else:
        rating = services.rate_case(case=approvals.track(tracking_no, code), score=score,
                                    comment=comment, source="tracking")
    return jsonify(services.rating_json(rating)), 201


@bp.get("/ratings/by-token/<token>")
def rating_by_token(token: str):
    from ..queueing.services import ticket_by_token

    ticket = ticket_by_token(token)
    return jsonify({**services.rating_json(services.rating_for_ticket(ticket)),
                    "can_rate": ticket.status == "completed"})


@bp.get("/ratings/levels")
def rating_levels():
    return jsonify([{"score": s, "label": services.level_label(s)} for s in LEVELS])


def _pad_window(number: int):
    window = window_by_number(resolve_hall(request.args.get("hall")), number)
    if window is None:
        raise NotFound(_("Unknown window."), code="unknown_window")
    return window


@bp.get("/ratings/pad/<int(max=2147483647):number>")
def pad_state(number: int):
    ticket = services.pad_ticket(_pad_window(number))
    return jsonify({"ticket": None if ticket is None else
                    {"id": ticket.id, "number": ticket.number,
                     "completed_at": ticket.completed_at.isoformat(timespec="seconds")}})


@bp.post("/ratings/pad/<int(max=2147483647):number>")
@limiter.limit("30/minute")
def pad_rate(number: int):
    window = _pad_window(number)
    fields = Fields(json_body())
    ticket_id = fields.integer("ticket_id", required=True, minimum=1, maximum=2147483647)
    score, comment = _score(fields)
    fields.check()
    ticket = services.pad_ticket(window)
    # the pad may rate only the ticket it is showing: the one just finished at its window
    if ticket is None or ticket.id != ticket_id:
        raise NotFound(_("This ticket cannot be rated here any more."), code="not_on_pad")
    rating = services.rate_ticket(ticket=ticket, score=score, comment=comment, source="pad")
    return jsonify(services.rating_json(rating)), 201


# --- rectifications -------------------------------------------------------------------------
def _rect_json(rect: Rectification) -> dict:
    rating = rect.rating
    return {"id": rect.id, "status": rect.status, "due_date": rect.due_date.isoformat(),
            "score": rating.score, "level": services.level_label(rating.score),
            "comment": rating.comment,
            "window": rating.window.number if rating.window else None,
            "staff": rating.staff.display_name if rating.staff else None,
            "department": rating.department.code if rating.department else None,
            "assignee": rect.assignee.username if rect.assignee else None,
            "explanation": rect.explanation, "reply": rect.reply,
            "working_days_left": services.working_days_left(rect)}


@bp.get("/rectifications")
@login_required
def rectification_list():
    status = request.args.get("status") or None
    if is_department_head():
        # another department's code is refused (403, audited), not quietly ignored
        department = report_department()
        rows = services.rectifications(hall_id=None, department_id=department.id,
                                       status=status)
    else:
        hall = report_hall()
        rows = services.rectifications(hall_id=hall.id if hall else None, status=status)
    return jsonify([_rect_json(r) for r in rows])


@bp.post("/rectifications/<int(max=2147483647):rect_id>")
@login_required
def rectification_answer(rect_id: int):
    rect = db.session.get(Rectification, rect_id)
    if rect is None:
        raise NotFound(_("No such rectification."))
    authorize("rectification.answer", rect, entity_type="rectification")
    body = json_body()
    fields = Fields(body)
    explanation = fields.string("explanation", max_len=2000)
    reply = fields.string("reply", max_len=2000)
    close = body.get("close", False)
    if not isinstance(close, bool):
        fields.errors["close"] = _("Must be true or false.")
    fields.check()
    services.answer_rectification(rect=rect, explanation=explanation, reply=reply, close=close,
                                  actor=current_user)
    return jsonify(_rect_json(rect))


# --- complaints ----------------------------------------------------------------------------
def complaint_input(fields: Fields) -> services.ComplaintInput:
    name = fields.string("name", required=True, max_len=80)
    phone = fields.string("phone", required=True, max_len=20)
    if phone and not _PHONE.fullmatch(phone):
        fields.errors["phone"] = _("Must be a phone number.")
    subject = fields.string("subject", required=True, max_len=200)
    body = fields.string("body", required=True, max_len=4000)
    hall_code = fields.string("hall", max_len=20)
    window = fields.integer("window_number", minimum=1, maximum=9999)
    dept_code = fields.string("department", max_len=20)
    hall = department = None
    if hall_code:
        hall = db.session.execute(select(Hall).where(Hall.code == hall_code)).scalar_one_or_none()
        if hall is None:
            fields.errors["hall"] = _("Unknown hall.")
    if dept_code:
        department = db.session.execute(select(Department).where(
            Department.code == dept_code)).scalar_one_or_none()
        if department is None:
            fields.errors["department"] = _("Unknown department.")
    fields.check()
    if hall is None and window is not None:
        hall = resolve_hall(None)
    return services.ComplaintInput(name=name, phone=phone, subject=subject, body=body,
                                   hall=hall, window_number=window, department=department)


@bp.post("/complaints")
@limiter.limit("5/minute;30/hour",
               exempt_when=lambda: "Authorization" in request.headers)
def complaint_create():
    data = complaint_input(Fields(json_body()))
    staff = current_user.is_authenticated
    if staff:
        authorize("complaints.file", None, entity_type="complaint")
    complaint = services.file_complaint(data=data, channel="staff" if staff else "web",
                                        actor=current_user if staff else None)
    return jsonify(services.complaint_public_json(complaint)), 201


@bp.get("/complaints")
@login_required
def complaint_list():
    hall = report_hall()
    rows = services.complaints(hall_id=hall.id if hall else None,
                               status=request.args.get("status") or None)
    return jsonify([services.complaint_json(c) for c in rows])


@bp.get("/complaints/<tracking_no>")
@limiter.limit("10/minute")
def complaint_status(tracking_no: str):
    phone = request.args.get("phone") or ""
    return jsonify(services.complaint_public_json(
        services.complaint_by_number(tracking_no, phone)))


def _managed_complaint(tracking_no: str):
    complaint = services.complaint_by_number(tracking_no)
    authorize("complaints.manage", complaint, entity_type="complaint")
    return complaint


@bp.post("/complaints/<tracking_no>/assign")
@login_required
def complaint_assign(tracking_no: str):
    complaint = _managed_complaint(tracking_no)
    fields = Fields(json_body())
    username = fields.string("username", required=True, max_len=64)
    fields.check()
    user = db.session.execute(select(User).where(User.username == username)).unique() \
        .scalar_one_or_none()
    if user is None or not user.active:
        raise _invalid("username", _("Unknown user."))
    services.assign_complaint(complaint=complaint, assignee=user, actor=current_user)
    return jsonify(services.complaint_json(complaint))


@bp.post("/complaints/<tracking_no>/resolve")
@login_required
def complaint_resolve(tracking_no: str):
    complaint = _managed_complaint(tracking_no)
    fields = Fields(json_body())
    resolution = fields.string("resolution", required=True, max_len=4000)
    reply = fields.string("reply", required=True, max_len=4000)
    fields.check()
    services.resolve_complaint(complaint=complaint, resolution=resolution, reply=reply,
                               actor=current_user)
    return jsonify(services.complaint_json(complaint))


@bp.post("/complaints/<tracking_no>/close")
@login_required
def complaint_close(tracking_no: str):
    complaint = _managed_complaint(tracking_no)
    services.close_complaint(complaint=complaint, actor=current_user)
    return jsonify(services.complaint_json(complaint))
