"""The one permission helper. Every view and endpoint asks `authorize()`; the rules
live in RULES, one function per permission, so the authorization matrix can be read
(and tested) in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from ..audit import record_refusal
from ..errors import PermissionDenied, Unauthorized
from .models import ROLES

WINDOW_ROLES = ("window_staff", "cashier")


def _same_hall(user, hall_id: int | None) -> bool:
    return user.hall_id is None or hall_id is None or user.hall_id == hall_id


def _window_operate(user, window) -> bool:
    return user.role in WINDOW_ROLES and window is not None and user.window_id == window.id


def _ticket_operate(user, ticket) -> bool:
    return (user.role in WINDOW_ROLES and ticket is not None and ticket.window_id is not None
            and user.window_id == ticket.window_id)


def _hall_staff(user, hall) -> bool:
    hall_id = getattr(hall, "id", hall)
    if user.role == "admin":
        return True
    if user.role == "manager":
        return _same_hall(user, hall_id)
    if user.role in WINDOW_ROLES:
        return user.window is not None and user.window.hall_id == hall_id
    return False


# --- cases (approvals): `obj` is the Case, or the CaseTask for a decision -------------------
def _case_hall_window_staff(user, case) -> bool:
    return (user.role == "window_staff" and user.window is not None
            and user.window.hall_id == case.hall_id)


def _case_agent(user, case) -> bool:
    return user.role == "proxy_agent" and case.proxy_agent_id == user.id


def _case_manager(user, case) -> bool:
    return user.role == "manager" and _same_hall(user, case.hall_id)


def _case_view(user, case) -> bool:
    if user.role == "admin" or _case_manager(user, case) or _case_agent(user, case):
        return True
    if _case_hall_window_staff(user, case):
        return True
    return (user.role == "approver" and user.department_id is not None
            and any(t.department_id == user.department_id for t in case.tasks))


def _task_decide(user, task) -> bool:
    return (user.role == "approver" and user.department_id is not None
            and task.department_id == user.department_id)


# --- fees: `obj` is the Case -------------------------------------------------------------------
def _fees_collect(user, case) -> bool:
    """Cashiers and window staff collect fees for cases of their own hall."""
    return (user.role in WINDOW_ROLES and user.window is not None
            and user.window.hall_id == case.hall_id)


def _case_documents(user, case) -> bool:
    return _case_view(user, case) or _fees_collect(user, case)


# --- reports (issue 6): `obj` is the Hall a report covers, None for the whole district -----
def _reports_view(user, hall) -> bool:
    if user.role == "admin":
        return True
    if user.role != "manager":
        return False
    return user.hall_id is None or (hall is not None and getattr(hall, "id", hall) == user.hall_id)


def _hall_item_manage(user, item) -> bool:
    """A rectification or complaint: admin, a district manager, or the manager of its hall."""
    if user.role == "admin":
        return True
    return user.role == "manager" and _same_hall(user, getattr(item, "hall_id", None))


# --- enterprises and annual inspections (issue 10) ----------------------------------------------
def _inspection_result(user, result) -> bool:
    """A department's result of a joint inspection: that department's approvers."""
    return (user.role == "approver" and user.department_id is not None
            and result is not None and result.department_id == user.department_id)


def _inspection_book(user, obj) -> bool:
    return user.role in ("admin", "manager") or (user.role == "window_staff"
                                                  and user.window_id is not None)


def _inspection_period(user, obj) -> bool:
    """Centralized inspection periods: administrators, and managers of the period's hall
    (`obj` the period, or the hall of a new one; a district manager: every hall)."""
    hall_id = getattr(obj, "hall_id", getattr(obj, "id", None)) if obj is not None else None
    return user.role == "admin" or (user.role == "manager" and _same_hall(user, hall_id))


def _department_head(user, department) -> bool:
    """A department head (role dept_head) for their own department only."""
    return (user.role == "dept_head" and user.department_id is not None
            and getattr(department, "id", department) == user.department_id)


def _reports_department(user, department) -> bool:
    """A department's report: admin, a manager, or that department's head."""
    return user.role in ("admin", "manager") or _department_head(user, department)


def _rectification_answer(user, rect) -> bool:
    """The hall's manager (or a district one, admin), or the head of the rated department."""
    return _hall_item_manage(user, rect) or _department_head(
        user, getattr(rect, "department_id", None))


# --- door-to-door service (issue 10): `obj` is the DoorRequest, or the Hall for a new one ----
def _door_hall_id(obj) -> int | None:
    return getattr(obj, "hall_id", getattr(obj, "id", obj))


def _door_manage(user, obj) -> bool:
    """Assign, reassign, cancel: an administrator or a manager of the request's hall."""
    return user.role == "admin" or (user.role == "manager"
                                    and _same_hall(user, _door_hall_id(obj)))


def _door_desk(user, obj) -> bool:
    """Enter a request for an applicant: managers, and window staff of that hall."""
    return _door_manage(user, obj) or (user.role == "window_staff" and user.window is not None
                                       and user.window.hall_id == _door_hall_id(obj))


def _door_serve(user, req) -> bool:
    """Record the visit's result, link or create its case: the assigned staff member."""
    return _door_manage(user, req) or (req is not None and req.assignee_id is not None
                                       and req.assignee_id == user.id)


def _door_route(user, other) -> bool:
    """A route list: one's own (staff who make visits), or any of a manager's hall."""
    if other is not None and other.id == user.id:
        return user.role in ("window_staff", "proxy_agent", "manager", "admin")
    if user.role == "admin":
        return True
    hall_id = None
    if other is not None:
        hall_id = other.window.hall_id if other.window is not None else other.hall_id
    # a hall's manager: that hall's staff only; the route of staff without a hall (proxy
    # agents, district managers) may carry any hall's visits, so it is the district's
    return user.role == "manager" and (user.hall_id is None or hall_id == user.hall_id)


RULES: dict[str, Callable[[Any, Any], bool]] = {
    "window.operate": _window_operate,
    "ticket.operate": _ticket_operate,
    "queue.view": _hall_staff,
    "display.notice": lambda user, hall: (user.role in ("admin", "manager")
                                          and _hall_staff(user, hall)),
    "catalog.admin": lambda user, obj: user.role == "admin",
    "users.admin": lambda user, obj: user.role == "admin",
    "console.use": lambda user, obj: user.role in WINDOW_ROLES and user.window_id is not None,
    "case.create": lambda user, obj: user.role == "window_staff" and user.window_id is not None,
    "case.view": _case_view,
    "case.supplement": lambda user, case: (_case_hall_window_staff(user, case)
                                           or _case_agent(user, case)),
    "case.hand_over": _case_agent,
    "case.complete": lambda user, case: (_case_hall_window_staff(user, case)
                                         or _case_agent(user, case)),
    "case.manage": _case_manager,
    "task.decide": _task_decide,
    "tasks.inbox": lambda user, obj: user.role == "approver" and user.department_id is not None,
    "agent.inbox": lambda user, obj: user.role == "proxy_agent",
    "fees.pay": _fees_collect,
    "fees.view": _case_documents,
    "fees.adjust": _case_manager,
    "fees.reverse": _case_manager,
    "fees.allocation": lambda user, obj: user.role in ("admin", "manager"),
    "fees.rules": lambda user, obj: user.role == "admin",
    # when an item's fees fall due: every staff role works with it (intake, cashier,
    # decisions, the agent's handover), so any signed-in account with a known role
    "fees.due": lambda user, obj: user.role in ROLES,
    "cashier.use": lambda user, obj: user.role in WINDOW_ROLES and user.window_id is not None,
    "case.documents": _case_documents,
    "reports.view": _reports_view,
    # the district's assessment results (通报) are released by a district manager
    "reports.publish": lambda user, obj: user.role == "manager" and user.hall_id is None,
    "rectification.answer": _rectification_answer,
    "reports.department": _reports_department,
    "complaints.manage": _hall_item_manage,
    "complaints.file": lambda user, obj: user.role in ("admin", "manager", *WINDOW_ROLES),
    "enterprise.view": lambda user, obj: user.role in ("admin", "manager", "window_staff",
                                                       "approver"),
    "enterprise.register": _inspection_book,
    "enterprise.manage": lambda user, obj: user.role in ("admin", "manager"),
    "inspection.book": _inspection_book,
    "inspection.period": _inspection_period,
    "inspection.result": _inspection_result,
    "door.manage": _door_manage,
    "door.create": _door_desk,
    "door.view": lambda user, req: _door_desk(user, req) or _door_serve(user, req),
    "door.serve": _door_serve,
    "door.route": _door_route,
}


def can(user, permission: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    rule = RULES[permission]
    return bool(rule(user, obj))


def authorize(permission: str, obj: Any = None, *, entity_type: str = "", entity_id: Any = None,
              user=None) -> None:
    """Raise (and audit) unless the signed-in user may do `permission` on `obj`."""
    user = user if user is not None else current_user
    if user is None or not getattr(user, "is_authenticated", False):
        raise Unauthorized(_("Please sign in."))
    if not can(user, permission, obj):
        record_refusal(permission, entity_type or permission.split(".")[0],
                       entity_id if entity_id is not None else getattr(obj, "id", None),
                       actor=user, reason="role or assignment does not allow it")
        raise PermissionDenied(_("You are not allowed to do this."))


def login_required(view):
    """Like flask_login.login_required, but answers 401 JSON on the API."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from flask import current_app

            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app

                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                record_refusal(f"role:{'|'.join(roles)}", "endpoint", view.__name__,
                               actor=current_user, reason=f"role {current_user.role}")
                raise PermissionDenied(_("You are not allowed to do this."))
            return view(*args, **kwargs)

        return wrapped

    return decorator
