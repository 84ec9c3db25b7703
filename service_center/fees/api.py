"""Fee endpoints under /api/v1: payments, refunds and voids, adjustments, the daily
allocation per department, and the per-item rule of when fees are due."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields, json_body
from ..approvals.services import get_case
from ..auth.permissions import authorize, login_required
from ..catalog.services import resolve_hall, service_day
from ..errors import ValidationError
from . import services
from .states import FEE_DUE_CHOICES, MAX_AMOUNT_FEN, METHODS, EntryKind

bp = Blueprint("fees_api", __name__, url_prefix="/api/v1")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, as HTTP headers carry it


def _case(tracking_no: str, permission: str):
    case = get_case(tracking_no)
    authorize(permission, case, entity_type="case", entity_id=case.id)
    return case


def parse_day(raw: str | None) -> date:
    """`YYYY-MM-DD`, today's service day when absent."""
    if not raw:
        return service_day()
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(_("Some values are not valid."),
                              details={"date": _("Must be a date such as 2026-09-29.")}) from exc
    if not 1990 <= day.year <= 2199:
        raise ValidationError(_("Some values are not valid."), details={"date": _("Out of range.")})
    return day


def allocation_hall_id(raw: str | None) -> int | None:
    """A hall's manager sees their hall; district managers and admins all, or one hall."""
    if current_user.hall_id is not None and current_user.role != "admin":
        return current_user.hall_id
    return resolve_hall(raw).id if raw else None


def payment_fields(data: dict) -> tuple[int, str, str | None]:
    fields = Fields(data)
    amount = fields.integer("amount_fen", required=True, minimum=1, maximum=MAX_AMOUNT_FEN)
    method = fields.string("method", required=True, choices=METHODS)
    reference = fields.string("reference", max_len=64) or None
    if method == "transfer" and not reference and "method" not in fields.errors:
        fields.errors["reference"] = _("Give the transfer's reference.")
    fields.check()
    return amount, method, reference


@bp.post("/cases/<tracking_no>/payments")
@login_required
def pay(tracking_no: str):
    amount, method, reference = payment_fields(json_body())
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.fullmatch(key):
        raise ValidationError(_("Some values are not valid."),
                              details={"Idempotency-Key": _("At most 100 printable characters.")})
    case = _case(tracking_no, "fees.pay")
    recorded = services.pay(case=case, amount_fen=amount, method=method, reference=reference,
                            idempotency_key=key, actor=current_user)
    response = jsonify(recorded.answer)
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@bp.get("/cases/<tracking_no>/payments")
@login_required
def ledger(tracking_no: str):
    return jsonify(services.ledger_json(_case(tracking_no, "fees.view")))


def _reverse(tracking_no: str, payment_id: int, kind: str):
    body = json_body()
    fields = Fields(body)
    reason = fields.string("reason", required=True, max_len=2000)
    amount = None
    method = None
    if kind == EntryKind.REFUND:
        amount = fields.integer("amount_fen", minimum=1, maximum=MAX_AMOUNT_FEN)
        method = fields.string("method", choices=METHODS)
    fields.check()
    case = _case(tracking_no, "fees.reverse")
    entry = services.reverse(case=case, payment_id=payment_id, kind=kind, reason=reason,
                             amount_fen=amount, method=method, actor=current_user)
    return jsonify({"entry": services.entry_json(entry),
                    "fees": services.case_fees_json(case)}), 201


@bp.post("/cases/<tracking_no>/payments/<int:payment_id>/refund")
@login_required
def refund(tracking_no: str, payment_id: int):
    return _reverse(tracking_no, payment_id, EntryKind.REFUND)


@bp.post("/cases/<tracking_no>/payments/<int:payment_id>/void")
@login_required
def void(tracking_no: str, payment_id: int):
    return _reverse(tracking_no, payment_id, EntryKind.VOID)


@bp.post("/cases/<tracking_no>/fee-adjustments")
@login_required
def adjust(tracking_no: str):
    fields = Fields(json_body())
    fee_code = fields.string("fee_code", required=True, max_len=20)
    amount = fields.integer("amount_fen", required=True, minimum=-MAX_AMOUNT_FEN,
                            maximum=MAX_AMOUNT_FEN)
    reason = fields.string("reason", required=True, max_len=2000)
    fields.check()
    case = _case(tracking_no, "fees.adjust")
    adjustment = services.adjust(case=case, fee_code=fee_code, amount_fen=amount, reason=reason,
                                 actor=current_user)
    return jsonify({"adjustment": services.adjustment_json(adjustment),
                    "fees": services.case_fees_json(case)}), 201


@bp.get("/fees/allocation")
@login_required
def allocation():
    authorize("fees.allocation", entity_type="fee_allocation")
    day = parse_day(request.args.get("date"))
    return jsonify(services.allocation(day, allocation_hall_id(request.args.get("hall"))))


@bp.get("/service-items/<code>/fee-due")
@login_required
def get_fee_due(code: str):
    authorize("fees.due", entity_type="service_item", entity_id=code[:40])
    return jsonify({"service_item": code[:40], "fee_due": services.item_fee_due(code[:40])})


@bp.put("/service-items/<code>/fee-due")
@login_required
def set_fee_due(code: str):
    authorize("fees.rules", entity_type="service_item")
    fields = Fields(json_body())
    due = fields.string("fee_due", required=True, choices=FEE_DUE_CHOICES)
    fields.check()
    rule = services.set_fee_due(item_code=code[:40], due=due, actor=current_user)
    return jsonify({"service_item": rule.item_code, "fee_due": rule.due})
