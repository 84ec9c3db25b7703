"""Queue endpoints under /api/v1 (CONTRACT.md "REST API")."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields, json_body
from ..auth.permissions import authorize, login_required
from ..catalog.services import hall_info, resolve_hall, window_by_number
from ..errors import NotFound, ValidationError
from ..extensions import db
from . import services
from .models import Ticket
from .services import PRIORITY_REASONS

bp = Blueprint("queue_api", __name__, url_prefix="/api/v1")
# Ids and window numbers beyond a 32-bit integer cannot exist; without the bound the
# converter hands 10**20 to the database, which fails (500) instead of answering 404.
# (written out in each rule below as int(max=2147483647))


def _hall_param(body: dict | None = None, *, cached: bool = False):
    """The hall the request names (query or body), or the main hall. `cached` gives the
    hall's plain values from the catalog cache, for the public hot paths."""
    code = request.args.get("hall")
    if body and body.get("hall") is not None:
        if not isinstance(body["hall"], str) or len(body["hall"]) > 20 or "\x00" in body["hall"]:
            raise ValidationError(_("Some values are not valid."),
                                  details={"hall": _("Must be a hall code.")})
        code = body["hall"]
    return hall_info(code) if cached else resolve_hall(code)


# --- public ------------------------------------------------------------------------------
@bp.get("/categories")
def categories():
    return jsonify(services.categories_overview(_hall_param(cached=True)))


@bp.post("/tickets")
def issue_ticket():
    body = json_body()
    if body.get("appointment_code") is not None:  # check-in with a booking code
        from ..appointments.api import check_in_response

        return check_in_response(body)
    hall = _hall_param(body, cached=True)
    fields = Fields(body)
    category = fields.string("category", required=True, max_len=4)
    priority = fields.string("priority", choices=("normal", "priority"), default="normal")
    reason = fields.string("priority_reason", choices=PRIORITY_REASONS)
    phone = fields.string("phone", max_len=20)
    if phone and not phone.replace("+", "").replace("-", "").replace(" ", "").isdigit():
        fields.errors["phone"] = _("Must be a phone number.")
    fields.check()
    issued = services.issue_ticket(hall=hall, category=category, priority=priority == "priority",
                                   priority_reason=reason, phone=phone,
                                   source="kiosk",
                                   actor=current_user if current_user.is_authenticated else None)
    data = issued.answer
    return jsonify(data), 201


@bp.get("/tickets/by-token/<token>")
def ticket_by_token(token: str):
    ticket = services.ticket_by_token(token)
    return jsonify(services.ticket_json(ticket))


@bp.post("/tickets/by-token/<token>/cancel")
def cancel_by_token(token: str):
    ticket = services.ticket_by_token(token)
    services.cancel_by_applicant(ticket=ticket)
    return jsonify(services.ticket_json(ticket))


@bp.get("/display/snapshot")
def display_snapshot():
    return jsonify(services.display_snapshot(_hall_param()))


# --- staff: windows --------------------------------------------------------------------------
def _window(number: int):
    code = request.args.get("hall")
    if code is None and current_user.is_authenticated and current_user.window is not None:
        hall = current_user.window.hall
    else:
        hall = resolve_hall(code)
    window = window_by_number(hall, number)
    if window is None:
        raise NotFound(_("Unknown window."), code="unknown_window")
    return window


@bp.get("/windows/<int(max=2147483647):number>")
@login_required
def window_state(number: int):
    window = _window(number)
    authorize("window.operate", window, entity_type="window")
    current = db.session.get(Ticket, window.current_ticket_id) if window.current_ticket_id else None
    if current is not None:
        from ..live.services import slip_state  # the printed slip's state, for a reprint

        current_json = {**services.ticket_json(current, position=0, wait=0),
                        "slip": slip_state(current)}
    return jsonify({
        **services.window_json(window),
        "current": current_json if current else None,
        "waiting": services.waiting_list(window),
        "today": services.clerk_today(window, current_user),
    })


@bp.post("/windows/<int(max=2147483647):number>/call-next")
@login_required
def call_next(number: int):
    window = _window(number)
    authorize("window.operate", window, entity_type="window")
    ticket = services.call_next(window=window, actor=current_user)
    if ticket is None:
        return "", 204
    return jsonify(services.ticket_json(ticket, position=0, wait=0))


def _window_action(number: int, action):
    window = _window(number)
    authorize("window.operate", window, entity_type="window")
    result = action(window=window, actor=current_user)
    if isinstance(result, Ticket):
        return jsonify(services.ticket_json(result, position=0, wait=0))
    return jsonify(services.window_json(result))


@bp.post("/windows/<int(max=2147483647):number>/recall")
@login_required
def recall(number: int):
    return _window_action(number, services.recall)


@bp.post("/windows/<int(max=2147483647):number>/pause")
@login_required
def pause(number: int):
    return _window_action(number, services.pause)


@bp.post("/windows/<int(max=2147483647):number>/resume")
@login_required
def resume(number: int):
    return _window_action(number, services.resume)


@bp.post("/windows/<int(max=2147483647):number>/close")
@login_required
def close(number: int):
    return _window_action(number, services.close_window)


# --- staff: tickets --------------------------------------------------------------------------
def _ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("No such ticket."))
    authorize("ticket.operate", ticket, entity_type="ticket")
    return ticket


def _ticket_action(ticket_id: int, action):
    ticket = _ticket(ticket_id)
    action(ticket=ticket, actor=current_user)
    return jsonify(services.ticket_json(ticket))


@bp.post("/tickets/<int(max=2147483647):ticket_id>/start")
@login_required
def start(ticket_id: int):
    return _ticket_action(ticket_id, services.start)


@bp.post("/tickets/<int(max=2147483647):ticket_id>/complete")
@login_required
def complete(ticket_id: int):
    return _ticket_action(ticket_id, services.complete)


@bp.post("/tickets/<int(max=2147483647):ticket_id>/no-show")
@login_required
def no_show(ticket_id: int):
    return _ticket_action(ticket_id, services.no_show)


@bp.post("/tickets/<int(max=2147483647):ticket_id>/transfer")
@login_required
def transfer(ticket_id: int):
    body = json_body()
    fields = Fields(body)
    to_window = fields.integer("to_window", minimum=1, maximum=100000)
    to_category = fields.string("to_category", max_len=4)
    fields.check()
    ticket = _ticket(ticket_id)
    services.transfer(ticket=ticket, actor=current_user, to_window=to_window,
                      to_category=to_category)
    return jsonify(services.ticket_json(ticket))
