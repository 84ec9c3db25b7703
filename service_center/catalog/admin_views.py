"""Administrator pages: the catalog and staff accounts."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth.permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required("admin")
def index():
    return render_template("admin/index.html")
