"""Case pages: intake at the window, the department inbox, the proxy agent's cases, the
managers' case list and case page, public tracking, the administrators' holiday calendar.
Thin: parse the form, load (404), authorize (403), call one service, render or redirect.
A refused form is shown again with the messages next to its fields, never a 500."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..apiutil import Fields
from ..auth.permissions import authorize, can, login_required, roles_required
from ..catalog.services import halls, localized_name, service_day, work_calendar
from ..errors import DomainError, NotFound, ValidationError
from ..extensions import db
from ..queueing.models import Ticket
from ..queueing.services import iso
from . import calendar_admin, services
from .api import applicant_fields, track_limit
from .models import CaseTask
from .states import (
    DECISIONS,
    MANAGER_SUSPENSION_KINDS,
    OPEN_CASE,
    CaseStatus,
    TaskStatus,
)

bp = Blueprint("approvals", __name__)
calendar_bp = Blueprint("calendar_admin", __name__, url_prefix="/admin/calendar")

WARNINGS = ("none", "yellow", "red")
INBOX_STATUSES = tuple(s.value for s in TaskStatus if s != TaskStatus.PENDING)
CASE_STATUSES = tuple(s.value for s in CaseStatus)
ACTIONS = ("accept", "pending", "refuse", "preview")
DOCUMENT_KINDS = {"acceptance": "acceptance-notice", "supplement": "supplement-notice"}
_CODES_KEPT = 10  # query codes remembered in the clerk's session, to print the notice again


# --- small parsers -------------------------------------------------------------------------
def _choice(value: str | None, choices: tuple[str, ...]) -> str | None:
    return value if value in choices else None


def _int(raw: str | None, lo: int = 1, hi: int = 2**31 - 1) -> int | None:
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if lo <= value <= hi else None


def _text(name: str, max_len: int = 2000) -> str | None:
    value = (request.form.get(name) or "").strip()
    return value[:max_len] or None


def _version() -> int | None:
    return _int(request.form.get("version"))


def _lines(raw: str | None, limit: int = 50) -> list[str]:
    return [line.strip()[:200] for line in (raw or "").splitlines() if line.strip()][:limit]


def _error(exc: DomainError) -> dict:
    return {"message": str(exc.message if exc.message is not None else exc.code),
            "details": {k: str(v) for k, v in (exc.details or {}).items()},
            "code": exc.code, "status": exc.status}


def _case(tracking_no: str, permission: str = "case.view"):
    case = services.get_case(tracking_no[:32])
    authorize(permission, case, entity_type="case", entity_id=case.id)
    return case


def _document_url(tracking_no: str, kind: str) -> str | None:
    """The documents domain's PDF, when that route exists in this deployment."""
    path = f"/api/v1/cases/{tracking_no}/documents/{kind}.pdf"
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return path


def _remember_code(tracking_no: str, code: str) -> None:
    codes = dict(session.get("case_codes") or {})
    codes[tracking_no] = code
    session["case_codes"] = dict(list(codes.items())[-_CODES_KEPT:])


def _calendar_warning() -> int | None:
    return calendar_admin.missing_next_year()


# --- intake at the window (综合窗口) ---------------------------------------------------------
def _current_ticket_id() -> int | None:
    window = current_user.window
    return window.current_ticket_id if window is not None else None


def _fee_preview(item, params: dict) -> dict | None:
    try:
        fees = services.assess_fees(item, services.clean_params(item, params))
    except ValidationError:
        return None
    names = {fee.code: localized_name(fee) for fee in item.fee_items}
    return {**fees, "items": [{**line, "name": names.get(line["code"], line["code"])}
                              for line in fees["items"]]}


def _intake_page(*, item=None, q: str = "", ticket_id: int | None = None,
                 form: dict | None = None, error: dict | None = None, status: int = 200):
    form = form or {}
    params = form.get("params") or {}
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    return render_template(
        "approvals/intake.html", item=item, q=q,
        items=services.intake_items(q) if item is None else [],
        ticket=ticket, form=form, error=error, errors=(error or {}).get("details", {}),
        fees=_fee_preview(item, params) if item is not None else None), status


@bp.get("/cases/new")
@login_required
def intake():
    authorize("case.create", entity_type="case")
    ticket_id = _int(request.args.get("ticket_id")) or _current_ticket_id()
    q = (request.args.get("q") or "").strip()[:64]
    item = services.get_item(request.args.get("item")) if request.args.get("item") else None
    return _intake_page(item=item, q=q, ticket_id=ticket_id)


@bp.get("/cases/new/fees")
@login_required
def intake_fees():
    """The fee preview for the intake form (intake.js), computed by the same service."""
    authorize("case.create", entity_type="case")
    item = services.get_item(request.args.get("item"))
    params = {p["name"]: request.args.get(f"param.{p['name']}") or None
              for p in item.parameters or [] if isinstance(p, dict)}
    return jsonify({"fees": _fee_preview(item, params)})


def _intake_form(item) -> dict:
    form = request.form
    return {
        "name": (form.get("name") or "").strip(), "phone": (form.get("phone") or "").strip(),
        "id_number": (form.get("id_number") or "").strip(),
        "organization": (form.get("organization") or "").strip(),
        "params": {p["name"]: (form.get(f"param.{p['name']}") or "").strip() or None
                   for p in item.parameters or [] if isinstance(p, dict)},
        "materials": form.getlist("materials")[:100],
        "proxy_requested": form.get("proxy_requested") == "1",
        "reason": (form.get("reason") or "").strip(),
    }


@bp.post("/cases/new")
@login_required
def intake_submit():
    authorize("case.create", entity_type="case")
    item = services.get_item(request.form.get("item"))
    ticket_id = _int(request.form.get("ticket_id"))
    action = _choice(request.form.get("action"), ACTIONS) or "preview"
    form = _intake_form(item)
    if action == "preview":
        return _intake_page(item=item, ticket_id=ticket_id, form=form)
    try:
        fields = Fields({"applicant": {k: form[k] or None for k in
                                       ("name", "phone", "id_number", "organization")}})
        applicant = applicant_fields(fields)
        missing = [m.name for m in item.materials if m.name not in form["materials"]]
        if action == "accept" and missing:
            fields.errors["materials_received"] = _(
                "To accept, every material must be checked. Otherwise accept pending "
                "supplement (the one-time notice lists what is missing) or refuse intake.")
        if action == "refuse" and not form["reason"]:
            fields.errors["reason"] = _("Give the reason for refusing intake.")
        if len(form["reason"]) > 2000:
            fields.errors["reason"] = _("At most %(n)d characters.", n=2000)
        fields.check()
        created = services.create_case(
            item_code=item.code, applicant=applicant, params=form["params"],
            materials_received=form["materials"], ticket_id=ticket_id,
            refuse=action == "refuse", refusal_reason=form["reason"] or None,
            proxy_requested=form["proxy_requested"], actor=current_user)
    except DomainError as exc:
        return _intake_page(item=item, ticket_id=ticket_id, form=form, error=_error(exc),
                            status=exc.status)
    _remember_code(created.case.tracking_no, created.query_code)
    return redirect(url_for(".accepted", tracking_no=created.case.tracking_no))


@bp.get("/cases/<tracking_no>/accepted")
@login_required
def accepted(tracking_no: str):
    case = _case(tracking_no)
    code = (session.get("case_codes") or {}).get(case.tracking_no)
    return render_template(
        "approvals/accepted.html", case=case, data=services.case_json(case, events=False),
        query_code=code, acceptance_pdf=_document_url(case.tracking_no, "acceptance-notice"),
        supplement_pdf=_document_url(case.tracking_no, "supplement-notice"))


@bp.get("/cases/<tracking_no>/notice")
@login_required
def notice(tracking_no: str):
    """The printable notice: acceptance (受理通知书), the one-time notice of everything
    missing (一次性告知书) or the refusal (不予受理通知书)."""
    case = _case(tracking_no)
    kind = _choice(request.args.get("kind"), ("acceptance", "supplement", "refusal"))
    if kind is None:
        if case.status == CaseStatus.REFUSED:
            kind = "refusal"
        elif case.missing_materials:
            kind = "supplement"
        else:
            kind = "acceptance"
    return render_template(
        "approvals/notice.html", case=case, kind=kind,
        data=services.case_json(case, events=False), today=service_day(),
        query_code=(session.get("case_codes") or {}).get(case.tracking_no))


# --- department inbox ------------------------------------------------------------------------
def _tasks_page(*, open_id: int | None = None, error: dict | None = None, status: int = 200):
    args = request.args
    filters = {"status": _choice(args.get("status"), INBOX_STATUSES) or "active",
               "warning": _choice(args.get("warning"), WARNINGS) or "",
               "q": (args.get("q") or "").strip()[:64]}
    found = services.inbox(department_id=current_user.department_id,
                           status=filters["status"], warning=filters["warning"] or None,
                           q=filters["q"] or None)
    open_id = open_id or _int(args.get("open"))
    selected = None
    if open_id is not None:
        selected = db.session.get(CaseTask, open_id)
        if selected is None:
            raise NotFound(_("No such task."))
        authorize("task.decide", selected, entity_type="case_task", entity_id=selected.id)
    elif found:
        selected = found[0]
    detail = services.case_json(selected.case) if selected is not None else None
    return render_template(
        "approvals/tasks.html", tasks=[services.inbox_json(t) for t in found],
        filters=filters, statuses=INBOX_STATUSES, warnings=WARNINGS,
        selected=services.inbox_json(selected) if selected is not None else None,
        selected_task=selected, detail=detail, decisions=DECISIONS, error=error,
        errors=(error or {}).get("details", {})), status


@bp.get("/tasks")
@login_required
def tasks():
    authorize("tasks.inbox", entity_type="case_task")
    return _tasks_page()


@bp.post("/tasks/<int:task_id>/decision")
@login_required
def decide(task_id: int):
    authorize("tasks.inbox", entity_type="case_task")
    task = db.session.get(CaseTask, task_id)
    if task is None:
        raise NotFound(_("No such task."))
    authorize("task.decide", task, entity_type="case_task", entity_id=task.id)
    case = task.case
    decision = _choice(request.form.get("decision"), DECISIONS)
    opinion = _text("opinion")
    missing = [m[:200] for m in request.form.getlist("missing")][:50] + \
        _lines(request.form.get("missing_other"))
    try:
        if decision is None:
            raise ValidationError(_("Some values are not valid."),
                                  details={"decision": _("Choose a decision.")})
        if decision == "supplement" and not missing:
            raise ValidationError(_("Some values are not valid."), details={
                "missing": _("List what the applicant must bring: the one-time notice "
                             "names every item.")})
        services.decide(case=case, task=task, decision=decision, opinion=opinion,
                        missing=missing or None, actor=current_user, version=_version())
    except DomainError as exc:
        return _tasks_page(open_id=task_id, error=_error(exc), status=exc.status)
    flash({"approve": _("Approved: %(no)s", no=case.tracking_no),
           "reject": _("Rejected: %(no)s", no=case.tracking_no),
           "supplement": _("Supplement requested; the case is suspended: %(no)s",
                           no=case.tracking_no)}[decision], "info")
    return redirect(url_for(".tasks"))


# --- proxy agent -------------------------------------------------------------------------------
def _agent_page(*, error: dict | None = None, error_case: str | None = None,
                status: int = 200):
    found = services.agent_cases(agent_id=current_user.id, include_closed=True)
    # open cases and decisions still to be collected; finished ones are history
    found = [c for c in found if c.status in OPEN_CASE
             or c.status in (CaseStatus.APPROVED, CaseStatus.REJECTED)]
    rows = [{"case": c, "data": services.agent_case_json(c),
             "departments": sorted({t.department for t in c.tasks}, key=lambda d: d.code),
             "materials": [m.name for m in c.service_item.materials],
             "handovers": [{"at": iso(h.at), "from": localized_name(h.from_department),
                            "to": localized_name(h.to_department), "note": h.note}
                           for h in c.handovers]} for c in found]
    return render_template("approvals/agent.html", rows=rows, error=error,
                           error_case=error_case,
                           errors=(error or {}).get("details", {})), status


@bp.get("/agent")
@login_required
def agent():
    authorize("agent.inbox", entity_type="case")
    return _agent_page()


# --- actions on a case (from the agent page, the case page or the window) -------------------
def _back_target() -> str:
    return "agent" if request.form.get("back") == "agent" else "case"


def _act(case, permission_done: str, call, success: str):
    """Run one service for a case form; on refusal show the page again with the message."""
    back = _back_target()
    try:
        call()
    except DomainError as exc:
        if back == "agent" and current_user.role == "proxy_agent":
            return _agent_page(error=_error(exc), error_case=case.tracking_no,
                               status=exc.status)
        return _case_page(case, error=_error(exc), form_name=permission_done,
                          status=exc.status)
    flash(success, "info")
    if back == "agent" and current_user.role == "proxy_agent":
        return redirect(url_for(".agent") + f"#case-{case.tracking_no}")
    return redirect(url_for(".case_page", tracking_no=case.tracking_no))


@bp.post("/cases/<tracking_no>/handover")
@login_required
def handover(tracking_no: str):
    case = _case(tracking_no, "case.hand_over")
    return _act(case, "handover", lambda: services.hand_over(
        case=case, from_department=(request.form.get("from_department") or "")[:20],
        to_department=(request.form.get("to_department") or "")[:20],
        note=_text("note"), actor=current_user), _("Handover recorded."))


@bp.post("/cases/<tracking_no>/supplement")
@login_required
def supplement(tracking_no: str):
    case = _case(tracking_no, "case.supplement")
    materials = request.form.getlist("materials")[:100]
    if case.status == CaseStatus.IN_PROGRESS:
        materials = materials or None
    return _act(case, "supplement", lambda: services.supplement(
        case=case, materials=materials, note=_text("note"), actor=current_user,
        version=_version()), _("Supplement recorded."))


@bp.post("/cases/<tracking_no>/collected")
@login_required
def collected(tracking_no: str):
    case = _case(tracking_no, "case.complete")
    return _act(case, "collected", lambda: services.complete(
        case=case, actor=current_user, version=_version()),
        _("The decision was handed over; the case is completed."))


@bp.post("/cases/<tracking_no>/suspend")
@login_required
def suspend(tracking_no: str):
    case = _case(tracking_no, "case.manage")
    kind = _choice(request.form.get("kind"), MANAGER_SUSPENSION_KINDS)
    reason = _text("reason")

    def call():
        errors = {}
        if kind is None:
            errors["kind"] = _("Choose why the clock stops.")
        if not reason:
            errors["reason"] = _("Give the reason.")
        if errors:
            raise ValidationError(_("Some values are not valid."), details=errors)
        services.suspend(case=case, kind=kind, reason=reason, actor=current_user,
                         version=_version())

    return _act(case, "suspend", call, _("The clock is stopped."))


@bp.post("/cases/<tracking_no>/resume")
@login_required
def resume(tracking_no: str):
    case = _case(tracking_no, "case.manage")
    return _act(case, "resume", lambda: services.resume(
        case=case, reason=_text("reason"), actor=current_user, version=_version()),
        _("The clock runs again; the deadlines moved by the days it stood still."))


@bp.post("/cases/<tracking_no>/extend")
@login_required
def extend(tracking_no: str):
    case = _case(tracking_no, "case.manage")
    reason = _text("reason")

    def call():
        if not reason:
            raise ValidationError(_("Some values are not valid."),
                                  details={"reason": _("Give the reason.")})
        services.extend(case=case, reason=reason, actor=current_user, version=_version())

    return _act(case, "extend", call, _("The time limit was extended."))


@bp.post("/cases/<tracking_no>/agent")
@login_required
def assign_agent(tracking_no: str):
    case = _case(tracking_no, "case.manage")
    return _act(case, "agent", lambda: services.assign_agent(
        case=case, username=(request.form.get("username") or "")[:64], actor=current_user,
        version=_version()), _("Proxy agent assigned."))


# --- managers: the case list and the case page ------------------------------------------------
@bp.get("/cases")
@roles_required("manager", "admin")
def case_list():
    args = request.args
    hall_choices = halls()
    hall_id = current_user.hall_id
    hall_code = None
    if hall_id is None:
        hall_code = args.get("hall") or None
        chosen = next((h for h in hall_choices if h.code == hall_code), None)
        hall_id = chosen.id if chosen else None
        hall_code = chosen.code if chosen else None
    filters = {"status": _choice(args.get("status"), CASE_STATUSES) or "",
               "warning": _choice(args.get("warning"), WARNINGS) or "",
               "q": (args.get("q") or "").strip()[:64], "hall": hall_code or "",
               "proxy": args.get("proxy") == "1"}
    found = services.list_cases(hall_id=hall_id, status=filters["status"] or None,
                                warning=filters["warning"] or None, q=filters["q"] or None,
                                proxy_requested=filters["proxy"])
    rows = [{"case": c, "warning": services.case_warning(c)} for c in found]
    return render_template("approvals/cases.html", rows=rows, filters=filters,
                           statuses=CASE_STATUSES, warnings=WARNINGS,
                           halls=hall_choices if current_user.hall_id is None else [],
                           missing_year=_calendar_warning())


def _case_page(case, *, error: dict | None = None, form_name: str | None = None,
               status: int = 200):
    user = current_user
    return render_template(
        "approvals/case.html", case=case, data=services.case_json(case),
        may={"manage": can(user, "case.manage", case),
             "supplement": can(user, "case.supplement", case),
             "complete": can(user, "case.complete", case),
             "hand_over": can(user, "case.hand_over", case)},
        agents=services.proxy_agents() if can(user, "case.manage", case) else [],
        kinds=MANAGER_SUSPENSION_KINDS, materials=[m.name for m in case.service_item.materials],
        departments=sorted({t.department for t in case.tasks}, key=lambda d: d.code),
        error=error, form_name=form_name, errors=(error or {}).get("details", {}),
        missing_year=_calendar_warning() if user.role in ("manager", "admin") else None,
        acceptance_pdf=_document_url(case.tracking_no, "acceptance-notice"),
        supplement_pdf=_document_url(case.tracking_no, "supplement-notice")), status


@bp.get("/cases/<tracking_no>")
@login_required
def case_page(tracking_no: str):
    return _case_page(_case(tracking_no))


# --- applicants: tracking ------------------------------------------------------------------------
@bp.get("/track")
def track():
    return render_template("approvals/track.html", data=None, form={}, error=None)


@bp.post("/track")
@track_limit
def track_submit():
    form = {"tracking_no": (request.form.get("tracking_no") or "").strip()[:32],
            "code": (request.form.get("code") or "").strip()[:32]}
    try:
        case = services.track(form["tracking_no"], form["code"])
    except NotFound as exc:
        return render_template("approvals/track.html", data=None, form=form,
                               error=str(exc.message)), 404
    return render_template("approvals/track.html", data=services.track_json(case),
                           form={"tracking_no": form["tracking_no"]}, error=None)


# --- administrators: the holiday calendar ---------------------------------------------------------
def _calendar_page(year: int, *, error: dict | None = None, form: dict | None = None,
                   status: int = 200):
    cal = work_calendar()
    return render_template(
        "approvals/calendar_admin.html", year=year, overrides=calendar_admin.overrides(year),
        complete_years=calendar_admin.complete_years(), in_force=cal.year(year),
        known=cal.knows_year(year), builtin=year in _builtin_years(), section="calendar",
        title=_("Holiday calendar"), missing_year=_calendar_warning(), error=error,
        errors=(error or {}).get("details", {}), form=form or {}), status


def _builtin_years() -> frozenset[int]:
    from ..calendar import BUILTIN_YEARS

    return BUILTIN_YEARS


def _year_arg(raw: Any) -> int:
    year = _int(str(raw) if raw is not None else None, *calendar_admin.YEARS)
    return year if year is not None else service_day().year


@calendar_bp.get("/")
@roles_required("admin")
def calendar_index():
    return _calendar_page(_year_arg(request.args.get("year")))


@calendar_bp.post("/days")
@roles_required("admin")
def calendar_add():
    raw = (request.form.get("day") or "").strip()[:10]
    kind = request.form.get("kind") or ""
    form = {"day": raw, "kind": kind}
    try:
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationError(_("Some values are not valid."), details={
                "day": _("Must be a date such as 2026-09-29.")}) from exc
        calendar_admin.add_day(day=day, kind=kind, actor=current_user)
    except DomainError as exc:
        return _calendar_page(_year_arg(request.form.get("year")), error=_error(exc),
                              form=form, status=exc.status)
    flash(_("Saved: %(day)s", day=day.isoformat()), "info")
    return redirect(url_for(".calendar_index", year=day.year))


@calendar_bp.post("/days/<int:override_id>/delete")
@roles_required("admin")
def calendar_remove(override_id: int):
    year = _year_arg(request.form.get("year"))
    calendar_admin.remove_day(override_id=override_id, actor=current_user)
    flash(_("Removed."), "info")
    return redirect(url_for(".calendar_index", year=year))


@calendar_bp.post("/years")
@roles_required("admin")
def calendar_year():
    year = _int(request.form.get("year"), *calendar_admin.YEARS)
    if year is None:
        return _calendar_page(service_day().year, error=_error(ValidationError(
            _("Some values are not valid."), details={"year": _("Must be a year such as 2026.")}
        )), status=422)
    complete = request.form.get("complete") == "1"
    calendar_admin.set_year_complete(year=year, complete=complete, actor=current_user)
    flash(_("%(year)s is marked complete.", year=year) if complete
          else _("%(year)s is provisional again.", year=year), "info")
    return redirect(url_for(".calendar_index", year=year))
