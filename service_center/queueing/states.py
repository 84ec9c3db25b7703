"""Ticket and window states and the transitions between them. No Flask here: the
tables are plain data, read by `transition_to` and by the tests."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class WindowStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


T = TicketStatus
TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    T.WAITING: frozenset({T.CALLED, T.CANCELLED}),
    # called -> waiting and serving -> waiting are transfers (number and place kept)
    T.CALLED: frozenset({T.SERVING, T.NO_SHOW, T.WAITING, T.CANCELLED}),
    T.SERVING: frozenset({T.COMPLETED, T.WAITING}),
    T.COMPLETED: frozenset(),
    T.NO_SHOW: frozenset(),
    T.CANCELLED: frozenset(),
}

W = WindowStatus
WINDOW_TRANSITIONS: dict[WindowStatus, frozenset[WindowStatus]] = {
    W.CLOSED: frozenset({W.OPEN}),
    W.OPEN: frozenset({W.PAUSED, W.CLOSED}),
    W.PAUSED: frozenset({W.OPEN, W.CLOSED}),
}

TERMINAL_TICKET = frozenset(s for s, following in TICKET_TRANSITIONS.items() if not following)
ACTIVE_AT_WINDOW = frozenset({T.CALLED, T.SERVING})

