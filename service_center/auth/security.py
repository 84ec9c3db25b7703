"""Sign-in security (ASVS L2): throttling and lockout with backoff, the TOTP second factor,
session lifetime (idle, absolute, no reuse after logout) and the password policy.

Everything that must hold across processes lives in the database: failed attempts
(`LoginAttempt`), the consecutive-failure counter and lock on `User`, and the user's
`session_generation`, which every cookie session carries and which logout, a password
change or reset, and deactivation bump."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pyotp
from flask import current_app, flash, has_request_context, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from ..audit import record
from ..db import utcnow
from ..errors import DomainError, PermissionDenied, Unauthorized, ValidationError, error_response
from ..extensions import db
from . import models
from .models import LoginAttempt, User

FAILURES = ("bad_password", "bad_otp")
TOTP_STEP_SECONDS = 30
RECOVERY_CODES = 8
PENDING_2FA_SECONDS = 300


class TooManyAttempts(DomainError):
    status = 429
    code = "rate_limited"


def wrong_credentials() -> Unauthorized:
    """The one answer for an unknown user, a wrong password, a wrong code and a locked
    account: nothing tells an attacker which accounts exist or are locked."""
    return Unauthorized(_("Wrong username or password."))


def _cfg(name: str):
    return current_app.config[name]


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


_dummy: dict[str, str] = {}


def _dummy_check(password: str) -> None:
    """Spend the time of one password check when there is no account to check against."""
    if "hash" not in _dummy:
        _dummy["hash"] = models.generate_password_hash(secrets.token_hex(16))
    check_password_hash(_dummy["hash"], password)


# --- throttling and lockout --------------------------------------------------------------------
def address_throttled(ip: str | None, now: datetime) -> bool:
    limit = _cfg("LOGIN_MAX_FAILURES_PER_ADDRESS_HOUR")
    if not limit or not ip:
        return False
    count = db.session.execute(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.ip == ip, LoginAttempt.at > now - timedelta(hours=1),
        LoginAttempt.outcome.in_(FAILURES))).scalar_one()
    return count >= limit


def locked_until(user: User, now: datetime) -> datetime | None:
    """When the account's lock ends, or None when it may try to sign in."""
    if user.locked_until is not None and user.locked_until > now:
        return user.locked_until
    limit = _cfg("LOGIN_MAX_FAILURES_PER_HOUR")
    if limit:
        window = db.session.execute(select(func.count(LoginAttempt.id), func.min(LoginAttempt.at))
                                    .where(LoginAttempt.user_id == user.id,
                                           LoginAttempt.at > now - timedelta(hours=1),
                                           LoginAttempt.outcome.in_(FAILURES))).one()
        if window[0] >= limit:
            return window[1] + timedelta(hours=1)
    return None


def lock_minutes(failures: int) -> float:
    """Exponential backoff: from the threshold on, each failure locks for twice as long."""
    threshold = _cfg("LOGIN_LOCKOUT_THRESHOLD")
    if threshold <= 0 or failures < threshold:
        return 0
    minutes = _cfg("LOGIN_LOCKOUT_MINUTES") * 2 ** min(failures - threshold, 30)
    return min(minutes, _cfg("LOGIN_LOCKOUT_MAX_MINUTES"))


def _refuse(user: User | None, username: str, outcome: str, **details) -> None:
    """Keep the refusal (attempt row, counters, audit) in its own transaction: the error
    that follows rolls the request back."""
    now = utcnow()
    db.session.rollback()
    active = user is not None and user.active
    db.session.add(LoginAttempt(at=now, username=username[:64], ip=client_ip(), outcome=outcome,
                                user_id=user.id if user is not None else None))
    audit_details = {"username": username[:64], "reason": outcome, **details}
    result = "denied" if outcome in FAILURES else outcome
    if active and outcome in FAILURES:
        failures = db.session.execute(
            update(User).where(User.id == user.id)
            .values(failed_logins=func.coalesce(User.failed_logins, 0) + 1)
            .returning(User.failed_logins)).scalar_one()
        audit_details["failures"] = failures
        minutes = lock_minutes(failures)
        if minutes:
            until = now + timedelta(minutes=minutes)
            db.session.execute(update(User).where(User.id == user.id).values(locked_until=until))
            record("account_locked", "user", user.id, actor=user, result="locked",
                   to_state="locked", details={"minutes": minutes, "failures": failures,
                                               "until": until.isoformat()})
    record("login", "user", user.id if user is not None else None, actor=user, result=result,
           details=audit_details)
    db.session.commit()


def check_password(username: str, password: str) -> User:
    """The first step of every sign-in: address throttle, account lock, password."""
    now = utcnow()
    if address_throttled(client_ip(), now):
        _refuse(None, username, "throttled")
        raise TooManyAttempts(_("Too many failed sign-ins from this address; please wait "
                                "a while and try again."))
    user = db.session.execute(
        select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        _dummy_check(password)
        ok = False
    else:
        ok = user.check_password(password)
    if user is not None and user.active:
        until = locked_until(user, now)
        if until is not None:
            _refuse(user, username, "locked", until=until.isoformat())
            raise wrong_credentials()
    if not ok or user is None or not user.active:
        _refuse(user, username, "bad_password")
        raise wrong_credentials()
    return user


def check_second_factor(user: User, code: str | None, username: str | None = None) -> str:
    """The second step for an account with TOTP: a current code (never one used before)
    or an unused recovery code. Wrong codes count like wrong passwords."""
    username = username or user.username
    if user.active:
        until = locked_until(user, utcnow())
        if until is not None:
            _refuse(user, username, "locked", until=until.isoformat(), step="otp")
            raise wrong_credentials()
    method = use_second_factor(user, code or "")
    if method is None:
        _refuse(user, username, "bad_otp")
        raise wrong_credentials()
    return method


def login_succeeded(user: User, *, method: str) -> None:
    now = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.user_id == user.id,
                                                  LoginAttempt.at < now - timedelta(days=1)))
    record("login", "user", user.id, actor=user, details={"method": method})


def unlock(user: User, *, actor=None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.user_id == user.id))
    record("account_unlocked", "user", user.id, actor=actor, from_state="locked",
           to_state="active")


# --- TOTP (RFC 6238) ---------------------------------------------------------------------------
def requires_2fa(user: User) -> bool:
    roles = {r.strip() for r in str(_cfg("REQUIRE_2FA_ROLES") or "").split(",") if r.strip()}
    return user.role in roles


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits from `secrets`


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username,
                                               issuer_name=_cfg("TOTP_ISSUER"))


def qr_data_uri(text: str) -> str:
    """The enrolment QR code as an inline SVG image (the CSP allows data: images)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def totp_step(secret: str, code: str) -> int | None:
    """The time step whose code this is (the current one, or one step either side for
    clock drift), or None."""
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time() // TOTP_STEP_SECONDS)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]+", "", code).lower().encode()).hexdigest()


def new_recovery_codes() -> tuple[list[str], list[str]]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    return codes, [_recovery_hash(c) for c in codes]


def use_second_factor(user: User, code: str) -> str | None:
    """Consume a TOTP code or a recovery code; None when it is wrong or already used."""
    if not user.totp_secret:
        return None
    step = totp_step(user.totp_secret, code)
    if step is not None:
        # atomic: of two requests with the same code, only one moves the step forward
        moved = db.session.execute(update(User).where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)).rowcount
        return "totp" if moved == 1 else None
    digest = _recovery_hash(code)
    if 8 <= len(code) <= 40 and digest in (user.recovery_codes or []):
        user.recovery_codes = [h for h in user.recovery_codes if h != digest]
        return "recovery_code"
    return None


def confirm_totp(user: User, *, secret: str, code: str) -> list[str]:
    """Enrol: the first code from the app proves it holds the secret. Returns the recovery
    codes (shown once; only their hashes are stored). The caller commits."""
    step = totp_step(secret, code)
    if step is None:
        record("2fa_enrolment", "user", user.id, actor=user, result="denied")
        raise ValidationError(_("That code is not right; check the time on your phone and "
                                "try the next code."), details={"code": _("Wrong code.")})
    codes, hashes = new_recovery_codes()
    before = "enrolled" if user.totp_secret else "none"
    user.totp_secret = secret
    user.totp_last_step = step
    user.recovery_codes = hashes
    record("2fa_enrolled", "user", user.id, actor=user, from_state=before, to_state="totp")
    return codes


def disable_totp(user: User, *, password: str, actor=None) -> None:
    if requires_2fa(user):
        raise PermissionDenied(_("Your role requires a second factor."))
    if not user.check_password(password or ""):
        record("2fa_disable", "user", user.id, actor=actor or user, result="denied")
        raise ValidationError(_("The password is not right."),
                              details={"password": _("The password is not right.")})
    _clear_totp(user)
    record("2fa_disabled", "user", user.id, actor=actor or user, from_state="totp",
           to_state="none")


def reset_totp(user: User, *, actor=None) -> None:
    """An administrator's reset (a lost phone): the user enrols again."""
    _clear_totp(user)
    user.session_generation = (user.session_generation or 0) + 1
    record("2fa_reset", "user", user.id, actor=actor, from_state="totp", to_state="none")


def _clear_totp(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = None


# --- passwords ---------------------------------------------------------------------------------
COMMON = {"password", "123456", "12345678", "123456789", "1234567890", "qwerty", "111111",
          "abc123", "password1", "iloveyou", "admin", "welcome", "letmein", "onewindow"}


def password_problem(password: str, user: User | None = None) -> str | None:
    """Why a password chosen by a user is refused (ASVS 2.1: length, not trivially weak);
    no composition rules."""
    minimum = _cfg("PASSWORD_MIN_LENGTH")
    if not password or len(password) < minimum:
        return _("The password needs at least %(n)d characters.", n=minimum)
    if len(password) > 256:
        return _("At most %(n)d characters.", n=256)
    lowered = password.lower()
    if len(set(password)) < 4 or lowered.strip("0123456789") in COMMON:
        return _("This password is too easy to guess.")
    if user is not None and len(user.username) >= 3 and user.username.lower() in lowered:
        return _("The password must not contain your username.")
    return None


def password_expired(user: User) -> bool:
    days = _cfg("PASSWORD_MAX_AGE_DAYS")
    if not days or days <= 0:
        return False
    changed = user.password_changed_at or user.created_at
    return changed is None or changed < utcnow() - timedelta(days=days)


# --- sessions ----------------------------------------------------------------------------------
MUST_ENROL = "_must_enrol_2fa"
MUST_CHANGE = "_must_change_password"
PENDING = "_2fa_pending"


def start_session(user: User) -> None:
    """Sign the browser in; the session carries the account's generation and its times."""
    session.pop(PENDING, None)
    login_user(user)
    now = time.time()
    session["_gen"] = user.session_generation or 0
    session["_auth_at"] = now
    session["_seen"] = now
    session.pop(MUST_ENROL, None)
    session.pop(MUST_CHANGE, None)
    if requires_2fa(user) and not user.has_totp:
        session[MUST_ENROL] = True
    if password_expired(user):
        session[MUST_CHANGE] = True


def bump_generation(user: User) -> None:
    """End every cookie session of this account (logout, password, deactivation)."""
    db.session.execute(update(User).where(User.id == user.id).values(
        session_generation=func.coalesce(User.session_generation, 0) + 1))
    db.session.refresh(user, ["session_generation"])


def session_is_current(user: User) -> bool:
    if not has_request_context() or getattr(request, "environ", {}).get("onewindow.bearer"):
        return True
    return session.get("_gen") == (user.session_generation or 0)


def end_session() -> None:
    logout_user()
    for key in ("_gen", "_auth_at", "_seen", MUST_ENROL, MUST_CHANGE, PENDING):
        session.pop(key, None)


# endpoints a signed-in user may reach before finishing a forced step
_OPEN_ENDPOINTS = {"auth.login", "auth.logout", "auth.login_2fa", "auth.two_factor",
                   "auth.change_password", "static", "web.set_language", "web.health"}


def guard_request():
    """Before every request: end idle or too old sessions, and hold a user who must enrol
    a second factor or change the password on that page."""
    if "_user_id" not in session:
        return None
    now = time.time()
    idle = _cfg("SESSION_IDLE_MINUTES") * 60
    absolute = _cfg("SESSION_MAX_HOURS") * 3600
    seen, started = session.get("_seen"), session.get("_auth_at")
    reason = None
    if not isinstance(seen, int | float) or not isinstance(started, int | float):
        reason = "no_timestamps"
    elif idle > 0 and now - seen > idle:
        reason = "idle"
    elif absolute > 0 and now - started > absolute:
        reason = "absolute"
    if reason:
        user_id = session.get("_user_id")
        end_session()
        user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
        actor = SimpleNamespace(id=user.id, username=user.username) if user else None
        db.session.rollback()  # the write starts a fresh transaction (SQLite: no stale read)
        record("session_expired", "user", user_id, actor=actor, result="expired",
               details={"reason": reason})
        db.session.commit()
        if not request.path.startswith("/api/"):
            flash(_("Your session has expired; please sign in again."), "info")
        return None
    if now - seen > 30:  # keep the cookie quiet: refresh at most twice a minute
        session["_seen"] = now
    if request.endpoint in _OPEN_ENDPOINTS or not current_user.is_authenticated:
        return None
    if session.get(MUST_ENROL):
        target, code = "auth.two_factor", "two_factor_enrolment_required"
        message = _("Set up your second factor before you continue.")
    elif session.get(MUST_CHANGE):
        target, code = "auth.change_password", "password_change_required"
        message = _("Your password has expired; choose a new one.")
    else:
        return None
    if request.path.startswith("/api/"):
        return error_response(403, code, message)
    return redirect(url_for(target))
