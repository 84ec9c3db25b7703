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
from .api import complaint_input, parse_day, report_hall, report_scope
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
    hall = report_hall()
    today = service_day()
    start = request.args.get("from") or today.replace(day=1).isoformat()
    end = request.args.get("to") or today.isoformat()
    choices = [h for h in halls() if current_user.hall_id in (None, h.id)]
    i18n = _i18n(loading=_("Loading the report…"), failed=_("Could not load the report."),
                 issued=_("Issued"), served=_("Served"), avg_wait=_("Average wait (min)"),
                 hour=_("Hour"), none=_("No data in this range."))
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return render_template("reports/reports.html", hall=hall, halls=choices, start=start,
                           end=end, i18n=i18n, month=today.strftime("%Y-%m"),
                           last_month=last_month,
                           may_publish=can(current_user, "reports.publish"),
                           published=services.published_assessments())


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
        [_("Cases accepted"), data["cases_accepted"]],
        [_("Cases completed"), data["cases_completed"]],
        [_("On-time rate"), _pct(data["on_time_rate"])],
        [_("Early-completion rate"), _pct(data["early_completion_rate"])],
        [_("One-visit rate"), _pct(data["one_visit_rate"])],
        [_("Open cases past their deadline"), data["overdue_open_cases"]],
        [_("Ratings"), data["ratings"]],
        [_("Satisfaction rate"), _pct(data["satisfaction_rate"])],
        [_("Bad-rating rate"), _pct(data["bad_rating_rate"])],
        [_("Rating coverage"), _pct(data["rating_coverage"])],
        [_("Rectification rate"), _pct(data["rectification_rate"])],
        [_("Complaints"), data["complaints"]],
    ]
    ticket_cols = [_("Served"), _("No-shows"), _("Average wait (s)"),
                   _("Average service time (s)")]

    def tv(r):
        return [r["tickets_served"], r["no_shows"], _num(r["avg_wait_seconds"]),
                _num(r["avg_service_seconds"])]

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
                              _("On-time rate"), _("One-visit rate"), _("Steps decided"),
                              _("Steps on time"), _("Ratings"), _("Satisfaction rate"),
                              _("Complaints")],
         [[r["name"], r["cases_accepted"], r["cases_completed"], _pct(r["on_time_rate"]),
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
