"""After-commit outbox: services queue live events during the transaction;
they are emitted only once the transaction has committed, and dropped on rollback,
so a screen never shows a change that did not happen."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

NAMESPACE = "/live"


@dataclass(frozen=True)
class LiveEvent:
    name: str
    payload: Any
    room: str
    namespace: str = NAMESPACE


def queue_event(session: Session, name: str, payload: Any, room: str) -> None:
    session.info.setdefault("outbox", []).append(LiveEvent(name, payload, room))


def queue_callback(session: Session, fn, *args, **kwargs) -> None:
    """Any other side effect (a print, a notification) to run after commit."""
    session.info.setdefault("outbox", []).append((fn, args, kwargs))


# Functions that send a LiveEvent in place of the default emit (the live layer adds its
# per-room sequence number there); each takes the event and returns True when it sent it.
emit_hooks: list = []


def _emit(item) -> None:
    from .extensions import socketio

    try:
        if isinstance(item, LiveEvent):
            if not any(hook(item) for hook in emit_hooks):
                socketio.emit(item.name, item.payload, to=item.room, namespace=item.namespace)
        else:
            fn, args, kwargs = item
            fn(*args, **kwargs)
    except Exception:  # a broken screen link must not undo a committed change
        log.exception("after-commit side effect failed: %r", item)


_installed: set[int] = set()


def install(session_factory) -> None:
    if id(session_factory) in _installed:
        return
    _installed.add(id(session_factory))

    @event.listens_for(session_factory, "after_commit")
    def _after_commit(session: Session):
        outbox = session.info.pop("outbox", None)
        for item in outbox or ():
            _emit(item)

    @event.listens_for(session_factory, "after_soft_rollback")
    def _after_rollback(session: Session, previous_transaction):
        if previous_transaction.parent is None:
            session.info.pop("outbox", None)
