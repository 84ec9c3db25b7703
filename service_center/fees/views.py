"""Fee pages: the cashier's window and the managers' daily allocation (page, CSV, PDF)."""

from __future__ import annotations

import csv
import io
import uuid

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import authorize, can, login_required
from ..catalog.services import halls, localized_name
from ..errors import DomainError, ValidationError
from ..money import fen_to_yuan_str, parse_yuan
from . import services
from .api import allocation_hall_id, parse_day
from .states import MAX_AMOUNT_FEN, METHODS

bp = Blueprint("fees", __name__)


def _cashier_page(q: str = "", *, case=None, error: str | None = None,
                  errors: dict | None = None, form: dict | None = None, status: int = 200):
    ledger = services.ledger_json(case) if case is not None else None
    return render_template(
        "fees/cashier.html", q=q, case=case, ledger=ledger,
        departments=services.by_department(case) if case is not None else [],
        can_pay=case is not None and can(current_user, "fees.pay", case),
        error=error, errors=errors or {}, form=form or {}, methods=METHODS,
        idempotency_key=uuid.uuid4().hex), status


@bp.get("/cashier")
@login_required
def cashier():
    authorize("cashier.use", entity_type="cashier")
    q = (request.args.get("q") or "").strip()[:32]
    if not q:
        return _cashier_page()
    case = services.find_case(q, current_user.window.hall_id if current_user.window else None)
    if case is None:
        return _cashier_page(q, error=_("No case matches this tracking or ticket number."),
                             status=404)
    authorize("fees.view", case, entity_type="case", entity_id=case.id)
    return _cashier_page(q, case=case)


@bp.post("/cashier/pay")
@login_required
def cashier_pay():
    authorize("cashier.use", entity_type="cashier")
    form = request.form.to_dict()
    tracking_no = (form.get("tracking_no") or "").strip()[:32]
    case = services.find_case(tracking_no, None)
    if case is None:
        return _cashier_page(tracking_no, error=_("No case matches this tracking or ticket "
                                                  "number."), status=404)
    authorize("fees.pay", case, entity_type="case", entity_id=case.id)
    try:
        errors = {}
        try:
            amount = parse_yuan((form.get("amount") or "").strip())
            if amount <= 0 or amount > MAX_AMOUNT_FEN:
                raise ValueError("out of range")
        except ValueError:
            errors["amount"] = _("Enter the amount in yuan, such as 1200.00.")
        method = form.get("method")
        if method not in METHODS:
            errors["method"] = _("Choose how the fee is paid.")
        reference = (form.get("reference") or "").strip()[:64] or None
        if method == "transfer" and not reference:
            errors["reference"] = _("Give the transfer's reference.")
        if errors:
            raise ValidationError(_("Some values are not valid."), details=errors)
        key = (form.get("idempotency_key") or "")[:100] or None
        recorded = services.pay(case=case, amount_fen=amount, method=method,
                                reference=reference, idempotency_key=key, actor=current_user)
    except DomainError as exc:
        return _cashier_page(tracking_no, case=case, error=str(exc.message),
                             errors=exc.details, form=form, status=exc.status)
    flash(_("Payment recorded. Receipt number %(no)s.", no=recorded.entry.receipt_no), "ok")
    return redirect(url_for("fees.cashier", q=case.tracking_no, paid=recorded.entry.id))


def _allocation(day_raw: str | None, hall_raw: str | None):
    authorize("fees.allocation", entity_type="fee_allocation")
    day = parse_day(day_raw)
    hall_id = allocation_hall_id(hall_raw)
    hall = next((h for h in halls() if h.id == hall_id), None)
    return day, hall, services.allocation(day, hall_id)


@bp.get("/fees/allocation")
@login_required
def allocation_page():
    try:
        day, hall, report = _allocation(request.args.get("date"), request.args.get("hall"))
    except ValidationError as exc:
        return render_template("fees/allocation.html", error=str(exc.message), report=None,
                               halls=halls(), hall=None, day=None), 422
    return render_template("fees/allocation.html", report=report, day=day, hall=hall,
                           halls=halls() if current_user.hall_id is None else [],
                           error=None)


@bp.get("/fees/allocation.csv")
@login_required
def allocation_csv():
    day, hall, report = _allocation(request.args.get("date"), request.args.get("hall"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "hall", "department_code", "department", "amount_yuan",
                     "amount_fen"])
    hall_code = hall.code if hall else "ALL"
    for row in report["departments"]:
        writer.writerow([report["date"], hall_code, row["code"], row["name"],
                         fen_to_yuan_str(row["amount_fen"]), row["amount_fen"]])
    writer.writerow([report["date"], hall_code, "TOTAL", "", fen_to_yuan_str(report["total_fen"]),
                     report["total_fen"]])
    # UTF-8 with BOM: spreadsheet programs then read the Chinese names correctly
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="allocation-{report["date"]}.csv"'})


@bp.get("/fees/allocation.pdf")
@login_required
def allocation_pdf():
    from ..documents.assemble import allocation_document

    day, hall, report = _allocation(request.args.get("date"), request.args.get("hall"))
    pdf = allocation_document(report, localized_name(hall) if hall else _("All halls"))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="allocation-{report["date"]}.pdf"'})
