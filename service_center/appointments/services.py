"""Appointments: slots from the catalog's setting per queue category, bookings that never
overbook a slot, cancellation, check-in at the kiosk (a priority ticket when on time),
missed appointments and the no-show rule. Each public operation is one transaction."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..catalog.models import Hall, QueueCategory
from ..catalog.services import center_timezone, localized_name, service_day, work_calendar
from ..db import transactional, utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..lifecycle import transition_to
from ..notifications.services import notify
from ..queueing import services as queueing
from .models import Appointment, AppointmentSlot
from .states import APPOINTMENT_TRANSITIONS, AppointmentStatus

A = AppointmentStatus
# The check-in window of a slot: from 30 minutes before its start to 15 minutes after;
# later the same day the applicant still gets a number, a normal one.
CHECK_IN_EARLY = timedelta(minutes=30)
CHECK_IN_LATE = timedelta(minutes=15)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
CODE_LENGTH = 8
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_PHONE = re.compile(r"^\+?\d{6,15}$")

SETTINGS = {
    # bookings a phone may miss within APPOINTMENT_NO_SHOW_DAYS before it is refused (0: no rule)
    "APPOINTMENT_NO_SHOW_LIMIT": (3, int),
    "APPOINTMENT_NO_SHOW_DAYS": (30, int),
    # how far ahead one may book, in calendar days
    "APPOINTMENT_DAYS_AHEAD": (30, int),
}


# --- slots ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SlotRule:
    slot_minutes: int
    capacity: int
    hours: tuple[tuple[time, time], ...]


def slot_rule(category: QueueCategory) -> SlotRule | None:
    """The category's appointment setting, or None when it takes no appointments."""
    ap = category.appointments
    if not isinstance(ap, dict) or not category.active:
        return None
    try:
        minutes, capacity = int(ap["slot_minutes"]), int(ap["capacity"])
        spans = []
        for span in ap.get("hours") or ():
            m = _HOURS.match(span)
            if m:
                spans.append((time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))))
    except (KeyError, TypeError, ValueError):
        return None
    if minutes <= 0 or capacity <= 0 or not spans:
        return None
    return SlotRule(minutes, capacity, tuple(spans))


def day_slots(rule: SlotRule, day: date) -> list[tuple[datetime, datetime]]:
    """The slots of a day by the rule alone (local aware times): each span of hours cut
    into slots of the rule's length; a remainder shorter than a slot is no slot."""
    tz = center_timezone()
    length = timedelta(minutes=rule.slot_minutes)
    out = []
    for begin, end in rule.hours:
        start = datetime.combine(day, begin, tzinfo=tz)
        stop = datetime.combine(day, end, tzinfo=tz)
        while start + length <= stop:
            out.append((start, start + length))
            start += length
    return out


def bookable(day: date, now: datetime | None = None) -> bool:
    """A working day from today up to APPOINTMENT_DAYS_AHEAD ahead."""
    today = service_day(now)
    ahead = int(current_app.config["APPOINTMENT_DAYS_AHEAD"])
    return today <= day <= today + timedelta(days=ahead) and work_calendar().is_workday(day)


def open_slots(rule: SlotRule, day: date, now: datetime | None = None):
    """The slots one can still book: a bookable day, and not started yet."""
    now = now or utcnow()
    if not bookable(day, now):
        return []
    return [(s, e) for s, e in day_slots(rule, day) if s > now]


def category_for(hall: Hall, prefix: str | None) -> tuple[QueueCategory, SlotRule]:
    category = next((c for c in hall.categories if c.prefix == prefix), None)
    if category is None or not category.active:
        raise ValidationError(_("Unknown queue category."), code="unknown_category",
                              details={"category": prefix})
    rule = slot_rule(category)
    if rule is None:
        raise ValidationError(_("This service does not take appointments."),
                              code="appointments_not_offered", details={"category": prefix})
    return category, rule


def list_slots(*, hall: Hall, category: str, day: date) -> list[dict]:
    cat, rule = category_for(hall, category)
    slots = open_slots(rule, day)
    if not slots:
        return []
    tz_utc = [s for s, _e in slots]
    booked = dict(db.session.execute(
        select(AppointmentSlot.start_at, AppointmentSlot.booked).where(
            AppointmentSlot.category_id == cat.id,
            AppointmentSlot.start_at >= min(tz_utc), AppointmentSlot.start_at <= max(tz_utc))
    ).all())
    booked = {k.astimezone(slots[0][0].tzinfo): v for k, v in booked.items()}
    return [{"start": s.isoformat(timespec="seconds"), "end": e.isoformat(timespec="seconds"),
             "capacity": rule.capacity, "booked": min(booked.get(s, 0), rule.capacity)}
            for s, e in slots]


def booking_days(*, hall: Hall, category: str, count: int = 7) -> list[date]:
    """The next working days with slots left to book (for the public page)."""
    _cat, rule = category_for(hall, category)
    today = service_day()
    ahead = int(current_app.config["APPOINTMENT_DAYS_AHEAD"])
    days = []
    for offset in range(ahead + 1):
        day = today + timedelta(days=offset)
        if open_slots(rule, day):
            days.append(day)
            if len(days) == count:
                break
    return days


# --- booking -------------------------------------------------------------------------------
def normalize_phone(raw: str | None) -> str | None:
    if not isinstance(raw, str):
        return None
    phone = raw.replace(" ", "").replace("-", "")
    return phone if _PHONE.match(phone) else None


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _take_place(category_id: int, start_utc: datetime, capacity: int) -> int | None:
    """The slot's counter row, one place taken; None when the slot is full. The UPDATE's
    condition is checked under the row lock (PostgreSQL) or the write lock (SQLite's BEGIN
    IMMEDIATE), so concurrent bookings can never push it past the capacity."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(AppointmentSlot).values(
        category_id=category_id, start_at=start_utc, booked=0).on_conflict_do_nothing(
        index_elements=[AppointmentSlot.category_id, AppointmentSlot.start_at]))
    return db.session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.category_id == category_id, AppointmentSlot.start_at == start_utc,
               AppointmentSlot.booked < capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .returning(AppointmentSlot.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()


def _check_no_shows(phone: str) -> None:
    limit = int(current_app.config["APPOINTMENT_NO_SHOW_LIMIT"])
    if limit <= 0:
        return
    days = int(current_app.config["APPOINTMENT_NO_SHOW_DAYS"])
    missed = db.session.execute(select(func.count(Appointment.id)).where(
        Appointment.phone == phone, Appointment.status == A.MISSED,
        Appointment.start_at >= utcnow() - timedelta(days=days))).scalar_one()
    if missed >= limit:
        raise Conflict(
            _("This phone number missed %(n)d appointments in the last %(days)d days; "
              "it cannot book for now. Please take a number at the hall.", n=missed, days=days),
            code="no_show_limit", details={"missed": missed, "limit": limit, "days": days})


@transactional()
def book(*, hall: Hall, category: str, start: datetime, name: str, phone: str,
         actor=None) -> Appointment:
    cat, rule = category_for(hall, category)
    local_start = start.astimezone(center_timezone())
    slot = next(((s, e) for s, e in open_slots(rule, local_start.date())
                 if s == local_start), None)
    if slot is None:
        raise ValidationError(_("This time is not a slot that can be booked."),
                              code="not_a_slot", details={"start": start.isoformat()})
    _check_no_shows(phone)
    start_utc = slot[0].astimezone(utcnow().tzinfo)
    duplicate = db.session.execute(select(Appointment.id).where(
        Appointment.category_id == cat.id, Appointment.start_at == start_utc,
        Appointment.phone == phone, Appointment.status == A.BOOKED)).first()
    if duplicate is not None:
        raise Conflict(_("This phone number has already booked this slot."),
                       code="already_booked")
    slot_id = _take_place(cat.id, start_utc, rule.capacity)
    if slot_id is None:
        raise Conflict(_("This slot is full; please choose another time."), code="slot_full")
    appointment = Appointment(code=_new_code(), hall_id=hall.id, category_id=cat.id,
                              slot_id=slot_id, start_at=start_utc,
                              end_at=slot[1].astimezone(start_utc.tzinfo), name=name,
                              phone=phone, status=A.BOOKED, booked_at=utcnow())
    db.session.add(appointment)
    db.session.flush()
    from ..audit import record

    record("booked", "appointment", appointment.id, actor=actor, to_state=A.BOOKED,
           details={"category": cat.prefix, "hall": hall.code, "start": local_start.isoformat()})
    notify("appointment_booked", phone, {**_message(appointment), "code": appointment.code})
    return appointment


def appointment_by_code(code: str | None, phone: str | None = None) -> Appointment:
    """The booking with this code (and this phone, when one is given). A wrong phone answers
    exactly like an unknown code."""
    appointment = None
    if isinstance(code, str) and 0 < len(code) <= 16:
        appointment = db.session.execute(
            select(Appointment).where(Appointment.code == code.strip().upper())
            .with_for_update(of=Appointment)).scalar_one_or_none()
    if appointment is not None and phone is not None and \
            not secrets.compare_digest(appointment.phone, normalize_phone(phone) or ""):
        appointment = None
    if appointment is None:
        raise NotFound(_("No booking with this code and phone number."),
                       code="unknown_appointment")
    return appointment


@transactional()
def cancel(*, code: str, phone: str, actor=None) -> Appointment:
    appointment = appointment_by_code(code, phone)
    if appointment.status != A.BOOKED:
        raise Conflict(_("This booking can no longer be cancelled."), code="invalid_transition",
                       details={"status": appointment.status})
    if appointment.start_at <= utcnow():
        raise Conflict(_("The appointment has started; it can no longer be cancelled."),
                       code="appointment_started")
    transition_to(appointment, APPOINTMENT_TRANSITIONS, A.CANCELLED, by=actor,
                  entity_type="appointment", details={"code": appointment.code})
    db.session.execute(update(AppointmentSlot).where(
        AppointmentSlot.id == appointment.slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1).execution_options(synchronize_session=False))
    return appointment


# --- check-in at the kiosk -------------------------------------------------------------------
@transactional()
def check_in(*, code: str, actor=None) -> tuple[queueing.IssuedTicket, Appointment]:
    """A number for the booking: a priority one (reason "appointment") within the check-in
    window, a normal one when late the same day. The ticket is issued in this same
    transaction: a booking is checked in once, and only together with its ticket."""
    appointment = appointment_by_code(code)
    if appointment.status == A.CHECKED_IN:
        raise Conflict(_("This booking has already been checked in."), code="already_checked_in")
    if appointment.status != A.BOOKED:
        raise Conflict(_("This booking is %(status)s; please take a normal number.",
                         status=_status_label(appointment.status)),
                       code="invalid_transition", details={"status": appointment.status})
    now = utcnow()
    tz = center_timezone()
    local_start = appointment.start_at.astimezone(tz)
    if local_start.date() < service_day(now):
        raise Conflict(_("This booking was for an earlier day; please take a normal number."),
                       code="appointment_expired")
    if now < appointment.start_at - CHECK_IN_EARLY:
        opens = (appointment.start_at - CHECK_IN_EARLY).astimezone(tz)
        raise Conflict(_("Check-in opens at %(time)s on %(day)s.", time=opens.strftime("%H:%M"),
                         day=opens.date().isoformat()),
                       code="too_early", details={"opens_at": opens.isoformat()})
    on_time = now <= appointment.start_at + CHECK_IN_LATE
    transition_to(appointment, APPOINTMENT_TRANSITIONS, A.CHECKED_IN, by=actor,
                  entity_type="appointment", details={"code": appointment.code,
                                                      "on_time": on_time})
    appointment.late = not on_time
    # the undecorated service: the ticket joins this transaction instead of committing alone
    issued = queueing.issue_ticket.__wrapped__(
        hall=appointment.hall, category=appointment.category.prefix, priority=on_time,
        priority_reason="appointment" if on_time else None, phone=appointment.phone,
        source="appointment", actor=actor)
    appointment.ticket_id = issued.ticket.id
    return issued, appointment


def _status_label(status: str) -> str:
    return {A.BOOKED: _("booked"), A.CHECKED_IN: _("checked in"), A.CANCELLED: _("cancelled"),
            A.MISSED: _("missed")}.get(status, status)


# --- missed appointments, reminders ----------------------------------------------------------
def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = center_timezone()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


@transactional()
def mark_missed(*, day: date | None = None, now: datetime | None = None) -> int:
    """Bookings of the day that were never checked in and whose check-in window has closed
    are recorded as missed (they count towards the no-show rule). Default: yesterday."""
    now = now or utcnow()
    day = day or service_day(now) - timedelta(days=1)
    begin, end = _day_bounds(day)
    rows = db.session.execute(select(Appointment).where(
        Appointment.status == A.BOOKED, Appointment.start_at >= begin,
        Appointment.start_at < end, Appointment.start_at < now - CHECK_IN_LATE)
        .with_for_update(of=Appointment)).scalars().all()
    for appointment in rows:
        transition_to(appointment, APPOINTMENT_TRANSITIONS, A.MISSED, entity_type="appointment",
                      details={"code": appointment.code, "phone": appointment.phone})
    return len(rows)


@transactional()
def send_reminders(*, day: date | None = None) -> int:
    """An appointment_reminder for each booking of the day (default tomorrow), once each."""
    day = day or service_day() + timedelta(days=1)
    begin, end = _day_bounds(day)
    rows = db.session.execute(select(Appointment).where(
        Appointment.status == A.BOOKED, Appointment.start_at >= begin,
        Appointment.start_at < end)).scalars().all()
    queued = 0
    for appointment in rows:
        if notify("appointment_reminder", appointment.phone,
                  {**_message(appointment), "code": appointment.code},
                  dedupe_key=f"appointment_reminder:{appointment.id}") is not None:
            queued += 1
    return queued


# --- reading, serialising --------------------------------------------------------------------
def appointments_of_day(hall: Hall, day: date) -> list[Appointment]:
    begin, end = _day_bounds(day)
    return list(db.session.execute(select(Appointment).where(
        Appointment.hall_id == hall.id, Appointment.start_at >= begin, Appointment.start_at < end)
        .order_by(Appointment.start_at, Appointment.id)).scalars())


def _message(appointment: Appointment) -> dict:
    tz = center_timezone()
    return {"category": appointment.category.prefix,
            "category_name": appointment.category.name,
            "hall": appointment.hall.code, "hall_name": appointment.hall.name,
            "start": appointment.start_at.astimezone(tz).isoformat(timespec="seconds"),
            "end": appointment.end_at.astimezone(tz).isoformat(timespec="seconds")}


def appointment_json(appointment: Appointment, *, staff: bool = False) -> dict:
    tz = center_timezone()
    data = {"code": appointment.code, "category": appointment.category.prefix,
            "category_name": localized_name(appointment.category),
            "hall": appointment.hall.code,
            "start": appointment.start_at.astimezone(tz).isoformat(timespec="seconds"),
            "end": appointment.end_at.astimezone(tz).isoformat(timespec="seconds")}
    if staff:
        from ..queueing.models import Ticket

        ticket = db.session.get(Ticket, appointment.ticket_id) if appointment.ticket_id else None
        data.update({
            "name": appointment.name, "phone": appointment.phone, "status": appointment.status,
            "late": appointment.late,
            "checked_in_at": queueing.iso(appointment.checked_in_at),
            "ticket_number": ticket.number if ticket else None,
        })
    return data
