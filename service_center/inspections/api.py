"""Enterprise register and annual inspections under /api/v1 (documented in openapi.yaml)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields, json_body
from ..auth.permissions import authorize, login_required
from ..catalog.services import resolve_hall
from ..errors import ValidationError
from . import services

bp = Blueprint("inspections_api", __name__, url_prefix="/api/v1")


def _day(raw, field_name: str = "date") -> date:
    day = services.parse_date(raw)
    if day is None:
        raise ValidationError(_("Some values are not valid."),
                              details={field_name: _("Must be a date as YYYY-MM-DD.")})
    return day


def _codes(raw, field_name: str) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > 50 or not all(
            isinstance(c, str) and 0 < len(c) <= 20 for c in raw):
        raise ValidationError(_("Some values are not valid."),
                              details={field_name: _("Must be a list of department codes.")})
    return list(dict.fromkeys(raw))


def _materials(raw) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > 50 or not all(
            isinstance(m, str) and len(m) <= 200 for m in raw):
        raise ValidationError(_("Some values are not valid."),
                              details={"materials_received": _("Must be a list of material "
                                                               "names.")})
    return raw


def booking_hall_id(user) -> int:
    """Where a joint inspection's case is registered: the clerk's window's hall, else the
    manager's hall, else the main hall."""
    if user.window is not None:
        return user.window.hall_id
    if user.hall_id is not None:
        return user.hall_id
    return resolve_hall(None).id


def _enterprise(enterprise_id: int, permission: str = "enterprise.view"):
    enterprise = services.get_enterprise(enterprise_id)
    authorize(permission, enterprise, entity_type="enterprise", entity_id=enterprise.id)
    return enterprise


def overdue_department_id() -> int | None:
    """An approver sees their own department; others may filter with ?department=."""
    code = request.args.get("department") or None
    if current_user.role == "approver":
        if code and code != current_user.department.code:
            authorize("inspection.result", None, entity_type="inspection")
        return current_user.department_id
    if code:
        return services.department_by_code(code[:20]).id
    return None


# --- register ----------------------------------------------------------------------------
@bp.get("/enterprises")
@login_required
def enterprise_list():
    authorize("enterprise.view", entity_type="enterprise")
    department = request.args.get("department") or None
    rows = services.list_enterprises(q=(request.args.get("q") or "")[:64] or None,
                                     department_code=department[:20] if department else None)
    booked = services.booked_obligations()
    return jsonify([services.enterprise_json(e, booked=booked) for e in rows])


@bp.post("/enterprises")
@login_required
def enterprise_create():
    authorize("enterprise.register", entity_type="enterprise")
    data = services.enterprise_input(json_body())
    enterprise = services.create_enterprise(data=data, actor=current_user)
    return jsonify(services.enterprise_json(enterprise, detail=True)), 201


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise_get(enterprise_id: int):
    enterprise = _enterprise(enterprise_id)
    return jsonify(services.enterprise_json(enterprise, detail=True))


@bp.patch("/enterprises/<int:enterprise_id>")
@login_required
def enterprise_update(enterprise_id: int):
    enterprise = _enterprise(enterprise_id, "enterprise.manage")
    body = json_body()
    fields = Fields(body)
    version = fields.integer("version", minimum=1)
    fields.check()
    data = services.enterprise_input(body, partial=True)
    enterprise = services.update_enterprise(enterprise=enterprise, data=data,
                                            actor=current_user, version=version)
    return jsonify(services.enterprise_json(enterprise, detail=True))


@bp.put("/enterprises/<int:enterprise_id>/obligations/<code>")
@login_required
def obligation_put(enterprise_id: int, code: str):
    enterprise = _enterprise(enterprise_id, "enterprise.manage")
    body = json_body()
    due = _day(body.get("due_date"), "due_date")
    services.set_obligation(enterprise=enterprise, department_code=code[:20], due=due,
                            actor=current_user)
    return jsonify(services.enterprise_json(enterprise, detail=True))


@bp.delete("/enterprises/<int:enterprise_id>/obligations/<code>")
@login_required
def obligation_delete(enterprise_id: int, code: str):
    enterprise = _enterprise(enterprise_id, "enterprise.manage")
    services.remove_obligation(enterprise=enterprise, department_code=code[:20],
                               actor=current_user)
    return jsonify(services.enterprise_json(enterprise, detail=True))


# --- joint inspections ---------------------------------------------------------------------
@bp.post("/enterprises/<int:enterprise_id>/inspections")
@login_required
def book(enterprise_id: int):
    enterprise = _enterprise(enterprise_id, "inspection.book")
    body = json_body()
    day = _day(body.get("date"))
    codes = _codes(body.get("departments"), "departments")
    materials = _materials(body.get("materials_received"))
    booked = services.book_joint(enterprise=enterprise, day=day, actor=current_user,
                                 department_codes=codes, materials=materials,
                                 hall_id=booking_hall_id(current_user))
    return jsonify({**services.visit_json(booked.visit), "query_code": booked.query_code}), 201


@bp.get("/inspections/<int:visit_id>")
@login_required
def visit_get(visit_id: int):
    visit = services.get_visit(visit_id)
    authorize("enterprise.view", visit.enterprise, entity_type="inspection",
              entity_id=visit.id)
    return jsonify(services.visit_json(visit))


@bp.post("/inspections/<int:visit_id>/results")
@login_required
def result_record(visit_id: int):
    visit = services.get_visit(visit_id)
    body = json_body()
    fields = Fields(body)
    code = fields.string("department", required=True, max_len=20)
    outcome = fields.string("result", required=True, choices=("passed", "failed"))
    reason = fields.string("reason", max_len=2000)
    fields.check()
    result = services.result_for(visit, code)
    authorize("inspection.result", result, entity_type="inspection_result",
              entity_id=result.id)
    services.record_result(visit=visit, result=result, passed=outcome == "passed",
                           reason=reason or None, actor=current_user)
    return jsonify(services.visit_json(services.get_visit(visit_id)))


@bp.get("/inspections/overdue")
@login_required
def overdue():
    authorize("enterprise.view", entity_type="inspection")
    department_id = overdue_department_id()
    return jsonify([services.overdue_json(o)
                    for o in services.overdue(department_id=department_id)])


# --- centralized periods -------------------------------------------------------------------
def period_fields(body: dict) -> dict:
    fields = Fields(body)
    name = fields.string("name", required=True, max_len=120)
    start = services.parse_date(fields.string("start", required=True, max_len=10))
    end = services.parse_date(fields.string("end", required=True, max_len=10))
    capacity = fields.integer("daily_capacity", required=True, minimum=1,
                              maximum=services.MAX_CAPACITY)
    hall = fields.string("hall", max_len=20)
    for key, value in (("start", start), ("end", end)):
        if value is None and key not in fields.errors:
            fields.errors[key] = _("Must be a date as YYYY-MM-DD.")
    try:
        codes = _codes(body.get("departments"), "departments") or []
    except ValidationError as exc:
        fields.errors.update(exc.details)
        codes = []
    fields.check()
    # without a hall named: a hall manager's own hall, else the main hall
    if not hall and current_user.is_authenticated and current_user.hall is not None:
        hall = current_user.hall.code
    return {"name": name, "start": start, "end": end, "daily_capacity": capacity,
            "department_codes": codes, "hall": resolve_hall(hall)}


@bp.get("/inspection-periods")
@login_required
def period_list():
    authorize("inspection.period", entity_type="inspection_period")
    return jsonify([services.period_json(p)
                    for p in services.list_periods(hall_id=current_user.hall_id)])


@bp.post("/inspection-periods")
@login_required
def period_create():
    authorize("inspection.period", entity_type="inspection_period")
    fields = period_fields(json_body())
    authorize("inspection.period", fields["hall"], entity_type="inspection_period")
    period = services.create_period(**fields, actor=current_user)
    return jsonify(services.period_json(period, visits=True)), 201


@bp.get("/inspection-periods/<int:period_id>")
@login_required
def period_get(period_id: int):
    authorize("inspection.period", entity_type="inspection_period", entity_id=period_id)
    period = services.get_period(period_id)
    authorize("inspection.period", period, entity_type="inspection_period", entity_id=period_id)
    return jsonify(services.period_json(period, visits=True))


@bp.post("/inspection-periods/<int:period_id>/schedule")
@login_required
def period_schedule(period_id: int):
    authorize("inspection.period", entity_type="inspection_period", entity_id=period_id)
    period = services.get_period(period_id)
    authorize("inspection.period", period, entity_type="inspection_period", entity_id=period_id)
    body = json_body(optional=True)
    raw = body.get("enterprises")
    ids = None
    if raw is not None:
        if not isinstance(raw, list) or len(raw) > 2000 or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in raw):
            raise ValidationError(_("Some values are not valid."),
                                  details={"enterprises": _("Must be a list of enterprise "
                                                            "ids.")})
        ids = list(dict.fromkeys(raw))
    schedule = services.schedule_period(period=period, actor=current_user, enterprise_ids=ids)
    return jsonify(services.schedule_json(schedule))
