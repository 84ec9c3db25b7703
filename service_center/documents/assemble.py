"""From a case to the plain data of each document: display strings in the center's time
zone, amounts as ¥. `case_document` answers None when the kind is not available yet."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from ..approvals.models import Case
from ..approvals.states import CaseStatus
from ..catalog.services import center, center_timezone, localized_name, service_day
from ..fees import services as fee_services
from ..fees.states import EntryKind, FeeDue
from ..money import fen_to_yuan_str, format_fen
from . import kinds

C = CaseStatus
KINDS = ("acceptance-notice", "supplement-notice", "refusal-notice", "fee-notice", "receipt",
         "decision")


def local_time(value: datetime | None) -> str:
    return value.astimezone(center_timezone()).strftime("%Y-%m-%d %H:%M") if value else ""


def local_day(value: datetime | None) -> str:
    return value.astimezone(center_timezone()).date().isoformat() if value else ""


def iso_day(value: date | None) -> str:
    return value.isoformat() if value else ""


def center_name() -> str:
    row = center()
    return localized_name(row) if row is not None else _("Government Service Center")


def _common(case: Case) -> dict:
    return {"center": center_name(), "hall": localized_name(case.hall),
            "tracking_no": case.tracking_no, "service_item": localized_name(case.service_item),
            "applicant": case.applicant_name, "organization": case.applicant_organization}


def _method(method: str | None) -> str:
    return {"cash": _("cash"), "bank_card": _("bank card"),
            "transfer": _("bank transfer")}.get(method or "", method or "")


def _basis(line) -> str:
    if line.basis == "per_unit":
        unit = line.unit or ""
        text = f"¥{fen_to_yuan_str(line.rate_fen or 0)}/{unit} × {line.quantity}"
        if line.min_fen is not None:
            text += " " + _("min. %(amount)s", amount=format_fen(line.min_fen))
        if line.max_fen is not None:
            text += " " + _("max. %(amount)s", amount=format_fen(line.max_fen))
        return text
    return _("fixed")


def acceptance_data(case: Case, query_code: str | None, track_url: str | None) -> dict:
    return {**_common(case), "accepted_at": local_time(case.accepted_at),
            "promised_deadline": iso_day(case.promised_deadline),
            "statutory_deadline": iso_day(case.statutory_deadline),
            "query_code": query_code, "materials": list(case.materials_received or []),
            "track_url": track_url, "issued_on": local_day(case.accepted_at)}


def supplement_data(case: Case) -> dict:
    open_supplement = next((s for s in case.suspensions
                            if s.kind == "supplement" and s.ended_on is None), None)
    issued = open_supplement.started_at if open_supplement else case.registered_at
    return {**_common(case), "missing": list(case.missing_materials or []),
            "reason": open_supplement.reason if open_supplement else None,
            "issued_on": local_day(issued)}


def refusal_data(case: Case) -> dict:
    return {**_common(case), "reason": case.refusal_reason,
            "issued_on": local_day(case.refused_at or case.registered_at)}


def decision_data(case: Case) -> dict:
    approved = case.approved_at is not None and case.rejected_at is None
    department = case.decided_department
    return {**_common(case), "approved": approved, "reason": case.decision_reason,
            "department": localized_name(department) if department else "",
            "legal_basis": case.service_item.legal_basis,
            "issued_on": local_day(case.approved_at if approved else case.rejected_at)}


def fee_notice_data(case: Case, assessment) -> dict:
    bal = fee_services.balance(assessment)
    due = fee_services.fee_due(case.service_item.code)
    by_line = {line.id: line for line, _amount in bal.lines}
    return {**_common(case),
            "lines": [{"department": localized_name(line.department),
                       "name": localized_name(line), "basis": _basis(line),
                       "amount": format_fen(amount)} for line, amount in bal.lines],
            "total": format_fen(bal.due_fen), "outstanding": format_fen(max(
                bal.outstanding_fen, 0)),
            "adjustments": [{"name": localized_name(by_line[a.line_id]),
                             "amount": ("+" if a.amount_fen > 0 else "") + format_fen(a.amount_fen),
                             "reason": a.reason, "at": local_day(a.at)}
                            for a in assessment.adjustments],
            "due": _("before the decision is issued") if due == FeeDue.BEFORE_DECISION
            else _("before the certificate is handed over"),
            "assessed_on": local_day(assessment.assessed_at),
            "issued_on": local_day(assessment.adjustments[-1].at
                                   if assessment.adjustments else assessment.assessed_at)}


def receipt_data(case: Case, payment) -> dict:
    lines = [{"department": localized_name(a.line.department), "name": localized_name(a.line),
              "amount": format_fen(a.amount_fen)} for a in payment.allocations]
    return {**_common(case), "receipt_no": payment.receipt_no or "",
            "paid_at": local_time(payment.at), "paid_on": local_day(payment.at),
            "method": _method(payment.method), "reference": payment.reference,
            "cashier": payment.by.display_name if payment.by else "",
            "lines": lines, "total": format_fen(payment.amount_fen)}


def case_document(case: Case, kind: str, *, query_code: str | None = None,
                  track_url: str | None = None, payment_id: int | None = None) -> bytes | None:
    if kind == "acceptance-notice":
        if case.accepted_at is None:
            return None
        return kinds.acceptance_notice(acceptance_data(case, query_code, track_url))
    if kind == "supplement-notice":
        if not case.missing_materials or case.status not in (C.AWAITING_MATERIALS,
                                                             C.IN_PROGRESS):
            return None
        return kinds.supplement_notice(supplement_data(case))
    if kind == "refusal-notice":
        if case.status != C.REFUSED:
            return None
        return kinds.refusal_notice(refusal_data(case))
    if kind == "decision":
        if case.approved_at is None and case.rejected_at is None:
            return None
        return kinds.decision_letter(decision_data(case))
    assessment = fee_services.assessment_of(case)
    if assessment is None:
        return None
    if kind == "fee-notice":
        return kinds.fee_notice(fee_notice_data(case, assessment))
    if kind == "receipt":
        if payment_id is not None:
            payment = next((e for e in assessment.entries
                            if e.id == payment_id and e.kind == EntryKind.PAYMENT), None)
        else:
            payment = fee_services.last_payment(assessment)
        if payment is None:
            return None
        return kinds.receipt(receipt_data(case, payment))
    return None


def allocation_document(report: dict, hall_name: str) -> bytes:
    return kinds.allocation_report({
        "center": center_name(), "hall": hall_name, "date": report["date"],
        "payments": f"{report['payments']['count']} / "
                    f"{format_fen(report['payments']['amount_fen'])}",
        "reversed": format_fen(report["reversed_fen"]),
        "departments": [{"name": r["name"], "code": r["code"],
                         "amount": format_fen(r["amount_fen"])} for r in report["departments"]],
        "total": format_fen(report["total_fen"]), "printed_on": service_day().isoformat()})
