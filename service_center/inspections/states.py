"""Inspection result states and the transitions between them (no Flask here)."""

from __future__ import annotations

from enum import StrEnum


class ResultStatus(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


R = ResultStatus
RESULT_TRANSITIONS: dict[ResultStatus, frozenset[ResultStatus]] = {
    R.PENDING: frozenset({R.PASSED, R.FAILED}),
    R.PASSED: frozenset(),
    R.FAILED: frozenset(),
}

# Enterprises are told this many days before an inspection falls due (overridable with
# the app config / environment variable INSPECTION_NOTICE_DAYS).
NOTICE_DAYS = 30
