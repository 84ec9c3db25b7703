"""Appointment states and their transitions. No Flask here."""

from __future__ import annotations

from enum import StrEnum


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    MISSED = "missed"


A = AppointmentStatus
APPOINTMENT_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    A.BOOKED: frozenset({A.CHECKED_IN, A.CANCELLED, A.MISSED}),
    A.CHECKED_IN: frozenset(),
    A.CANCELLED: frozenset(),
    A.MISSED: frozenset(),
}
