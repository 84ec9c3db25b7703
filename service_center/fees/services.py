"""Fee operations: assess at acceptance, pay exactly the outstanding total, adjust, refund,
void, the gate before decision/handover, the daily allocation per department. Each public
operation that changes money is one transaction (db.transactional) and raises DomainError
subclasses; the assessment's status moves only through lifecycle.transition_to."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from ..approvals import fees_preview
from ..approvals.models import Case
from ..audit import record
from ..catalog.models import Department, ServiceItem
from ..catalog.services import localized_name, service_day
from ..db import transactional, utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..events import queue_event
from ..extensions import db
from ..lifecycle import transition_to
from ..money import fen_to_yuan_str, format_fen, parse_decimal
from ..notifications.services import notify
from ..queueing.models import Ticket
from .models import FeeAdjustment, FeeAllocation, FeeAssessment, FeeDueRule, FeeLine, FeePayment
from .states import (
    ASSESSMENT_TRANSITIONS,
    DEFAULT_FEE_DUE,
    AssessmentStatus,
    EntryKind,
    FeeDue,
)

A, K = AssessmentStatus, EntryKind


# --- reading ---------------------------------------------------------------------------------
def assessment_of(case: Case) -> FeeAssessment | None:
    return db.session.execute(
        select(FeeAssessment).where(FeeAssessment.case_id == case.id)).scalar_one_or_none()


def _signed(entry: FeePayment) -> int:
    return entry.amount_fen if entry.kind == K.PAYMENT else -entry.amount_fen


@dataclass
class Balance:
    """The money of one assessment, derived from its rows."""

    lines: list[tuple[FeeLine, int]]  # (line, current amount after adjustments)
    due_fen: int                      # the current total: assessed + adjustments
    paid_fen: int                     # collected, net of refunds and voids
    allocated: dict[int, int]         # line id -> net allocated

    @property
    def outstanding_fen(self) -> int:
        return self.due_fen - self.paid_fen

    @property
    def status(self) -> AssessmentStatus:
        if self.outstanding_fen > 0:
            return A.UNPAID
        return A.PAID if self.outstanding_fen == 0 else A.CREDIT


def balance(assessment: FeeAssessment) -> Balance:
    adjusted: dict[int, int] = defaultdict(int)
    for adj in assessment.adjustments:
        adjusted[adj.line_id] += adj.amount_fen
    lines = [(line, line.amount_fen + adjusted[line.id]) for line in assessment.lines]
    allocated: dict[int, int] = defaultdict(int)
    for entry in assessment.entries:
        for alloc in entry.allocations:
            allocated[alloc.line_id] += alloc.amount_fen
    return Balance(lines=lines, due_fen=sum(amount for _, amount in lines),
                   paid_fen=sum(_signed(e) for e in assessment.entries), allocated=allocated)


def fee_due(item_code: str) -> str:
    rule = db.session.get(FeeDueRule, item_code)
    return rule.due if rule is not None else str(DEFAULT_FEE_DUE)


def item_fee_due(item_code: str) -> str:
    """The rule of an existing service item; an unknown item is 404, not the default."""
    if db.session.execute(select(ServiceItem.id).where(
            ServiceItem.code == item_code)).first() is None:
        raise NotFound(_("Unknown service item."), code="unknown_service_item")
    return fee_due(item_code)


def last_payment(assessment: FeeAssessment | None) -> FeePayment | None:
    """The latest payment that still stands (not voided, not wholly refunded)."""
    if assessment is None:
        return None
    for entry in reversed(assessment.entries):
        if entry.kind == K.PAYMENT and refundable_fen(assessment, entry) > 0:
            return entry
    return None


def refundable_fen(assessment: FeeAssessment, payment: FeePayment) -> int:
    reversed_fen = sum(e.amount_fen for e in assessment.entries if e.refers_to_id == payment.id)
    return payment.amount_fen - reversed_fen


# --- assessment at acceptance (called inside the approvals transaction) ---------------------
def _decimal_params(params: dict) -> dict[str, Decimal]:
    out = {}
    for name, value in (params or {}).items():
        try:
            out[name] = parse_decimal(value)
        except ValueError:
            continue
    return out


def assess_case(case: Case, actor) -> FeeAssessment:
    """Store the combined assessment of a case being accepted. Runs in the caller's
    transaction; a second call returns the stored one (the assessment is made once)."""
    existing = assessment_of(case) if case.id is not None else None
    if existing is not None:
        return existing
    params = _decimal_params(case.params or {})
    item: ServiceItem = case.service_item
    assessment = FeeAssessment(case_id=case.id, assessed_at=utcnow(),
                               assessed_by_id=getattr(actor, "id", None), total_fen=0,
                               status=str(A.UNPAID))
    # Proxy service is free: only the item's catalog fee items become lines, never the agent.
    for position, fee in enumerate(item.fee_items, start=1):
        rule = fees_preview.FeeRule.from_model(fee)
        try:
            amount = fees_preview.amount_for(rule, params)
        except fees_preview.MissingQuantity as exc:
            raise ValidationError(_("Some values are not valid."), code="fee_parameter_missing",
                                  details={f"params.{exc.param}": _("This field is required.")}
                                  ) from exc
        quantity = params.get(fee.quantity_param or "") if fee.basis == "per_unit" else None
        assessment.lines.append(FeeLine(
            position=position, code=fee.code, name=fee.name, name_en=fee.name_en,
            department_id=fee.department_id, basis=fee.basis, unit=fee.unit,
            quantity=str(quantity) if quantity is not None else None, rate_fen=fee.rate_fen,
            min_fen=fee.min_fen, max_fen=fee.max_fen, amount_fen=amount))
    assessment.total_fen = sum(line.amount_fen for line in assessment.lines)
    assessment.status = str(A.UNPAID if assessment.total_fen > 0 else A.PAID)
    db.session.add(assessment)
    db.session.flush()
    record("fees_assessed", "fee_assessment", assessment.id, actor=actor,
           to_state=assessment.status,
           details={"tracking_no": case.tracking_no, "total_fen": assessment.total_fen,
                    "lines": [{"code": ln.code, "amount_fen": ln.amount_fen}
                              for ln in assessment.lines]})
    if assessment.total_fen > 0:  # tell the applicant (when they left a phone) what to pay
        notify("fee_due", case.applicant_phone, {
            "tracking_no": case.tracking_no, "service_item": item.code, "item_name": item.name,
            "total_fen": assessment.total_fen, "total_yuan": fen_to_yuan_str(assessment.total_fen),
            "due": fee_due(item.code)}, dedupe_key=f"fee_due:{case.id}")
    return assessment


# --- the gate before decision / handover ------------------------------------------------------
def require_paid(case: Case, point: str) -> None:
    """Refuse (409 fees_unpaid) to pass `point` (before_decision | before_handover) while
    fees are outstanding. Fees due before the decision are due before handover too."""
    if point == FeeDue.BEFORE_DECISION and fee_due(case.service_item.code) != point:
        return
    assessment = assessment_of(case)
    if assessment is None:
        return
    outstanding = balance(assessment).outstanding_fen
    if outstanding > 0:
        raise Conflict(_("The fees of this case are not paid yet."), code="fees_unpaid",
                       details={"outstanding_fen": outstanding, "due": point})


# --- answers ---------------------------------------------------------------------------------
def case_fees_json(case: Case) -> dict | None:
    """The `fees` of a case answer: the stored assessment once the case is accepted; before
    that (materials missing) the assessment it would get, marked `assessed: false`."""
    assessment = assessment_of(case) if case.id is not None else None
    if assessment is None:
        rules = [fees_preview.FeeRule.from_model(fee) for fee in case.service_item.fee_items]
        try:
            preview = fees_preview.assess(rules, _decimal_params(case.params or {}))
        except fees_preview.MissingQuantity:
            return None
        return {**preview, "assessed": False, "paid_fen": 0,
                "outstanding_fen": preview["total_fen"], "paid": False,
                "due": fee_due(case.service_item.code)}
    bal = balance(assessment)
    return {
        "items": [{"code": line.code, "department": line.department.code,
                   "name": localized_name(line), "amount_fen": amount,
                   "assessed_fen": line.amount_fen} for line, amount in bal.lines],
        "total_fen": bal.due_fen,
        "assessed": True,
        "assessed_total_fen": assessment.total_fen,
        "paid_fen": bal.paid_fen,
        "outstanding_fen": bal.outstanding_fen,
        "paid": bal.status != A.UNPAID,
        "status": assessment.status,
        "due": fee_due(case.service_item.code),
    }


def track_fees_json(case: Case) -> dict:
    fees = case_fees_json(case)
    if fees is None:
        return {"total_fen": None, "paid": False}
    return {"total_fen": fees["total_fen"], "paid": bool(fees["assessed"] and fees["paid"])}


def entry_json(entry: FeePayment) -> dict:
    from ..queueing.services import iso

    return {"id": entry.id, "kind": entry.kind, "amount_fen": entry.amount_fen,
            "method": entry.method, "reference": entry.reference, "reason": entry.reason,
            "refers_to": entry.refers_to_id, "receipt_no": entry.receipt_no,
            "by": entry.by.username if entry.by else None, "at": iso(entry.at),
            "service_day": entry.service_day.isoformat(),
            "allocations": [{"fee_code": a.line.code, "department": a.line.department.code,
                             "amount_fen": a.amount_fen} for a in entry.allocations]}


def adjustment_json(adj: FeeAdjustment) -> dict:
    from ..queueing.services import iso

    return {"id": adj.id, "fee_code": adj.line.code, "department": adj.line.department.code,
            "amount_fen": adj.amount_fen, "line_before_fen": adj.line_before_fen,
            "line_after_fen": adj.line_after_fen, "reason": adj.reason,
            "by": adj.by.username if adj.by else None, "at": iso(adj.at)}


def ledger_json(case: Case) -> dict:
    assessment = assessment_of(case)
    return {"tracking_no": case.tracking_no, "fees": case_fees_json(case),
            "entries": [entry_json(e) for e in assessment.entries] if assessment else [],
            "adjustments": [adjustment_json(a) for a in assessment.adjustments]
            if assessment else []}


# --- changing money ----------------------------------------------------------------------------
def _assessment_for_update(case: Case) -> FeeAssessment:
    assessment = assessment_of(case)
    if assessment is None:
        raise Conflict(_("This case has no fee assessment yet: it is not accepted."),
                       code="not_assessed", details={"status": case.status})
    # Write the row first: its version check serialises every money operation on the case
    # (the loser's UPDATE matches no row, db.transactional retries it from a fresh read).
    assessment.updated_at = utcnow()
    flag_modified(assessment, "updated_at")
    db.session.flush()
    return assessment


def _settle_status(assessment: FeeAssessment, actor, action: str, **details) -> None:
    db.session.flush()
    db.session.expire(assessment, ["entries", "adjustments"])
    new = balance(assessment).status
    if new != assessment.status:
        transition_to(assessment, ASSESSMENT_TRANSITIONS, new, by=actor,
                      entity_type="fee_assessment", action=action, details=details)
    else:
        record(action, "fee_assessment", assessment.id, actor=actor,
               from_state=assessment.status, to_state=assessment.status, details=details)


def _changed(case: Case) -> None:
    queue_event(db.session, "fees_changed", {"tracking_no": case.tracking_no},
                f"case:{case.tracking_no}")


@dataclass
class Recorded:
    entry: FeePayment
    answer: dict
    replayed: bool = False


@transactional()
def pay(*, case: Case, amount_fen: int, method: str, reference: str | None, actor,
        idempotency_key: str | None = None) -> Recorded:
    """One payment of exactly the outstanding total. The same idempotency key gives the
    first answer again (a double-submitted payment is recorded once)."""
    if idempotency_key:
        earlier = db.session.execute(select(FeePayment).where(
            FeePayment.case_id == case.id,
            FeePayment.idempotency_key == idempotency_key)).scalar_one_or_none()
        if earlier is not None:
            if earlier.amount_fen != amount_fen or earlier.method != method:
                raise ValidationError(
                    _("This idempotency key was used for a different payment."),
                    code="idempotency_key_reused")
            return Recorded(earlier, earlier.answer or {}, replayed=True)
    if method == "transfer" and not reference:
        raise ValidationError(_("Some values are not valid."),
                              details={"reference": _("Give the transfer's reference.")})
    assessment = _assessment_for_update(case)
    bal = balance(assessment)
    if bal.outstanding_fen <= 0:
        raise Conflict(_("The fees of this case are already paid."), code="already_paid",
                       details={"outstanding_fen": bal.outstanding_fen})
    if amount_fen != bal.outstanding_fen:
        raise ValidationError(_("The amount must equal the outstanding total."),
                              code="wrong_amount",
                              details={"amount_fen": _("Must be exactly %(amount)s.",
                                                       amount=format_fen(bal.outstanding_fen)),
                                       "outstanding_fen": bal.outstanding_fen})
    count = sum(1 for e in assessment.entries if e.kind == K.PAYMENT)
    day = service_day()
    entry = FeePayment(case_id=case.id, hall_id=case.hall_id, kind=str(K.PAYMENT),
                       amount_fen=amount_fen, method=method, reference=reference,
                       receipt_no=f"{case.tracking_no}-S{count + 1}",
                       idempotency_key=idempotency_key, by_id=actor.id, at=utcnow(),
                       service_day=day)
    # each line gets what it still lacks: the shares add up to the payment exactly
    for line, amount in bal.lines:
        share = amount - bal.allocated.get(line.id, 0)
        if share:
            entry.allocations.append(FeeAllocation(line_id=line.id,
                                                   department_id=line.department_id,
                                                   hall_id=case.hall_id, amount_fen=share,
                                                   service_day=day))
    assessment.entries.append(entry)
    _settle_status(assessment, actor, "fees_paid", tracking_no=case.tracking_no,
                   amount_fen=amount_fen, method=method, receipt_no=entry.receipt_no)
    db.session.flush()
    answer = {"payment": entry_json(entry), "fees": case_fees_json(case)}
    entry.answer = answer
    _changed(case)
    return Recorded(entry, answer)


@transactional()
def reverse(*, case: Case, payment_id: int, kind: str, reason: str, actor,
            amount_fen: int | None = None, method: str | None = None) -> FeePayment:
    """A refund (part or all of a payment, money handed back) or a void (a payment
    recorded by mistake, reversed whole): a new row naming the payment, with a reason."""
    assessment = _assessment_for_update(case)
    payment = db.session.get(FeePayment, payment_id)
    if payment is None or payment.assessment_id != assessment.id or payment.kind != K.PAYMENT:
        raise NotFound(_("No such payment in this case."), code="unknown_payment")
    left = refundable_fen(assessment, payment)
    if left <= 0:
        raise Conflict(_("This payment is already reversed."), code="already_reversed")
    if kind == K.VOID:
        if left != payment.amount_fen:
            raise Conflict(_("A partly refunded payment cannot be voided; refund the rest."),
                           code="partly_refunded")
        amount_fen = left
    elif amount_fen is None:
        amount_fen = left
    if amount_fen <= 0 or amount_fen > left:
        raise ValidationError(_("Some values are not valid."), code="wrong_amount",
                              details={"amount_fen": _("Must be between 1 and %(fen)d fen.",
                                                       fen=left)})
    bal = balance(assessment)
    day = service_day()
    entry = FeePayment(case_id=case.id, hall_id=case.hall_id, kind=str(kind),
                       amount_fen=amount_fen, method=method or payment.method, reason=reason,
                       refers_to_id=payment.id, by_id=actor.id, at=utcnow(), service_day=day)
    for line_id, share in _reversal_shares(bal, payment, assessment, amount_fen).items():
        line = next(ln for ln, _amount in bal.lines if ln.id == line_id)
        entry.allocations.append(FeeAllocation(line_id=line_id, department_id=line.department_id,
                                               hall_id=case.hall_id, amount_fen=-share,
                                               service_day=day))
    assessment.entries.append(entry)
    _settle_status(assessment, actor, f"fees_{kind}", tracking_no=case.tracking_no,
                   payment_id=payment.id, amount_fen=amount_fen, reason=reason)
    _changed(case)
    return entry


def _reversal_shares(bal: Balance, payment: FeePayment, assessment: FeeAssessment,
                     amount: int) -> dict[int, int]:
    """Which lines a refund takes back: first those collected beyond their (lowered)
    amount, then the rest of this payment's shares, line by line."""
    left_of_payment: dict[int, int] = defaultdict(int)
    for alloc in payment.allocations:
        left_of_payment[alloc.line_id] += alloc.amount_fen
    for entry in assessment.entries:
        if entry.refers_to_id == payment.id:
            for alloc in entry.allocations:
                left_of_payment[alloc.line_id] += alloc.amount_fen
    shares: dict[int, int] = defaultdict(int)
    remaining = amount
    for line, due in bal.lines:
        over = bal.allocated.get(line.id, 0) - due
        take = min(max(over, 0), max(left_of_payment[line.id], 0), remaining)
        if take > 0:
            shares[line.id] += take
            left_of_payment[line.id] -= take
            remaining -= take
    for line, _due in bal.lines:
        take = min(max(left_of_payment[line.id], 0), remaining)
        if take > 0:
            shares[line.id] += take
            remaining -= take
    return dict(shares)


@transactional()
def adjust(*, case: Case, fee_code: str, amount_fen: int, reason: str, actor) -> FeeAdjustment:
    """A manager changes one line after assessment by a signed amount, with a reason."""
    assessment = _assessment_for_update(case)
    bal = balance(assessment)
    found = next(((ln, amt) for ln, amt in bal.lines if ln.code == fee_code), None)
    if found is None:
        raise ValidationError(_("Some values are not valid."), code="unknown_fee",
                              details={"fee_code": _("Not a fee of this case.")})
    line, current = found
    if amount_fen == 0:
        raise ValidationError(_("Some values are not valid."),
                              details={"amount_fen": _("Must not be zero.")})
    if current + amount_fen < 0:
        raise ValidationError(_("Some values are not valid."), code="negative_fee",
                              details={"amount_fen": _("The fee cannot go below zero.")})
    adjustment = FeeAdjustment(assessment_id=assessment.id, line_id=line.id,
                               amount_fen=amount_fen, line_before_fen=current,
                               line_after_fen=current + amount_fen, reason=reason,
                               by_id=actor.id, at=utcnow())
    assessment.adjustments.append(adjustment)
    _settle_status(assessment, actor, "fee_adjusted", tracking_no=case.tracking_no,
                   fee_code=fee_code, amount_fen=amount_fen, before_fen=current,
                   after_fen=current + amount_fen, reason=reason)
    _changed(case)
    return adjustment


@transactional()
def set_fee_due(*, item_code: str, due: str, actor) -> FeeDueRule:
    item = db.session.execute(select(ServiceItem).where(
        ServiceItem.code == item_code)).unique().scalar_one_or_none()
    if item is None:
        raise NotFound(_("Unknown service item."), code="unknown_service_item")
    rule = db.session.get(FeeDueRule, item_code)
    before = rule.due if rule is not None else str(DEFAULT_FEE_DUE)
    if rule is None:
        rule = FeeDueRule(item_code=item_code, due=due)
        db.session.add(rule)
    rule.due = due
    rule.updated_at = utcnow()
    rule.updated_by_id = actor.id
    record("fee_due_set", "service_item", item.id, actor=actor, from_state=before, to_state=due,
           details={"item": item_code})
    return rule


# --- the cashier's look-up ---------------------------------------------------------------------
def find_case(q: str, hall_id: int | None) -> Case | None:
    """A case by its tracking number, or by today's ticket number in the cashier's hall
    (the newest case taken in from that ticket)."""
    q = (q or "").strip().upper()[:32]
    if not q:
        return None
    case = db.session.execute(select(Case).where(Case.tracking_no == q)).unique() \
        .scalar_one_or_none()
    if case is not None:
        return case
    stmt = select(Ticket.id).where(Ticket.number == q, Ticket.service_day == service_day())
    if hall_id is not None:
        stmt = stmt.where(Ticket.hall_id == hall_id)
    ticket_ids = list(db.session.execute(stmt).scalars())
    if not ticket_ids:
        return None
    return db.session.execute(select(Case).where(Case.ticket_id.in_(ticket_ids))
                              .order_by(Case.id.desc()).limit(1)).unique().scalar_one_or_none()


# --- allocation per department ----------------------------------------------------------------
def allocation(day: date, hall_id: int | None = None) -> dict:
    """What the center passes on to each department for one service day: the payments'
    shares minus refunds and voids recorded that day."""
    stmt = (select(FeeAllocation.department_id,
                   func.sum(FeeAllocation.amount_fen),
                   func.count(func.distinct(FeeAllocation.payment_id)))
            .where(FeeAllocation.service_day == day)
            .group_by(FeeAllocation.department_id))
    ledger = select(FeePayment.kind, func.sum(FeePayment.amount_fen), func.count()) \
        .where(FeePayment.service_day == day).group_by(FeePayment.kind)
    if hall_id is not None:
        stmt = stmt.where(FeeAllocation.hall_id == hall_id)
        ledger = ledger.where(FeePayment.hall_id == hall_id)
    sums = {dept_id: (int(total or 0), int(n)) for dept_id, total, n in db.session.execute(stmt)}
    departments = db.session.execute(
        select(Department).where(Department.id.in_(list(sums) or [0])).order_by(Department.code)
    ).scalars().all()
    rows = [{"code": d.code, "name": localized_name(d), "amount_fen": sums[d.id][0],
             "entries": sums[d.id][1]} for d in departments]
    kinds = {kind: (int(total or 0), int(n)) for kind, total, n in db.session.execute(ledger)}
    collected = kinds.get(K.PAYMENT, (0, 0))
    returned = sum(kinds.get(k, (0, 0))[0] for k in (K.REFUND, K.VOID))
    return {"date": day.isoformat(), "departments": rows,
            "total_fen": sum(r["amount_fen"] for r in rows),
            "payments": {"count": collected[1], "amount_fen": collected[0]},
            "reversed_fen": returned, "net_fen": collected[0] - returned}


def by_department(case: Case) -> list[dict]:
    """The assessment's current lines grouped per department, with subtotals (the cashier
    page and the fee notice show one total, but each department's part too)."""
    assessment = assessment_of(case)
    if assessment is None:
        return []
    groups: dict[int, dict] = {}
    for line, amount in balance(assessment).lines:
        group = groups.setdefault(line.department_id, {
            "code": line.department.code, "name": localized_name(line.department),
            "lines": [], "subtotal_fen": 0})
        group["lines"].append({"code": line.code, "name": localized_name(line),
                               "amount_fen": amount, "assessed_fen": line.amount_fen})
        group["subtotal_fen"] += amount
    return list(groups.values())
