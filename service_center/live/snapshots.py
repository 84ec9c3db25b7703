"""The full current state of each room, sent on every subscribe (and so on every
reconnect). One builder per room kind; each carries the room's current `seq`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog.services import center, local_now, localized_name, resolve_hall, window_by_number
from ..extensions import db
from ..queueing import services as q
from ..queueing.models import Ticket
from . import sequence
from .services import notice_text

RECENT_CALLS = 10
_PREFIX = re.compile(r"^[A-Za-z]+")


@dataclass(frozen=True)
class DisplayFilter:
    """A lobby screen limited to some categories and/or windows (?categories=A,B&windows=1,2)."""

    categories: frozenset[str] = field(default_factory=frozenset)
    windows: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, categories, windows) -> DisplayFilter:
        return cls(frozenset(_items(categories, str.upper)),
                   frozenset(int(w) for w in _items(windows, str) if w.isdigit()))

    def call(self, call: dict) -> bool:
        match = _PREFIX.match(call["number"])
        prefix = match.group(0) if match else ""
        return (not self.categories or prefix in self.categories) and \
            (not self.windows or call["window_number"] in self.windows)

    def category(self, prefix: str) -> bool:
        return not self.categories or prefix in self.categories

    def window(self, window: dict) -> bool:
        if self.windows:
            return window["number"] in self.windows
        return not self.categories or bool(self.categories & set(window["categories"]))

    def as_json(self) -> dict:
        return {"categories": sorted(self.categories), "windows": sorted(self.windows)}


def _items(value, convert) -> list:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [convert(str(v).strip()) for v in value[:50] if str(v).strip()][:50]


def display(hall, flt: DisplayFilter | None = None) -> dict:
    flt = flt or DisplayFilter()
    room = q.display_room(hall)
    seq = sequence.current_seq(room)  # read before the state: events after it are newer
    overview = [c for c in q.categories_overview(hall) if flt.category(c["prefix"])]
    calls = [c for c in q.recent_calls(hall, limit=RECENT_CALLS * 5) if flt.call(c)]
    the_center = center()
    return {
        "room": "display",
        "stream": room,
        "seq": seq,
        "hall": hall.code,
        "hall_name": localized_name(hall),
        "center_name": localized_name(the_center) if the_center else localized_name(hall),
        "server_time": local_now().isoformat(timespec="seconds"),
        "notice": notice_text(hall),
        "filter": flt.as_json(),
        "recent_calls": calls[:RECENT_CALLS],
        "waiting": {c["prefix"]: c["waiting"] for c in overview},
        "estimated_wait_minutes": {c["prefix"]: c["estimated_wait_minutes"] for c in overview},
        "categories": overview,
        "windows": [w for w in (q.window_json(w) for w in q.window_list(hall)) if flt.window(w)],
    }


def display_light(hall) -> dict:
    room = q.display_room(hall)
    return {"room": "display", "stream": room, "seq": sequence.current_seq(room),
            "hall": hall.code, "light": True}


def window_staff(window) -> dict | None:
    from ..auth.models import User

    if not window.staff_id:
        return None
    user = db.session.get(User, window.staff_id)
    return {"name": user.display_name, "staff_no": user.staff_no} if user else None


def window(hall, window) -> dict:
    room = q.window_room(hall, window.number)
    seq = sequence.current_seq(room)
    data = q.window_json(window)
    current = db.session.get(Ticket, window.current_ticket_id) \
        if window.current_ticket_id else None
    return {
        "room": f"window:{window.number}",
        "stream": room,
        "seq": seq,
        **data,
        "hall": hall.code,
        "current": q.ticket_json(current, position=0, wait=0) if current else None,
        "staff": window_staff(window),
        "center": localized_name(hall),
        "server_time": local_now().isoformat(timespec="seconds"),
    }


def ticket(ticket: Ticket) -> dict:
    room = q.ticket_room(ticket.token)
    seq = sequence.current_seq(room)
    return {"room": f"ticket:{ticket.token}", "stream": room, "seq": seq,
            **q.ticket_json(ticket)}


def for_room(room: str, hall_code: str | None, data: dict) -> tuple[str, callable] | None:
    """(server room name, snapshot builder) for a client's room, or None if unknown.
    The room is joined before the builder runs, so no event falls in between."""
    if room == "display":
        hall = resolve_hall(hall_code)
        if data.get("light"):  # a phone following its ticket only needs the stream
            return q.display_room(hall), lambda: display_light(hall)
        flt = DisplayFilter.parse(data.get("categories"), data.get("windows"))
        return q.display_room(hall), lambda: display(hall, flt)
    if room.startswith("window:"):
        number = room.split(":", 1)[1]
        if not number.isdigit() or len(number) > 6:
            return None
        hall = resolve_hall(hall_code)
        found = window_by_number(hall, int(number))
        if found is None:
            return None
        return q.window_room(hall, found.number), lambda: window(hall, found)
    if room.startswith("ticket:"):
        found = q.ticket_by_token(room.split(":", 1)[1])
        return q.ticket_room(found.token), lambda: ticket(found)
    return None
