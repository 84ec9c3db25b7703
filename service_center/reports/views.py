"""Pages: the manager's dashboard, reports with CSV export, the monthly assessment
(PDF/CSV), the rating pad beside a window, and the complaint forms."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields
from ..auth.permissions import authorize, can, login_required
from ..catalog.services import halls, resolve_hall, service_day, window_by_number
from ..errors import DomainError, NotFound, ValidationError
from ..extensions import limiter
from . import kpi, pdf, services
from .api import (
    complaint_input,
    is_department_head,
    parse_day,
    report_department,
    report_hall,
    report_scope,
)
from .states import LEVELS

bp = Blueprint("reports", __name__)


def _i18n(**strings) -> str:
    return json.dumps(strings, ensure_ascii=False)


# --- dashboard -------------------------------------------------------------------------------
@bp.get("/manager")
@login_required
def manager():
    code = request.args.get("hall")
    hall = resolve_hall(code) if code else (current_user.hall or resolve_hall(None))
    authorize("reports.view", hall, entity_type="report")
    choices = [h for h in halls() if current_user.hall_id in (None, h.id)]
    i18n = _i18n(serving=_("serving"), idle=_("idle"), paused=_("paused"), closed=_("closed"),
                 none=_("none"), minutes=_("min"), live=_("Live"), offline=_("Offline"),
                 polling=_("Updating every 15 s"), no_alerts=_("No alerts."),
                 loading=_("Loading…"), failed=_("Could not load the dashboard."))
    return render_template("reports/manager.html", hall=hall, halls=choices, i18n=i18n)


# --- reports ---------------------------------------------------------------------------------
@bp.get("/reports")
@login_required
def reports_page():
    hall = report_hall(department_head=True)
    department = report_department()
    head = is_department_head()
    today = service_day()
    start = request.args.get("from") or today.replace(day=1).isoformat()
    end = request.args.get("to") or today.isoformat()
    choices = [h for h in halls() if head or current_user.hall_id in (None, h.id)]
    i18n = _i18n(loading=_("Loading the report…"), failed=_("Could not load the report."),
                 issued=_("Issued"), served=_("Served"), avg_wait=_("Average wait (min)"),
                 hour=_("Hour"), none=_("No data in this range."),
                 accepted=_("Cases accepted"), completed=_("Cases completed"),
                 late=_("Decided late"))
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return render_template("reports/reports.html", hall=hall, halls=choices, start=start,
                           end=end, i18n=i18n, month=today.strftime("%Y-%m"),
                           last_month=last_month,
                           may_publish=can(current_user, "reports.publish"),
                           published=services.published_assessments(),
                           department=department, department_head=head,
                           departments=services.departments())


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _num(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _csv_response(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # a cell must never start a spreadsheet formula (CSV injection)
        writer.writerow([("'" + c) if isinstance(c, str) and c[:1] in ("=", "+", "-", "@")
                         else c for c in row])
    body = "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def summary_tables(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """The summary as (heading, header, rows) tables: one shape for CSV, page and PDF."""
    totals = [
        [_("Tickets issued"), data["tickets_issued"]],
        [_("Tickets served"), data["tickets_served"]],
        [_("No-shows"), data["no_shows"]],
        [_("Average wait (s)"), _num(data["avg_wait_seconds"])],
        [_("90th percentile wait (s)"), _num(data["p90_wait_seconds"])],
        [_("Average service time (s)"), _num(data["avg_service_seconds"])],
        [_("Tickets per staff-hour"), _num(data["tickets_per_staff_hour"])],
        [_("Cases accepted"), data["cases_accepted"]],
        [_("Cases completed"), data["cases_completed"]],
        [_("On-time rate"), _pct(data["on_time_rate"])],
        [_("Early-completion rate"), _pct(data["early_completion_rate"])],
        [_("One-visit rate"), _pct(data["one_visit_rate"])],
        [_("Average processing (working days)"), _num(data["avg_processing_working_days"])],
        [_("Same-day cases"), data["same_day_cases"]],
        [_("Open cases past their deadline"), data["overdue_open_cases"]],
        [_("Overdue cases"), data["overdue_cases"]],
        [_("Time-limit compression"), _pct(data["time_limit_compression"])],
        [_("Ratings"), data["ratings"]],
        [_("Satisfaction rate"), _pct(data["satisfaction_rate"])],
        [_("Bad-rating rate"), _pct(data["bad_rating_rate"])],
        [_("Rating coverage"), _pct(data["rating_coverage"])],
        [_("Case rating coverage"), _pct(data["case_rating_coverage"])],
        [_("Rectification rate"), _pct(data["rectification_rate"])],
        [_("Complaints"), data["complaints"]],
    ]
    ticket_cols = [_("Served"), _("No-shows"), _("Average wait (s)"),
                   _("Average service time (s)"), _("Tickets per staff-hour")]

    def tv(r):
        return [r["tickets_served"], r["no_shows"], _num(r["avg_wait_seconds"]),
                _num(r["avg_service_seconds"]), _num(r["tickets_per_staff_hour"])]

    return [
        (_("Totals"), [_("Figure"), _("Value")], totals),
        (_("By window"), [_("Hall"), _("Window"), *ticket_cols, _("Ratings"),
                          _("Satisfaction rate")],
         [[r["hall"], f'{r["number"]} {r["name"] or ""}', *tv(r), r["ratings"],
           _pct(r["satisfaction_rate"])] for r in data["by_window"]]),
        (_("By staff member"), [_("Staff no."), _("Name"), *ticket_cols, _("Ratings"),
                                _("Satisfaction rate"), _("Complaints")],
         [[r["staff_no"], r["name"], *tv(r), r["ratings"], _pct(r["satisfaction_rate"]),
           r["complaints"]] for r in data["by_staff"]]),
        (_("By hour of issue"), [_("Hour"), _("Issued"), *ticket_cols],
         [[f'{r["hour"]:02d}:00', r["tickets_issued"], *tv(r)] for r in data["by_hour"]]),
        (_("By category"), [_("Hall"), _("Category"), _("Issued"), *ticket_cols],
         [[r["hall"], f'{r["prefix"]} {r["name"] or ""}', r["tickets_issued"], *tv(r)]
          for r in data["by_category"]]),
        (_("By department"), [_("Department"), _("Cases accepted"), _("Cases completed"),
                              _("On-time rate"), _("Average processing (working days)"),
                              _("Same-day cases"), _("One-visit rate"), _("Steps decided"),
                              _("Steps on time"), _("Ratings"), _("Satisfaction rate"),
                              _("Complaints")],
         [[r["name"], r["cases_accepted"], r["cases_completed"], _pct(r["on_time_rate"]),
           _num(r["avg_processing_working_days"]), r["same_day_cases"],
           _pct(r["one_visit_rate"]), r["tasks_decided"], _pct(r["task_on_time_rate"]),
           r["ratings"], _pct(r["satisfaction_rate"]), r["complaints"]]
          for r in data["by_department"]]),
    ]


@bp.get("/reports/export.csv")
@login_required
def export_csv():
    scope = report_scope()
    data = services.summary(scope)
    rows: list[list] = [[_("Report"), data["from"], data["to"], data["hall"] or _("All halls")]]
    for heading, header, table in summary_tables(data):
        rows += [[], [heading], header, *table]
    rows += [[], [_("Definitions")], *[[v] for v in data["definitions"].values()]]
    return _csv_response(rows, f"report-{data['from']}-{data['to']}.csv")


# --- monthly assessment (考核评议) --------------------------------------------------------------
def _month_scope() -> tuple[kpi.Scope, str]:
    raw = request.args.get("month") or service_day().strftime("%Y-%m")
    try:
        first = parse_day(raw + "-01", "month")
    except ValidationError as exc:
        raise ValidationError(_("Some values are not valid."),
                              details={"month": _("Must be a month such as 2026-09.")}) from exc
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    hall = report_hall()
    return kpi.Scope(first, last, hall.id if hall else None), raw


def assessment_tables(data: dict) -> list[tuple[str, list[str], list[list]]]:
    def in_time(r):
        return f'{r["rectifications_in_time"]}/{r["rectifications"]}'

    return [
        (_("Departments"), [_("Department"), _("Cases accepted"), _("Cases completed"),
                            _("On-time rate"), _("Steps decided"), _("Steps on time"),
                            _("Ratings"), _("Satisfaction rate"), _("Complaints"),
                            _("Rectifications closed in time")],
         [[r["name"], r["cases_accepted"], r["cases_completed"], _pct(r["on_time_rate"]),
           r["tasks_decided"], _pct(r["task_on_time_rate"]), r["ratings"],
           _pct(r["satisfaction_rate"]), r["complaints"], in_time(r)]
          for r in data["departments"]]),
        (_("Window staff"), [_("Staff no."), _("Name"), _("Served"), _("No-shows"),
                             _("Average service time (s)"), _("Ratings"),
                             _("Satisfaction rate"), _("Complaints"),
                             _("Rectifications closed in time")],
         [[r["staff_no"], r["name"], r["tickets_served"], r["no_shows"],
           _num(r["avg_service_seconds"]), r["ratings"], _pct(r["satisfaction_rate"]),
           r["complaints"], in_time(r)] for r in data["staff"]]),
    ]


def _assessment_pdf(scope: kpi.Scope, month: str) -> Response:
    data = kpi.assessment(scope)
    hall = data["summary"]["hall"]
    body = pdf.scorecard_pdf({
        "title": _("Monthly assessment %(month)s", month=month),
        "subtitle": _("%(start)s to %(end)s · %(hall)s", start=scope.start.isoformat(),
                      end=scope.end.isoformat(), hall=hall or _("All halls")),
        "tables": assessment_tables(data),
        "notes": list(data["summary"]["definitions"].values()),
    })
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="assessment-{month}.pdf"'})


@bp.get("/reports/assessment.pdf")
@login_required
def assessment_pdf():
    scope, month = _month_scope()
    return _assessment_pdf(scope, month)


@bp.post("/reports/assessment/publish")
@login_required
def publish_assessment():
    """A district manager releases a finished month's assessment (通报) to /disclosure."""
    authorize("reports.publish", None, entity_type="published_assessment")
    raw = request.form.get("month") or ""
    try:
        first = parse_day(raw[:7] + "-01", "month") if len(raw) == 7 else None
        if first is None:
            raise ValidationError(_("Some values are not valid."),
                                  details={"month": _("Must be a month such as 2026-09.")})
        services.publish_assessment(month=first, actor=current_user)
        flash(_("The assessment of %(month)s is published on the disclosure page.",
                month=raw), "info")
    except DomainError as exc:
        message = next(iter(exc.details.values()), None) if exc.details else None
        flash(str(message or exc.message or exc.code), "error")
    return redirect(url_for("reports.reports_page"))


@bp.get("/disclosure/assessment/<month>.pdf")
def public_assessment_pdf(month: str):
    """The published scorecard, public: departments' figures and window staff by name with
    staff number (公示), nothing about applicants. 404 until a manager published it."""
    try:
        first = parse_day(month + "-01", "month") if len(month) == 7 else None
    except ValidationError:
        first = None
    if first is None or services.published_assessment(first) is None:
        raise NotFound(_("No published assessment for this month."))
    return _assessment_pdf(services.month_scope(first), month)


@bp.get("/reports/assessment.csv")
@login_required
def assessment_csv():
    scope, month = _month_scope()
    data = kpi.assessment(scope)
    rows: list[list] = [[_("Monthly assessment %(month)s", month=month)]]
    for heading, header, table in assessment_tables(data):
        rows += [[], [heading], header, *table]
    return _csv_response(rows, f"assessment-{month}.csv")


# --- the rating pad --------------------------------------------------------------------------
@bp.get("/rate/window/<int(max=2147483647):number>")
def rating_pad(number: int):
    hall = resolve_hall(request.args.get("hall"))
    window = window_by_number(hall, number)
    if window is None:
        raise NotFound(_("Unknown window."), code="unknown_window")
    levels = [(score, _(label)) for score, label in LEVELS.items()]
    i18n = _i18n(thanks=_("Thank you for your rating!"), waiting=_("Waiting for the next "
                 "finished service…"), failed=_("Could not send the rating; please try "
                 "again."), rated=_("This service has been rated already."))
    return render_template("reports/pad.html", hall=hall, window=window, levels=levels,
                           i18n=i18n)


@bp.get("/rate/<token>")
def rate_ticket_page(token: str):
    """The applicant's phone: rate a finished ticket (linked from the live ticket page)."""
    from ..queueing.services import ticket_by_token

    ticket = ticket_by_token(token)
    rating = services.rating_for_ticket(ticket)
    levels = [(score, _(label)) for score, label in LEVELS.items()]
    return render_template("reports/rate.html", ticket=ticket, levels=levels,
                           rating=services.rating_json(rating),
                           i18n=_i18n(thanks=_("Thank you for your rating!"),
                                      rated=_("This service has been rated already."),
                                      failed=_("Could not send the rating; please try "
                                               "again.")))


# --- complaints ----------------------------------------------------------------------------
@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit("5/minute;30/hour", methods=["POST"],
               exempt_when=lambda: current_user.is_authenticated)
def complaint_new():
    errors: dict = {}
    form = request.form
    if request.method == "POST":
        data = {k: (form.get(k) or None) for k in ("name", "phone", "subject", "body",
                                                   "hall", "department")}
        window = form.get("window_number", "").strip()
        if window:
            data["window_number"] = int(window) if window.isdigit() and len(window) < 5 \
                else window
        try:
            staff = current_user.is_authenticated
            if staff:
                authorize("complaints.file", None, entity_type="complaint")
            complaint = services.file_complaint(data=complaint_input(Fields(data)),
                                                channel="staff" if staff else "web",
                                                actor=current_user if staff else None)
        except ValidationError as exc:
            errors = exc.details
        else:
            return render_template("reports/complaint_done.html", complaint=complaint)
    return render_template("reports/complaint_new.html", errors=errors, form=form,
                           halls=halls())


@bp.route("/complaints/status", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def complaint_status():
    complaint = None
    error = None
    if request.method == "POST":
        try:
            complaint = services.complaint_by_number(request.form.get("tracking_no", ""),
                                                     request.form.get("phone", ""))
        except DomainError:
            error = _("No complaint matches this number and phone.")
    return render_template("reports/complaint_status.html", complaint=complaint, error=error,
                           data=services.complaint_public_json(complaint) if complaint else None)


@bp.get("/manager/complaints")
@login_required
def complaints_page():
    hall = report_hall()
    rows = services.complaints(hall_id=hall.id if hall else None)
    rects = services.rectifications(hall_id=hall.id if hall else None)
    return render_template("reports/complaints.html", complaints=rows, rectifications=rects,
                           today=service_day(), level=services.level_label)


@bp.post("/manager/complaints/<tracking_no>")
@login_required
def complaint_act(tracking_no: str):
    from ..auth.models import User
    from ..extensions import db

    complaint = services.complaint_by_number(tracking_no)
    authorize("complaints.manage", complaint, entity_type="complaint")
    action = request.form.get("action")
    try:
        if action == "assign":
            user = db.session.execute(db.select(User).where(
                User.username == (request.form.get("username") or ""))).unique() \
                .scalar_one_or_none()
            if user is None:
                raise ValidationError(_("Unknown user."))
            services.assign_complaint(complaint=complaint, assignee=user, actor=current_user)
        elif action == "resolve":
            fields = Fields({"resolution": request.form.get("resolution") or None,
                             "reply": request.form.get("reply") or None})
            resolution = fields.string("resolution", required=True, max_len=4000)
            reply = fields.string("reply", required=True, max_len=4000)
            fields.check()
            services.resolve_complaint(complaint=complaint, resolution=resolution,
                                       reply=reply, actor=current_user)
        elif action == "close":
            services.close_complaint(complaint=complaint, actor=current_user)
        else:
            raise ValidationError(_("Unknown action."))
        flash(_("Saved."), "info")
    except DomainError as exc:
        flash(str(exc.message or exc.code), "error")
    return redirect(url_for("reports.complaints_page"))


# --- rectifications (整改): the head answers ---------------------------------------------
def _may_list_rectifications() -> None:
    if is_department_head():
        authorize("reports.department", current_user.department, entity_type="rectification")
    else:
        authorize("reports.view", current_user.hall, entity_type="rectification")


def _rectifications_page(errors: dict | None = None, form: dict | None = None,
                         failed_id: int | None = None, status: int = 200):
    _may_list_rectifications()
    rows = services.rectifications_for(current_user)
    return render_template("reports/rectifications.html", rectifications=rows,
                           level=services.level_label, days_left=services.working_days_left,
                           errors=errors or {}, form=form or {}, failed_id=failed_id,
                           today=service_day()), status


@bp.get("/manager/rectifications")
@login_required
def rectifications_page():
    return _rectifications_page()


@bp.post("/manager/rectifications/<int(max=2147483647):rect_id>")
@login_required
def rectification_reply(rect_id: int):
    from ..extensions import db
    from .models import Rectification

    rect = db.session.get(Rectification, rect_id)
    if rect is None:
        raise NotFound(_("No such rectification."))
    authorize("rectification.answer", rect, entity_type="rectification")
    form = {"explanation": (request.form.get("explanation") or "").strip() or None,
            "reply": (request.form.get("reply") or "").strip() or None}
    close = request.form.get("action") == "close"
    try:
        fields = Fields(dict(form))
        explanation = fields.string("explanation", max_len=2000)
        reply = fields.string("reply", max_len=2000)
        if close and not explanation and not rect.explanation:
            fields.errors["explanation"] = _("Write what went wrong and what was done.")
        fields.check()
        services.answer_rectification(rect=rect, explanation=explanation, reply=reply,
                                      close=close, actor=current_user)
    except ValidationError as exc:
        return _rectifications_page(errors=exc.details or {"reply": exc.message},
                                    form=form, failed_id=rect.id, status=422)
    except DomainError as exc:
        flash(str(exc.message or exc.code), "error")
        return redirect(url_for("reports.rectifications_page"))
    flash(_("The rectification is closed; the applicant sees the reply.") if close
          else _("Saved."), "info")
    return redirect(url_for("reports.rectifications_page") + f"#rect-{rect.id}")


# --- rating a decided case from the tracking page ------------------------------------------
@bp.app_template_global("case_rating")
def case_rating(tracking_no: str | None) -> dict:
    """For approvals/track.html: the case's rating (with its rectification's reply), or
    whether it can be rated. The number was just checked with its query code."""
    from sqlalchemy import select

    from ..approvals.models import Case
    from ..extensions import db
    from .models import Rating

    case = db.session.execute(select(Case).where(
        Case.tracking_no == (tracking_no or "")[:32])).unique().scalar_one_or_none()
    if case is None:
        return {"rated": False, "can_rate": False}
    rating = db.session.execute(select(Rating).where(
        Rating.case_id == case.id)).scalar_one_or_none()
    return {**services.rating_json(rating), "can_rate": case.status in kpi.DECIDED,
            "levels": [(score, _(label)) for score, label in LEVELS.items()]}


def _track_page(case, *, code: str, status: int = 200, rate_error: str | None = None,
                rate_form: dict | None = None):
    from ..approvals import services as approvals

    return render_template("approvals/track.html", data=approvals.track_json(case),
                           form={"tracking_no": case.tracking_no}, error=None,
                           rate_code=code, rate_error=rate_error,
                           rate_form=rate_form or {}), status


def _track_limited(view):
    from ..approvals.api import track_limit

    return track_limit(view)


@bp.post("/track/rate")
@limiter.limit("30/minute")
@_track_limited
def rate_case_page():
    """The applicant rates their decided case (five levels, optional comment, once)."""
    from ..approvals import services as approvals

    tracking_no = (request.form.get("tracking_no") or "").strip()[:32]
    code = (request.form.get("code") or "").strip()[:32]
    try:
        case = approvals.track(tracking_no, code)
    except NotFound as exc:
        return render_template("approvals/track.html", data=None,
                               form={"tracking_no": tracking_no}, error=str(exc.message)), 404
    raw = request.form.get("score") or ""
    comment = (request.form.get("comment") or "").strip()
    form = {"score": raw, "comment": comment}
    if not (raw.isdigit() and int(raw) in LEVELS):
        return _track_page(case, code=code, status=422, rate_form=form,
                           rate_error=_("Choose one of the five levels."))
    if len(comment) > 500:
        return _track_page(case, code=code, status=422, rate_form=form,
                           rate_error=_("At most %(n)d characters.", n=500))
    try:
        services.rate_case(case=case, score=int(raw), comment=comment or None,
                           source="tracking")
    except DomainError as exc:
        return _track_page(case, code=code, status=409, rate_form=form,
                           rate_error=str(exc.message or exc.code))
    flash(_("Thank you for your rating!"), "info")
    return _track_page(case, code=code)
