"""R8: a hypothesis state machine over the ticket lifecycle: kiosk issues (normal and
priority, three categories), call-next, recall, start, complete, no-show, transfer (to a
window or a category), the applicant's cancel, windows paused, resumed and closed, and
the clock moving (across midnight too), through the queue services. After every step:

- every recorded move of a ticket or a window is one TICKET_TRANSITIONS / WINDOW_TRANSITIONS
  allow, and every stored status is one of the tables';
- numbering: one number per (service day, issued category), sequences 1..n without gaps;
- at most one ticket called or being served per window, and it is the window's current one;
  a closed window has none; a waiting ticket is at no window;
- every ticket the machine issued is stored (none lost, none extra);
- an operation whose preconditions hold succeeds; one whose preconditions fail is refused
  with a DomainError and changes nothing.

SQLite only (like tests/approvals/test_state_machine.py): the rules are the services'."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select, update

from service_center.audit import AuditEvent
from service_center.auth.models import User
from service_center.catalog.models import Hall, Window
from service_center.errors import DomainError
from service_center.extensions import db
from service_center.queueing import services
from service_center.queueing.models import Ticket, TicketCounter
from service_center.queueing.states import (
    ACTIVE_AT_WINDOW,
    TICKET_TRANSITIONS,
    WINDOW_TRANSITIONS,
    TicketStatus,
    WindowStatus,
)
from tests.approvals.conftest import at
from tests.conftest import seed_demo_catalog

T, W = TicketStatus, WindowStatus
WINDOWS = (1, 2, 3)
CATEGORIES = ("A", "B", "C")
TABLES = {"ticket": TICKET_TRANSITIONS, "window": WINDOW_TRANSITIONS}
FIGURES: Counter = Counter()


def clerk() -> User:
    return db.session.execute(select(User).where(User.username == "clerk1")).unique() \
        .scalar_one()


class QueueMachine(RuleBasedStateMachine):
    traveller = None  # set by the test

    def __init__(self):
        super().__init__()
        self.issued: list[int] = []
        self.audit_from = 0

    # --- helpers --------------------------------------------------------------------------
    def hall(self) -> Hall:
        return db.session.execute(select(Hall).where(Hall.code == "MAIN")).scalar_one()

    def window(self, number: int) -> Window:
        db.session.expire_all()
        return db.session.execute(select(Window).where(
            Window.hall_id == self.hall().id, Window.number == number)).scalar_one()

    def ticket(self, index: int) -> Ticket | None:
        if not self.issued:
            return None
        db.session.expire_all()
        return db.session.get(Ticket, self.issued[index % len(self.issued)])

    def snapshot(self) -> tuple:
        db.session.expire_all()
        tickets = db.session.execute(select(Ticket.id, Ticket.status, Ticket.window_id,
                                            Ticket.target_window_id, Ticket.category_id,
                                            Ticket.version).order_by(Ticket.id)).all()
        windows = db.session.execute(select(Window.id, Window.status,
                                            Window.current_ticket_id).order_by(Window.id)).all()
        return tuple(map(tuple, tickets)), tuple(map(tuple, windows))

    def expect(self, allowed: bool, name: str, call) -> None:
        before = self.snapshot()
        try:
            call()
        except DomainError as exc:
            assert not allowed, f"{name} refused although allowed: {exc.code} {exc.message}"
            assert self.snapshot() == before, f"a refused {name} changed the queue"
            FIGURES["refused"] += 1
            return
        assert allowed, f"{name} done although the rules forbid it"
        FIGURES["done"] += 1

    # --- a clean hall for every example -----------------------------------------------------
    @initialize()
    def clean_hall(self):
        db.session.execute(update(Window).values(current_ticket_id=None, status=W.CLOSED,
                                                 staff_id=None))
        db.session.execute(delete(Ticket))
        db.session.execute(delete(TicketCounter))
        db.session.commit()
        # audit rows are immutable: this example checks only the moves recorded from here
        self.audit_from = db.session.execute(select(func.max(AuditEvent.id))).scalar() or 0
        services._service_stats_changed()
        FIGURES["examples"] += 1

    # --- rules ------------------------------------------------------------------------------
    @rule(category=st.sampled_from(CATEGORIES), priority=st.booleans())
    def issue(self, category, priority):
        issued = services.issue_ticket(hall=self.hall(), category=category, priority=priority,
                                       priority_reason="elderly" if priority else None,
                                       phone=None, source="kiosk", actor=None)
        self.issued.append(issued.ticket_id if hasattr(issued, "ticket_id") else issued.id)
        FIGURES["steps"] += 1

    @rule(number=st.sampled_from(WINDOWS))
    def call_next(self, number):
        window = self.window(number)
        allowed = window.status != W.PAUSED
        before = window.current_ticket_id
        self.expect(allowed, "call-next", lambda: services.call_next(window=window,
                                                                      actor=clerk()))
        if allowed:
            window = self.window(number)
            assert window.status == W.OPEN
            if before is not None:
                ended = db.session.get(Ticket, before)
                assert ended.status not in ACTIVE_AT_WINDOW or ended.window_id != window.id
        FIGURES["steps"] += 1

    @rule(number=st.sampled_from(WINDOWS))
    def recall(self, number):
        window = self.window(number)
        current = db.session.get(Ticket, window.current_ticket_id) \
            if window.current_ticket_id else None
        allowed = current is not None and current.status == T.CALLED
        self.expect(allowed, "recall", lambda: services.recall(window=window, actor=clerk()))
        FIGURES["steps"] += 1

    @rule(index=st.integers(0, 50), action=st.sampled_from(["start", "complete", "no_show"]))
    def ticket_action(self, index, action):
        ticket = self.ticket(index)
        if ticket is None:
            return
        need = {"start": T.CALLED, "complete": T.SERVING, "no_show": T.CALLED}[action]
        allowed = ticket.status == need and ticket.window_id is not None
        self.expect(allowed, action, lambda: getattr(services, action)(ticket=ticket,
                                                                       actor=clerk()))
        FIGURES["steps"] += 1

    @rule(index=st.integers(0, 50), to_window=st.sampled_from((None, 1, 2, 3, 99)),
          to_category=st.sampled_from(("A", "B", "C", "Z")))
    def transfer(self, index, to_window, to_category):
        ticket = self.ticket(index)
        if ticket is None:
            return
        at_window = ticket.window_id is not None and ticket.status in ACTIVE_AT_WINDOW
        if to_window is not None:
            own = ticket.window.number if ticket.window_id else None
            allowed = at_window and to_window in WINDOWS and to_window != own
            kwargs = {"to_window": to_window}
        else:
            allowed = at_window and to_category in CATEGORIES
            kwargs = {"to_category": to_category}
        self.expect(allowed, "transfer", lambda: services.transfer(ticket=ticket, actor=clerk(),
                                                                   **kwargs))
        if allowed:
            moved = self.ticket(index)
            assert moved.status == T.WAITING and moved.window_id is None
        FIGURES["steps"] += 1

    @rule(index=st.integers(0, 50))
    def cancel(self, index):
        ticket = self.ticket(index)
        if ticket is None:
            return
        self.expect(ticket.status == T.WAITING, "cancel",
                    lambda: services.cancel_by_applicant(ticket=ticket))
        FIGURES["steps"] += 1

    @rule(number=st.sampled_from(WINDOWS), action=st.sampled_from(["pause", "resume", "close"]))
    def window_action(self, number, action):
        window = self.window(number)
        current = db.session.get(Ticket, window.current_ticket_id) \
            if window.current_ticket_id else None
        allowed = {"pause": window.status == W.OPEN, "resume": window.status != W.OPEN,
                   "close": current is None or current.status not in ACTIVE_AT_WINDOW}[action]
        fn = {"pause": services.pause, "resume": services.resume,
              "close": services.close_window}[action]
        self.expect(allowed, action, lambda: fn(window=window, actor=clerk()))
        FIGURES["steps"] += 1

    @rule(minutes=st.sampled_from([1, 7, 30, 240, 14 * 60]))
    def time_passes(self, minutes):
        self.traveller.shift(timedelta(minutes=minutes))

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def moves_are_allowed(self):
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.result == "ok", AuditEvent.entity_type.in_(list(TABLES)),
            AuditEvent.id > self.audit_from)
            .order_by(AuditEvent.id)).scalars().all()
        for e in events:
            if e.from_state is None or e.from_state == e.to_state:
                continue
            assert e.to_state in TABLES[e.entity_type][e.from_state], \
                (e.entity_type, e.action, e.from_state, e.to_state)
        FIGURES["moves_checked"] += len(events)

    @invariant()
    def states_and_places(self):
        db.session.expire_all()
        tickets = db.session.execute(select(Ticket)).scalars().all()
        windows = {w.id: w for w in db.session.execute(select(Window)).scalars()}
        assert sorted(t.id for t in tickets) == sorted(self.issued), "lost or extra tickets"
        active_at: dict[int, list[int]] = defaultdict(list)
        for t in tickets:
            assert t.status in TICKET_TRANSITIONS, t.status
            if t.status in ACTIVE_AT_WINDOW:
                assert t.window_id is not None
                active_at[t.window_id].append(t.id)
                assert t.called_at is not None and t.first_called_at is not None
            if t.status == T.WAITING:
                assert t.window_id is None
            if t.status == T.SERVING:
                assert t.serving_at is not None
        for window_id, ids in active_at.items():
            window = windows[window_id]
            assert len(ids) == 1, f"window {window.number} has {len(ids)} active tickets"
            assert window.current_ticket_id == ids[0]
            assert window.status != W.CLOSED
        for window in windows.values():
            assert window.status in WINDOW_TRANSITIONS
            if window.current_ticket_id is not None and window.current_ticket_id in \
                    {t.id for t in tickets}:
                current = next(t for t in tickets if t.id == window.current_ticket_id)
                if current.status in ACTIVE_AT_WINDOW:
                    assert current.window_id == window.id

    @invariant()
    def numbering(self):
        rows = db.session.execute(select(Ticket.service_day, Ticket.issued_category_id,
                                         Ticket.seq, Ticket.number)).all()
        numbers = Counter((day, number) for day, _cat, _seq, number in rows)
        assert all(n == 1 for n in numbers.values()), "a number was handed out twice"
        seqs: dict[tuple, list[int]] = defaultdict(list)
        for day, cat, seq, _number in rows:
            seqs[(day, cat)].append(seq)
        for key, values in seqs.items():
            assert sorted(values) == list(range(1, len(values) + 1)), (key, sorted(values))


@pytest.fixture
def seeded_sqlite(sqlite_app):
    seed_demo_catalog(sqlite_app)
    return sqlite_app


def test_ticket_lifecycle_state_machine(seeded_sqlite):
    FIGURES.clear()
    with time_machine.travel(at("2026-09-29", 9), tick=False) as traveller, \
            seeded_sqlite.test_request_context():
        QueueMachine.traveller = traveller
        run_state_machine_as_test(QueueMachine, settings=settings(
            max_examples=30, stateful_step_count=40, deadline=None, derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print(f"\nR8 queue: {dict(FIGURES)}")
    assert FIGURES["done"] > 100 and FIGURES["refused"] > 20  # the run exercised both sides
