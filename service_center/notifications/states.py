"""Notification states and their transitions. No Flask here."""

from __future__ import annotations

from enum import StrEnum


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


N = NotificationStatus
NOTIFICATION_TRANSITIONS: dict[NotificationStatus, frozenset[NotificationStatus]] = {
    N.PENDING: frozenset({N.SENT, N.FAILED}),
    N.SENT: frozenset(),
    N.FAILED: frozenset(),
}
