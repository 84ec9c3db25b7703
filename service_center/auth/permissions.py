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


RULES: dict[str, Callable[[Any, Any], bool]] = {
    "window.operate": _window_operate,
    "ticket.operate": _ticket_operate,
    "queue.view": _hall_staff,
    "catalog.admin": lambda user, obj: user.role == "admin",
    "users.admin": lambda user, obj: user.role == "admin",
    "console.use": lambda user, obj: user.role in WINDOW_ROLES and user.window_id is not None,
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
