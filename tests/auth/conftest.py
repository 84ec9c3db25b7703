"""Cheap password hashes for the seeded accounts (scrypt would dominate the run time)."""

from __future__ import annotations




