"""Two real server processes sharing Redis: a call handled by one reaches a screen
connected to the other, numbered in the one per-room sequence kept in Redis."""

from __future__ import annotations

import os
import queue

import pytest
import requests
import socketio

from .servers import REDIS_URL, ServerProcess, redis_unreachable, seed_database, token

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def two_servers(tmp_path):
    reason = redis_unreachable()
    if reason:
        if os.environ.get("ONEWINDOW_REQUIRE_PG") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    db_url = seed_database(tmp_path / "shared.db")
    servers = [ServerProcess(db_url, REDIS_URL, tmp_path / f"server{i}.log") for i in (0, 1)]
    try:
        for s in servers:
            s.wait_ready()
        yield servers
    finally:
        for s in servers:
            s.stop()


def test_call_on_a_reaches_a_screen_on_b(two_servers):
    a, b = two_servers
    got: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("snapshot", "ticket_called", "window_changed", "queue_changed"):
        client.on(name, (lambda n: lambda data: got.put((n, data)))(name), namespace="/live")
    client.connect(b.url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    try:
        client.emit("subscribe", {"room": "display"}, namespace="/live")
        name, snap = got.get(timeout=10)
        assert name == "snapshot"
        res = requests.post(a.url + "/api/v1/tickets", json={"category": "A"}, timeout=10)
        assert res.status_code == 201
        headers = {"Authorization": f"Bearer {token(a.url, 'clerk1')}"}
        res = requests.post(a.url + "/api/v1/windows/1/call-next", headers=headers, timeout=10)
        assert res.status_code == 200
        number = res.json()["number"]
        events = []
        while not any(n == "ticket_called" for n, _ in events):
            events.append(got.get(timeout=10))
        called = next(p for n, p in events if n == "ticket_called")
        assert (called["number"], called["window_number"]) == (number, 1)
        # one sequence per room across both processes (Redis INCR): no gap after the snapshot
        seqs = [p["seq"] for _, p in events]
        assert seqs == list(range(snap["seq"] + 1, snap["seq"] + 1 + len(seqs)))
    finally:
        client.disconnect()
