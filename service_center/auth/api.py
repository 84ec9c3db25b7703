from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from ..apiutil import Fields, json_body
from ..extensions import db, limiter
from .permissions import login_required
from .services import authenticate, issue_token

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth")


def user_json(user) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "staff_no": user.staff_no,
        "role": user.role,
        "department": user.department.code if user.department else None,
        "hall": (user.window.hall.code if user.window else
                 user.hall.code if user.hall else None),
        "window": user.window.number if user.window else None,
    }


@bp.post("/token")
@limiter.limit("30 per minute")
def token():
    fields = Fields(json_body())
    username = fields.string("username", required=True, max_len=64)
    password = fields.string("password", required=True, max_len=256)
    otp = fields.string("otp", max_len=40)  # required when the account has a second factor
    fields.check()
    user = authenticate(username, password, otp=otp)
    raw = issue_token(user)
    db.session.commit()
    return jsonify({"token": raw, "user": user_json(user)})


@bp.get("/me")
@login_required
def me():
    return jsonify(user_json(current_user))
