"""Queue pages: the kiosk and the window console."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..auth.permissions import authorize, login_required
from ..catalog.services import local_now, resolve_hall
from . import services

bp = Blueprint("queue", __name__)


@bp.get("/kiosk")
def kiosk():
    hall = resolve_hall(request.args.get("hall"))
    return render_template("queueing/kiosk.html", hall=hall,
                           server_time=local_now().isoformat(timespec="seconds"),
                           categories=services.categories_overview(hall))


@bp.get("/console")
@login_required
def console():
    authorize("console.use", None, entity_type="console")
    window = current_user.window
    hall = window.hall
    others = [w for w in services.window_list(hall) if w.id != window.id]
    return render_template("queueing/console.html", window=window, hall=hall,
                           other_windows=others,
                           categories=[c for c in hall.categories if c.active])
