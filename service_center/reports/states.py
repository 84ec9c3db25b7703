"""Rating levels, rectification and complaint states and their transitions. No Flask here."""

from __future__ import annotations

from enum import StrEnum


def N_(message: str) -> str:
    """Marks a msgid for `pybabel extract` (a default keyword) without translating it."""
    return message


# The five levels of the national 好差评 practice, best first. The labels are English
# msgids, translated in templates and by `level_label()`.
LEVELS: dict[int, str] = {
    5: N_("Very satisfied"),      # 非常满意
    4: N_("Satisfied"),           # 满意
    3: N_("Basically satisfied"), # 基本满意
    2: N_("Dissatisfied"),        # 不满意
    1: N_("Very dissatisfied"),   # 非常不满意
}
# a rating at or below this score opens a rectification (不满意 or worse)
RECTIFY_AT_OR_BELOW = 2


class RectificationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


R = RectificationStatus
RECTIFICATION_TRANSITIONS: dict[RectificationStatus, frozenset[RectificationStatus]] = {
    R.OPEN: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
}


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CLOSED = "closed"


C = ComplaintStatus
COMPLAINT_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    C.RECEIVED: frozenset({C.ASSIGNED, C.RESOLVED}),
    C.ASSIGNED: frozenset({C.ASSIGNED, C.RESOLVED}),
    C.RESOLVED: frozenset({C.CLOSED}),
    C.CLOSED: frozenset(),
}
