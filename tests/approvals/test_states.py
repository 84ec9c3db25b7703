"""The transition tables, read as data: every (from, to) pair is either allowed or not,
and transition_to refuses every pair the table does not list."""

from types import SimpleNamespace

import pytest

from service_center.approvals.states import (
    CASE_TRANSITIONS,
    STAGE_TRANSITIONS,
    TASK_TRANSITIONS,
    TERMINAL_CASE,
    CaseStatus,
    StageStatus,
    TaskStatus,
)
from service_center.errors import InvalidTransition
from service_center.extensions import db
from service_center.lifecycle import allowed, transition_to

C, S, T = CaseStatus, StageStatus, TaskStatus

CASE_ALLOWED = {
    (C.AWAITING_MATERIALS, C.IN_PROGRESS), (C.AWAITING_MATERIALS, C.REFUSED),
    (C.AWAITING_MATERIALS, C.WITHDRAWN),
    (C.IN_PROGRESS, C.APPROVED), (C.IN_PROGRESS, C.REJECTED), (C.IN_PROGRESS, C.WITHDRAWN),
    (C.APPROVED, C.COMPLETED), (C.REJECTED, C.COMPLETED),
}
STAGE_ALLOWED = {(S.PENDING, S.ACTIVE), (S.ACTIVE, S.APPROVED), (S.ACTIVE, S.REJECTED)}
TASK_ALLOWED = {(T.PENDING, T.ACTIVE), (T.ACTIVE, T.APPROVED), (T.ACTIVE, T.REJECTED),
                (T.ACTIVE, T.RETURNED), (T.RETURNED, T.ACTIVE)}


def _pairs(enum):
    return [(a, b) for a in enum for b in enum]


@pytest.mark.parametrize(("current", "new"), _pairs(CaseStatus))
def test_case_table(current, new):
    assert allowed(CASE_TRANSITIONS, current, new) == ((current, new) in CASE_ALLOWED)


@pytest.mark.parametrize(("current", "new"), _pairs(StageStatus))
def test_stage_table(current, new):
    assert allowed(STAGE_TRANSITIONS, current, new) == ((current, new) in STAGE_ALLOWED)


@pytest.mark.parametrize(("current", "new"), _pairs(TaskStatus))
def test_task_table(current, new):
    assert allowed(TASK_TRANSITIONS, current, new) == ((current, new) in TASK_ALLOWED)


def test_terminal_case_states():
    assert TERMINAL_CASE == {C.REFUSED, C.WITHDRAWN, C.COMPLETED}


@pytest.mark.parametrize(("current", "new"), [
    (c, n) for c, n in _pairs(CaseStatus) if (c, n) not in CASE_ALLOWED][:12])
def test_transition_to_refuses_forbidden_moves(sqlite_app, current, new):
    with sqlite_app.test_request_context():
        obj = SimpleNamespace(id=1, status=str(current))
        with pytest.raises(InvalidTransition):
            transition_to(obj, CASE_TRANSITIONS, new, entity_type="case")
        assert obj.status == current
        db.session.rollback()


def test_transition_to_stamps_and_audits(sqlite_app):
    from service_center.audit import AuditEvent

    with sqlite_app.test_request_context():
        obj = SimpleNamespace(id=7, status="in_progress", approved_at=None)
        transition_to(obj, CASE_TRANSITIONS, C.APPROVED, entity_type="case")
        assert obj.status == "approved" and obj.approved_at is not None
        event = [o for o in db.session.new if isinstance(o, AuditEvent)][0]
        assert (event.from_state, event.to_state, event.entity_id) == \
            ("in_progress", "approved", "7")
        db.session.rollback()
