from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record
from ..catalog.models import Department, Hall, Window
from ..db import utcnow
from ..errors import PermissionDenied, Unauthorized, ValidationError, error_response
from ..extensions import db
from . import security
from .models import ROLES, ApiToken, User


def load_user(user_id: str) -> User | None:
    """The user of a cookie session, unless the session is from an older generation
    (signed out, password changed, deactivated) or the account is inactive."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or not security.session_is_current(user):
        return None
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_user_from_bearer(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[7:].strip()
    if not token or len(token) > 200:
        return None
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _hash(token))).scalar_one_or_none()
    if row is None or row.revoked or row.expires_at < utcnow() or not row.user.active:
        return None
    req.environ["onewindow.bearer"] = True
    return row.user


def unauthorized():
    if request.path.startswith("/api/"):
        return error_response(401, "unauthorized", _("Please sign in."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def authenticate(username: str, password: str, *, otp: str | None = None) -> User:
    """Check a sign-in for a bearer token (throttling, lockout, password, and the second
    factor when the account has one); audits success and refusal alike."""
    user = security.check_password(username, password)
    method = "password"
    if user.has_totp:
        if not otp:
            record("login", "user", user.id, actor=user, result="incomplete",
                   details={"username": username[:64], "reason": "otp_required"})
            db.session.commit()
            raise Unauthorized(_("Enter the code from your authenticator app."),
                               code="otp_required")
        method = "password+" + security.check_second_factor(user, otp, username)
    elif security.requires_2fa(user):
        security._refuse(user, username, "needs_2fa")
        raise PermissionDenied(_("Your role requires a second factor: sign in on the web "
                                 "page once to set it up."), code="two_factor_enrolment_required")
    if security.password_expired(user):
        security._refuse(user, username, "password_expired")
        raise PermissionDenied(_("Your password has expired; sign in on the web page to "
                                 "choose a new one."), code="password_change_required")
    security.login_succeeded(user, method=method)
    return user


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_HOURS"]
    db.session.add(ApiToken(token_hash=_hash(token), user_id=user.id,
                            expires_at=utcnow() + timedelta(hours=hours)))
    record("token_issued", "user", user.id, actor=user)
    return token


def _resolve_bindings(role: str, department: str | None, hall: str | None,
                      window: int | None, errors: dict):
    """The department, hall and window an account is bound to; problems go into `errors`."""
    hall_row = None
    if hall:
        hall_row = db.session.execute(select(Hall).where(Hall.code == hall)).scalar_one_or_none()
        if hall_row is None:
            errors["hall"] = _("Unknown hall.")
    dept_row = None
    if department:
        dept_row = db.session.execute(
            select(Department).where(Department.code == department)).scalar_one_or_none()
        if dept_row is None:
            errors["department"] = _("Unknown department.")
    if role in ("approver", "dept_head") and dept_row is None and "department" not in errors:
        errors["department"] = _("An approver belongs to a department.")
    window_row = None
    if window is not None:
        if hall_row is None and "hall" not in errors:
            hall_row = db.session.execute(select(Hall).order_by(
                Hall.is_main.desc(), Hall.position, Hall.id)).scalars().first()
        if hall_row is not None:
            window_row = db.session.execute(select(Window).where(
                Window.hall_id == hall_row.id, Window.number == window)).scalar_one_or_none()
        if window_row is None:
            errors["window"] = _("Unknown window.")
    return dept_row, hall_row, window_row


def create_user(*, username: str, password: str, role: str, display_name: str | None = None,
                department: str | None = None, window: int | None = None,
                hall: str | None = None, staff_no: str | None = None, actor=None) -> User:
    """Create a staff account; validates the role's bindings."""
    errors = {}
    username = (username or "").strip()
    if not username or len(username) > 64:
        errors["username"] = _("A username of 1 to 64 characters is required.")
    elif db.session.execute(select(User.id).where(User.username == username)).first():
        errors["username"] = _("This username is taken.")
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    if not password or len(password) < 8:
        errors["password"] = _("The password needs at least 8 characters.")
    dept_row, hall_row, window_row = _resolve_bindings(role, department, hall, window, errors)
    if errors:
        raise ValidationError(_("The account could not be created."), details=errors)
    user = User(username=username, role=role, display_name=display_name or username,
                staff_no=staff_no, department_id=dept_row.id if dept_row else None,
                window_id=window_row.id if window_row else None,
                hall_id=hall_row.id if hall_row else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user_created", "user", user.id, actor=actor, to_state=role,
           details={"username": username})
    return user


def update_user(user: User, *, role: str, display_name: str | None = None,
                staff_no: str | None = None, department: str | None = None,
                window: int | None = None, hall: str | None = None, active: bool = True,
                actor=None) -> User:
    """Change an account's role, bindings and active flag; the caller commits."""
    errors: dict = {}
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    if role not in ("window_staff", "cashier"):
        window = None  # only window roles sit at a window
    dept_row, hall_row, window_row = _resolve_bindings(role, department, hall, window, errors)
    if user.id == getattr(actor, "id", None) and (role != "admin" or not active):
        errors["role" if role != "admin" else "active"] = \
            _("You cannot take away your own administrator access.")
    if errors:
        raise ValidationError(_("The account could not be saved."), details=errors)
    before = {"role": user.role, "active": bool(user.active), "display_name": user.display_name,
              "staff_no": user.staff_no, "department_id": user.department_id,
              "hall_id": user.hall_id, "window_id": user.window_id}
    user.role = role
    user.display_name = (display_name or "").strip() or user.username
    user.staff_no = staff_no or None
    user.department_id = dept_row.id if dept_row else None
    user.hall_id = hall_row.id if hall_row else None
    user.window_id = window_row.id if window_row else None
    user.active = bool(active)
    after = {"role": user.role, "active": user.active, "display_name": user.display_name,
             "staff_no": user.staff_no, "department_id": user.department_id,
             "hall_id": user.hall_id, "window_id": user.window_id}
    changed = {k for k in after if after[k] != before[k]}
    if not active:
        _revoke_tokens(user)
        if before["active"]:
            security.bump_generation(user)  # its open sessions end now
    if changed:
        record("user_updated", "user", user.id, actor=actor,
               from_state=f"{before['role']}/{'active' if before['active'] else 'inactive'}",
               to_state=f"{after['role']}/{'active' if after['active'] else 'inactive'}",
               details={"from": {k: before[k] for k in sorted(changed)},
                        "to": {k: after[k] for k in sorted(changed)}})
    return user


def reset_password(user: User, *, password: str, actor=None) -> User:
    """Set a new password and revoke the account's bearer tokens; the caller commits."""
    if not password or len(password) < 8:
        raise ValidationError(_("The password could not be changed."),
                              details={"password": _("The password needs at least 8 characters.")})
    user.set_password(password)
    _revoke_tokens(user)
    security.bump_generation(user)
    record("password_reset", "user", user.id, actor=actor, from_state="old_password",
           to_state="new_password")
    return user


def change_password(user: User, *, current: str, new: str, confirm: str | None = None) -> User:
    """A user changes their own password: the current one first (a wrong one counts as a
    failed sign-in), then the policy; other sessions and every bearer token end. The
    caller commits and keeps the current session (security.start_session)."""
    errors: dict = {}
    if not user.check_password(current or ""):
        security._refuse(user, user.username, "bad_password", step="change_password")
        raise ValidationError(_("The password could not be changed."),
                              details={"current": _("The current password is not right.")})
    problem = security.password_problem(new, user)
    if problem:
        errors["new"] = problem
    elif confirm is not None and confirm != new:
        errors["confirm"] = _("The two new passwords differ.")
    elif user.check_password(new):
        errors["new"] = _("Choose a password different from the current one.")
    if errors:
        raise ValidationError(_("The password could not be changed."), details=errors)
    user.set_password(new)
    _revoke_tokens(user)
    security.bump_generation(user)
    record("password_changed", "user", user.id, actor=user, from_state="old_password",
           to_state="new_password")
    return user


def _revoke_tokens(user: User) -> None:
    for token in db.session.execute(select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked.is_(False))).scalars():
        token.revoked = True
