"""The /live namespace: `subscribe {room, hall?, categories?, windows?}` joins the room
and answers `snapshot` at once; a client re-subscribes on every (re)connect, on a gap
in `seq`, and every minute as a safety net."""

from __future__ import annotations

from flask_socketio import emit, join_room

from ..db import reset_read_only, set_read_only
from ..errors import DomainError
from ..events import NAMESPACE
from ..extensions import db, socketio
from . import snapshots


def _error(code: str, message: str) -> None:
    emit("error", {"code": code, "message": message})


def on_subscribe(data):
    if not isinstance(data, dict) or not isinstance(data.get("room"), str) \
            or len(data["room"]) > 100:
        _error("malformed", "subscribe needs {room}")
        return
    hall = data.get("hall") if isinstance(data.get("hall"), str) and data["hall"] else None
    token = set_read_only(True)
    try:
        try:
            target = snapshots.for_room(data["room"], hall, data)
        except DomainError:
            target = None
        if target is None:
            _error("unknown_room", "no such room")
            return
        room, build = target
        join_room(room)
        # End the read that found the room: the snapshot must be read after the join
        # and after the room's seq, so that every later event is newer than it.
        db.session.rollback()
        emit("snapshot", build())
    finally:
        db.session.remove()
        reset_read_only(token)


def register() -> None:
    """Called from init_app for every app: the handlers go onto the Socket.IO server that
    init_app just created (a module-level decorator would bind them to the first app's
    server only, and every later app - each test's - would have no handlers)."""
    socketio.on_event("subscribe", on_subscribe, namespace=NAMESPACE)
