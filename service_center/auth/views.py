from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..audit import record
from ..errors import Unauthorized
from ..extensions import db, limiter
from .permissions import login_required
from .services import authenticate

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {
    "window_staff": "queue.console",
    "cashier": "queue.console",
    "admin": "admin.index",
}


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user) -> str:
    endpoint = HOME_BY_ROLE.get(user.role)
    return url_for(endpoint) if endpoint else url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data.strip(), form.password.data)
        except Unauthorized as exc:
            error = str(exc.message)
        else:
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
    elif request.method == "POST":
        error = _("Enter your username and password.")
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    record("logout", "user", current_user.id, actor=current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
