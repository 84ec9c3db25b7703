"""Appointment pages: the public booking page (plain forms, works without JavaScript) and
the staff's list of today's bookings."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import authorize, login_required
from ..catalog.services import center_timezone, halls, resolve_hall, service_day
from ..errors import DomainError
from . import services
from .api import booking_fields, parse_day

bp = Blueprint("appointments", __name__)


def _page(hall, *, category: str | None = None, day=None, error: str | None = None,
          errors: dict | None = None, form: dict | None = None, status: int = 200):
    offered = [c for c in hall.categories if services.slot_rule(c) is not None]
    chosen = next((c for c in offered if c.prefix == category), None)
    days, slots = [], []
    if chosen is not None:
        days = services.booking_days(hall=hall, category=chosen.prefix)
        if day is not None:
            slots = [s for s in services.list_slots(hall=hall, category=chosen.prefix, day=day)
                     if s["booked"] < s["capacity"]]
    return render_template(
        "appointments/book.html", hall=hall, halls=halls(), categories=offered,
        category=chosen, days=days, day=day, slots=slots, error=error, errors=errors or {},
        form=form or {}), status


@bp.get("/appointments")
def book_page():
    hall = resolve_hall(request.args.get("hall"))
    day = None
    if request.args.get("date"):
        try:
            day = parse_day(request.args.get("date"))
        except DomainError as exc:
            return _page(hall, category=request.args.get("category"), error=str(exc.message),
                         status=422)
    return _page(hall, category=request.args.get("category"), day=day)


@bp.post("/appointments")
def book_submit():
    hall = resolve_hall(request.form.get("hall"))
    form = request.form.to_dict()
    category = form.get("category")
    day = None
    try:
        day = parse_day(form.get("date")) if form.get("date") else None
        category, start, name, phone = booking_fields(form)
        appointment = services.book(hall=hall, category=category, start=start, name=name,
                                    phone=phone)
    except DomainError as exc:
        return _page(hall, category=category, day=day, error=str(exc.message),
                     errors=exc.details, form=form, status=exc.status)
    return render_template("appointments/booked.html", appointment=appointment,
                           data=services.appointment_json(appointment),
                           start=appointment.start_at.astimezone(center_timezone()),
                           end=appointment.end_at.astimezone(center_timezone()), hall=hall), 201


@bp.post("/appointments/cancel")
def cancel_submit():
    hall = resolve_hall(request.form.get("hall"))
    try:
        services.cancel(code=request.form.get("code", "")[:16],
                        phone=request.form.get("phone", "")[:24])
    except DomainError as exc:
        return render_template("appointments/cancelled.html", hall=hall, ok=False,
                               message=str(exc.message)), exc.status
    return render_template("appointments/cancelled.html", hall=hall, ok=True,
                           message=_("Your booking has been cancelled.")), 200


@bp.get("/appointments/today")
@login_required
def today():
    if request.args.get("hall") is None and current_user.window is not None:
        hall = current_user.window.hall
    elif request.args.get("hall") is None and current_user.hall is not None:
        hall = current_user.hall
    else:
        hall = resolve_hall(request.args.get("hall"))
    authorize("queue.view", hall, entity_type="appointment")
    day = service_day()
    rows = [services.appointment_json(a, staff=True)
            for a in services.appointments_of_day(hall, day)]
    return render_template("appointments/today.html", hall=hall, day=day, rows=rows)
