"""Case, task, tracking and calendar endpoints under /api/v1 (CONTRACT.md)."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields, json_body, query_int
from ..auth.permissions import authorize, login_required
from ..calendar import MAX_DAYS
from ..catalog.services import work_calendar
from ..errors import ValidationError
from ..extensions import limiter
from . import services
from .states import DECISIONS, MANAGER_SUSPENSION_KINDS, TaskStatus

bp = Blueprint("approvals_api", __name__, url_prefix="/api/v1")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,19}")
_ID_NUMBER = re.compile(r"[0-9A-Za-z]{1,32}")
# the years a calendar question may name: anything else is a typo, never a 500
_YEARS = (1990, 2199)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(_("Some values are not valid."), details={field: message})


def _parse_day(raw: str | None, field: str) -> date:
    if not raw:
        raise _invalid(field, _("This field is required."))
    if not _DATE.fullmatch(raw):
        raise _invalid(field, _("Must be a date such as 2026-09-29."))
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise _invalid(field, _("Must be a date such as 2026-09-29.")) from exc
    if not _YEARS[0] <= day.year <= _YEARS[1]:
        raise _invalid(field, _("Out of range."))
    return day


# --- calendar (public) ---------------------------------------------------------------------
@bp.get("/calendar/deadline")
def calendar_deadline():
    start = _parse_day(request.args.get("start"), "start")
    days = query_int("days", minimum=0, maximum=MAX_DAYS)
    if days is None:
        raise _invalid("days", _("This field is required."))
    deadline, provisional = work_calendar().add_working_days(start, days)
    return jsonify({"start": start.isoformat(), "days": days, "deadline": deadline.isoformat(),
                    "provisional": provisional})


@bp.get("/calendar/<year>")
def calendar_year(year: str):
    if not year.isascii() or not year.isdigit() or not _YEARS[0] <= int(year) <= _YEARS[1]:
        raise _invalid("year", _("Must be a year such as 2026."))
    return jsonify(work_calendar().year(int(year)))


# --- tracking (public, rate limited per address on failures) --------------------------------
def _track_limit() -> str:
    return current_app.config.get("TRACK_RATE_LIMIT", "10 per minute")


def _track_number_limit() -> str:
    return current_app.config.get("TRACK_NUMBER_RATE_LIMIT", "30 per hour")


def _tracking_number_key() -> str:
    raw = (request.view_args or {}).get("tracking_no") or request.form.get("tracking_no") or ""
    return "track-no:" + raw.strip().upper()[:32]


def _failed(response) -> bool:
    return response.status_code == 404


# one budget of failures per address, shared by this endpoint and the /track page …
_per_address = limiter.shared_limit(_track_limit, scope="track", deduct_when=_failed)
# … and one per tracking number, against guessing one case's code from many addresses
_per_number = limiter.shared_limit(_track_number_limit, scope="track-number",
                                   key_func=_tracking_number_key, deduct_when=_failed)


def track_limit(view):
    return _per_address(_per_number(view))


@bp.get("/track/<tracking_no>")
@track_limit
def track(tracking_no: str):
    case = services.track(tracking_no, request.args.get("code"))
    return jsonify(services.track_json(case))


# --- staff: cases --------------------------------------------------------------------------
def _version(fields: Fields) -> int | None:
    return fields.integer("version", minimum=1, maximum=2**31 - 1)


def _case(tracking_no: str, permission: str = "case.view"):
    case = services.get_case(tracking_no)
    authorize(permission, case, entity_type="case", entity_id=case.id)
    return case


def applicant_fields(fields: Fields) -> services.Applicant | None:
    raw = fields.data.get("applicant")
    if not isinstance(raw, dict):
        fields.errors["applicant"] = _("This field is required.")
        return None
    sub = Fields(raw)
    name = sub.string("name", required=True, max_len=120)
    phone = sub.string("phone", required=True, max_len=20)
    id_number = sub.string("id_number", max_len=32)
    organization = sub.string("organization", max_len=200)
    if phone and not _PHONE.fullmatch(phone):
        sub.errors["phone"] = _("Must be a phone number.")
    if id_number and not _ID_NUMBER.fullmatch(id_number):
        sub.errors["id_number"] = _("Must be an identity document number.")
    fields.errors.update({f"applicant.{k}": v for k, v in sub.errors.items()})
    if sub.errors:
        return None
    return services.Applicant(name=name, phone=phone, id_number=id_number or None,
                              organization=organization or None)


@bp.post("/cases")
@login_required
def create_case():
    authorize("case.create", entity_type="case")
    body = json_body()
    fields = Fields(body)
    item_code = fields.string("service_item", required=True, max_len=40)
    applicant = applicant_fields(fields)
    ticket_id = fields.integer("ticket_id", minimum=1, maximum=2**31 - 1)
    reason = fields.string("reason", max_len=2000)
    refuse = body.get("refuse", False)
    if not isinstance(refuse, bool):
        fields.errors["refuse"] = _("Must be true or false.")
    proxy_requested = body.get("proxy_requested", False)
    if not isinstance(proxy_requested, bool):
        fields.errors["proxy_requested"] = _("Must be true or false.")
    fields.check()
    created = services.create_case(
        item_code=item_code, applicant=applicant, params=body.get("params", {}),
        materials_received=body.get("materials_received", []), ticket_id=ticket_id,
        refuse=refuse, refusal_reason=reason, proxy_requested=proxy_requested,
        actor=current_user)
    return jsonify({**services.case_json(created.case, events=False),
                    "query_code": created.query_code}), 201


@bp.get("/cases/<tracking_no>")
@login_required
def get_case(tracking_no: str):
    return jsonify(services.case_json(_case(tracking_no)))


@bp.post("/cases/<tracking_no>/tasks/<int:task_id>/decision")
@login_required
def decide(tracking_no: str, task_id: int):
    body = json_body()
    fields = Fields(body)
    decision = fields.string("decision", required=True, choices=DECISIONS)
    opinion = fields.string("opinion", max_len=2000)
    version = _version(fields)
    missing = body.get("missing")
    if missing is not None and (not isinstance(missing, list) or len(missing) > 50 or not all(
            isinstance(m, str) and 0 < len(m) <= 200 for m in missing)):
        fields.errors["missing"] = _("Must be a list of material names.")
    fields.check()
    case = services.get_case(tracking_no)
    task = services.get_task(case, task_id)
    authorize("task.decide", task, entity_type="case_task", entity_id=task.id)
    services.decide(case=case, task=task, decision=decision, opinion=opinion, missing=missing,
                    actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/supplement")
@login_required
def supplement(tracking_no: str):
    body = json_body(optional=True)
    fields = Fields(body)
    note = fields.string("note", max_len=2000)
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.supplement")
    services.supplement(case=case, materials=body.get("materials"), note=note,
                        actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/suspend")
@login_required
def suspend(tracking_no: str):
    body = json_body()
    fields = Fields(body)
    reason = fields.string("reason", required=True, max_len=2000)
    kind = fields.string("kind", choices=MANAGER_SUSPENSION_KINDS, default="other")
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.manage")
    services.suspend(case=case, kind=kind, reason=reason, actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/resume")
@login_required
def resume(tracking_no: str):
    body = json_body(optional=True)
    fields = Fields(body)
    reason = fields.string("reason", max_len=2000)
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.manage")
    services.resume(case=case, reason=reason, actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/extension")
@login_required
def extension(tracking_no: str):
    body = json_body()
    fields = Fields(body)
    reason = fields.string("reason", required=True, max_len=2000)
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.manage")
    services.extend(case=case, reason=reason, actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/proxy-agent")
@login_required
def proxy_agent(tracking_no: str):
    body = json_body()
    fields = Fields(body)
    username = fields.string("username", required=True, max_len=64)
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.manage")
    services.assign_agent(case=case, username=username, actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/handovers")
@login_required
def handover(tracking_no: str):
    body = json_body()
    fields = Fields(body)
    source = fields.string("from_department", required=True, max_len=20)
    target = fields.string("to_department", required=True, max_len=20)
    note = fields.string("note", max_len=2000)
    fields.check()
    case = _case(tracking_no, "case.hand_over")
    services.hand_over(case=case, from_department=source, to_department=target, note=note,
                       actor=current_user)
    return jsonify(services.case_json(case, events=False)), 201


@bp.post("/cases/<tracking_no>/complete")
@login_required
def complete(tracking_no: str):
    body = json_body(optional=True)
    fields = Fields(body)
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.complete")
    services.complete(case=case, actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


@bp.post("/cases/<tracking_no>/withdraw")
@login_required
def withdraw(tracking_no: str):
    body = json_body()
    fields = Fields(body)
    reason = fields.string("reason", required=True, max_len=2000)
    version = _version(fields)
    fields.check()
    case = _case(tracking_no, "case.supplement")
    services.withdraw(case=case, reason=reason, actor=current_user, version=version)
    return jsonify(services.case_json(case, events=False))


# --- inboxes -------------------------------------------------------------------------------
_WARNINGS = ("none", "yellow", "red")
_INBOX_STATUSES = tuple(s.value for s in TaskStatus if s != TaskStatus.PENDING)


def _choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    value = request.args.get(name) or default
    if value is not None and value not in choices:
        raise _invalid(name, _("Must be one of: %(choices)s.", choices=", ".join(choices)))
    return value


@bp.get("/tasks")
@login_required
def tasks():
    authorize("tasks.inbox", entity_type="case_task")
    status = _choice("status", _INBOX_STATUSES, "active")
    warning = _choice("warning", _WARNINGS)
    q = (request.args.get("q") or "").strip()[:64] or None
    found = services.inbox(department_id=current_user.department_id, status=status,
                           warning=warning, q=q)
    return jsonify([services.inbox_json(t) for t in found])


@bp.get("/agent/cases")
@login_required
def agent_cases():
    authorize("agent.inbox", entity_type="case")
    include_closed = request.args.get("all") in ("1", "true")
    found = services.agent_cases(agent_id=current_user.id, include_closed=include_closed)
    return jsonify([services.agent_case_json(c) for c in found])
