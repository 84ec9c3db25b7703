"""Case, stage and task states and the transitions between them. No Flask here: the
tables are plain data, read by `transition_to` and by the tests."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    AWAITING_MATERIALS = "awaiting_materials"
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class StageStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    APPROVED = "approved"
    REJECTED = "rejected"


class TaskStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    APPROVED = "approved"
    REJECTED = "rejected"
    # the department asked for a supplement; active again once it is received
    RETURNED = "returned"


class SuspensionKind(StrEnum):
    SUPPLEMENT = "supplement"
    EXPERT_REVIEW = "expert_review"
    TESTING = "testing"
    HEARING = "hearing"
    PUBLIC_NOTICE = "public_notice"
    OTHER = "other"


C = CaseStatus
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    # registered with materials missing: accepted once complete, or refused, or withdrawn
    C.AWAITING_MATERIALS: frozenset({C.IN_PROGRESS, C.REFUSED, C.WITHDRAWN}),
    C.IN_PROGRESS: frozenset({C.APPROVED, C.REJECTED, C.WITHDRAWN}),
    # the decision is handed over to the applicant
    C.APPROVED: frozenset({C.COMPLETED}),
    C.REJECTED: frozenset({C.COMPLETED}),
    C.REFUSED: frozenset(),
    C.WITHDRAWN: frozenset(),
    C.COMPLETED: frozenset(),
}

S = StageStatus
STAGE_TRANSITIONS: dict[StageStatus, frozenset[StageStatus]] = {
    S.PENDING: frozenset({S.ACTIVE}),
    S.ACTIVE: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
}

T = TaskStatus
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    T.PENDING: frozenset({T.ACTIVE}),
    T.ACTIVE: frozenset({T.APPROVED, T.REJECTED, T.RETURNED}),
    T.RETURNED: frozenset({T.ACTIVE}),
    T.APPROVED: frozenset(),
    T.REJECTED: frozenset(),
}

OPEN_CASE = frozenset({C.AWAITING_MATERIALS, C.IN_PROGRESS})
TERMINAL_CASE = frozenset(s for s, following in CASE_TRANSITIONS.items() if not following)
DECISIONS = ("approve", "reject", "supplement")
MANAGER_SUSPENSION_KINDS = tuple(k.value for k in SuspensionKind if k != SuspensionKind.SUPPLEMENT)

# A deadline shows a yellow warning when this many working days or fewer remain
# (issue 4: one working day or less), red once it has passed. Overridable with the app
# config CASE_WARNING_DAYS.
WARNING_WORKING_DAYS = 1
# Extension of the statutory limit, once per case (行政许可法 Arts. 42-43).
EXTENSION_DAYS_SINGLE = 10
EXTENSION_DAYS_JOINT = 15
