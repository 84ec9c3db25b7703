"""Appointment endpoints under /api/v1 (CONTRACT.md "Public" and staff rows)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields, json_body
from ..auth.permissions import authorize, login_required
from ..catalog.services import center_timezone, resolve_hall, service_day
from ..errors import ValidationError
from ..extensions import limiter
from ..queueing import services as queueing
from . import services

bp = Blueprint("appointments_api", __name__, url_prefix="/api/v1")


def _hall(body: dict | None = None):
    code = request.args.get("hall")
    if body and body.get("hall") is not None:
        if not isinstance(body["hall"], str) or len(body["hall"]) > 20:
            raise ValidationError(_("Some values are not valid."),
                                  details={"hall": _("Must be a hall code.")})
        code = body["hall"]
    return resolve_hall(code)


def parse_day(raw: str | None, *, default: date | None = None) -> date:
    if raw in (None, "") and default is not None:
        return default
    try:
        if not isinstance(raw, str) or len(raw) != 10 or not raw.isascii():
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Some values are not valid."),
                              details={"date": _("Must be a date as YYYY-MM-DD.")}) from None


def parse_start(raw) -> datetime:
    """ISO 8601; a time without an offset is read in the center's time zone."""
    try:
        if not isinstance(raw, str) or len(raw) > 40 or not raw.isascii():
            raise ValueError(raw)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Some values are not valid."),
                              details={"start": _("Must be a date and time in ISO 8601.")}) \
            from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=center_timezone())
    return value


def booking_fields(data: dict) -> tuple[str, datetime, str, str]:
    """category, start, name, phone from a JSON body or a form; one 422 for every bad field."""
    fields = Fields(data)
    category = fields.string("category", required=True, max_len=4)
    raw_start = fields.string("start", required=True, max_len=40)
    name = fields.string("name", required=True, max_len=40)
    raw_phone = fields.string("phone", required=True, max_len=24)
    phone = services.normalize_phone(raw_phone)
    if raw_phone and phone is None:
        fields.errors["phone"] = _("Must be a phone number.")
    start = None
    if raw_start:
        try:
            start = parse_start(raw_start)
        except ValidationError as exc:
            fields.errors.update(exc.details)
    fields.check()
    return category, start, name, phone


# --- public ------------------------------------------------------------------------------
@bp.get("/appointments/slots")
def slots():
    hall = _hall()
    day = parse_day(request.args.get("date"))
    category = request.args.get("category", "")
    return jsonify(services.list_slots(hall=hall, category=category[:4], day=day))


@bp.post("/appointments")
@limiter.limit("30 per minute")
def book():
    body = json_body()
    hall = _hall(body)
    category, start, name, phone = booking_fields(body)
    appointment = services.book(hall=hall, category=category, start=start, name=name,
                                phone=phone)
    return jsonify(services.appointment_json(appointment)), 201


@bp.delete("/appointments/<code>")
@limiter.limit("30 per minute")
def cancel(code: str):
    appointment = services.cancel(code=code, phone=request.args.get("phone", ""))
    return jsonify({**services.appointment_json(appointment), "status": appointment.status})


def check_in_response(body: dict):
    """POST /tickets with {appointment_code}: called from queueing.api.issue_ticket."""
    fields = Fields(body)
    code = fields.string("appointment_code", required=True, max_len=16)
    fields.check()
    issued, _appointment = services.check_in(
        code=code, actor=current_user if current_user.is_authenticated else None)
    data = queueing.ticket_json(issued.ticket, position=issued.position,
                                wait=issued.estimated_wait_minutes, with_token=True)
    return jsonify(data), 201


# --- staff ---------------------------------------------------------------------------------
@bp.get("/appointments")
@login_required
def day_list():
    hall = _hall_for_staff()
    authorize("queue.view", hall, entity_type="appointment")
    day = parse_day(request.args.get("date"), default=service_day())
    return jsonify([services.appointment_json(a, staff=True)
                    for a in services.appointments_of_day(hall, day)])


def _hall_for_staff():
    if request.args.get("hall") is None and current_user.window is not None:
        return current_user.window.hall
    if request.args.get("hall") is None and getattr(current_user, "hall", None) is not None:
        return current_user.hall
    return _hall()
