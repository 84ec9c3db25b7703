"""Fee states and choices. No Flask here: plain data read by the services and the tests."""

from __future__ import annotations

from enum import StrEnum


class AssessmentStatus(StrEnum):
    UNPAID = "unpaid"    # something is outstanding
    PAID = "paid"        # nothing outstanding (also: nothing was ever due)
    CREDIT = "credit"    # more was collected than is due: a refund is owed


A = AssessmentStatus
# The status follows the money; every move between them is audited.
ASSESSMENT_TRANSITIONS: dict[AssessmentStatus, frozenset[AssessmentStatus]] = {
    A.UNPAID: frozenset({A.PAID, A.CREDIT}),
    A.PAID: frozenset({A.UNPAID, A.CREDIT}),
    A.CREDIT: frozenset({A.PAID, A.UNPAID}),
}


class EntryKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"    # money handed back (part or all of a payment)
    VOID = "void"        # a payment recorded by mistake, reversed whole


class FeeDue(StrEnum):
    BEFORE_DECISION = "before_decision"
    BEFORE_HANDOVER = "before_handover"


METHODS = ("cash", "bank_card", "transfer")
DEFAULT_FEE_DUE = FeeDue.BEFORE_HANDOVER
FEE_DUE_CHOICES = tuple(d.value for d in FeeDue)
# a payment, refund or adjustment larger than this is a typo, not a fee (¥10,000,000.00)
MAX_AMOUNT_FEN = 10**9
