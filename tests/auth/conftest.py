"""Cheap password hashes for the seeded accounts (scrypt would dominate the run time)."""

from __future__ import annotations

import functools

import pytest
from werkzeug.security import generate_password_hash

FAST_HASH = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")


@pytest.fixture(autouse=True)
def _fast_password_hashes(monkeypatch):
    monkeypatch.setattr("service_center.auth.models.generate_password_hash", FAST_HASH)
