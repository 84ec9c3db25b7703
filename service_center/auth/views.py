from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..audit import record
from ..errors import DomainError, Unauthorized
from ..extensions import db, limiter
from . import security
from .models import User
from .permissions import login_required
from .services import change_password as change_password_service

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {
    "window_staff": "queue.console",
    "cashier": "queue.console",
    "admin": "admin.index",
    "approver": "approvals.tasks",
    "proxy_agent": "approvals.agent",
    "dept_head": "reports.reports_page",
}


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(validators=[DataRequired(), Length(max=40)])


class PasswordForm(FlaskForm):
    current = PasswordField(validators=[DataRequired(), Length(max=256)])
    new = PasswordField(validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(validators=[DataRequired(), Length(max=256)])


class DisableForm(FlaskForm):
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    endpoint = HOME_BY_ROLE.get(user.role)
    return url_for(endpoint) if endpoint else url_for("web.index")


def _after_sign_in(user: User, next_url: str | None):
    security.start_session(user)
    db.session.commit()
    if session.get(security.MUST_ENROL):
        flash(_("Your role requires a second factor: set it up now."), "info")
        return redirect(url_for("auth.two_factor"))
    if session.get(security.MUST_CHANGE):
        flash(_("Your password has expired; choose a new one."), "info")
        return redirect(url_for("auth.change_password"))
    return redirect(next_url or home_for(user))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        try:
            user = security.check_password(username, form.password.data)
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            next_url = _safe_next(request.args.get("next"))
            if user.has_totp:
                session[security.PENDING] = {"uid": user.id, "at": time.time(),
                                             "gen": user.session_generation or 0,
                                             "next": next_url}
                return redirect(url_for("auth.login_2fa"))
            security.login_succeeded(user, method="password")
            return _after_sign_in(user, next_url)
    elif request.method == "POST":
        error, status = _("Enter your username and password."), 401
    return render_template("auth/login.html", form=form, error=error), status


def _pending_user() -> User | None:
    pending = session.get(security.PENDING)
    if not isinstance(pending, dict) or \
            time.time() - float(pending.get("at", 0)) > security.PENDING_2FA_SECONDS:
        session.pop(security.PENDING, None)
        return None
    user = db.session.get(User, int(pending.get("uid", 0)))
    if user is None or not user.active or not user.has_totp or \
            pending.get("gen") != (user.session_generation or 0):
        session.pop(security.PENDING, None)
        return None
    return user


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login_2fa():
    """The second step of a sign-in for an account with TOTP."""
    user = _pending_user()
    if user is None:
        flash(_("Please sign in."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            method = security.check_second_factor(user, form.code.data)
        except Unauthorized:
            error, status = _("That code is not right."), 401
        else:
            next_url = session[security.PENDING].get("next")
            security.login_succeeded(user, method="password+" + method)
            if method == "recovery_code":
                flash(_("You used a recovery code; %(n)d remain.",
                        n=len(user.recovery_codes or [])), "info")
            return _after_sign_in(user, _safe_next(next_url))
    elif request.method == "POST":
        error, status = _("Enter the code from your authenticator app."), 401
    return render_template("auth/login_2fa.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    record("logout", "user", current_user.id, actor=current_user)
    security.bump_generation(current_user)
    db.session.commit()
    security.end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
def two_factor():
    """Enrol (or re-enrol) the TOTP second factor; disable it when the role allows."""
    user = current_user._get_current_object()
    form = CodeForm()
    disable_form = DisableForm(prefix="disable")
    error = None
    status = 200
    recovery_codes = None
    if request.method == "POST" and request.form.get("action") == "disable":
        if disable_form.validate_on_submit():
            try:
                security.disable_totp(user, password=disable_form.password.data)
                db.session.commit()
            except DomainError as exc:
                db.session.commit()  # keeps the audit of a refused attempt
                error, status = str(exc.message), exc.status
            else:
                flash(_("The second factor is off."), "info")
                return redirect(url_for("auth.two_factor"))
    elif form.validate_on_submit():
        secret = session.get("_totp_secret")
        if not secret:
            error, status = _("Your form expired; please reload the page and try again."), 400
        else:
            try:
                recovery_codes = security.confirm_totp(user, secret=secret, code=form.code.data)
                db.session.commit()
            except DomainError as exc:
                db.session.commit()
                error, status = str(exc.message), exc.status
            else:
                session.pop("_totp_secret", None)
                session.pop(security.MUST_ENROL, None)
    elif request.method == "POST":
        error, status = _("Enter the code from your authenticator app."), 422
    if recovery_codes is not None:
        return render_template("auth/two_factor.html", enrolled=True, recovery_codes=recovery_codes,
                               form=form, disable_form=disable_form, error=None,
                               required=security.requires_2fa(user))
    enrolling = not user.has_totp or request.args.get("renew") == "1" or \
        (request.method == "POST" and request.form.get("action") != "disable")
    qr = secret = None
    if enrolling:
        # the same secret until it is confirmed, so a reload shows the same QR code
        secret = session.get("_totp_secret")
        if not secret:
            secret = security.new_totp_secret()
            session["_totp_secret"] = secret
        qr = security.qr_data_uri(security.provisioning_uri(user, secret))
    return render_template("auth/two_factor.html", enrolled=user.has_totp, enrolling=enrolling,
                           qr=qr, secret=secret, form=form, disable_form=disable_form,
                           error=error, required=security.requires_2fa(user),
                           must_enrol=bool(session.get(security.MUST_ENROL)),
                           recovery_left=len(user.recovery_codes or [])), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordForm()
    errors: dict = {}
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            change_password_service(user, current=form.current.data, new=form.new.data,
                                    confirm=form.confirm.data)
            db.session.commit()
        except DomainError as exc:
            error, errors, status = str(exc.message), exc.details, exc.status
        else:
            # this browser stays signed in; every other session and token has ended
            session["_gen"] = user.session_generation
            session.pop(security.MUST_CHANGE, None)
            flash(_("Your password has been changed."), "info")
            return redirect(home_for(user))
    elif request.method == "POST":
        error, status = _("Fill in every field."), 422
    return render_template("auth/change_password.html", form=form, error=error, errors=errors,
                           min_length=security._cfg("PASSWORD_MIN_LENGTH"),
                           expired=bool(session.get(security.MUST_CHANGE))), status
