"""The ticket and window transition tables, read through the one door
(`lifecycle.allowed` / `lifecycle.transition_to`). The expected tables below are the
specification (PRODUCT.md, CONTRACT.md); the code's tables must match them exactly."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from service_center import lifecycle
from service_center.audit import AuditEvent
from service_center.errors import InvalidTransition
from service_center.extensions import db
from service_center.queueing.states import (
    ACTIVE_AT_WINDOW,
    TERMINAL_TICKET,
    TICKET_TRANSITIONS,
    WINDOW_TRANSITIONS,
    TicketStatus,
    WindowStatus,
)

T, W = TicketStatus, WindowStatus

EXPECTED_TICKET = {
    (T.WAITING, T.CALLED),       # call-next
    (T.WAITING, T.CANCELLED),    # the applicant cancels
    (T.CALLED, T.SERVING),       # start
    (T.CALLED, T.NO_SHOW),       # no-show, or call-next over a called ticket
    (T.CALLED, T.WAITING),       # transfer (number and place kept)
    (T.CALLED, T.CANCELLED),
    (T.SERVING, T.COMPLETED),    # complete, or call-next over a served ticket
    (T.SERVING, T.WAITING),      # transfer
}
EXPECTED_WINDOW = {
    (W.CLOSED, W.OPEN),
    (W.OPEN, W.PAUSED), (W.OPEN, W.CLOSED),
    (W.PAUSED, W.OPEN), (W.PAUSED, W.CLOSED),
}

TICKET_PAIRS = list(itertools.product(TicketStatus, repeat=2))
WINDOW_PAIRS = list(itertools.product(WindowStatus, repeat=2))
IDS_T = [f"{a}->{b}" for a, b in TICKET_PAIRS]
IDS_W = [f"{a}->{b}" for a, b in WINDOW_PAIRS]


@pytest.mark.parametrize(("current", "new"), TICKET_PAIRS, ids=IDS_T)
def test_ticket_table(current, new):
    expected = (current, new) in EXPECTED_TICKET
    assert lifecycle.allowed(TICKET_TRANSITIONS, current, new) == expected
    # plain strings (as stored) read the same as the enum members
    assert lifecycle.allowed(TICKET_TRANSITIONS, str(current), str(new)) == expected


@pytest.mark.parametrize(("current", "new"), WINDOW_PAIRS, ids=IDS_W)
def test_window_table(current, new):
    expected = (current, new) in EXPECTED_WINDOW
    assert lifecycle.allowed(WINDOW_TRANSITIONS, current, new) == expected


def test_derived_sets():
    assert TERMINAL_TICKET == {T.COMPLETED, T.NO_SHOW, T.CANCELLED}
    assert ACTIVE_AT_WINDOW == {T.CALLED, T.SERVING}
    assert set(TICKET_TRANSITIONS) == set(TicketStatus)
    assert set(WINDOW_TRANSITIONS) == set(WindowStatus)


def test_unknown_state_is_never_allowed():
    assert not lifecycle.allowed(TICKET_TRANSITIONS, "bogus", T.CALLED)
    assert not lifecycle.allowed(TICKET_TRANSITIONS, T.WAITING, "bogus")


def _ticket(status):
    return SimpleNamespace(id=42, status=str(status), called_at=None, called_by_id=None,
                           completed_at=None, no_show_at=None, serving_at=None,
                           cancelled_at=None, waiting_at=None)


@pytest.mark.parametrize(("current", "new"), TICKET_PAIRS, ids=IDS_T)
def test_transition_to_follows_the_table(sqlite_app, current, new):
    with sqlite_app.test_request_context():
        obj = _ticket(current)
        if (current, new) in EXPECTED_TICKET:
            previous = lifecycle.transition_to(obj, TICKET_TRANSITIONS, new, entity_type="ticket")
            assert previous == current and obj.status == new
            # `<state>_at` is stamped, timezone-aware
            stamp = getattr(obj, f"{new}_at")
            assert stamp is not None and stamp.utcoffset() is not None
            audit = [o for o in db.session.new if isinstance(o, AuditEvent)]
            assert [(a.entity_type, a.entity_id, a.from_state, a.to_state) for a in audit] == \
                [("ticket", "42", str(current), str(new))]
        else:
            with pytest.raises(InvalidTransition) as err:
                lifecycle.transition_to(obj, TICKET_TRANSITIONS, new, entity_type="ticket")
            assert err.value.status == 409
            assert err.value.details == {"from": str(current), "to": str(new)}
            assert obj.status == current
            assert not [o for o in db.session.new if isinstance(o, AuditEvent)]
        db.session.rollback()


def test_transition_to_stamps_the_actor(sqlite_app):
    with sqlite_app.test_request_context():
        obj = _ticket(T.WAITING)
        actor = SimpleNamespace(id=7, username="clerk1")
        lifecycle.transition_to(obj, TICKET_TRANSITIONS, T.CALLED, by=actor, entity_type="ticket",
                                action="called", details={"window": 1})
        assert obj.called_by_id == 7
        (audit,) = [o for o in db.session.new if isinstance(o, AuditEvent)]
        assert (audit.action, audit.actor_id, audit.actor_name, audit.details) == \
            ("called", 7, "clerk1", {"window": 1})
        db.session.rollback()
