"""Inspection pages: the enterprise register (list, form, detail with booking and results),
centralized periods and the overdue list. Thin: parse the form, load (404), authorize
(403), call one service, render or redirect; a refused form is shown again with its
messages, never a 500."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import authorize, can, login_required
from ..catalog.services import (
    center_timezone,
    halls,
    service_day,
    work_calendar,
)
from ..errors import DomainError, ValidationError
from . import services
from .api import booking_hall_id, overdue_department_id

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


def _error(exc: DomainError) -> dict:
    return {"message": str(exc.message if exc.message is not None else exc.code),
            "details": {k: str(v) for k, v in (exc.details or {}).items()}}


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw)


def _upcoming_workdays(count: int = 20) -> list:
    cal = work_calendar()
    day, out = service_day(), []
    while len(out) < count:
        if cal.is_workday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


# --- register -------------------------------------------------------------------------------
@bp.get("/")
@login_required
def index():
    return redirect(url_for(".enterprises"))


@bp.get("/enterprises")
@login_required
def enterprises():
    authorize("enterprise.view", entity_type="enterprise")
    q = (request.args.get("q") or "").strip()[:64]
    department = (request.args.get("department") or "").strip()[:20]
    rows = services.list_enterprises(q=q or None, department_code=department or None)
    booked = services.booked_obligations()
    return render_template("inspections/enterprises.html",
                           rows=[services.enterprise_json(e, booked=booked) for e in rows],
                           departments=services.departments(),
                           filters={"q": q, "department": department},
                           can_register=can(current_user, "enterprise.register"))


def _form_data() -> dict:
    form = request.form
    data = {k: (form.get(k) or "").strip() or None
            for k in ("name", "credit_code", "address", "phone", "contact_name")}
    data["obligations"] = [{"department": d.code, "due_date": form.get(f"due_{d.code}")}
                           for d in services.departments()
                           if (form.get(f"due_{d.code}") or "").strip()]
    return data


def _form_page(*, enterprise=None, form: dict | None = None, error: dict | None = None,
               status: int = 200):
    if form is None and enterprise is not None:
        form = {"name": enterprise.name, "credit_code": enterprise.credit_code,
                "address": enterprise.address, "phone": enterprise.phone,
                "contact_name": enterprise.contact_name,
                "obligations": [{"department": o.department.code,
                                 "due_date": o.due_date.isoformat()}
                                for o in enterprise.obligations if o.active]}
    form = form or {}
    dues = {o["department"]: o["due_date"] for o in form.get("obligations") or []}
    return render_template("inspections/enterprise_form.html", enterprise=enterprise,
                           form=form, dues=dues, departments=services.departments(),
                           error=error), status


@bp.get("/enterprises/new")
@login_required
def enterprise_new():
    authorize("enterprise.register", entity_type="enterprise")
    return _form_page()


@bp.post("/enterprises/new")
@login_required
def enterprise_create():
    authorize("enterprise.register", entity_type="enterprise")
    data = _form_data()
    try:
        enterprise = services.create_enterprise(data=services.enterprise_input(data),
                                                actor=current_user)
    except DomainError as exc:
        return _form_page(form=data, error=_error(exc), status=exc.status)
    flash(_("Enterprise registered."), "ok")
    return redirect(url_for(".enterprise", enterprise_id=enterprise.id))


@bp.get("/enterprises/<int:enterprise_id>/edit")
@login_required
def enterprise_edit(enterprise_id: int):
    enterprise = services.get_enterprise(enterprise_id)
    authorize("enterprise.manage", enterprise, entity_type="enterprise",
              entity_id=enterprise.id)
    return _form_page(enterprise=enterprise)


@bp.post("/enterprises/<int:enterprise_id>/edit")
@login_required
def enterprise_update(enterprise_id: int):
    enterprise = services.get_enterprise(enterprise_id)
    authorize("enterprise.manage", enterprise, entity_type="enterprise",
              entity_id=enterprise.id)
    data = _form_data()
    try:
        services.update_enterprise(enterprise=enterprise, data=services.enterprise_input(data),
                                   actor=current_user, version=_int(request.form.get("version")))
    except DomainError as exc:
        return _form_page(enterprise=enterprise, form=data, error=_error(exc),
                          status=exc.status)
    flash(_("Enterprise saved."), "ok")
    return redirect(url_for(".enterprise", enterprise_id=enterprise.id))


def _detail_page(enterprise, *, error: dict | None = None, status: int = 200):
    data = services.enterprise_json(enterprise, detail=True)
    item = None
    try:
        item = services.inspection_item()
    except DomainError as exc:
        error = error or _error(exc)
    return render_template(
        "inspections/enterprise.html", enterprise=enterprise, data=data, item=item,
        history=services.enterprise_history(enterprise), days=_upcoming_workdays(),
        error=error, can_book=can(current_user, "inspection.book"),
        can_manage=can(current_user, "enterprise.manage"),
        my_department=current_user.department_id if current_user.role == "approver" else None,
        tz=center_timezone(),
        # the departments a booking covers by default: due within the notice window
        due_until=(service_day() + timedelta(days=services.notice_days())).isoformat()), status


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise(enterprise_id: int):
    enterprise = services.get_enterprise(enterprise_id)
    authorize("enterprise.view", enterprise, entity_type="enterprise", entity_id=enterprise.id)
    return _detail_page(enterprise)


@bp.post("/enterprises/<int:enterprise_id>/book")
@login_required
def book(enterprise_id: int):
    enterprise = services.get_enterprise(enterprise_id)
    authorize("inspection.book", enterprise, entity_type="enterprise", entity_id=enterprise.id)
    day = services.parse_date(request.form.get("date"))
    codes = request.form.getlist("departments") or None
    materials = request.form.getlist("materials")
    try:
        if day is None:
            raise ValidationError(_("Some values are not valid."),
                                  details={"date": _("Must be a date as YYYY-MM-DD.")})
        booked = services.book_joint(enterprise=enterprise, day=day, actor=current_user,
                                     department_codes=codes, materials=materials,
                                     hall_id=booking_hall_id(current_user))
    except DomainError as exc:
        return _detail_page(enterprise, error=_error(exc), status=exc.status)
    flash(_("Joint inspection booked for %(day)s: case %(no)s, query code %(code)s.",
            day=booked.visit.visit_date.isoformat(), no=booked.visit.case.tracking_no,
            code=booked.query_code), "ok")
    return redirect(url_for(".enterprise", enterprise_id=enterprise.id))


@bp.post("/visits/<int:visit_id>/result")
@login_required
def record_result(visit_id: int):
    visit = services.get_visit(visit_id)
    try:
        result = services.result_for(visit, (request.form.get("department") or "")[:20])
        authorize("inspection.result", result, entity_type="inspection_result",
                  entity_id=result.id)
        outcome = request.form.get("result")
        if outcome not in ("passed", "failed"):
            raise ValidationError(_("Some values are not valid."),
                                  details={"result": _("Choose passed or failed.")})
        services.record_result(visit=visit, result=result, passed=outcome == "passed",
                               reason=(request.form.get("reason") or "").strip()[:2000] or None,
                               actor=current_user)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        return _detail_page(visit.enterprise, error=_error(exc), status=exc.status)
    flash(_("Result recorded."), "ok")
    return redirect(url_for(".enterprise", enterprise_id=visit.enterprise_id))


# --- centralized periods ---------------------------------------------------------------------
def _periods_page(*, form: dict | None = None, error: dict | None = None, status: int = 200):
    return render_template("inspections/periods.html",
                           periods=[services.period_json(p) for p in
                                    services.list_periods(hall_id=current_user.hall_id)],
                           departments=services.departments(),
                           # a hall's manager plans their own hall's periods only
                           halls=[current_user.hall] if current_user.hall else halls(),
                           form=form or {}, error=error), status


@bp.get("/periods")
@login_required
def periods():
    authorize("inspection.period", entity_type="inspection_period")
    return _periods_page()


@bp.post("/periods")
@login_required
def period_create():
    from .api import period_fields

    authorize("inspection.period", entity_type="inspection_period")
    form = request.form
    capacity = _int(form.get("daily_capacity"))
    body = {"name": (form.get("name") or "").strip() or None,
            "start": form.get("start") or None, "end": form.get("end") or None,
            "daily_capacity": capacity if capacity is not None else form.get("daily_capacity"),
            "departments": form.getlist("departments"), "hall": form.get("hall") or None}
    try:
        fields = period_fields(body)
        authorize("inspection.period", fields["hall"], entity_type="inspection_period")
        period = services.create_period(**fields, actor=current_user)
    except DomainError as exc:
        return _periods_page(form=body, error=_error(exc), status=exc.status)
    flash(_("Inspection period created."), "ok")
    return redirect(url_for(".period", period_id=period.id))


def _period_page(period, *, error: dict | None = None, report=None, status: int = 200):
    candidates = services.list_enterprises()
    return render_template("inspections/period.html", period=period,
                           data=services.period_json(period, visits=True),
                           candidates=candidates, error=error, report=report), status


@bp.get("/periods/<int:period_id>")
@login_required
def period(period_id: int):
    authorize("inspection.period", entity_type="inspection_period", entity_id=period_id)
    period = services.get_period(period_id)
    authorize("inspection.period", period, entity_type="inspection_period", entity_id=period_id)
    return _period_page(period)


@bp.post("/periods/<int:period_id>/schedule")
@login_required
def period_schedule(period_id: int):
    authorize("inspection.period", entity_type="inspection_period", entity_id=period_id)
    period = services.get_period(period_id)
    authorize("inspection.period", period, entity_type="inspection_period", entity_id=period_id)
    ids = None
    if request.form.get("scope") == "chosen":
        ids = [i for i in (_int(v) for v in request.form.getlist("enterprises")) if i]
    try:
        if ids is not None and not ids:
            raise ValidationError(_("Some values are not valid."),
                                  details={"enterprises": _("Choose at least one "
                                                            "enterprise.")})
        schedule = services.schedule_period(period=period, actor=current_user,
                                            enterprise_ids=ids)
    except DomainError as exc:
        return _period_page(period, error=_error(exc), status=exc.status)
    return _period_page(services.get_period(period_id),
                        report=services.schedule_json(schedule))


# --- overdue -------------------------------------------------------------------------------
@bp.get("/overdue")
@login_required
def overdue():
    authorize("enterprise.view", entity_type="inspection")
    department_id = overdue_department_id()
    rows = [services.overdue_json(o) for o in services.overdue(department_id=department_id)]
    return render_template("inspections/overdue.html", rows=rows,
                           departments=services.departments(),
                           department=request.args.get("department") or "",
                           own_department=current_user.role == "approver")
