"""Door-to-door service endpoints under /api/v1/door-requests (documented in openapi.yaml)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..apiutil import Fields, json_body
from ..appointments.api import parse_day
from ..appointments.services import normalize_phone
from ..auth.models import User
from ..auth.permissions import authorize, can, login_required
from ..catalog.services import resolve_hall, service_day
from ..errors import NotFound, ValidationError
from ..extensions import db, limiter
from . import services
from .states import REASONS, DoorStatus

bp = Blueprint("door_service_api", __name__, url_prefix="/api/v1")


def request_fields(data: dict) -> services.RequestInput:
    """The request's fields from a JSON body or a form; one 422 names every bad field."""
    fields = Fields(data)
    name = fields.string("name", required=True, max_len=40)
    raw_phone = fields.string("phone", required=True, max_len=24)
    address = fields.string("address", required=True, max_len=200)
    item = fields.string("service_item", max_len=40) or None
    description = fields.string("description", max_len=500) or None
    raw_day = fields.string("preferred_date", required=True, max_len=10)
    reason = fields.string("reason", required=True, choices=REASONS)
    reason_note = fields.string("reason_note", max_len=200) or None
    phone = normalize_phone(raw_phone)
    if raw_phone and phone is None:
        fields.errors["phone"] = _("Must be a phone number.")
    if not item and not description and "service_item" not in fields.errors \
            and "description" not in fields.errors:
        fields.errors["description"] = _("Choose a service item or describe what you need.")
    day = None
    if raw_day:
        try:
            day = parse_day(raw_day)
        except ValidationError:
            fields.errors["preferred_date"] = _("Must be a date as YYYY-MM-DD.")
    fields.check()
    return services.RequestInput(name=name, phone=phone, address=address,
                                 preferred_date=day, reason=reason, service_item=item,
                                 description=description, reason_note=reason_note)


def _hall_from(body: dict | None = None):
    code = request.args.get("hall")
    if body and body.get("hall") is not None:
        if not isinstance(body["hall"], str) or len(body["hall"]) > 20:
            raise ValidationError(_("Some values are not valid."),
                                  details={"hall": _("Must be a hall code.")})
        code = body["hall"]
    return resolve_hall(code)


def desk_user(hall) -> User | None:
    """Staff of the hall enter requests for applicants (source "staff"); anyone else,
    signed in or not, uses the public form like an applicant."""
    if current_user.is_authenticated and can(current_user, "door.create", hall):
        return current_user
    return None


# --- public --------------------------------------------------------------------------------
@bp.post("/door-requests")
@limiter.limit("10 per minute")
def create():
    body = json_body()
    hall = _hall_from(body)
    actor = desk_user(hall)
    data = request_fields(body)
    row = services.create_request(hall=hall, data=data, actor=actor)
    return jsonify(services.request_json(row, staff=actor is not None)), 201


@bp.get("/door-requests/status")
@limiter.limit("20 per minute")
def status():
    """The applicant's look-up: reference and phone; a wrong phone is an unknown reference."""
    row = services.lookup(request.args.get("reference", "")[:16],
                          request.args.get("phone", "")[:24])
    return jsonify(services.request_json(row))


# --- staff ---------------------------------------------------------------------------------
def _user_param(name: str | None) -> User:
    if not name:
        return current_user
    user = db.session.execute(select(User).where(User.username == name[:64])) \
        .unique().scalar_one_or_none()
    if user is None:
        raise NotFound(_("Unknown user."), code="unknown_user")
    return user


@bp.get("/door-requests")
@login_required
def list_requests():
    wanted = request.args.get("status") or None
    if wanted not in (None, "open", *[s.value for s in DoorStatus]):
        raise ValidationError(_("Some values are not valid."),
                              details={"status": _("Unknown status.")})
    hall_code = request.args.get("hall")
    if current_user.role in ("admin", "manager"):
        hall = resolve_hall(hall_code) if hall_code else None
        hall_id = hall.id if hall else current_user.hall_id
        authorize("door.manage", hall or current_user.hall, entity_type="door_request")
        rows = services.hall_requests(hall_id=hall_id, status=wanted)
    else:  # staff who make visits see their own
        authorize("door.route", current_user, entity_type="door_request")
        rows = services.hall_requests(hall_id=None, status=wanted, assignee_id=current_user.id)
    return jsonify([services.request_json(r, staff=True) for r in rows])


@bp.get("/door-requests/route")
@login_required
def route():
    day = parse_day(request.args.get("date"), default=service_day())
    user = _user_param(request.args.get("staff"))
    authorize("door.route", user, entity_type="door_request")
    rows = services.route(assignee=user, day=day)
    return jsonify({"date": day.isoformat(), "staff": user.username,
                    "visits": [services.request_json(r, staff=True) for r in rows]})


@bp.get("/door-requests/<reference>")
@login_required
def detail(reference: str):
    row = services.get_request(reference)
    authorize("door.view", row, entity_type="door_request", entity_id=row.id)
    return jsonify(services.request_json(row, staff=True))


@bp.post("/door-requests/<reference>/assign")
@login_required
def assign(reference: str):
    row = services.get_request(reference)
    authorize("door.manage", row, entity_type="door_request", entity_id=row.id)
    body = json_body()
    fields = Fields(body)
    assignee = fields.string("assignee", required=True, max_len=64)
    raw_day = fields.string("date", required=True, max_len=10)
    order = fields.integer("order", minimum=1, maximum=999)
    fields.check()
    row = services.assign(reference=reference, assignee=assignee, day=parse_day(raw_day),
                          order=order, actor=current_user)
    return jsonify(services.request_json(row, staff=True))


@bp.post("/door-requests/<reference>/result")
@login_required
def result(reference: str):
    row = services.get_request(reference)
    authorize("door.serve", row, entity_type="door_request", entity_id=row.id)
    fields = Fields(json_body())
    outcome = fields.string("outcome", required=True, choices=("completed", "not_completed"))
    note = fields.string("note", max_len=500) or None
    tracking_no = fields.string("tracking_no", max_len=32) or None
    fields.check()
    row = services.record_result(reference=reference, outcome=outcome, note=note,
                                 tracking_no=tracking_no, actor=current_user)
    return jsonify(services.request_json(row, staff=True))


@bp.post("/door-requests/<reference>/case-link")
@login_required
def case_link(reference: str):
    row = services.get_request(reference)
    authorize("door.serve", row, entity_type="door_request", entity_id=row.id)
    fields = Fields(json_body())
    tracking_no = fields.string("tracking_no", required=True, max_len=32)
    fields.check()
    row = services.link_case(reference=reference, tracking_no=tracking_no, actor=current_user)
    return jsonify(services.request_json(row, staff=True))


@bp.post("/door-requests/<reference>/case")
@login_required
def create_case(reference: str):
    row = services.get_request(reference)
    authorize("door.serve", row, entity_type="door_request", entity_id=row.id)
    body = json_body(optional=True)
    fields = Fields(body)
    item = fields.string("service_item", max_len=40) or None
    materials = body.get("materials_received", [])
    params = body.get("params", {})
    if not isinstance(materials, list) or not all(isinstance(m, str) for m in materials):
        fields.errors["materials_received"] = _("Must be a list of strings.")
    if not isinstance(params, dict):
        fields.errors["params"] = _("Must be an object.")
    fields.check()
    row, created = services.create_case(reference=reference, item_code=item, params=params,
                                        materials_received=materials, actor=current_user)
    return jsonify({**services.request_json(row, staff=True),
                    "case": {"tracking_no": created.case.tracking_no,
                             "query_code": created.query_code,
                             "status": created.case.status}}), 201


@bp.post("/door-requests/<reference>/cancel")
@login_required
def cancel(reference: str):
    row = services.get_request(reference)
    authorize("door.manage", row, entity_type="door_request", entity_id=row.id)
    fields = Fields(json_body())
    reason = fields.string("reason", required=True, max_len=200)
    fields.check()
    row = services.cancel(reference=reference, reason=reason, actor=current_user)
    return jsonify(services.request_json(row, staff=True))
