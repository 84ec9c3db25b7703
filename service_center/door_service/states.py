"""Door-to-door service (上门服务) states and their transitions. No Flask here."""

from __future__ import annotations

from enum import StrEnum


class DoorStatus(StrEnum):
    REQUESTED = "requested"        # received, nobody assigned yet
    SCHEDULED = "scheduled"        # a staff member and a day
    COMPLETED = "completed"        # the visit took place and the service was given
    NOT_COMPLETED = "not_completed"  # the visit failed (nobody home, materials missing …)
    CANCELLED = "cancelled"


D = DoorStatus
# scheduled → scheduled: reassigned to someone else or another day;
# not_completed → scheduled: a new visit for the same request
DOOR_TRANSITIONS: dict[DoorStatus, frozenset[DoorStatus]] = {
    D.REQUESTED: frozenset({D.SCHEDULED, D.CANCELLED}),
    D.SCHEDULED: frozenset({D.SCHEDULED, D.COMPLETED, D.NOT_COMPLETED, D.CANCELLED}),
    D.NOT_COMPLETED: frozenset({D.SCHEDULED, D.CANCELLED}),
    D.COMPLETED: frozenset(),
    D.CANCELLED: frozenset(),
}

OPEN = frozenset({D.REQUESTED, D.SCHEDULED, D.NOT_COMPLETED})

# why the applicant cannot come to the hall
REASONS = ("elderly", "disabled", "illness", "pregnancy", "other")
