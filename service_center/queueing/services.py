"""Queue operations. Each public function is one transaction (see db.transactional)
and raises DomainError subclasses for anything a caller can get wrong."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ..audit import record, record_now
from ..catalog.models import Hall, QueueCategory, Window, WindowCategory
from ..catalog.services import HallInfo, category_by_prefix, localized_name, service_day
from ..db import transactional, utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..events import queue_callback, queue_event
from ..extensions import db
from ..lifecycle import transition_to
from .models import Ticket, TicketCounter
from .states import TICKET_TRANSITIONS, WINDOW_TRANSITIONS, TicketStatus, WindowStatus

T = TicketStatus
PRIORITY_REASONS = ("elderly", "disabled", "appointment", "green_channel", "other")


# --- rooms: one naming scheme for the live layer -------------------------------------------
def display_room(hall: Hall) -> str:
    return f"hall:{hall.code}:display"


def window_room(hall: Hall, number: int) -> str:
    return f"hall:{hall.code}:window:{number}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def format_number(prefix: str, seq: int) -> str:
    """A001 … A999, then A1000: the number widens rather than wrapping."""
    return f"{prefix}{seq:03d}"


# --- numbering -----------------------------------------------------------------------------
# Statements of the ticket issue, built once: building SQLAlchemy statements costs more
# than running them on this path.
_UPSERTS: dict[str, object] = {}


def _upsert_statement(dialect: str):
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(TicketCounter).values(
            category_id=bindparam("category_id"), service_day=bindparam("service_day"),
            last_seq=1,
        ).on_conflict_do_update(
            index_elements=[TicketCounter.category_id, TicketCounter.service_day],
            set_={"last_seq": TicketCounter.last_seq + 1},
        ).returning(TicketCounter.last_seq)
        _UPSERTS[dialect] = stmt
    return stmt


def _next_seq(category_id: int, day) -> int:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING on the (category, day) counter row, in
    the caller's transaction: no gaps, no duplicates, whatever the concurrency."""
    # Core execution on the session's connection: the ORM's execute machinery costs more
    # than the statement itself here
    conn = db.session.connection()
    stmt = _upsert_statement(conn.dialect.name)
    return conn.execute(stmt, {"category_id": category_id, "service_day": day}).scalar_one()


# Waiting tickets of a hall today, by category, priority and whether a transfer reserved
# them for one window: the display's counts and a new ticket's place in one query.
_WAITING_GROUPS = (
    select(Ticket.category_id, Ticket.priority, Ticket.target_window_id.is_(None), func.count())
    .where(Ticket.hall_id == bindparam("hall_id"), Ticket.service_day == bindparam("day"),
           Ticket.status == "waiting")
    .group_by(Ticket.category_id, Ticket.priority, Ticket.target_window_id.is_(None)))


@dataclass
class WaitingGroups:
    total: dict[int, int]          # category id -> all waiting (the display's count)
    free_priority: dict[int, int]  # not reserved for a window, priority
    free_normal: dict[int, int]    # not reserved for a window, normal


def _waiting_groups(hall_id: int, day) -> WaitingGroups:
    groups = WaitingGroups({}, {}, {})
    for category_id, priority, free, count in db.session.connection().execute(
            _WAITING_GROUPS, {"hall_id": hall_id, "day": day}):
        groups.total[category_id] = groups.total.get(category_id, 0) + count
        if free:
            bucket = groups.free_priority if priority else groups.free_normal
            bucket[category_id] = bucket.get(category_id, 0) + count
    return groups


# --- issuing -------------------------------------------------------------------------------
class IssuedTicket:
    """What issuing answers; the ORM ticket is loaded only by callers that want it."""

    def __init__(self, ticket_id: int, position: int, estimated_wait_minutes: int,
                 answer: dict):
        self.ticket_id = ticket_id
        self.position = position
        self.estimated_wait_minutes = estimated_wait_minutes
        # the API's answer, serialised inside the transaction so that answering does not
        # reload the ticket after the commit (a second write-lock round on SQLite)
        self.answer = answer

    @property
    def ticket(self) -> Ticket:
        return db.session.get(Ticket, self.ticket_id)


_INSERT_TICKET = insert(Ticket).returning(Ticket.id)


@transactional()
def issue_ticket(*, hall: Hall | HallInfo, category: str, priority: bool = False,
                 priority_reason: str | None = None, phone: str | None = None,
                 source: str = "kiosk", actor=None) -> IssuedTicket:
    """Counter row, ticket row, audit row and one count query: the kiosk's path is kept
    to the statements it needs (QUALITY.md's throughput bar is set against a bare
    counter-plus-insert endpoint), in Core rather than through the ORM's unit of work."""
    cat = next((c for c in hall.categories if c.prefix == category), None)
    if cat is None or not cat.active:
        raise ValidationError(_("Unknown queue category."), code="unknown_category",
                              details={"category": category})
    day = service_day()
    seq = _next_seq(cat.id, day)
    values = {"hall_id": hall.id, "issued_category_id": cat.id, "category_id": cat.id,
              "service_day": day, "seq": seq, "number": format_number(cat.prefix, seq),
              "priority": bool(priority),
              "priority_reason": priority_reason if priority else None,
              "status": str(T.WAITING), "token": secrets.token_urlsafe(16), "phone": phone,
              "source": source, "issued_at": utcnow(), "recall_count": 0,
              "transfer_count": 0, "version": 1}
    ticket_id = db.session.connection().execute(_INSERT_TICKET, values).scalar_one()
    record_now("issued", "ticket", ticket_id, actor=actor, to_state=T.WAITING,
               details={"number": values["number"], "hall": hall.code,
                        "priority": values["priority"]})
    groups = _waiting_groups(hall.id, day)
    # the new ticket is the last of its line: everybody counted there is ahead of it
    position = groups.free_priority.get(cat.id, 0)
    if not priority:
        position += groups.free_normal.get(cat.id, 0)
    active = [c for c in hall.categories if c.active]
    # one look at the service history and the windows serves this ticket's estimate and
    # the whole hall's (queue_changed)
    stats = _service_stats([c.id for c in active])
    wait = estimate_wait_minutes(hall, cat, position - 1, stats)
    counts = {c.prefix: groups.total.get(c.id, 0) for c in active}
    _queue_changed(hall, stats, counts)
    answer = _ticket_dict(SimpleNamespace(id=ticket_id, called_at=None, **values), category=cat,
                          hall_code=hall.code, window=None, target_window=None,
                          position=position, wait=wait, with_token=True)
    return IssuedTicket(ticket_id, position, wait, answer)


# --- reading the queue ---------------------------------------------------------------------
def _waiting_today(hall_id: int):
    return and_(Ticket.hall_id == hall_id, Ticket.service_day == service_day(),
                Ticket.status == T.WAITING)


def _earlier(ticket: Ticket):
    return or_(Ticket.issued_at < ticket.issued_at,
               and_(Ticket.issued_at == ticket.issued_at, Ticket.id < ticket.id))


def ticket_position(ticket: Ticket) -> int:
    """1 = next in its line. Reserved (transferred-to-window) tickets count in that
    window's line; priority tickets go before normal ones of their category."""
    if ticket.status != T.WAITING:
        return 0
    base = select(func.count(Ticket.id)).where(_waiting_today(ticket.hall_id),
                                               Ticket.id != ticket.id)
    if ticket.target_window_id is not None:
        ahead = base.where(Ticket.target_window_id == ticket.target_window_id, _earlier(ticket))
    else:
        same_line = and_(Ticket.category_id == ticket.category_id,
                         Ticket.target_window_id.is_(None))
        if ticket.priority:
            ahead = base.where(same_line, Ticket.priority.is_(True), _earlier(ticket))
        else:
            ahead = base.where(same_line, or_(Ticket.priority.is_(True), _earlier(ticket)))
    return int(db.session.execute(ahead).scalar_one()) + 1


def waiting_counts(hall: Hall | HallInfo) -> dict[str, int]:
    groups = _waiting_groups(hall.id, service_day())
    return {c.prefix: groups.total.get(c.id, 0) for c in hall.categories if c.active}


def average_service_minutes(category: QueueCategory) -> float:
    """Mean minutes from call to completion over the category's last 30 services in
    the past week; the configured default when there is no history yet."""
    return _service_stats([category.id])[category.id][0]


def serving_windows(category: QueueCategory) -> tuple[int, int]:
    """(open windows serving the category, all windows serving it)."""
    _, open_count, total = _service_stats([category.id])[category.id]
    return open_count, total


# --- the inputs of the wait estimates, cached --------------------------------------------------
# Every ticket issue recomputes the estimates of the whole hall (the queue_changed event), and
# their inputs change only when a ticket is completed or a window opens, pauses or closes. So
# they are cached per app: a transaction that makes such a change reads them fresh and clears
# the cache after its commit (and at once, with a generation number, so that a computation
# already under way is not stored). The TTL bounds what another process of a scaled-out
# deployment, or a catalog edit, can leave stale.
STATS_TTL = timedelta(seconds=10)
ServiceStats = dict[int, tuple[float, int, int]]


def _stats_cache() -> dict:
    return current_app.extensions.setdefault("queue_service_stats",
                                             {"generation": 0, "entries": {}})


def _forget(cache: dict) -> None:
    cache["generation"] += 1
    cache["entries"] = {}


def _service_stats_changed() -> None:
    # this transaction reads them fresh; everybody else once it has committed
    db.session.info["queue_stats_changed"] = True
    cache = _stats_cache()
    _forget(cache)
    queue_callback(db.session, _forget, cache)


def _service_stats(category_ids: list[int]) -> ServiceStats:
    """For each category: (average service minutes, open windows serving it, all windows
    serving it)."""
    fresh_only = db.session.info.get("queue_stats_changed", False)
    cache = _stats_cache()
    now = utcnow()
    stats: ServiceStats = {}
    missing = []
    for category_id in category_ids:
        entry = None if fresh_only else cache["entries"].get(category_id)
        if entry is not None and abs(now - entry[0]) < STATS_TTL:
            stats[category_id] = entry[1]
        else:
            missing.append(category_id)
    if missing:
        generation = cache["generation"]
        computed = _compute_service_stats(missing)
        if not fresh_only and cache["generation"] == generation:
            cache["entries"].update({cid: (now, value) for cid, value in computed.items()})
        stats.update(computed)
    return stats


def _compute_service_stats(category_ids: list[int]) -> ServiceStats:
    since = utcnow() - timedelta(days=7)
    default = float(current_app.config["DEFAULT_SERVICE_MINUTES"])
    windows: dict[int, list[str]] = {cid: [] for cid in category_ids}
    for category_id, status in db.session.execute(
            select(WindowCategory.category_id, Window.status)
            .join(Window, WindowCategory.window_id == Window.id)
            .where(WindowCategory.category_id.in_(category_ids))).all():
        windows[category_id].append(status)
    stats: ServiceStats = {}
    for category_id in category_ids:
        rows = db.session.execute(
            select(Ticket.called_at, Ticket.completed_at)
            .where(Ticket.category_id == category_id, Ticket.status == T.COMPLETED,
                   Ticket.completed_at >= since, Ticket.called_at.is_not(None))
            .order_by(Ticket.completed_at.desc()).limit(30)).all()
        spans = [(done - called).total_seconds() / 60 for called, done in rows
                 if done and called and done >= called]
        average = max(0.5, sum(spans) / len(spans)) if spans else default
        statuses = windows[category_id]
        stats[category_id] = (average, sum(1 for s in statuses if s == WindowStatus.OPEN),
                              len(statuses))
    return stats


def estimate_wait_minutes(hall: Hall, category: QueueCategory, ahead: int,
                          stats: ServiceStats | None = None) -> int:
    if ahead <= 0:
        return 0
    if stats is None or category.id not in stats:
        stats = _service_stats([category.id])
    average, open_count, total = stats[category.id]
    windows = open_count or max(total, 1)
    return math.ceil(ahead * average / windows)


def categories_overview(hall: Hall | HallInfo, stats: ServiceStats | None = None,
                        counts: dict[str, int] | None = None) -> list[dict]:
    if counts is None:
        counts = waiting_counts(hall)
    active = [cat for cat in hall.categories if cat.active]
    if stats is None:
        stats = _service_stats([cat.id for cat in active if counts.get(cat.prefix, 0) > 0])
    out = []
    for cat in active:
        waiting = counts.get(cat.prefix, 0)
        out.append({
            "prefix": cat.prefix,
            "name": localized_name(cat),
            "waiting": waiting,
            "estimated_wait_minutes": estimate_wait_minutes(hall, cat, waiting, stats),
        })
    return out


def next_candidate(window: Window) -> Ticket | None:
    """The call order, one rule for every window: (1) tickets transferred to this
    window, oldest first; (2) priority tickets of any category it serves, oldest first;
    (3) normal tickets of the first category in its list with anyone waiting."""
    waiting = _waiting_today(window.hall_id)
    order = (Ticket.issued_at, Ticket.id)

    def first(query):
        # PostgreSQL: lock the candidate and skip one another window is calling right now,
        # so that windows calling at once take the next tickets instead of colliding on
        # the same row (which ends in a version conflict and a retry, or a 409 for the
        # clerk). SQLite ignores this: BEGIN IMMEDIATE already serialises the calls.
        return db.session.execute(query.order_by(*order).limit(1).with_for_update(
            skip_locked=True, of=Ticket)).scalar_one_or_none()

    reserved = first(select(Ticket).where(waiting, Ticket.target_window_id == window.id))
    if reserved is not None:
        return reserved
    category_ids = [link.category_id for link in window.category_links]
    if not category_ids:
        return None
    unreserved = and_(waiting, Ticket.target_window_id.is_(None))
    urgent = first(select(Ticket).where(unreserved, Ticket.priority.is_(True),
                                        Ticket.category_id.in_(category_ids)))
    if urgent is not None:
        return urgent
    for category_id in category_ids:
        ticket = first(select(Ticket).where(unreserved, Ticket.category_id == category_id))
        if ticket is not None:
            return ticket
    return None


# --- serialisers (one per resource) ----------------------------------------------------------
def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    from ..catalog.services import local_now

    return local_now(value).isoformat(timespec="seconds")


def ticket_json(ticket: Ticket, *, position: int | None = None, wait: int | None = None,
                with_token: bool = False) -> dict:
    if position is None:
        position = ticket_position(ticket)
    if wait is None:
        wait = estimate_wait_minutes(ticket.hall, ticket.category, position - 1) \
            if position else 0
    return _ticket_dict(ticket, category=ticket.category, hall_code=ticket.hall.code,
                        window=ticket.window, target_window=ticket.target_window,
                        position=position, wait=wait, with_token=with_token)


def _ticket_dict(ticket: Ticket, *, category, hall_code: str, window, target_window,
                 position: int, wait: int, with_token: bool) -> dict:
    data = {
        "id": ticket.id,
        "number": ticket.number,
        "category": category.prefix,
        "category_name": localized_name(category),
        "hall": hall_code,
        "status": ticket.status,
        "priority": "priority" if ticket.priority else "normal",
        "position": position,
        "estimated_wait_minutes": wait,
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "window": ({"number": window.number, "name": localized_name(window)}
                   if window is not None else None),
        "target_window": target_window.number if target_window is not None else None,
        "recall_count": ticket.recall_count,
    }
    if with_token:
        data["token"] = ticket.token
    return data


def window_json(window: Window) -> dict:
    current = db.session.get(Ticket, window.current_ticket_id) if window.current_ticket_id else None
    return {
        "number": window.number,
        "name": localized_name(window),
        "status": window.status,
        "current_number": current.number if current else None,
        "current_status": current.status if current else None,
        "categories": [c.prefix for c in window.categories],
    }


def call_json(ticket: Ticket, window: Window, recall: bool = False) -> dict:
    return {"number": ticket.number, "window_number": window.number,
            "window_name": localized_name(window), "called_at": iso(ticket.called_at),
            "recall": recall}


# --- live events (queued; sent after commit) -------------------------------------------------
def _queue_changed(hall: Hall | HallInfo, stats: ServiceStats | None = None,
                   counts: dict[str, int] | None = None) -> None:
    # the overview's figures without its localized names, which this payload does not carry
    if counts is None:
        counts = waiting_counts(hall)
    active = [cat for cat in hall.categories if cat.active]
    if stats is None:
        stats = _service_stats([cat.id for cat in active if counts.get(cat.prefix, 0) > 0])
    waiting = {cat.prefix: counts.get(cat.prefix, 0) for cat in active}
    payload = {"waiting": waiting,
               "estimated_wait_minutes": {
                   cat.prefix: estimate_wait_minutes(hall, cat, waiting[cat.prefix], stats)
                   for cat in active}}
    queue_event(db.session, "queue_changed", payload, display_room(hall))


def _window_changed(window: Window) -> None:
    payload = window_json(window)
    queue_event(db.session, "window_changed", payload, display_room(window.hall))
    queue_event(db.session, "window_changed", payload, window_room(window.hall, window.number))


def _ticket_updated(ticket: Ticket) -> None:
    queue_event(db.session, "ticket_updated", ticket_json(ticket), ticket_room(ticket.token))


def _called(ticket: Ticket, window: Window, recall: bool) -> None:
    payload = call_json(ticket, window, recall)
    queue_event(db.session, "ticket_called", payload, display_room(window.hall))
    queue_event(db.session, "ticket_called", payload, window_room(window.hall, window.number))


# --- window operations -----------------------------------------------------------------------
def _set_window_status(window: Window, new: str, actor) -> None:
    if window.status == new:
        return
    _service_stats_changed()  # open windows divide the waits
    transition_to(window, WINDOW_TRANSITIONS, new, by=actor, entity_type="window")


def _ticket_move(ticket: Ticket, new: str, actor, action: str | None = None, **details) -> None:
    if new == T.COMPLETED:
        _service_stats_changed()  # a completed service moves the average service time
    transition_to(ticket, TICKET_TRANSITIONS, new, by=actor, entity_type="ticket", action=action,
                  details={"number": ticket.number, **details})


def _end_current(window: Window, actor) -> Ticket | None:
    """call-next first ends the window's current ticket: completed if it was being
    served, no-show if it was called and never started."""
    if not window.current_ticket_id:
        return None
    current = db.session.get(Ticket, window.current_ticket_id)
    window.current_ticket_id = None
    if current is None or current.window_id != window.id:
        return None
    if current.status == T.SERVING:
        _ticket_move(current, T.COMPLETED, actor, window=window.number)
    elif current.status == T.CALLED:
        _ticket_move(current, T.NO_SHOW, actor, window=window.number)
    else:
        return None
    _ticket_updated(current)
    return current


@transactional()
def call_next(*, window: Window, actor) -> Ticket | None:
    if window.status == WindowStatus.PAUSED:
        raise Conflict(_("The window is paused; resume it first."), code="window_paused")
    if window.status == WindowStatus.CLOSED:
        _set_window_status(window, WindowStatus.OPEN, actor)
    window.staff_id = getattr(actor, "id", None)
    _end_current(window, actor)
    ticket = next_candidate(window)
    if ticket is None:
        db.session.flush()
        _window_changed(window)
        _queue_changed(window.hall)
        return None
    _ticket_move(ticket, T.CALLED, actor, window=window.number)
    now = ticket.called_at
    ticket.first_called_at = ticket.first_called_at or now
    ticket.window_id = window.id
    ticket.target_window_id = None
    ticket.served_by_id = getattr(actor, "id", None)
    window.current_ticket_id = ticket.id
    db.session.flush()
    _called(ticket, window, recall=False)
    _window_changed(window)
    _queue_changed(window.hall)
    _ticket_updated(ticket)
    from ..notifications.services import after_call_next

    after_call_next(window, ticket)  # ticket_called, ticket_near (outbox rows, sent after commit)
    return ticket


def _current_ticket(window: Window) -> Ticket:
    ticket = db.session.get(Ticket, window.current_ticket_id) if window.current_ticket_id else None
    if ticket is None:
        raise Conflict(_("This window has no current ticket."), code="no_current_ticket")
    return ticket


@transactional()
def recall(*, window: Window, actor) -> Ticket:
    ticket = _current_ticket(window)
    if ticket.status != T.CALLED:
        raise Conflict(_("Only a called ticket can be called again."), code="not_called")
    ticket.recall_count += 1
    ticket.called_at = utcnow()
    record("recalled", "ticket", ticket.id, actor=actor, from_state=ticket.status,
           to_state=ticket.status, details={"number": ticket.number, "window": window.number,
                                            "recall_count": ticket.recall_count})
    db.session.flush()
    _called(ticket, window, recall=True)
    _ticket_updated(ticket)
    return ticket


@transactional()
def pause(*, window: Window, actor) -> Window:
    if window.status != WindowStatus.OPEN:
        raise Conflict(_("Only an open window can be paused."), code="invalid_transition")
    _set_window_status(window, WindowStatus.PAUSED, actor)
    db.session.flush()
    _window_changed(window)
    _queue_changed(window.hall)
    return window


@transactional()
def resume(*, window: Window, actor) -> Window:
    if window.status == WindowStatus.OPEN:
        raise Conflict(_("The window is already open."), code="invalid_transition")
    _set_window_status(window, WindowStatus.OPEN, actor)
    window.staff_id = getattr(actor, "id", None)
    db.session.flush()
    _window_changed(window)
    _queue_changed(window.hall)
    return window


@transactional()
def close_window(*, window: Window, actor) -> Window:
    """End of the shift: the window closes; a ticket still at it must be finished first."""
    if window.current_ticket_id:
        current = db.session.get(Ticket, window.current_ticket_id)
        if current is not None and current.status in (T.CALLED, T.SERVING):
            raise Conflict(_("Finish the current ticket before closing the window."),
                           code="ticket_in_progress")
        window.current_ticket_id = None
    _set_window_status(window, WindowStatus.CLOSED, actor)
    window.staff_id = None
    db.session.flush()
    _window_changed(window)
    _queue_changed(window.hall)
    return window


# --- ticket operations -----------------------------------------------------------------------
def _at_window(ticket: Ticket) -> Window:
    if ticket.window_id is None:
        raise Conflict(_("This ticket is not at a window."), code="invalid_transition")
    return db.session.get(Window, ticket.window_id)


@transactional()
def start(*, ticket: Ticket, actor) -> Ticket:
    window = _at_window(ticket)
    _ticket_move(ticket, T.SERVING, actor, window=window.number)
    db.session.flush()
    _window_changed(window)
    _ticket_updated(ticket)
    return ticket


@transactional()
def complete(*, ticket: Ticket, actor) -> Ticket:
    window = _at_window(ticket)
    _ticket_move(ticket, T.COMPLETED, actor, window=window.number)
    if window.current_ticket_id == ticket.id:
        window.current_ticket_id = None
    db.session.flush()
    _window_changed(window)
    _queue_changed(window.hall)
    _ticket_updated(ticket)
    return ticket


@transactional()
def no_show(*, ticket: Ticket, actor) -> Ticket:
    window = _at_window(ticket)
    _ticket_move(ticket, T.NO_SHOW, actor, window=window.number)
    if window.current_ticket_id == ticket.id:
        window.current_ticket_id = None
    db.session.flush()
    _window_changed(window)
    _ticket_updated(ticket)
    return ticket


@transactional()
def transfer(*, ticket: Ticket, actor, to_window: int | None = None,
             to_category: str | None = None) -> Ticket:
    """Back to waiting, reserved for another window or moved to another category,
    keeping its number and its place (issue time)."""
    if (to_window is None) == (to_category is None):
        raise ValidationError(_("Give either a target window or a target category."),
                              code="transfer_target")
    window = _at_window(ticket)
    hall = ticket.hall
    details: dict = {"window": window.number}
    if to_window is not None:
        target = db.session.execute(select(Window).where(
            Window.hall_id == hall.id, Window.number == to_window)).scalar_one_or_none()
        if target is None:
            raise ValidationError(_("Unknown window."), code="unknown_window",
                                  details={"to_window": to_window})
        if target.id == window.id:
            raise ValidationError(_("The ticket is already at this window."),
                                  code="same_window", details={"to_window": to_window})
        details["to_window"] = target.number
    else:
        category = category_by_prefix(hall, to_category)
        if category is None or not category.active:
            raise ValidationError(_("Unknown queue category."), code="unknown_category",
                                  details={"to_category": to_category})
        details["to_category"] = category.prefix
    _ticket_move(ticket, T.WAITING, actor, action="transferred", **details)
    if to_window is not None:
        ticket.target_window_id = target.id
    else:
        ticket.category_id = category.id
        ticket.target_window_id = None
    ticket.window_id = None
    ticket.transfer_count += 1
    if window.current_ticket_id == ticket.id:
        window.current_ticket_id = None
    db.session.flush()
    _window_changed(window)
    _queue_changed(hall)
    _ticket_updated(ticket)
    return ticket


@transactional()
def cancel_by_applicant(*, ticket: Ticket) -> Ticket:
    if ticket.status != T.WAITING:
        raise Conflict(_("Only a waiting ticket can be cancelled."), code="invalid_transition")
    _ticket_move(ticket, T.CANCELLED, None, by_applicant=True)
    db.session.flush()
    _queue_changed(ticket.hall)
    _ticket_updated(ticket)
    return ticket


# --- look-ups ---------------------------------------------------------------------------------
def ticket_by_token(token: str) -> Ticket:
    ticket = None
    if token and len(token) <= 64:
        ticket = db.session.execute(
            select(Ticket).where(Ticket.token == token)).scalar_one_or_none()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def window_list(hall: Hall) -> list[Window]:
    return list(db.session.execute(
        select(Window).where(Window.hall_id == hall.id).order_by(Window.number)).scalars())


def recent_calls(hall: Hall, limit: int = 10) -> list[dict]:
    rows = db.session.execute(
        select(Ticket).where(Ticket.hall_id == hall.id, Ticket.service_day == service_day(),
                             Ticket.called_at.is_not(None), Ticket.window_id.is_not(None))
        .order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(limit)).scalars().all()
    return [call_json(t, t.window) for t in rows]


def display_snapshot(hall: Hall) -> dict:
    overview = categories_overview(hall)
    return {
        "hall": hall.code,
        "recent_calls": recent_calls(hall),
        "waiting": {c["prefix"]: c["waiting"] for c in overview},
        "estimated_wait_minutes": {c["prefix"]: c["estimated_wait_minutes"] for c in overview},
        "categories": overview,
        "windows": [window_json(w) for w in window_list(hall)],
    }


def waiting_list(window: Window, limit: int = 50) -> list[dict]:
    """The tickets this window may call, in the order it would call them."""
    category_ids = [link.category_id for link in window.category_links]
    rows = db.session.execute(
        select(Ticket).where(_waiting_today(window.hall_id), or_(
            Ticket.target_window_id == window.id,
            and_(Ticket.target_window_id.is_(None), Ticket.category_id.in_(category_ids))))
    ).scalars().all()
    rank = {cid: i for i, cid in enumerate(category_ids)}

    def key(t: Ticket):
        if t.target_window_id == window.id:
            return (0, 0, t.issued_at, t.id)
        if t.priority:
            return (1, 0, t.issued_at, t.id)
        return (2, rank.get(t.category_id, 99), t.issued_at, t.id)

    rows.sort(key=key)
    now = utcnow()
    return [{"id": t.id, "number": t.number, "category": t.category.prefix,
             "priority": t.priority, "transferred": t.target_window_id == window.id,
             "waited_minutes": int((now - t.issued_at).total_seconds() // 60)}
            for t in rows[:limit]]


def clerk_today(window: Window, user) -> dict:
    """The clerk's own counts for today at this window."""
    day = service_day()
    base = select(func.count(Ticket.id)).where(Ticket.service_day == day,
                                               Ticket.served_by_id == user.id)
    served = db.session.execute(base.where(Ticket.status == T.COMPLETED)).scalar_one()
    no_shows = db.session.execute(base.where(Ticket.status == T.NO_SHOW)).scalar_one()
    spans = db.session.execute(
        select(Ticket.serving_at, Ticket.completed_at).where(
            Ticket.service_day == day, Ticket.served_by_id == user.id,
            Ticket.status == T.COMPLETED, Ticket.serving_at.is_not(None))).all()
    secs = [(b - a).total_seconds() for a, b in spans if a and b]
    return {"served": served, "no_shows": no_shows,
            "avg_service_minutes": round(sum(secs) / len(secs) / 60, 1) if secs else None}
