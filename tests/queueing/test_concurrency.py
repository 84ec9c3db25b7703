"""R1/R6 through the HTTP layer: kiosks issuing at once against a real threaded server,
and windows calling at once. Counts that must be zero: duplicates, gaps, non-201
answers, acknowledged-but-missing tickets, tickets called twice."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import select

from service_center.extensions import db
from service_center.queueing.models import Ticket

from ..conftest import DEMO_PASSWORD

KIOSKS, PER_KIOSK = 8, 100  # QUALITY.md R1

pytestmark = pytest.mark.slow


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a client thread hung"


def test_kiosks_issue_concurrently(live_server, seeded):
    acknowledged: list[dict] = []
    failures: list[tuple] = []
    barrier = threading.Barrier(KIOSKS)

    def kiosk():
        with requests.Session() as http:
            barrier.wait()
            for _ in range(PER_KIOSK):
                try:
                    res = http.post(f"{live_server.url}/api/v1/tickets", json={"category": "A"},
                                    timeout=60)
                except requests.RequestException as exc:
                    failures.append(("exception", repr(exc)))
                    continue
                if res.status_code == 201:
                    acknowledged.append(res.json())
                else:
                    failures.append((res.status_code, res.text[:200]))

    _run([threading.Thread(target=kiosk) for _ in range(KIOSKS)])
    total = KIOSKS * PER_KIOSK
    numbers = [t["number"] for t in acknowledged]
    duplicates = sum(n - 1 for n in Counter(numbers).values() if n > 1)
    expected = {f"A{i:03d}" for i in range(1, total + 1)}
    gaps = len(expected - set(numbers))
    with seeded.app_context():
        stored = dict(db.session.execute(select(Ticket.id, Ticket.number)).all())
    missing = [t for t in acknowledged if stored.get(t["id"]) != t["number"]]
    report = {"non_201": len(failures), "duplicates": duplicates, "gaps": gaps,
              "missing": len(missing), "stored": len(stored)}
    assert report == {"non_201": 0, "duplicates": 0, "gaps": 0, "missing": 0,
                      "stored": total}, (report, failures[:3])
    assert sorted(numbers) == sorted(expected)


def test_windows_call_concurrently(live_server, seeded):
    """Five windows that all serve A call until nobody waits: every ticket is called
    exactly once, and every answer is 200 or 204."""
    tickets = 40
    with requests.Session() as http:
        for _ in range(tickets):
            assert http.post(f"{live_server.url}/api/v1/tickets",
                             json={"category": "A"}).status_code == 201
    windows = [1, 2, 3, 4, 5]
    called: list[tuple[int, str]] = []
    failures: list[tuple] = []
    barrier = threading.Barrier(len(windows))

    def window(number: int):
        with requests.Session() as http:
            token = http.post(f"{live_server.url}/api/v1/auth/token",
                              json={"username": f"clerk{number}", "password": DEMO_PASSWORD}
                              ).json()["token"]
            http.headers["Authorization"] = f"Bearer {token}"
            barrier.wait()
            for _ in range(tickets + 5):
                res = http.post(f"{live_server.url}/api/v1/windows/{number}/call-next",
                                timeout=60)
                if res.status_code == 204:
                    return
                if res.status_code != 200:
                    failures.append((number, res.status_code, res.text[:200]))
                    continue
                called.append((number, res.json()["number"]))

    _run([threading.Thread(target=window, args=(n,)) for n in windows])
    numbers = [n for _, n in called]
    twice = [n for n, k in Counter(numbers).items() if k > 1]
    assert (failures, twice) == ([], [])
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, tickets + 1)]
    with seeded.app_context():
        statuses = Counter(db.session.execute(select(Ticket.status)).scalars())
    # each window's last ticket is still called; every earlier one was ended as a no-show
    assert statuses["waiting"] == 0
    assert statuses["called"] + statuses["no_show"] == tickets
