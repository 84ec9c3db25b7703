"""Fixtures for the queue tests: cheap password hashes (the demo seeds 19 accounts per
test; scrypt would make that the slowest part of the suite) and small helpers."""

from __future__ import annotations

import pytest


class Queue:
    """Thin helpers over the API for one test client."""

    def __init__(self, client, auth):
        self.client = client
        self.auth = auth

    def issue(self, category: str = "A", **extra) -> dict:
        res = self.client.post("/api/v1/tickets", json={"category": category, **extra})
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    def post(self, url: str, user: str | None = None, **kwargs):
        headers = self.auth.headers(user) if user else {}
        return self.client.post("/api/v1" + url, headers=headers, **kwargs)

    def call(self, window: int, user: str, hall: str | None = None):
        url = f"/windows/{window}/call-next" + (f"?hall={hall}" if hall else "")
        return self.post(url, user)

    def called_number(self, window: int, user: str, hall: str | None = None) -> str | None:
        res = self.call(window, user, hall)
        assert res.status_code in (200, 204), res.get_json()
        return res.get_json()["number"] if res.status_code == 200 else None


@pytest.fixture
def queue(seeded, client, auth):
    return Queue(client, auth)
