"""Door-to-door service (上门服务): a request from the public page or from staff, assignment
to a staff member and a day, the day's route, the result of the visit, and the case it
serves. Each operation is one transaction; every change of state is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..appointments.services import normalize_phone
from ..approvals.models import Case
from ..approvals.services import Applicant, register_case
from ..audit import record
from ..auth.models import User
from ..catalog.models import Hall, ServiceItem
from ..catalog.services import center, center_timezone, localized_name, service_day, work_calendar
from ..db import transactional
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..lifecycle import transition_to
from ..notifications.services import notify
from .models import DoorRequest
from .states import DOOR_TRANSITIONS, OPEN, REASONS, DoorStatus

D = DoorStatus
ENTITY = "door_request"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
REFERENCE_LENGTH = 8
# who may be sent on a visit
ASSIGNEE_ROLES = ("window_staff", "proxy_agent", "manager")

SETTINGS = {
    # how far ahead an applicant may ask for a visit, in calendar days
    "DOOR_SERVICE_DAYS_AHEAD": (30, int),
}


@dataclass
class RequestInput:
    name: str
    phone: str
    address: str
    preferred_date: date
    reason: str
    service_item: str | None = None
    description: str | None = None
    reason_note: str | None = None


# --- reading -------------------------------------------------------------------------------
def _new_reference() -> str:
    while True:
        ref = "D" + "".join(secrets.choice(REFERENCE_ALPHABET)
                            for _i in range(REFERENCE_LENGTH - 1))
        if db.session.execute(select(DoorRequest.id).where(
                DoorRequest.reference == ref)).first() is None:
            return ref


def get_request(reference: str | None, *, lock: bool = False) -> DoorRequest:
    row = None
    if isinstance(reference, str) and 0 < len(reference) <= 16:
        stmt = select(DoorRequest).where(DoorRequest.reference == reference.strip().upper())
        if lock:
            stmt = stmt.with_for_update(of=DoorRequest)
        row = db.session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(_("No door-to-door request with this reference."),
                       code="unknown_door_request")
    return row


def lookup(reference: str | None, phone: str | None) -> DoorRequest:
    """The applicant's own request: a wrong phone answers exactly like an unknown reference."""
    row = None
    try:
        row = get_request(reference)
    except NotFound:
        pass
    if row is not None and not secrets.compare_digest(row.phone, normalize_phone(phone) or ""):
        row = None
    if row is None:
        raise NotFound(_("No door-to-door request with this reference and phone number."),
                       code="unknown_door_request")
    return row


def service_items() -> list[ServiceItem]:
    return list(db.session.execute(select(ServiceItem).where(ServiceItem.active.is_(True))
                                   .order_by(ServiceItem.code)).unique().scalars())


def _item(code: str | None) -> ServiceItem | None:
    if not code:
        return None
    item = db.session.execute(select(ServiceItem).where(
        ServiceItem.code == code)).unique().scalar_one_or_none()
    if item is None or not item.active:
        raise ValidationError(_("Some values are not valid."), code="unknown_service_item",
                              details={"service_item": _("Unknown service item.")})
    return item


def preferred_days(now=None) -> tuple[date, date]:
    """The first and last day an applicant may ask for: from the next day on."""
    today = service_day(now)
    ahead = int(current_app.config["DOOR_SERVICE_DAYS_AHEAD"])
    return today + timedelta(days=1), today + timedelta(days=ahead)


def check_preferred_date(day: date) -> None:
    first, last = preferred_days()
    if not first <= day <= last:
        raise ValidationError(_("Some values are not valid."), code="date_out_of_range",
                              details={"preferred_date": _(
                                  "Choose a day from %(first)s to %(last)s.",
                                  first=first.isoformat(), last=last.isoformat())})
    if not work_calendar().is_workday(day):
        raise ValidationError(_("Some values are not valid."), code="not_a_working_day",
                              details={"preferred_date": _("Choose a working day.")})


# --- operations ----------------------------------------------------------------------------
@transactional()
def create_request(*, hall: Hall, data: RequestInput, actor=None) -> DoorRequest:
    """A new request; from the public page (actor None) or entered by staff."""
    item = _item(data.service_item)
    if item is None and not data.description:
        raise ValidationError(_("Some values are not valid."), code="validation_failed",
                              details={"description": _(
                                  "Choose a service item or describe what you need.")})
    if data.reason not in REASONS:
        raise ValidationError(_("Some values are not valid."),
                              details={"reason": _("Must be one of: %(choices)s.",
                                                   choices=", ".join(REASONS))})
    check_preferred_date(data.preferred_date)
    row = DoorRequest(
        reference=_new_reference(), hall_id=hall.id, source="staff" if actor else "public",
        name=data.name, phone=data.phone, address=data.address,
        service_item_id=item.id if item else None, description=data.description or None,
        preferred_date=data.preferred_date, reason=data.reason,
        reason_note=data.reason_note or None, status=D.REQUESTED,
        created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record("requested", ENTITY, row.id, actor=actor, to_state=D.REQUESTED,
           details={"reference": row.reference, "source": row.source, "hall": hall.code,
                    "preferred_date": data.preferred_date.isoformat()})
    notify("door_service_requested", row.phone, {"reference": row.reference,
                                                 "preferred_date": row.preferred_date.isoformat()})
    return row


def staff_hall_id(user: User) -> int | None:
    if user.window is not None:
        return user.window.hall_id
    return user.hall_id


def _assignee(username: str | None, row: DoorRequest) -> User:
    user = None
    if isinstance(username, str) and 0 < len(username) <= 64:
        user = db.session.execute(select(User).where(User.username == username)) \
            .unique().scalar_one_or_none()
    if user is None or not user.active or user.role not in ASSIGNEE_ROLES:
        raise ValidationError(_("Some values are not valid."), code="unknown_assignee",
                              details={"assignee": _("Must be an active staff member who "
                                                     "can make visits.")})
    hall_id = staff_hall_id(user)
    if hall_id is not None and hall_id != row.hall_id:
        raise ValidationError(_("Some values are not valid."), code="assignee_other_hall",
                              details={"assignee": _("This staff member works in another "
                                                     "hall.")})
    return user


def _visit_day(day: date) -> None:
    if day < service_day():
        raise ValidationError(_("Some values are not valid."), code="date_in_past",
                              details={"date": _("The visit cannot be in the past.")})
    if not work_calendar().is_workday(day):
        raise ValidationError(_("Some values are not valid."), code="not_a_working_day",
                              details={"date": _("Choose a working day.")})


@transactional()
def assign(*, reference: str, assignee: str, day: date, order: int | None = None,
           actor) -> DoorRequest:
    """Send a staff member on a day; again to reassign or to plan a new visit after a failed
    one. Without `order` the visit goes to the end of that day's route."""
    row = get_request(reference, lock=True)
    user = _assignee(assignee, row)
    _visit_day(day)
    if order is None:
        order = (db.session.execute(select(func.max(DoorRequest.route_order)).where(
            DoorRequest.assignee_id == user.id, DoorRequest.scheduled_date == day,
            DoorRequest.status == D.SCHEDULED, DoorRequest.id != row.id)).scalar() or 0) + 1
    again = row.status == D.SCHEDULED
    transition_to(row, DOOR_TRANSITIONS, D.SCHEDULED, by=actor, entity_type=ENTITY,
                  action="rescheduled" if again else "scheduled",
                  details={"reference": row.reference, "assignee": user.username,
                           "date": day.isoformat(), "order": order})
    row.assignee_id = user.id
    row.assignee = user
    row.scheduled_date = day
    row.route_order = order
    row.result_note = None
    notify("door_service_scheduled", row.phone, {
        "reference": row.reference, "date": day.isoformat(), "address": row.address,
        "staff": user.display_name, "hall": row.hall.code, "hall_name": row.hall.name})
    return row


def _case(tracking_no: str | None) -> Case:
    case = None
    if isinstance(tracking_no, str) and 0 < len(tracking_no) <= 32:
        case = db.session.execute(select(Case).where(
            Case.tracking_no == tracking_no.strip().upper())).unique().scalar_one_or_none()
    if case is None:
        raise ValidationError(_("Some values are not valid."), code="unknown_case",
                              details={"tracking_no": _("No case with this number.")})
    return case


def _link(row: DoorRequest, case: Case, actor) -> None:
    if row.case_id == case.id:
        return
    previous = row.case_id
    row.case_id = case.id
    record("case_linked", ENTITY, row.id, actor=actor,
           details={"reference": row.reference, "tracking_no": case.tracking_no,
                    "previous_case_id": previous})


@transactional()
def record_result(*, reference: str, outcome: str, note: str | None,
                  tracking_no: str | None = None, actor) -> DoorRequest:
    """completed, or not_completed with the reason; optionally the case the visit served."""
    row = get_request(reference, lock=True)
    if outcome not in (D.COMPLETED, D.NOT_COMPLETED):
        raise ValidationError(_("Some values are not valid."),
                              details={"outcome": _("Must be one of: %(choices)s.",
                                                    choices="completed, not_completed")})
    if outcome == D.NOT_COMPLETED and not note:
        raise ValidationError(_("Some values are not valid."),
                              details={"note": _("Say why the service could not be given.")})
    if row.status == D.SCHEDULED and row.scheduled_date and row.scheduled_date > service_day():
        raise Conflict(_("The visit is planned for %(day)s; record its result on that day.",
                         day=row.scheduled_date.isoformat()), code="visit_not_due")
    case = _case(tracking_no) if tracking_no else None
    transition_to(row, DOOR_TRANSITIONS, outcome, by=actor, entity_type=ENTITY,
                  details={"reference": row.reference, "note": note})
    row.result_note = note or None
    if case is not None:
        _link(row, case, actor)
    return row


@transactional()
def link_case(*, reference: str, tracking_no: str, actor) -> DoorRequest:
    row = get_request(reference, lock=True)
    if row.status == D.CANCELLED:
        raise Conflict(_("This request was cancelled."), code="invalid_transition")
    _link(row, _case(tracking_no), actor)
    return row


@transactional()
def create_case(*, reference: str, item_code: str | None, params: Any,
                materials_received: Any, actor):
    """Register the case at the applicant's door, with the request's applicant and hall, and
    link it. Returns (request, CreatedCase); the query code is shown once, as at a window."""
    row = get_request(reference, lock=True)
    if row.status == D.CANCELLED:
        raise Conflict(_("This request was cancelled."), code="invalid_transition")
    if row.case_id is not None:
        raise Conflict(_("A case is already linked to this request."), code="case_linked")
    code = item_code or (row.service_item.code if row.service_item else None)
    if not code:
        raise ValidationError(_("Some values are not valid."),
                              details={"service_item": _("This field is required.")})
    created = register_case(item_code=code, applicant=Applicant(name=row.name, phone=row.phone),
                            params=params or {}, materials_received=materials_received or [],
                            actor=actor, hall_id=row.hall_id)
    _link(row, created.case, actor)
    return row, created


@transactional()
def cancel(*, reference: str, reason: str, actor) -> DoorRequest:
    row = get_request(reference, lock=True)
    if not reason:
        raise ValidationError(_("Some values are not valid."),
                              details={"reason": _("This field is required.")})
    transition_to(row, DOOR_TRANSITIONS, D.CANCELLED, by=actor, entity_type=ENTITY,
                  details={"reference": row.reference, "reason": reason})
    row.result_note = reason
    notify("door_service_cancelled", row.phone, {"reference": row.reference})
    return row


# --- lists ---------------------------------------------------------------------------------
def route(*, assignee: User, day: date) -> list[DoorRequest]:
    """The staff member's visits of the day, in route order (unordered ones last). Finished
    visits stay on the list with their result, so a printed route matches the day."""
    return list(db.session.execute(select(DoorRequest).where(
        DoorRequest.assignee_id == assignee.id, DoorRequest.scheduled_date == day,
        DoorRequest.status.in_((D.SCHEDULED, D.COMPLETED, D.NOT_COMPLETED)))
        .order_by(DoorRequest.route_order.is_(None), DoorRequest.route_order,
                  DoorRequest.id)).scalars())


def hall_requests(*, hall_id: int | None, status: str | None = None,
                  assignee_id: int | None = None, limit: int = 500) -> list[DoorRequest]:
    stmt = select(DoorRequest)
    if hall_id is not None:
        stmt = stmt.where(DoorRequest.hall_id == hall_id)
    if status == "open":
        stmt = stmt.where(DoorRequest.status.in_(tuple(OPEN)))
    elif status:
        stmt = stmt.where(DoorRequest.status == status)
    if assignee_id is not None:
        stmt = stmt.where(DoorRequest.assignee_id == assignee_id)
    stmt = stmt.order_by(DoorRequest.preferred_date, DoorRequest.id).limit(limit)
    return list(db.session.execute(stmt).scalars())


def assignable_staff(hall_id: int) -> list[User]:
    users = db.session.execute(select(User).where(
        User.active.is_(True), User.role.in_(ASSIGNEE_ROLES)).order_by(User.username)) \
        .unique().scalars()
    return [u for u in users if staff_hall_id(u) in (None, hall_id)]


# --- serialising ---------------------------------------------------------------------------
def status_label(status: str) -> str:
    return {D.REQUESTED: _("received"), D.SCHEDULED: _("visit scheduled"),
            D.COMPLETED: _("completed"), D.NOT_COMPLETED: _("not completed"),
            D.CANCELLED: _("cancelled")}.get(status, status)


def reason_label(reason: str) -> str:
    return {"elderly": _("elderly"), "disabled": _("disabled"),
            "illness": _("serious illness"), "pregnancy": _("pregnancy"),
            "other": _("other")}.get(reason, reason)


def request_json(row: DoorRequest, *, staff: bool = False) -> dict:
    data = {
        "reference": row.reference,
        "status": row.status,
        "status_label": status_label(row.status),
        "hall": row.hall.code,
        "preferred_date": row.preferred_date.isoformat(),
        "scheduled_date": row.scheduled_date.isoformat() if row.scheduled_date else None,
        "service_item": row.service_item.code if row.service_item else None,
        "service_item_name": localized_name(row.service_item) if row.service_item else None,
    }
    if staff:
        from ..queueing.services import iso

        data.update({
            "name": row.name, "phone": row.phone, "address": row.address,
            "description": row.description, "reason": row.reason,
            "reason_note": row.reason_note, "source": row.source,
            "assignee": ({"username": row.assignee.username,
                          "name": row.assignee.display_name} if row.assignee else None),
            "route_order": row.route_order, "result_note": row.result_note,
            "tracking_no": row.case.tracking_no if row.case else None,
            "created_at": iso(row.created_at), "scheduled_at": iso(row.scheduled_at),
            "completed_at": iso(row.completed_at),
            "not_completed_at": iso(row.not_completed_at),
            "cancelled_at": iso(row.cancelled_at),
        })
    return data


def route_pdf(*, assignee: User, day: date, rows: list[DoorRequest]) -> bytes:
    """The printable route: one line per visit, in order, with space for the result."""
    from ..catalog.services import local_now
    from ..documents.render import Document, TableBlock, render

    center_row = center()
    center_name = center_row.name if center_row else _("Government Service Center")
    body = []
    for i, row in enumerate(rows, start=1):
        what = localized_name(row.service_item) if row.service_item else ""
        if row.description:
            what = f"{what}\n{row.description}" if what else row.description
        body.append([str(i), row.reference, f"{row.name}\n{row.phone}", row.address, what,
                     reason_label(row.reason), status_label(row.status)])
    printed = local_now().astimezone(center_timezone()).strftime("%Y-%m-%d %H:%M")
    return render(Document(
        center=center_name, title=_("Door-to-door service route"),
        number=_("Visit day: %(day)s", day=day.isoformat()),
        fields=[(_("Staff member"), f"{assignee.display_name} ({assignee.username})"),
                (_("Visits"), str(len(rows)))],
        tables=[TableBlock(
            heading=_("Visits in order"),
            header=["#", _("Reference number"), _("Applicant"), _("Address"), _("Service"),
                    _("Reason"), _("Status")],
            rows=body, widths=[0.05, 0.14, 0.15, 0.24, 0.2, 0.1, 0.12])],
        closing=[_("Record each visit's result in the system on the same day.")],
        issuer=f"{center_name}  {printed}"))
