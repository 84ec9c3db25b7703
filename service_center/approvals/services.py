"""Case operations: intake, department decisions, supplements, suspensions, proxy agents,
extensions, tracking. Each public operation is one transaction (db.transactional) and
raises DomainError subclasses; every change of state goes through lifecycle.transition_to
or, for changes that are not moves between states, audit.record."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import flag_modified

from ..audit import AuditEvent, record
from ..auth.models import User
from ..calendar import WorkCalendar
from ..catalog.models import Department, ServiceItem
from ..catalog.services import localized_name, service_day, work_calendar
from ..db import transactional, utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..events import queue_event
from ..extensions import db
from ..fees import services as fee_services
from ..lifecycle import transition_to
from ..money import parse_decimal
from ..notifications.services import notify
from ..queueing.models import Ticket
from ..queueing.services import iso
from . import fees_preview
from .models import Case, CaseCounter, CaseStage, CaseTask, Handover, Suspension
from .states import (
    CASE_TRANSITIONS,
    EXTENSION_DAYS_JOINT,
    EXTENSION_DAYS_SINGLE,
    OPEN_CASE,
    STAGE_TRANSITIONS,
    TASK_TRANSITIONS,
    WARNING_WORKING_DAYS,
    CaseStatus,
    StageStatus,
    SuspensionKind,
    TaskStatus,
)

C, S, T = CaseStatus, StageStatus, TaskStatus
# Service-item kinds whose department tasks are independent results (each department's
# annual inspection passes or fails on its own): one rejection does not end the case.
INDEPENDENT_TASK_KINDS = frozenset({"annual_inspection"})
# Called inside decide()'s transaction after a task is approved or rejected, with keyword
# arguments case, task, decision, opinion, actor (other domains register here, e.g.
# inspections records the department's result).
DECISION_HOOKS: list = []


def register_decision_hook(hook) -> None:
    if hook not in DECISION_HOOKS:
        DECISION_HOOKS.append(hook)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 8


@dataclass
class Applicant:
    name: str
    phone: str
    id_number: str | None = None
    organization: str | None = None


@dataclass
class CreatedCase:
    case: Case
    query_code: str


# --- numbers and codes ---------------------------------------------------------------------
def tracking_prefix(item: ServiceItem) -> str:
    head = item.code.split("-")[0]
    prefix = "".join(ch for ch in head if ch.isascii() and ch.isalnum()).upper()[:4]
    return prefix or "CS"


def format_tracking_no(prefix: str, day: date, seq: int) -> str:
    """JS20261128-0001: widens past 9999 rather than wrapping."""
    return f"{prefix}{day:%Y%m%d}-{seq:04d}"


def _next_seq(prefix: str, day: date) -> int:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(CaseCounter).values(prefix=prefix, service_day=day, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CaseCounter.prefix, CaseCounter.service_day],
        set_={"last_seq": CaseCounter.last_seq + 1},
    ).returning(CaseCounter.last_seq)
    return db.session.execute(stmt).scalar_one()


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _code_hash(tracking_no: str, code: str) -> str:
    return hashlib.sha256(f"{tracking_no}:{code}".encode()).hexdigest()


def normalise_code(code: str | None) -> str:
    return (code or "").strip().upper()[:32]


# --- deadlines -----------------------------------------------------------------------------
def warning_days() -> int:
    return int(current_app.config.get("CASE_WARNING_DAYS", WARNING_WORKING_DAYS))


def warning_for(deadline: date | None, reference: date, cal: WorkCalendar | None = None) -> str:
    """none | yellow (≤ warning_days working days left, the deadline day included) |
    red (past)."""
    if deadline is None:
        return "none"
    if reference > deadline:
        return "red"
    cal = cal or work_calendar()
    return "yellow" if cal.working_days_between(reference, deadline) <= warning_days() else "none"


def open_suspension(case: Case) -> Suspension | None:
    for suspension in case.suspensions:
        if suspension.ended_on is None:
            return suspension
    return None


def _reference_day(case: Case) -> date:
    """The clock stands still while suspended: measure from the day it stopped."""
    suspension = open_suspension(case)
    return suspension.started_on if suspension is not None else service_day()


def case_warning(case: Case) -> str:
    if case.status != C.IN_PROGRESS:
        return "none"
    return warning_for(case.promised_deadline, _reference_day(case))


def task_warning(task: CaseTask) -> str:
    if task.status not in (T.ACTIVE, T.RETURNED) or task.case.status != C.IN_PROGRESS:
        return "none"
    return warning_for(task.due_date, _reference_day(task.case))


# --- helpers -------------------------------------------------------------------------------
def get_case(tracking_no: str) -> Case:
    case = db.session.execute(
        select(Case).where(Case.tracking_no == tracking_no)).unique().scalar_one_or_none()
    if case is None:
        raise NotFound(_("No such case."), code="unknown_case")
    return case


def get_task(case: Case, task_id: int) -> CaseTask:
    task = db.session.get(CaseTask, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound(_("No such task in this case."), code="unknown_task")
    return task


def check_version(case: Case, version: int | None) -> None:
    """An edit made against an older view of the case is refused, not merged."""
    if version is not None and version != case.version:
        raise Conflict(_("The case was changed by someone else; reload it and try again."),
                       code="stale_version", details={"current_version": case.version})


def _touch(case: Case) -> None:
    # Every operation writes the case row, so its version column serialises concurrent
    # operations on one case: the loser's UPDATE matches no row, it is retried from a
    # fresh read (db.transactional) and then sees the winner's change.
    case.updated_at = utcnow()
    flag_modified(case, "updated_at")  # an UPDATE even when the time did not change


def _changed(case: Case) -> None:
    payload = {"tracking_no": case.tracking_no, "status": case.status,
               "suspended": case.suspended}
    queue_event(db.session, "case_updated", payload, f"case:{case.tracking_no}")
    for code in sorted({t.department.code for t in case.tasks}):
        queue_event(db.session, "tasks_changed", payload, f"department:{code}")


def _move_case(case: Case, new: str, actor, action: str | None = None, **details) -> None:
    transition_to(case, CASE_TRANSITIONS, new, by=actor, entity_type="case", action=action,
                  details={"tracking_no": case.tracking_no, **details})


def _move_stage(stage: CaseStage, new: str, actor) -> None:
    transition_to(stage, STAGE_TRANSITIONS, new, by=actor, entity_type="case_stage",
                  action=f"stage_{new}",
                  details={"case_id": stage.case_id, "name": stage.name})


def _move_task(task: CaseTask, new: str, actor, action: str | None = None, **details) -> None:
    transition_to(task, TASK_TRANSITIONS, new, by=actor, entity_type="case_task",
                  action=action or f"task_{new}",
                  details={"case_id": task.case_id, "department": task.department.code,
                           **details})


def _department(code: Any, field: str) -> Department:
    department = None
    if isinstance(code, str):
        department = db.session.execute(
            select(Department).where(Department.code == code)).scalar_one_or_none()
    if department is None:
        raise ValidationError(_("Some values are not valid."), code="unknown_department",
                              details={field: _("Unknown department.")})
    return department


# --- intake --------------------------------------------------------------------------------
def clean_params(item: ServiceItem, params: Any) -> dict[str, str]:
    """The item's declared parameters, each required, as canonical decimal strings."""
    if not isinstance(params, dict):
        raise ValidationError(_("Some values are not valid."),
                              details={"params": _("Must be an object.")})
    declared = {p["name"]: p for p in (item.parameters or []) if isinstance(p, dict)}
    errors: dict[str, str] = {}
    for name in params:
        if name not in declared:
            errors[f"params.{name}"] = _("Unknown parameter.")
    out: dict[str, str] = {}
    for name, spec in declared.items():
        value = params.get(name)
        if value is None:
            errors[f"params.{name}"] = _("This field is required.")
            continue
        if spec.get("type", "decimal") == "decimal":
            if isinstance(value, float):
                value = repr(value)
            try:
                number = parse_decimal(value)
            except ValueError:
                errors[f"params.{name}"] = _("Must be a decimal number such as 1200.5.")
                continue
            if number < 0:
                errors[f"params.{name}"] = _("Must not be negative.")
                continue
            out[name] = str(number)
        else:
            if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
                errors[f"params.{name}"] = _("Must be a short text.")
                continue
            out[name] = value.strip()
    if errors:
        raise ValidationError(_("Some values are not valid."), details=errors)
    return out


def _decimal_params(params: dict[str, str]) -> dict[str, Decimal]:
    out = {}
    for name, value in params.items():
        try:
            out[name] = parse_decimal(value)
        except ValueError:
            continue
    return out


def assess_fees(item: ServiceItem, params: dict[str, str]) -> dict:
    rules = [fees_preview.FeeRule.from_model(fee) for fee in item.fee_items]
    try:
        return fees_preview.assess(rules, _decimal_params(params))
    except fees_preview.MissingQuantity as exc:
        raise ValidationError(_("Some values are not valid."), code="fee_parameter_missing",
                              details={f"params.{exc.param}": _("This field is required.")}
                              ) from exc


def case_fees(case: Case) -> dict:
    """The case's combined assessment (the fees domain will store and collect it)."""
    return assess_fees(case.service_item, case.params or {})


def _check_materials(item: ServiceItem, names: Any, field: str = "materials_received") -> list:
    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError(_("Some values are not valid."),
                              details={field: _("Must be a list of material names.")})
    known = {m.name for m in item.materials}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError(_("Some values are not valid."), code="unknown_material",
                              details={field: _("Not a material of this item: %(names)s",
                                                names=", ".join(unknown[:20]))})
    return names


@transactional()
def create_case(*, item_code: str, applicant: Applicant, params: Any,
                materials_received: Any, actor, ticket_id: int | None = None,
                refuse: bool = False, refusal_reason: str | None = None,
                proxy_requested: bool = False) -> CreatedCase:
    return register_case(item_code=item_code, applicant=applicant, params=params,
                         materials_received=materials_received, actor=actor,
                         ticket_id=ticket_id, refuse=refuse, refusal_reason=refusal_reason,
                         proxy_requested=proxy_requested)


def register_case(*, item_code: str, applicant: Applicant, params: Any,
                  materials_received: Any, actor, ticket_id: int | None = None,
                  refuse: bool = False, refusal_reason: str | None = None,
                  proxy_requested: bool = False, hall_id: int | None = None,
                  workflow: list[tuple[str, list[tuple[int, int]]]] | None = None
                  ) -> CreatedCase:
    """create_case inside the caller's transaction (another domain's service that creates
    cases with its own rows, e.g. inspections). `hall_id` places the case when the actor
    is not at a window (a manager scheduling); `workflow` — [(stage name, [(department id,
    days)])] — replaces the item's template (a joint annual inspection covers only the
    departments due)."""
    item = db.session.execute(select(ServiceItem).where(
        ServiceItem.code == item_code)).unique().scalar_one_or_none()
    if item is None or not item.active:
        raise ValidationError(_("Unknown service item."), code="unknown_service_item",
                              details={"service_item": item_code})
    window = actor.window
    if window is None and hall_id is None:
        raise Conflict(_("Your account is not at a window."), code="no_window")
    clean = clean_params(item, params)
    received_names = set(_check_materials(item, materials_received))
    received = [m.name for m in item.materials if m.name in received_names]
    missing = [m.name for m in item.materials if m.name not in received_names]
    if ticket_id is not None and db.session.get(Ticket, ticket_id) is None:
        raise ValidationError(_("Some values are not valid."), code="unknown_ticket",
                              details={"ticket_id": _("No such ticket.")})
    if refuse and not refusal_reason:
        raise ValidationError(_("Some values are not valid."),
                              details={"reason": _("Give the reason for refusing intake.")})
    if proxy_requested and not item.proxy_service:
        raise ValidationError(_("Some values are not valid."), code="no_proxy_service",
                              details={"proxy_requested": _("This item has no proxy service.")})
    assess_fees(item, clean)  # refuses parameters the fees need but lack

    day = service_day()
    prefix = tracking_prefix(item)
    tracking_no = format_tracking_no(prefix, day, _next_seq(prefix, day))
    code = new_query_code()
    if refuse:
        status = C.REFUSED
    else:
        status = C.AWAITING_MATERIALS if missing else C.IN_PROGRESS
    case = Case(tracking_no=tracking_no, query_hash=_code_hash(tracking_no, code),
                service_item_id=item.id,
                hall_id=window.hall_id if window is not None else hall_id,
                window_id=window.id if window is not None else None,
                accepted_by_id=actor.id, ticket_id=ticket_id,
                applicant_name=applicant.name, applicant_phone=applicant.phone,
                applicant_id_number=applicant.id_number,
                applicant_organization=applicant.organization,
                params=clean, materials_received=received, missing_materials=missing,
                status=C.AWAITING_MATERIALS if status == C.IN_PROGRESS else status,
                suspended=True, registered_at=utcnow(), refusal_reason=refusal_reason,
                refused_at=utcnow() if refuse else None,
                proxy_requested=bool(proxy_requested) and not refuse)
    # every task of every stage exists from the start, pending until its stage opens
    if workflow is None:
        workflow = [(template.name, [(t.department_id, t.days) for t in template.tasks])
                    for template in item.stages]
    with db.session.no_autoflush:
        for stage_position, (stage_name, stage_tasks) in enumerate(workflow, start=1):
            stage = CaseStage(position=stage_position, name=stage_name, status=S.PENDING)
            case.stages.append(stage)
            for position, (department_id, days) in enumerate(stage_tasks, start=1):
                task = CaseTask(stage_position=stage_position, position=position,
                                department_id=department_id, days=days, status=T.PENDING)
                stage.tasks.append(task)
                case.tasks.append(task)
    db.session.add(case)
    db.session.flush()
    record("refused" if refuse else "registered", "case", case.id, actor=actor,
           to_state=case.status,
           details={"tracking_no": tracking_no, "service_item": item.code,
                    "missing_materials": missing, "reason": refusal_reason,
                    "proxy_requested": case.proxy_requested})
    if status == C.IN_PROGRESS:
        _accept(case, day, actor)
    _changed(case)
    return CreatedCase(case, code)


def _notify_applicant(case: Case, kind: str, **payload: Any) -> None:
    """A message to the applicant, when they left a phone: an outbox row in this transaction,
    so a change that rolls back notifies nobody."""
    item = case.service_item
    notify(kind, case.applicant_phone, {"tracking_no": case.tracking_no,
                                        "service_item": item.code, "item_name": item.name,
                                        **payload})


def _notify_decided(case: Case, decision: str, reason: str | None,
                    department: Department | None) -> None:
    _notify_applicant(case, "case_decided", decision=decision, reason=reason,
                      department=department.name if department is not None else None)


def _accept(case: Case, day: date, actor) -> None:
    """Materials complete: the clock starts the working day after `day` (次日起算)."""
    _move_case(case, C.IN_PROGRESS, actor, action="accepted")
    cal = work_calendar()
    item = case.service_item
    case.accepted_at = utcnow()
    case.accepted_on = day
    case.clock_started_on = cal.add_working_days(day, 1)[0]
    case.promised_deadline, provisional_p = cal.add_working_days(day, item.promised_days)
    case.statutory_deadline, provisional_s = cal.add_working_days(day, item.statutory_days)
    case.deadline_provisional = provisional_p or provisional_s
    case.suspended = False
    case.missing_materials = []
    fee_services.assess_case(case, actor)  # the combined assessment, stored once (issue 5)
    if not _open_next_stage(case, day, actor):
        _move_case(case, C.APPROVED, actor)
        _notify_decided(case, "approved", None, None)  # an item without approval steps


def _open_next_stage(case: Case, day: date, actor) -> bool:
    """Open the first pending stage: its tasks become active with due dates counted in
    working days from `day`. False when no stage is left."""
    stage = next((s for s in case.stages if s.status == S.PENDING), None)
    if stage is None:
        return False
    cal = work_calendar()
    _move_stage(stage, S.ACTIVE, actor)
    stage.opened_on = day
    for task in stage.tasks:
        _move_task(task, T.ACTIVE, actor)
        task.activated_on = day
        task.due_date, task.due_provisional = cal.add_working_days(day, task.days)
    return True


# --- decisions -----------------------------------------------------------------------------
@transactional()
def decide(*, case: Case, task: CaseTask, decision: str, opinion: str | None,
           missing: list[str] | None, actor, version: int | None = None) -> CaseTask:
    check_version(case, version)
    if task.status != T.ACTIVE:
        raise Conflict(_("This step is not open for a decision."), code="task_not_active",
                       details={"status": task.status})
    if case.status != C.IN_PROGRESS:
        raise Conflict(_("This case is not in progress."), code="case_not_in_progress",
                       details={"status": case.status})
    if case.suspended:
        raise Conflict(_("The case is suspended; wait until it resumes."),
                       code="case_suspended")
    if decision in ("reject", "supplement") and not opinion:
        raise ValidationError(_("Some values are not valid."),
                              details={"opinion": _("Give the reason.")})
    today = service_day()
    task.decided_by_id = actor.id
    task.decided_at = utcnow()
    task.opinion = opinion
    stage = task.stage
    independent = case.service_item.kind in INDEPENDENT_TASK_KINDS
    if decision in ("approve", "reject"):
        _move_task(task, T.APPROVED if decision == "approve" else T.REJECTED, actor,
                   opinion=opinion)
        for hook in DECISION_HOOKS:
            hook(case=case, task=task, decision=decision, opinion=opinion, actor=actor)
    waiting = independent and any(t.status in (T.ACTIVE, T.RETURNED) for t in stage.tasks)
    rejected = next((t for t in stage.tasks if t.status == T.REJECTED), None)
    if decision == "approve" and waiting:
        pass
    elif decision == "approve" and rejected is None:
        if all(t.status == T.APPROVED for t in stage.tasks):
            _move_stage(stage, S.APPROVED, actor)
            if not _open_next_stage(case, today, actor):
                fee_services.require_paid(case, "before_decision")
                case.decision_reason = opinion
                case.decided_department_id = task.department_id
                _move_case(case, C.APPROVED, actor, department=task.department.code)
                _notify_decided(case, "approved", opinion, task.department)
    elif decision in ("approve", "reject"):
        # a rejection ends the case at once, except where each department's task stands
        # alone (annual inspections): then once the last department has decided
        if waiting:
            pass
        else:
            failed = task if decision == "reject" else rejected
            _move_stage(stage, S.REJECTED, actor)
            case.decision_reason = failed.opinion
            case.decided_department_id = failed.department_id
            _move_case(case, C.REJECTED, actor, department=failed.department.code,
                       reason=failed.opinion)
            _notify_decided(case, "rejected", failed.opinion, failed.department)
    else:
        _move_task(task, T.RETURNED, actor, opinion=opinion, missing=missing or [])
        case.missing_materials = list(missing or [opinion])
        _suspend(case, SuspensionKind.SUPPLEMENT, opinion, today, actor)
        # the one-time notice by SMS: everything missing at once (一次性告知)
        _notify_applicant(case, "supplement_needed", missing=list(case.missing_materials),
                          reason=opinion, department=task.department.name)
    _touch(case)
    db.session.flush()
    _changed(case)
    return task


# --- the clock: suspensions ------------------------------------------------------------------
def _suspend(case: Case, kind: str, reason: str | None, day: date, actor) -> Suspension:
    if open_suspension(case) is not None:
        raise Conflict(_("The case is already suspended."), code="already_suspended")
    suspension = Suspension(case_id=case.id, kind=str(kind), reason=reason,
                            started_at=utcnow(), started_on=day,
                            started_by_id=getattr(actor, "id", None))
    case.suspensions.append(suspension)
    case.suspended = True
    record("suspended", "case", case.id, actor=actor, from_state=case.status,
           to_state=case.status, details={"tracking_no": case.tracking_no, "kind": str(kind),
                                          "reason": reason})
    return suspension


def _resume(case: Case, suspension: Suspension, day: date, actor) -> int:
    """End the pause; every running deadline moves by the working days it lasted."""
    cal = work_calendar()
    lost = cal.working_days_between(suspension.started_on, day)
    suspension.ended_at = utcnow()
    suspension.ended_on = day
    suspension.working_days = lost
    suspension.ended_by_id = getattr(actor, "id", None)
    case.paused_working_days += lost
    if lost:
        provisional = case.deadline_provisional
        if case.promised_deadline is not None:
            case.promised_deadline, p = cal.add_working_days(case.promised_deadline, lost)
            provisional = provisional or p
        if case.statutory_deadline is not None:
            case.statutory_deadline, p = cal.add_working_days(case.statutory_deadline, lost)
            provisional = provisional or p
        case.deadline_provisional = provisional
        for task in case.tasks:
            if task.status in (T.ACTIVE, T.RETURNED) and task.due_date is not None:
                task.due_date, p = cal.add_working_days(task.due_date, lost)
                task.due_provisional = task.due_provisional or p
    case.suspended = False
    record("resumed", "case", case.id, actor=actor, from_state=case.status, to_state=case.status,
           details={"tracking_no": case.tracking_no, "kind": suspension.kind,
                    "working_days": lost})
    return lost


@transactional()
def supplement(*, case: Case, materials: Any, note: str | None, actor,
               version: int | None = None) -> Case:
    """The applicant brought what was missing. Before acceptance: once nothing is missing
    the case is accepted and its clock starts. After a department's request: the clock
    resumes and the returned steps are active again."""
    check_version(case, version)
    today = service_day()
    if case.status == C.AWAITING_MATERIALS:
        names = _check_materials(case.service_item, materials, "materials")
        brought = set(names) if materials is not None else set(case.missing_materials)
        received = set(case.materials_received) | brought
        case.materials_received = [m.name for m in case.service_item.materials
                                   if m.name in received]
        case.missing_materials = [m.name for m in case.service_item.materials
                                  if m.name not in received]
        record("materials_received", "case", case.id, actor=actor, from_state=case.status,
               to_state=case.status, details={"tracking_no": case.tracking_no,
                                              "materials": sorted(brought), "note": note})
        if not case.missing_materials:
            _accept(case, today, actor)
    elif case.status == C.IN_PROGRESS:
        suspension = open_suspension(case)
        if suspension is None or suspension.kind != SuspensionKind.SUPPLEMENT:
            raise Conflict(_("No supplement was asked for this case."),
                           code="no_supplement_requested")
        if materials is not None and (not isinstance(materials, list) or not all(
                isinstance(m, str) and len(m) <= 200 for m in materials)):
            raise ValidationError(_("Some values are not valid."),
                                  details={"materials": _("Must be a list of material names.")})
        record("materials_received", "case", case.id, actor=actor, from_state=case.status,
               to_state=case.status, details={"tracking_no": case.tracking_no,
                                              "materials": materials or case.missing_materials,
                                              "note": note})
        case.missing_materials = []
        _resume(case, suspension, today, actor)
        for task in case.tasks:
            if task.status == T.RETURNED:
                _move_task(task, T.ACTIVE, actor, action="task_reopened")
    else:
        raise Conflict(_("This case is closed."), code="case_closed",
                       details={"status": case.status})
    _touch(case)
    db.session.flush()
    _changed(case)
    return case


@transactional()
def suspend(*, case: Case, kind: str, reason: str, actor, version: int | None = None) -> Case:
    """A manager stops the clock (expert review, testing, hearing, public notice)."""
    check_version(case, version)
    if case.status != C.IN_PROGRESS:
        raise Conflict(_("Only a case in progress has a running clock."),
                       code="case_not_in_progress", details={"status": case.status})
    _suspend(case, kind, reason, service_day(), actor)
    _touch(case)
    db.session.flush()
    _changed(case)
    return case


@transactional()
def resume(*, case: Case, reason: str | None, actor, version: int | None = None) -> Case:
    check_version(case, version)
    suspension = open_suspension(case)
    if case.status != C.IN_PROGRESS or suspension is None:
        raise Conflict(_("The case is not suspended."), code="not_suspended")
    if suspension.kind == SuspensionKind.SUPPLEMENT:
        raise Conflict(_("The case waits for a supplement; record the supplement instead."),
                       code="awaiting_supplement")
    _resume(case, suspension, service_day(), actor)
    _touch(case)
    db.session.flush()
    _changed(case)
    return case


@transactional()
def extend(*, case: Case, reason: str, actor, version: int | None = None) -> Case:
    """Once per case: +10 working days for one department, +15 for a joint case."""
    check_version(case, version)
    if case.status != C.IN_PROGRESS:
        raise Conflict(_("Only a case in progress can be extended."),
                       code="case_not_in_progress", details={"status": case.status})
    if case.extension_days:
        raise Conflict(_("This case has already been extended once."), code="already_extended")
    departments = {t.department_id for t in case.tasks}
    days = EXTENSION_DAYS_SINGLE if len(departments) <= 1 else EXTENSION_DAYS_JOINT
    cal = work_calendar()
    before = {"promised": iso_date(case.promised_deadline),
              "statutory": iso_date(case.statutory_deadline)}
    # Both limits move: the promise to the applicant cannot stay shorter than the law's.
    case.statutory_deadline, p1 = cal.add_working_days(case.statutory_deadline, days)
    case.promised_deadline, p2 = cal.add_working_days(case.promised_deadline, days)
    case.deadline_provisional = case.deadline_provisional or p1 or p2
    case.extension_days = days
    case.extension_reason = reason
    case.extended_at = utcnow()
    case.extended_by_id = actor.id
    record("extended", "case", case.id, actor=actor, from_state=case.status,
           to_state=case.status,
           details={"tracking_no": case.tracking_no, "days": days, "reason": reason,
                    "before": before, "statutory": iso_date(case.statutory_deadline),
                    "promised": iso_date(case.promised_deadline)})
    _touch(case)
    db.session.flush()
    _changed(case)
    return case


# --- proxy agents ----------------------------------------------------------------------------
@transactional()
def assign_agent(*, case: Case, username: str, actor, version: int | None = None) -> Case:
    check_version(case, version)
    if not case.service_item.proxy_service:
        raise ValidationError(_("This item has no proxy service."), code="no_proxy_service")
    if case.status not in OPEN_CASE:
        raise Conflict(_("This case is closed."), code="case_closed",
                       details={"status": case.status})
    agent = db.session.execute(select(User).where(User.username == username)).unique() \
        .scalar_one_or_none()
    if agent is None or agent.role != "proxy_agent" or not agent.active:
        raise ValidationError(_("Some values are not valid."), code="unknown_agent",
                              details={"username": _("Not an active proxy agent.")})
    previous = case.proxy_agent.username if case.proxy_agent else None
    case.proxy_agent_id = agent.id
    record("proxy_agent_assigned", "case", case.id, actor=actor, from_state=case.status,
           to_state=case.status, details={"tracking_no": case.tracking_no,
                                          "from": previous, "to": agent.username})
    _touch(case)
    db.session.flush()
    db.session.refresh(case)
    _changed(case)
    return case


@transactional()
def hand_over(*, case: Case, from_department: str, to_department: str, note: str | None,
              actor) -> Handover:
    if case.status in (C.REFUSED, C.WITHDRAWN, C.COMPLETED):
        raise Conflict(_("This case is closed."), code="case_closed",
                       details={"status": case.status})
    source = _department(from_department, "from_department")
    target = _department(to_department, "to_department")
    if source.id == target.id:
        raise ValidationError(_("Some values are not valid."),
                              details={"to_department": _("Must differ from the sender.")})
    handover = Handover(case_id=case.id, from_department_id=source.id,
                        to_department_id=target.id, agent_id=actor.id, at=utcnow(), note=note)
    case.handovers.append(handover)
    db.session.flush()
    record("handover", "case", case.id, actor=actor, from_state=case.status,
           to_state=case.status, details={"tracking_no": case.tracking_no,
                                          "from": source.code, "to": target.code,
                                          "note": note})
    _touch(case)
    return handover


# --- closing -------------------------------------------------------------------------------
@transactional()
def complete(*, case: Case, actor, version: int | None = None) -> Case:
    """The decision (approval or rejection) was handed to the applicant."""
    check_version(case, version)
    if case.status == C.APPROVED:
        fee_services.require_paid(case, "before_handover")
    _move_case(case, C.COMPLETED, actor)
    _touch(case)
    db.session.flush()
    _changed(case)
    return case


@transactional()
def withdraw(*, case: Case, reason: str, actor, version: int | None = None) -> Case:
    check_version(case, version)
    _move_case(case, C.WITHDRAWN, actor, reason=reason)
    suspension = open_suspension(case)
    if suspension is not None:
        suspension.ended_at = utcnow()
        suspension.ended_on = service_day()
    case.suspended = True
    _touch(case)
    db.session.flush()
    _changed(case)
    return case


# --- lists ---------------------------------------------------------------------------------
_URGENCY = {"red": 0, "yellow": 1, "none": 2}


def inbox(*, department_id: int, status: str = T.ACTIVE, warning: str | None = None,
          q: str | None = None) -> list[CaseTask]:
    """A department's steps of cases in progress, soonest due first."""
    stmt = (select(CaseTask).join(Case, Case.id == CaseTask.case_id)
            .where(CaseTask.department_id == department_id, CaseTask.status == status))
    if status in (T.ACTIVE, T.RETURNED):
        stmt = stmt.where(Case.status == C.IN_PROGRESS)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Case.tracking_no.ilike(like), Case.applicant_name.ilike(like),
                              Case.applicant_organization.ilike(like)))
    stmt = stmt.order_by(CaseTask.due_date, CaseTask.id).limit(500)
    tasks = list(db.session.execute(stmt).unique().scalars())
    if warning:
        tasks = [t for t in tasks if task_warning(t) == warning]
    return tasks


def agent_cases(*, agent_id: int, include_closed: bool = False) -> list[Case]:
    """A proxy agent's cases, most urgent first: overdue, then near the deadline, then
    by the promised deadline."""
    stmt = select(Case).where(Case.proxy_agent_id == agent_id)
    if not include_closed:
        stmt = stmt.where(Case.status.in_([str(s) for s in OPEN_CASE]))
    cases = list(db.session.execute(stmt.limit(500)).unique().scalars())
    return sorted(cases, key=lambda c: (_URGENCY[case_warning(c)],
                                        c.promised_deadline or date.max, c.id))


def list_cases(*, hall_id: int | None = None, status: str | None = None,
               warning: str | None = None, q: str | None = None,
               proxy_requested: bool = False, limit: int = 300) -> list[Case]:
    """Cases for the managers' list, newest first; `hall_id` scopes a hall's manager."""
    stmt = select(Case)
    if hall_id is not None:
        stmt = stmt.where(Case.hall_id == hall_id)
    if status:
        stmt = stmt.where(Case.status == status)
    if proxy_requested:
        stmt = stmt.where(Case.proxy_requested.is_(True), Case.proxy_agent_id.is_(None))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Case.tracking_no.ilike(like), Case.applicant_name.ilike(like),
                              Case.applicant_organization.ilike(like)))
    stmt = stmt.order_by(Case.registered_at.desc(), Case.id.desc()).limit(limit)
    cases = list(db.session.execute(stmt).unique().scalars())
    if warning:
        cases = [c for c in cases if case_warning(c) == warning]
    return cases


def intake_items(q: str | None = None) -> list[ServiceItem]:
    """Active catalog items for the intake window's search (code, name, English name)."""
    stmt = select(ServiceItem).where(ServiceItem.active.is_(True))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(ServiceItem.code.ilike(like), ServiceItem.name.ilike(like),
                              ServiceItem.name_en.ilike(like)))
    return list(db.session.execute(stmt.order_by(ServiceItem.code).limit(100)).unique()
                .scalars())


def get_item(code: str | None) -> ServiceItem:
    item = None
    if code:
        item = db.session.execute(select(ServiceItem).where(
            ServiceItem.code == code[:40])).unique().scalar_one_or_none()
    if item is None or not item.active:
        raise NotFound(_("Unknown service item."), code="unknown_service_item")
    return item


def proxy_agents() -> list[User]:
    """Active proxy agents, for a manager's assignment."""
    return list(db.session.execute(
        select(User).where(User.role == "proxy_agent", User.active.is_(True))
        .order_by(User.username)).unique().scalars())


def timeline(case: Case) -> list[AuditEvent]:
    stage_ids = [str(s.id) for s in case.stages]
    task_ids = [str(t.id) for t in case.tasks]
    conditions = [and_(AuditEvent.entity_type == "case", AuditEvent.entity_id == str(case.id))]
    if stage_ids:
        conditions.append(and_(AuditEvent.entity_type == "case_stage",
                               AuditEvent.entity_id.in_(stage_ids)))
    if task_ids:
        conditions.append(and_(AuditEvent.entity_type == "case_task",
                               AuditEvent.entity_id.in_(task_ids)))
    return list(db.session.execute(
        select(AuditEvent).where(or_(*conditions), AuditEvent.result == "ok")
        .order_by(AuditEvent.at, AuditEvent.id)).scalars())


# --- tracking (public) -----------------------------------------------------------------------
def track(tracking_no: str, code: str) -> Case:
    """The case, if the number and code match. A wrong code answers exactly like an
    unknown number, so the answer never tells whether a number exists."""
    tracking_no = (tracking_no or "")[:32]
    case = db.session.execute(
        select(Case).where(Case.tracking_no == tracking_no)).unique().scalar_one_or_none()
    expected = case.query_hash if case is not None else "0" * 64
    ok = hmac.compare_digest(expected, _code_hash(tracking_no, normalise_code(code)))
    if case is None or not ok:
        raise NotFound(_("No case matches this number and query code."), code="not_found")
    return case


# --- serialisers (one per resource) ------------------------------------------------------------
def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def department_json(department: Department) -> dict:
    return {"code": department.code, "name": localized_name(department)}


def task_json(task: CaseTask) -> dict:
    return {
        "id": task.id,
        "department": department_json(task.department),
        "days": task.days,
        "status": task.status,
        "activated_on": iso_date(task.activated_on),
        "due_date": iso_date(task.due_date),
        "provisional": task.due_provisional,
        "warning": task_warning(task),
        "decided_by": task.decided_by.display_name if task.decided_by else None,
        "decided_at": iso(task.decided_at),
        "opinion": task.opinion,
    }


def _fees_json(case: Case) -> dict | None:
    return fee_services.case_fees_json(case)  # the stored assessment (fees domain)


def case_json(case: Case, *, events: bool = True) -> dict:
    agent = case.proxy_agent
    suspension = open_suspension(case)
    data = {
        "tracking_no": case.tracking_no,
        "service_item": {"code": case.service_item.code,
                         "name": localized_name(case.service_item),
                         "proxy_service": case.service_item.proxy_service},
        "status": case.status,
        "suspended": case.suspended,
        "suspension": ({"kind": suspension.kind, "reason": suspension.reason,
                        "since": iso_date(suspension.started_on)} if suspension else None),
        "version": case.version,
        "hall": case.hall.code,
        "applicant": {"name": case.applicant_name, "phone": case.applicant_phone,
                      "id_number": case.applicant_id_number,
                      "organization": case.applicant_organization},
        "params": case.params or {},
        "materials_received": list(case.materials_received or []),
        "missing_materials": list(case.missing_materials or []),
        "registered_at": iso(case.registered_at),
        "accepted_at": iso(case.accepted_at),
        "clock_started_on": iso_date(case.clock_started_on),
        "promised_deadline": iso_date(case.promised_deadline),
        "statutory_deadline": iso_date(case.statutory_deadline),
        "provisional": case.deadline_provisional,
        "paused_working_days": case.paused_working_days,
        "extension": ({"days": case.extension_days, "reason": case.extension_reason,
                       "at": iso(case.extended_at)} if case.extension_days else None),
        "warning": case_warning(case),
        "refusal_reason": case.refusal_reason,
        "decision": ({"department": department_json(case.decided_department),
                      "reason": case.decision_reason}
                     if case.decided_department is not None else None),
        "proxy_agent": ({"username": agent.username, "name": agent.display_name,
                         "phone": agent.phone} if agent else None),
        "proxy_requested": case.proxy_requested,
        "stages": [{"id": s.id, "position": s.position, "name": s.name, "status": s.status,
                    "opened_on": iso_date(s.opened_on),
                    "tasks": [task_json(t) for t in s.tasks]} for s in case.stages],
        "handovers": [{"from_department": h.from_department.code,
                       "to_department": h.to_department.code,
                       "agent": h.agent.username if h.agent else None,
                       "at": iso(h.at), "note": h.note} for h in case.handovers],
        "suspensions": [{"kind": s.kind, "reason": s.reason,
                         "started_on": iso_date(s.started_on),
                         "ended_on": iso_date(s.ended_on), "working_days": s.working_days}
                        for s in case.suspensions],
        "fees": _fees_json(case),
    }
    if events:
        data["events"] = [{"at": iso(e.at), "action": e.action, "by": e.actor_name,
                           "from": e.from_state, "to": e.to_state, "details": e.details or {}}
                          for e in timeline(case)]
    return data


def track_json(case: Case) -> dict:
    """What the applicant sees: progress, no staff names, personal data masked."""
    agent = case.proxy_agent
    return {
        "tracking_no": case.tracking_no,
        "service_item": localized_name(case.service_item),
        "applicant": mask_name(case.applicant_organization or case.applicant_name),
        "status": case.status,
        "accepted_at": iso(case.accepted_at),
        "promised_deadline": iso_date(case.promised_deadline),
        "statutory_deadline": iso_date(case.statutory_deadline),
        "provisional": case.deadline_provisional,
        "warning": case_warning(case),
        "suspended": case.suspended,
        "missing_materials": list(case.missing_materials or []),
        "refusal_reason": case.refusal_reason,
        "decision_reason": case.decision_reason,
        "stages": [{"name": s.name, "status": s.status,
                    "tasks": [{"department": localized_name(t.department), "status": t.status,
                               "due_date": iso_date(t.due_date),
                               "completed_at": iso(t.decided_at)
                               if t.status in (T.APPROVED, T.REJECTED) else None}
                              for t in s.tasks]} for s in case.stages],
        "proxy_agent": {"name": agent.display_name, "phone": agent.phone} if agent else None,
        "registered_at": iso(case.registered_at),
        "decided_at": iso(case.approved_at or case.rejected_at),
        "completed_at": iso(case.completed_at),
        "hall": localized_name(case.hall),
        "supplements": [{"asked_on": iso_date(s.started_on), "reason": s.reason,
                         "received_on": iso_date(s.ended_on)}
                        for s in case.suspensions if s.kind == SuspensionKind.SUPPLEMENT],
        "paused": [{"kind": s.kind, "since": iso_date(s.started_on),
                    "until": iso_date(s.ended_on)}
                   for s in case.suspensions if s.kind != SuspensionKind.SUPPLEMENT],
        "fees": fee_services.track_fees_json(case),
    }


def inbox_json(task: CaseTask) -> dict:
    case = task.case
    return {
        **task_json(task),
        "stage": task.stage.name,
        "case": {"tracking_no": case.tracking_no,
                 "service_item": localized_name(case.service_item),
                 "applicant": case.applicant_organization or case.applicant_name,
                 "suspended": case.suspended, "version": case.version},
    }


def agent_case_json(case: Case) -> dict:
    active = [t for t in case.tasks if t.status in (T.ACTIVE, T.RETURNED)]
    return {
        "tracking_no": case.tracking_no,
        "service_item": localized_name(case.service_item),
        "applicant": case.applicant_organization or case.applicant_name,
        "status": case.status,
        "suspended": case.suspended,
        "promised_deadline": iso_date(case.promised_deadline),
        "statutory_deadline": iso_date(case.statutory_deadline),
        "warning": case_warning(case),
        "missing_materials": list(case.missing_materials or []),
        "current_departments": [t.department.code for t in active],
    }
