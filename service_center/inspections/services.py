"""Enterprises and annual inspections: the register (with the credit code's check
characters), obligations and due dates, joint inspections (one approvals case whose
department tasks run in parallel), centralized periods, results, overdue lists and the
due-date notices. Each public operation is one transaction (db.transactional); results are
recorded by the department task's decision (approvals.decide calls `on_task_decided`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm.attributes import flag_modified

from ..approvals import services as approvals
from ..approvals.models import Case, CaseTask
from ..approvals.states import OPEN_CASE
from ..audit import record
from ..catalog.models import Department, Hall, ServiceItem
from ..catalog.services import localized_name, service_day, work_calendar
from ..db import transactional, utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..lifecycle import transition_to
from ..notifications.services import notify
from ..queueing.services import iso
from .models import (
    Enterprise,
    InspectionObligation,
    InspectionPeriod,
    InspectionResult,
    InspectionVisit,
)
from .states import NOTICE_DAYS, RESULT_TRANSITIONS, ResultStatus

R = ResultStatus
SETTINGS = {"INSPECTION_NOTICE_DAYS": (NOTICE_DAYS, int),
            "INSPECTION_SERVICE_ITEM": (None, str)}
MAX_PERIOD_DAYS = 366
MAX_CAPACITY = 500

# --- the unified social credit code (统一社会信用代码) -----------------------------------------
# GB 32100-2015: 18 characters from 31 (digits and capitals without I, O, Z, S, V);
# characters 9-17 are the organisation code of GB 11714 with its own check character;
# the 18th is a check character over the first 17, weights 3^i mod 31.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS,
                                                                strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714: digits count as themselves, letters A=10 … Z=35; 10 → X, 11 → 0."""
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w
                for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_error(code: str) -> str | None:
    """Why `code` (already upper-cased) is not a valid credit code, or None."""
    if len(code) != 18:
        return _("A unified social credit code has 18 characters (this one has %(n)d).",
                 n=len(code))
    bad = [ch for ch in code if ch not in CREDIT_CHARSET]
    if bad:
        return _("Only digits and capital letters other than I, O, Z, S and V may appear; "
                 "not %(chars)s.", chars=" ".join(dict.fromkeys(bad)))
    if org_code_check_char(code[8:16]) != code[16]:
        return _("Characters 9 to 17 are not a valid organisation code (wrong check "
                 "character); check the code for a typing error.")
    if credit_check_char(code[:17]) != code[17]:
        return _("The last character does not match the check character of the code; "
                 "check the code for a typing error.")
    return None


def normalize_credit_code(raw: Any) -> tuple[str | None, str | None]:
    """(code, None) or (None, error message)."""
    if not isinstance(raw, str) or not raw.strip():
        return None, _("This field is required.")
    code = raw.strip().upper()
    if not code.isascii():
        return None, _("Only digits and capital letters other than I, O, Z, S and V may "
                       "appear; not %(chars)s.",
                       chars=" ".join(dict.fromkeys(c for c in code if not c.isascii())))
    error = credit_code_error(code)
    return (None, error) if error else (code, None)


_PHONE = re.compile(r"^\+?[0-9][0-9-]{5,18}[0-9]$")


def normalize_phone(raw: str | None) -> str | None:
    phone = (raw or "").replace(" ", "")
    return phone if _PHONE.match(phone) else None


# --- settings and look-ups ---------------------------------------------------------------------
def notice_days() -> int:
    return int(current_app.config.get("INSPECTION_NOTICE_DAYS") or NOTICE_DAYS)


def inspection_item() -> ServiceItem:
    """The catalog item of kind annual_inspection that joint inspections are cases of."""
    code = current_app.config.get("INSPECTION_SERVICE_ITEM")
    stmt = select(ServiceItem).where(ServiceItem.kind == "annual_inspection",
                                     ServiceItem.active.is_(True))
    if code:
        stmt = stmt.where(ServiceItem.code == code)
    item = db.session.execute(stmt.order_by(ServiceItem.code)).unique().scalars().first()
    if item is None:
        raise Conflict(_("The catalog has no annual inspection item; add one of kind "
                         "annual_inspection first."), code="no_inspection_item")
    return item


def departments() -> list[Department]:
    return list(db.session.execute(select(Department).order_by(Department.code)).scalars())


def department_by_code(code: Any, field_name: str = "department") -> Department:
    department = None
    if isinstance(code, str) and len(code) <= 20:
        department = db.session.execute(
            select(Department).where(Department.code == code)).scalar_one_or_none()
    if department is None:
        raise ValidationError(_("Some values are not valid."), code="unknown_department",
                              details={field_name: _("Unknown department.")})
    return department


def get_enterprise(enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(_("No such enterprise."), code="unknown_enterprise")
    return enterprise


def get_visit(visit_id: int) -> InspectionVisit:
    visit = db.session.get(InspectionVisit, visit_id)
    if visit is None:
        raise NotFound(_("No such inspection."), code="unknown_inspection")
    return visit


def get_period(period_id: int) -> InspectionPeriod:
    period = db.session.get(InspectionPeriod, period_id)
    if period is None:
        raise NotFound(_("No such inspection period."), code="unknown_period")
    return period


def next_due(due: date, after: date) -> date:
    """A year on from the due date covered (29 February → 28 February), and on by further
    years while that is not after `after` (an inspection years late does not leave the
    next one overdue at once)."""
    current = due
    while True:
        try:
            current = current.replace(year=current.year + 1)
        except ValueError:
            current = current.replace(year=current.year + 1, day=28)
        if current > after:
            return current


def _touch(row) -> None:
    # bumps the row's version: concurrent bookings of one enterprise (or schedulings of one
    # period) conflict, and the loser is retried from a fresh read by db.transactional
    row.updated_at = utcnow()
    flag_modified(row, "updated_at")


# --- the register ------------------------------------------------------------------------------
@dataclass
class EnterpriseInput:
    name: str
    credit_code: str
    address: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    obligations: list[tuple[str, date]] = field(default_factory=list)


def enterprise_input(data: dict, *, partial: bool = False) -> EnterpriseInput:
    """From a JSON body or a form: one 422 naming every bad field."""
    from ..apiutil import Fields

    fields = Fields(data)
    name = fields.string("name", required=not partial, max_len=200)
    raw_code = data.get("credit_code")
    code = None
    if raw_code is not None or not partial:
        code, error = normalize_credit_code(raw_code)
        if error:
            fields.errors["credit_code"] = error
    address = fields.string("address", max_len=300)
    contact = fields.string("contact_name", max_len=80)
    raw_phone = fields.string("phone", max_len=24)
    phone = normalize_phone(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        fields.errors["phone"] = _("Must be a phone number.")
    obligations: list[tuple[str, date]] = []
    raw = data.get("obligations")
    if raw is not None:
        if not isinstance(raw, list) or len(raw) > 50:
            fields.errors["obligations"] = _("Must be a list of {department, due_date}.")
        else:
            for i, item in enumerate(raw):
                if not isinstance(item, dict):
                    fields.errors[f"obligations.{i}"] = _("Must be a list of "
                                                          "{department, due_date}.")
                    continue
                dept = item.get("department")
                due = parse_date(item.get("due_date"))
                if not isinstance(dept, str) or not dept or len(dept) > 20:
                    fields.errors[f"obligations.{i}.department"] = _("Unknown department.")
                elif due is None:
                    fields.errors[f"obligations.{i}.due_date"] = _("Must be a date as "
                                                                   "YYYY-MM-DD.")
                elif any(d == dept for d, _due in obligations):
                    fields.errors[f"obligations.{i}.department"] = _("Listed twice.")
                else:
                    obligations.append((dept, due))
    fields.check()
    return EnterpriseInput(name=name or "", credit_code=code or "", address=address or None,
                           phone=phone, contact_name=contact or None, obligations=obligations)


def parse_date(raw: Any) -> date | None:
    if not isinstance(raw, str) or len(raw) != 10 or not raw.isascii():
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _check_unique_code(code: str, enterprise_id: int | None = None) -> None:
    other = db.session.execute(select(Enterprise.id).where(
        Enterprise.credit_code == code)).scalar_one_or_none()
    if other is not None and other != enterprise_id:
        raise Conflict(_("An enterprise with this credit code is already registered."),
                       code="duplicate_credit_code",
                       details={"credit_code": _("Already registered."), "enterprise": other})


@transactional()
def create_enterprise(*, data: EnterpriseInput, actor) -> Enterprise:
    _check_unique_code(data.credit_code)
    enterprise = Enterprise(name=data.name, credit_code=data.credit_code, address=data.address,
                            phone=data.phone, contact_name=data.contact_name, active=True,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(enterprise)
    db.session.flush()
    record("enterprise_registered", "enterprise", enterprise.id, actor=actor,
           to_state="active", details={"name": data.name, "credit_code": data.credit_code})
    for code, due in data.obligations:
        _set_obligation(enterprise, department_by_code(code, "obligations"), due, actor)
    return enterprise


@transactional()
def update_enterprise(*, enterprise: Enterprise, data: EnterpriseInput, actor,
                      version: int | None = None) -> Enterprise:
    if version is not None and version != enterprise.version:
        raise Conflict(_("The enterprise was changed by someone else; reload it and try "
                         "again."), code="stale_version",
                       details={"current_version": enterprise.version})
    changes = {}
    for name in ("name", "credit_code", "address", "phone", "contact_name"):
        value = getattr(data, name)
        if name in ("name", "credit_code") and not value:
            continue  # a partial edit leaves what it does not name
        if value != getattr(enterprise, name):
            changes[name] = {"from": getattr(enterprise, name), "to": value}
    if "credit_code" in changes:
        _check_unique_code(data.credit_code, enterprise.id)
    for name, change in changes.items():
        setattr(enterprise, name, change["to"])
    for code, due in data.obligations:
        _set_obligation(enterprise, department_by_code(code, "obligations"), due, actor)
    if changes:
        record("enterprise_updated", "enterprise", enterprise.id, actor=actor,
               details={"changes": changes})
    _touch(enterprise)
    return enterprise


def _set_obligation(enterprise: Enterprise, department: Department, due: date,
                    actor) -> InspectionObligation:
    obligation = next((o for o in enterprise.obligations if o.department_id == department.id),
                      None)
    before = None
    if obligation is None:
        obligation = InspectionObligation(department_id=department.id, due_date=due,
                                          active=True)
        enterprise.obligations.append(obligation)
    else:
        before = obligation.due_date.isoformat() if obligation.active else None
        obligation.due_date = due
        obligation.active = True
    db.session.flush()
    record("inspection_due_set", "enterprise", enterprise.id, actor=actor,
           details={"department": department.code, "from": before, "to": due.isoformat()})
    return obligation


@transactional()
def set_obligation(*, enterprise: Enterprise, department_code: str, due: date,
                   actor) -> InspectionObligation:
    obligation = _set_obligation(enterprise, department_by_code(department_code), due, actor)
    _touch(enterprise)
    return obligation


@transactional()
def remove_obligation(*, enterprise: Enterprise, department_code: str, actor) -> None:
    department = department_by_code(department_code)
    obligation = next((o for o in enterprise.obligations
                       if o.department_id == department.id and o.active), None)
    if obligation is None:
        raise NotFound(_("This department does not inspect this enterprise."),
                       code="unknown_obligation")
    if obligation.id in _booked(enterprise):
        raise Conflict(_("An inspection by this department is booked; wait for its result."),
                       code="inspection_booked")
    obligation.active = False
    record("inspection_obligation_removed", "enterprise", enterprise.id, actor=actor,
           details={"department": department.code,
                    "due_date": obligation.due_date.isoformat()})
    _touch(enterprise)


def list_enterprises(*, q: str | None = None, department_code: str | None = None,
                     limit: int = 300) -> list[Enterprise]:
    stmt = select(Enterprise).where(Enterprise.active.is_(True))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    if department_code:
        stmt = stmt.where(Enterprise.id.in_(
            select(InspectionObligation.enterprise_id)
            .join(Department, Department.id == InspectionObligation.department_id)
            .where(Department.code == department_code, InspectionObligation.active.is_(True))))
    return list(db.session.execute(stmt.order_by(Enterprise.name, Enterprise.id).limit(limit))
                .unique().scalars())


# --- booking ----------------------------------------------------------------------------------
def booked_obligations() -> set[int]:
    return _booked()


def _booked(enterprise: Enterprise | None = None) -> set[int]:
    """Obligations covered by a joint inspection still open (a result pending in a case
    that is not withdrawn or refused): these are not booked twice."""
    stmt = (select(InspectionResult.obligation_id)
            .join(InspectionVisit, InspectionVisit.id == InspectionResult.visit_id)
            .join(Case, Case.id == InspectionVisit.case_id)
            .where(InspectionResult.status == R.PENDING,
                   Case.status.in_([str(s) for s in OPEN_CASE])))
    if enterprise is not None:
        stmt = stmt.where(InspectionVisit.enterprise_id == enterprise.id)
    return set(db.session.execute(stmt).scalars())


def due_obligations(enterprise: Enterprise, *, until: date,
                    department_codes: list[str] | None = None,
                    booked: set[int] | None = None) -> list[InspectionObligation]:
    """The enterprise's inspections a visit would cover: active, not booked already, due by
    `until` (or, when departments are named, those departments whatever the due date)."""
    booked = _booked(enterprise) if booked is None else booked
    out = []
    for obligation in enterprise.obligations:
        if not obligation.active or obligation.id in booked:
            continue
        if department_codes is not None:
            if obligation.department.code in department_codes:
                out.append(obligation)
        elif obligation.due_date <= until:
            out.append(obligation)
    return out


def check_visit_day(day: date, *, field_name: str = "date") -> None:
    if day < service_day():
        raise ValidationError(_("Some values are not valid."), code="date_in_past",
                              details={field_name: _("The day has passed.")})
    if not work_calendar().is_workday(day):
        raise ValidationError(_("Some values are not valid."), code="not_a_working_day",
                              details={field_name: _("Not a working day: the center is "
                                                     "closed then.")})


def _book(*, enterprise: Enterprise, day: date, obligations: list[InspectionObligation],
          actor, hall_id: int | None, item: ServiceItem, materials: list[str] | None,
          period: InspectionPeriod | None = None) -> approvals.CreatedCase:
    template_days = {t.department_id: t.days for stage in item.stages for t in stage.tasks}
    stage_name = item.stages[0].name if item.stages else _("Joint annual inspection")
    tasks = [(o.department_id, template_days.get(o.department_id, item.promised_days))
             for o in obligations]
    created = approvals.register_case(
        item_code=item.code,
        applicant=approvals.Applicant(name=enterprise.contact_name or enterprise.name,
                                      phone=enterprise.phone or "",
                                      organization=enterprise.name),
        params={}, materials_received=materials or [], actor=actor, hall_id=hall_id,
        workflow=[(stage_name, tasks)])
    case = created.case
    visit = InspectionVisit(enterprise_id=enterprise.id, period_id=getattr(period, "id", None),
                            case_id=case.id, visit_date=day, booked_at=utcnow(),
                            booked_by_id=getattr(actor, "id", None))
    by_department = {t.department_id: t for t in case.tasks}
    for obligation in obligations:
        visit.results.append(InspectionResult(
            obligation_id=obligation.id, department_id=obligation.department_id,
            task_id=by_department[obligation.department_id].id, due_date=obligation.due_date,
            status=R.PENDING))
    db.session.add(visit)
    db.session.flush()
    record("inspection_booked", "enterprise", enterprise.id, actor=actor, to_state="booked",
           details={"visit": visit.id, "date": day.isoformat(),
                    "tracking_no": case.tracking_no, "period": getattr(period, "id", None),
                    "departments": [o.department.code for o in obligations]})
    _touch(enterprise)
    return created


@dataclass
class Booked:
    visit: InspectionVisit
    query_code: str


@transactional()
def book_joint(*, enterprise: Enterprise, day: date, actor,
               department_codes: list[str] | None = None,
               materials: list[str] | None = None, hall_id: int | None = None) -> Booked:
    """One visit on a working day for every department due (or the ones named)."""
    if not enterprise.active:
        raise Conflict(_("This enterprise is no longer in the register."),
                       code="enterprise_inactive")
    check_visit_day(day)
    if department_codes is not None:
        for code in department_codes:
            department_by_code(code, "departments")
    obligations = due_obligations(enterprise, until=day + timedelta(days=notice_days()),
                                  department_codes=department_codes)
    if not obligations:
        raise Conflict(_("No inspection of this enterprise is due that is not already "
                         "booked."), code="nothing_due")
    item = inspection_item()
    created = _book(enterprise=enterprise, day=day, obligations=obligations, actor=actor,
                    hall_id=hall_id, item=item, materials=materials)
    visit = db.session.execute(select(InspectionVisit).where(
        InspectionVisit.case_id == created.case.id)).scalar_one()
    return Booked(visit, created.query_code)


# --- centralized periods ----------------------------------------------------------------------
@transactional()
def create_period(*, name: str, start: date, end: date, department_codes: list[str],
                  daily_capacity: int, hall: Hall, actor) -> InspectionPeriod:
    errors = {}
    for key, day in (("start", start), ("end", end)):
        try:
            check_visit_day(day, field_name=key)
        except ValidationError as exc:
            errors.update(exc.details)
    if end < start:
        errors["end"] = _("Must not be before the start.")
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["end"] = _("A period lasts at most a year.")
    if not department_codes:
        errors["departments"] = _("Choose at least one department.")
    if errors:
        raise ValidationError(_("Some values are not valid."), details=errors)
    codes = []
    for code in department_codes:
        codes.append(department_by_code(code, "departments").code)
    period = InspectionPeriod(name=name, start_date=start, end_date=end,
                              daily_capacity=daily_capacity,
                              department_codes=sorted(set(codes)), hall_id=hall.id,
                              created_by_id=getattr(actor, "id", None))
    db.session.add(period)
    db.session.flush()
    record("inspection_period_created", "inspection_period", period.id, actor=actor,
           to_state="open", details={"name": name, "start": start.isoformat(),
                                     "end": end.isoformat(), "departments": codes,
                                     "daily_capacity": daily_capacity, "hall": hall.code})
    return period


def list_periods(*, hall_id: int | None = None) -> list[InspectionPeriod]:
    """The latest periods, of one hall when `hall_id` is given (a hall's manager)."""
    query = select(InspectionPeriod)
    if hall_id is not None:
        query = query.where(InspectionPeriod.hall_id == hall_id)
    return list(db.session.execute(query.order_by(
        InspectionPeriod.start_date.desc(), InspectionPeriod.id.desc()).limit(200)).scalars())


def _open_visits(period: InspectionPeriod) -> list[InspectionVisit]:
    return [v for v in period.visits if v.case.status not in ("withdrawn", "refused")]


def period_days(period: InspectionPeriod) -> list[date]:
    """The period's working days from today on."""
    cal = work_calendar()
    day = max(period.start_date, service_day())
    out = []
    while day <= period.end_date:
        if cal.is_workday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


@dataclass
class Schedule:
    scheduled: list[InspectionVisit]
    unscheduled: list[tuple[Enterprise, str]]


# Enterprises booked per transaction when scheduling a period: one long transaction would
# hold SQLite's write lock (and stop the kiosks) for seconds; a re-run books what is left.
SCHEDULE_CHUNK = 20


def _period_department_ids(period: InspectionPeriod) -> set[int]:
    return {d.id for d in db.session.execute(select(Department).where(
        Department.code.in_(period.department_codes))).scalars()}


def _covered(enterprise: Enterprise, dept_ids: set[int], booked: set[int], *,
             explicit: bool, until: date) -> list[InspectionObligation]:
    """What a period's joint inspection of this enterprise covers."""
    return [o for o in enterprise.obligations
            if o.active and o.department_id in dept_ids and o.id not in booked
            and (explicit or o.due_date <= until)]


def schedule_period(*, period: InspectionPeriod, actor,
                    enterprise_ids: list[int] | None = None,
                    chunk: int | None = None) -> Schedule:
    """Book each enterprise due in the period (or each one named) on the period's working
    days in order, filling every day up to the capacity; the earliest due first. Runs in
    transactions of `chunk` enterprises, each one re-reading the day counts and what is
    booked, so that concurrent runs never pass the capacity or book anyone twice."""
    explicit = enterprise_ids is not None
    chunk = max(1, chunk or SCHEDULE_CHUNK)
    dept_ids = _period_department_ids(period)
    if explicit:
        enterprises = []
        for enterprise_id in enterprise_ids:
            enterprise = db.session.get(Enterprise, enterprise_id)
            if enterprise is None:
                raise ValidationError(_("Some values are not valid."),
                                      code="unknown_enterprise",
                                      details={"enterprises": _("No such enterprise: %(id)s",
                                                                id=enterprise_id)})
            enterprises.append(enterprise)
    else:
        enterprises = list(db.session.execute(
            select(Enterprise).where(Enterprise.active.is_(True), Enterprise.id.in_(
                select(InspectionObligation.enterprise_id).where(
                    InspectionObligation.active.is_(True),
                    InspectionObligation.department_id.in_(dept_ids),
                    InspectionObligation.due_date <= period.end_date)))).unique().scalars())
    booked = _booked()
    order: list[tuple[date, str, int]] = []
    unscheduled: list[tuple[Enterprise, str]] = []
    for enterprise in enterprises:
        obligations = _covered(enterprise, dept_ids, booked, explicit=explicit,
                               until=period.end_date)
        if not enterprise.active:
            unscheduled.append((enterprise, "enterprise_inactive"))
        elif not obligations:
            unscheduled.append((enterprise, "nothing_due"))
        else:
            order.append((min(o.due_date for o in obligations), enterprise.name, enterprise.id))
    order.sort()
    ids = [enterprise_id for _due, _name, enterprise_id in order]
    period_id = period.id
    db.session.rollback()  # the reads above end here; each chunk is its own transaction
    case_ids: list[int] = []
    for start in range(0, len(ids), chunk):
        done, skipped = _schedule_chunk(period_id=period_id,
                                        enterprise_ids=ids[start:start + chunk],
                                        explicit=explicit, actor=actor)
        case_ids += done
        unscheduled += [(enterprise, reason) for enterprise, reason in
                        ((db.session.get(Enterprise, e), r) for e, r in skipped) if enterprise]
    visits = list(db.session.execute(select(InspectionVisit).where(
        InspectionVisit.case_id.in_(case_ids)).order_by(
        InspectionVisit.visit_date, InspectionVisit.id)).scalars()) if case_ids else []
    return Schedule(visits, unscheduled)


@transactional()
def _schedule_chunk(*, period_id: int, enterprise_ids: list[int], explicit: bool,
                    actor) -> tuple[list[int], list[tuple[int, str]]]:
    period = get_period(period_id)
    dept_ids = _period_department_ids(period)
    booked = _booked()
    taken: dict[date, int] = {}
    for visit in _open_visits(period):
        taken[visit.visit_date] = taken.get(visit.visit_date, 0) + 1
    days = iter(period_days(period))
    day = next(days, None)
    item = inspection_item()
    case_ids: list[int] = []
    skipped: list[tuple[int, str]] = []
    for enterprise_id in enterprise_ids:
        enterprise = db.session.get(Enterprise, enterprise_id)
        if enterprise is None or not enterprise.active:
            skipped.append((enterprise_id, "enterprise_inactive"))
            continue
        obligations = _covered(enterprise, dept_ids, booked, explicit=explicit,
                               until=period.end_date)
        if not obligations:  # booked meanwhile by someone else
            skipped.append((enterprise_id, "nothing_due"))
            continue
        while day is not None and taken.get(day, 0) >= period.daily_capacity:
            day = next(days, None)
        if day is None:
            skipped.append((enterprise_id, "period_full"))
            continue
        created = _book(enterprise=enterprise, day=day, obligations=obligations, actor=actor,
                        hall_id=period.hall_id, item=item, materials=None, period=period)
        taken[day] = taken.get(day, 0) + 1
        case_ids.append(created.case.id)
    _touch(period)
    record("inspection_period_scheduled", "inspection_period", period.id, actor=actor,
           details={"scheduled": len(case_ids), "unscheduled": len(skipped)})
    return case_ids, skipped


# --- results --------------------------------------------------------------------------------
def on_task_decided(*, case: Case, task: CaseTask, decision: str, opinion: str | None,
                    actor) -> None:
    """approvals.decide's hook, in its transaction: the department's result of a joint
    inspection; a pass moves that department's due date on by a year."""
    result = db.session.execute(select(InspectionResult).where(
        InspectionResult.task_id == task.id)).scalar_one_or_none()
    if result is None or result.status != R.PENDING:
        return
    new = R.PASSED if decision == "approve" else R.FAILED
    today = service_day()
    result.reason = opinion
    result.recorded_by_id = getattr(actor, "id", None)
    transition_to(result, RESULT_TRANSITIONS, new, by=actor, entity_type="inspection_result",
                  action=f"inspection_{new}",
                  details={"enterprise": result.visit.enterprise_id,
                           "department": result.department.code,
                           "tracking_no": case.tracking_no, "reason": opinion,
                           "due_date": result.due_date.isoformat()})
    obligation = result.obligation
    obligation.last_result = str(new)
    obligation.last_result_on = today
    if new == R.PASSED:
        following = next_due(result.due_date, today)
        if obligation.due_date < following:
            record("inspection_due_advanced", "enterprise", obligation.enterprise_id,
                   actor=actor, details={"department": result.department.code,
                                         "from": obligation.due_date.isoformat(),
                                         "to": following.isoformat()})
            obligation.due_date = following


def record_result(*, visit: InspectionVisit, result: InspectionResult, passed: bool,
                  reason: str | None, actor) -> InspectionResult:
    """The department's result, recorded as its task's decision (one transaction, in
    approvals.decide, which calls on_task_decided)."""
    if not passed and not reason:
        raise ValidationError(_("Some values are not valid."),
                              details={"reason": _("Give the reason.")})
    if result.status != R.PENDING:
        raise Conflict(_("This department's result is already recorded."),
                       code="result_recorded", details={"status": result.status})
    approvals.decide(case=visit.case, task=result.task,
                     decision="approve" if passed else "reject", opinion=reason,
                     missing=None, actor=actor)
    db.session.refresh(result)
    return result


def result_for(visit: InspectionVisit, department_code: str) -> InspectionResult:
    result = next((r for r in visit.results if r.department.code == department_code), None)
    if result is None:
        raise NotFound(_("This department has no part in this inspection."),
                       code="unknown_result")
    return result


# --- lists ---------------------------------------------------------------------------------
def overdue(*, department_id: int | None = None, today: date | None = None,
            limit: int = 1000) -> list[InspectionObligation]:
    """Inspections whose due date has passed without a pass (failed ones stay due)."""
    today = today or service_day()
    stmt = (select(InspectionObligation)
            .join(Enterprise, Enterprise.id == InspectionObligation.enterprise_id)
            .where(InspectionObligation.active.is_(True), Enterprise.active.is_(True),
                   InspectionObligation.due_date < today))
    if department_id is not None:
        stmt = stmt.where(InspectionObligation.department_id == department_id)
    stmt = stmt.order_by(InspectionObligation.due_date, Enterprise.name,
                         InspectionObligation.id).limit(limit)
    return list(db.session.execute(stmt).unique().scalars())


def enterprise_history(enterprise: Enterprise) -> list:
    from ..audit import AuditEvent

    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "enterprise",
                                 AuditEvent.entity_id == str(enterprise.id),
                                 AuditEvent.result == "ok")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200)).scalars())


# --- notices ---------------------------------------------------------------------------------
@transactional()
def notify_due(*, today: date | None = None) -> int:
    """An `inspection_due` message for each inspection due within INSPECTION_NOTICE_DAYS
    that is not booked; once per enterprise × department × due date."""
    today = today or service_day()
    until = today + timedelta(days=notice_days())
    booked = _booked()
    rows = db.session.execute(
        select(InspectionObligation)
        .join(Enterprise, Enterprise.id == InspectionObligation.enterprise_id)
        .where(InspectionObligation.active.is_(True), Enterprise.active.is_(True),
               InspectionObligation.due_date >= today, InspectionObligation.due_date <= until)
        .order_by(InspectionObligation.due_date, InspectionObligation.id)).unique().scalars()
    count = 0
    for obligation in rows:
        enterprise = obligation.enterprise
        if obligation.id in booked or not enterprise.phone:
            continue
        key = (f"inspection_due:{enterprise.id}:{obligation.department.code}:"
               f"{obligation.due_date.isoformat()}")
        sent = notify("inspection_due", enterprise.phone,
                      {"enterprise": enterprise.name, "credit_code": enterprise.credit_code,
                       "department": obligation.department.name,
                       "department_code": obligation.department.code,
                       "due_date": obligation.due_date.isoformat()}, dedupe_key=key)
        if sent is not None:
            count += 1
            record("inspection_due_notified", "enterprise", enterprise.id, actor=None,
                   details={"department": obligation.department.code,
                            "due_date": obligation.due_date.isoformat()})
    return count


# --- serialisers (one per resource) ---------------------------------------------------------
def _department_json(department: Department) -> dict:
    return {"code": department.code, "name": localized_name(department)}


def obligation_json(obligation: InspectionObligation, *, today: date | None = None,
                    booked: set[int] | None = None) -> dict:
    today = today or service_day()
    return {"department": _department_json(obligation.department),
            "due_date": obligation.due_date.isoformat(),
            "overdue": obligation.due_date < today,
            "booked": obligation.id in booked if booked is not None else None,
            "last_result": obligation.last_result,
            "last_result_on": (obligation.last_result_on.isoformat()
                               if obligation.last_result_on else None)}


def result_json(result: InspectionResult) -> dict:
    return {"department": _department_json(result.department), "status": result.status,
            "reason": result.reason, "due_date": result.due_date.isoformat(),
            "task_id": result.task_id, "task_status": result.task.status,
            "recorded_at": iso(result.passed_at or result.failed_at),
            "recorded_by": result.recorded_by.display_name if result.recorded_by else None}


def visit_json(visit: InspectionVisit) -> dict:
    return {"id": visit.id, "enterprise": {"id": visit.enterprise_id,
                                           "name": visit.enterprise.name,
                                           "credit_code": visit.enterprise.credit_code},
            "date": visit.visit_date.isoformat(), "period": visit.period_id,
            "case": {"tracking_no": visit.case.tracking_no, "status": visit.case.status},
            "booked_at": iso(visit.booked_at),
            "results": [result_json(r) for r in visit.results]}


def enterprise_json(enterprise: Enterprise, *, detail: bool = False,
                    booked: set[int] | None = None) -> dict:
    """`booked`: the open inspections' obligation ids, when serialising a whole list."""
    today = service_day()
    booked = _booked(enterprise) if booked is None else booked
    active = [o for o in enterprise.obligations if o.active]
    data = {"id": enterprise.id, "name": enterprise.name,
            "credit_code": enterprise.credit_code, "address": enterprise.address,
            "phone": enterprise.phone, "contact_name": enterprise.contact_name,
            "version": enterprise.version,
            "next_due": min((o.due_date for o in active), default=None),
            "obligations": [obligation_json(o, today=today, booked=booked) for o in active]}
    data["next_due"] = data["next_due"].isoformat() if data["next_due"] else None
    if detail:
        data["inspections"] = [visit_json(v) for v in enterprise.visits]
    return data


def overdue_json(obligation: InspectionObligation, today: date | None = None) -> dict:
    today = today or service_day()
    enterprise = obligation.enterprise
    return {"enterprise": {"id": enterprise.id, "name": enterprise.name,
                           "credit_code": enterprise.credit_code, "phone": enterprise.phone},
            "department": _department_json(obligation.department),
            "due_date": obligation.due_date.isoformat(),
            "days_overdue": (today - obligation.due_date).days,
            "last_result": obligation.last_result}


def period_json(period: InspectionPeriod, *, visits: bool = False) -> dict:
    open_visits = _open_visits(period)
    by_day: dict[str, int] = {}
    for visit in open_visits:
        by_day[visit.visit_date.isoformat()] = by_day.get(visit.visit_date.isoformat(), 0) + 1
    data = {"id": period.id, "name": period.name, "start": period.start_date.isoformat(),
            "end": period.end_date.isoformat(), "daily_capacity": period.daily_capacity,
            "departments": list(period.department_codes or []), "hall": period.hall.code,
            "booked": len(open_visits), "booked_by_day": by_day}
    if visits:
        data["visits"] = [visit_json(v) for v in period.visits]
    return data


def schedule_json(schedule: Schedule) -> dict:
    return {"scheduled": [visit_json(v) for v in schedule.scheduled],
            "unscheduled": [{"enterprise": {"id": e.id, "name": e.name}, "reason": reason}
                            for e, reason in schedule.unscheduled]}
