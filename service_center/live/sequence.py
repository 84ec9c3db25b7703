"""Per-room sequence numbers for live events.

Every event sent to a room carries `seq` (1, 2, 3 … for that room) and `stream` (the
room's server-side name); every snapshot carries the room's current `seq`. A screen
that sees anything but last+1 asks for a fresh snapshot. The counter is per room, not
per hall: a window screen only receives its window's events, so one counter shared by
all of a hall's rooms would look like a gap to it at every call. The lobby room is one
per hall, so for the lobby this is the per-hall sequence.

Where the counter lives: in this process (a dict under a lock) when the server runs
alone; in Redis (`INCR onewindow:seq:<room>`) when SOCKETIO_MESSAGE_QUEUE names a Redis
server, so that the processes sharing broadcasts also share one sequence per room.
Taking the number and handing the event to Socket.IO happen under one lock, so one
process never sends 6 before 5; across processes the order of Redis deliveries is not
guaranteed, and a screen that sees 6 before 5 simply re-subscribes (self-healing).
A restart of the single process starts the counters again at 0; screens reconnect and
re-subscribe anyway, which gives them the new baseline.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, has_app_context

from ..events import LiveEvent

_KEY = "onewindow:seq:"
_TICKET_TTL = 3 * 24 * 3600  # a ticket's room lives for its day; Redis forgets it after
_MAX_ROOMS = 50_000  # in-process: the least recently used rooms are forgotten beyond this

_lock = threading.Lock()
_local: OrderedDict[str, int] = OrderedDict()
_redis_clients: dict[str, object] = {}


def _redis():
    url = current_app.config.get("SOCKETIO_MESSAGE_QUEUE") if has_app_context() else None
    if not url or not str(url).startswith(("redis://", "rediss://", "unix://")):
        return None
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=5)
    return client


def next_seq(room: str) -> int:
    """Called with _lock held."""
    client = _redis()
    if client is not None:
        pipe = client.pipeline()
        pipe.incr(_KEY + room)
        if room.startswith("ticket:"):
            pipe.expire(_KEY + room, _TICKET_TTL)
        return int(pipe.execute()[0])
    value = _local.get(room, 0) + 1
    _local[room] = value
    _local.move_to_end(room)
    while len(_local) > _MAX_ROOMS:
        _local.popitem(last=False)
    return value


def current_seq(room: str) -> int:
    client = _redis()
    if client is not None:
        value = client.get(_KEY + room)
        return int(value) if value else 0
    with _lock:
        return _local.get(room, 0)


def emit_with_seq(event: LiveEvent) -> bool:
    """The events.emit_hooks entry: number the event for its room, then send it."""
    from ..extensions import socketio

    payload = event.payload
    with _lock:
        if isinstance(payload, dict):
            # the same payload object may go to several rooms: copy before numbering
            payload = {**payload, "seq": next_seq(event.room), "stream": event.room}
        socketio.emit(event.name, payload, to=event.room, namespace=event.namespace)
    return True
