"""Door-to-door service pages: the public request form and status look-up (plain forms, no
JavaScript needed), the staff's list, a request's page with its actions, and the day's
route (printable, and as a PDF)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..appointments.api import parse_day
from ..auth.permissions import authorize, can, login_required
from ..catalog.services import halls, resolve_hall, service_day
from ..errors import DomainError
from ..extensions import limiter
from . import services
from .api import _user_param, desk_user, request_fields
from .states import OPEN, REASONS, DoorStatus

bp = Blueprint("door_service", __name__, url_prefix="/door-service")


# --- public --------------------------------------------------------------------------------
def _form_page(hall, *, form=None, error=None, errors=None, status=200):
    first, last = services.preferred_days()
    return render_template(
        "door_service/new.html", hall=hall, halls=halls(), items=services.service_items(),
        reasons=[(r, services.reason_label(r)) for r in REASONS], form=form or {},
        error=error, errors=errors or {}, first_day=first, last_day=last), status


@bp.get("/new")
def new():
    return _form_page(resolve_hall(request.args.get("hall")))


@bp.post("/new")
@limiter.limit("10 per minute")
def submit():
    hall = resolve_hall(request.form.get("hall"))
    form = request.form.to_dict()
    actor = desk_user(hall)
    try:
        data = request_fields(form)
        row = services.create_request(hall=hall, data=data, actor=actor)
    except DomainError as exc:
        return _form_page(hall, form=form, error=str(exc.message), errors=exc.details,
                          status=exc.status)
    if actor is not None:
        flash(_("Request %(ref)s recorded.", ref=row.reference), "info")
        return redirect(url_for(".detail", reference=row.reference))
    return render_template("door_service/submitted.html", row=row,
                           data=services.request_json(row)), 201


@bp.get("/status")
def status_page():
    return render_template("door_service/status.html", row=None, form={})


@bp.post("/status")
@limiter.limit("20 per minute")
def status_lookup():
    form = {"reference": request.form.get("reference", "")[:16],
            "phone": request.form.get("phone", "")[:24]}
    try:
        row = services.lookup(form["reference"], form["phone"])
    except DomainError as exc:
        return render_template("door_service/status.html", row=None, form=form,
                               error=str(exc.message)), exc.status
    return render_template("door_service/status.html", row=row,
                           data=services.request_json(row), form=form)


# --- staff ---------------------------------------------------------------------------------
@bp.get("")
@login_required
def index():
    wanted = request.args.get("status") or "open"
    if wanted not in ("open", "all", *[s.value for s in DoorStatus]):
        wanted = "open"
    if current_user.role in ("admin", "manager"):
        authorize("door.manage", current_user.hall, entity_type="door_request")
        rows = services.hall_requests(hall_id=current_user.hall_id,
                                      status=None if wanted == "all" else wanted)
    else:
        authorize("door.route", current_user, entity_type="door_request")
        rows = services.hall_requests(hall_id=None, status=None if wanted == "all" else wanted,
                                      assignee_id=current_user.id)
    return render_template("door_service/list.html", rows=rows, wanted=wanted,
                           statuses=["open", *[s.value for s in DoorStatus], "all"],
                           label=services.status_label, reason=services.reason_label,
                           today=service_day())


def _route_args():
    day = parse_day(request.args.get("date"), default=service_day())
    user = _user_param(request.args.get("staff"))
    authorize("door.route", user, entity_type="door_request")
    return day, user


@bp.get("/route")
@login_required
def route():
    day, user = _route_args()
    rows = services.route(assignee=user, day=day)
    return render_template("door_service/route.html", rows=rows, day=day, user=user,
                           label=services.status_label, reason=services.reason_label)


@bp.get("/route.pdf")
@login_required
def route_pdf():
    day, user = _route_args()
    pdf = services.route_pdf(assignee=user, day=day, rows=services.route(assignee=user, day=day))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f'inline; filename="door-route-{user.username}-{day.isoformat()}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<reference>")
@login_required
def detail(reference: str):
    row = services.get_request(reference)
    authorize("door.view", row, entity_type="door_request", entity_id=row.id)
    return render_template(
        "door_service/detail.html", row=row, data=services.request_json(row, staff=True),
        label=services.status_label, reason=services.reason_label,
        may_manage=can(current_user, "door.manage", row),
        may_serve=can(current_user, "door.serve", row),
        is_open=row.status in OPEN,
        staff_list=services.assignable_staff(row.hall_id), today=service_day(),
        created=None)


def _act(reference: str, permission: str, action, success: str):
    row = services.get_request(reference)
    authorize(permission, row, entity_type="door_request", entity_id=row.id)
    try:
        result = action()
    except DomainError as exc:
        detail_text = "; ".join(str(v) for v in exc.details.values()
                                if isinstance(v, str)) if exc.details else ""
        flash(f"{exc.message} {detail_text}".strip(), "error")
        return redirect(url_for(".detail", reference=row.reference))
    if success:
        flash(success, "info")
    return result or redirect(url_for(".detail", reference=row.reference))


@bp.post("/<reference>/assign")
@login_required
def assign(reference: str):
    form = request.form

    def go():
        raw_order = form.get("order", "").strip()
        order = int(raw_order) if raw_order.isdigit() and 0 < int(raw_order) < 1000 else None
        services.assign(reference=reference, assignee=form.get("assignee", "")[:64],
                        day=parse_day(form.get("date", "")), order=order, actor=current_user)

    return _act(reference, "door.manage", go, _("The visit is scheduled."))


@bp.post("/<reference>/result")
@login_required
def result(reference: str):
    form = request.form

    def go():
        services.record_result(reference=reference, outcome=form.get("outcome", "")[:20],
                               note=form.get("note", "").strip()[:500] or None,
                               tracking_no=form.get("tracking_no", "").strip()[:32] or None,
                               actor=current_user)

    return _act(reference, "door.serve", go, _("The result is recorded."))


@bp.post("/<reference>/case-link")
@login_required
def case_link(reference: str):
    def go():
        services.link_case(reference=reference,
                           tracking_no=request.form.get("tracking_no", "").strip()[:32],
                           actor=current_user)

    return _act(reference, "door.serve", go, _("The case is linked."))


@bp.post("/<reference>/case")
@login_required
def create_case(reference: str):
    def go():
        materials = [m for m in request.form.getlist("materials_received") if m][:50]
        row, created = services.create_case(
            reference=reference, item_code=request.form.get("service_item", "")[:40] or None,
            params={}, materials_received=materials, actor=current_user)
        flash(_("Case %(no)s registered. Query code for the applicant: %(code)s",
                no=created.case.tracking_no, code=created.query_code), "info")
        return redirect(url_for(".detail", reference=row.reference))

    return _act(reference, "door.serve", go, "")


@bp.post("/<reference>/cancel")
@login_required
def cancel(reference: str):
    def go():
        services.cancel(reference=reference, reason=request.form.get("reason", "").strip()[:200],
                        actor=current_user)

    return _act(reference, "door.manage", go, _("The request is cancelled."))
