"""Socket.IO namespace /live: clients subscribe to a room and get a snapshot at once
(and on every reconnect); services' events reach the rooms after commit."""

from __future__ import annotations

from flask_socketio import emit, join_room

from ..db import reset_read_only, set_read_only
from ..events import NAMESPACE
from ..extensions import socketio


def _snapshot(room: str, hall_code: str | None):
    from ..catalog.services import resolve_hall, window_by_number
    from ..queueing import services as q
    from ..queueing.models import Ticket
    from ..extensions import db

    if room == "display":
        hall = resolve_hall(hall_code)
        return q.display_room(hall), {"room": room, **q.display_snapshot(hall)}
    if room.startswith("window:"):
        number = room.split(":", 1)[1]
        if not number.isdigit():
            return None, None
        hall = resolve_hall(hall_code)
        window = window_by_number(hall, int(number))
        if window is None:
            return None, None
        data = q.window_json(window)
        current = db.session.get(Ticket, window.current_ticket_id) \
            if window.current_ticket_id else None
        data["current"] = q.ticket_json(current, position=0, wait=0) if current else None
        staff = window_staff(window)
        data["staff"] = staff
        data["center"] = hall.name
        return q.window_room(hall, window.number), {"room": room, **data}
    if room.startswith("ticket:"):
        token = room.split(":", 1)[1]
        try:
            ticket = q.ticket_by_token(token)
        except Exception:
            return None, None
        return q.ticket_room(ticket.token), {"room": room, **q.ticket_json(ticket)}
    return None, None


def window_staff(window) -> dict | None:
    from ..auth.models import User
    from ..extensions import db

    if not window.staff_id:
        return None
    user = db.session.get(User, window.staff_id)
    return {"name": user.display_name, "staff_no": user.staff_no} if user else None


@socketio.on("subscribe", namespace=NAMESPACE)
def on_subscribe(data):
    if not isinstance(data, dict) or not isinstance(data.get("room"), str) \
            or len(data["room"]) > 100:
        emit("error", {"code": "malformed", "message": "subscribe needs {room}"})
        return
    hall = data.get("hall") if isinstance(data.get("hall"), str) else None
    token = set_read_only(True)
    try:
        try:
            room, snapshot = _snapshot(data["room"], hall)
        except Exception:
            room, snapshot = None, None
        if room is None:
            emit("error", {"code": "unknown_room", "message": "no such room"})
            return
        join_room(room)
        emit("snapshot", snapshot)
    finally:
        reset_read_only(token)


def init_app(app) -> None:
    """The handlers above are registered on the shared socketio object at import."""
