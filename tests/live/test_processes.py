"""Two real server processes sharing Redis: a call handled by one reaches a screen
connected to the other, numbered in the one per-room sequence kept in Redis; and the
tracking look-up's rate limit, kept in Redis, counts the failures of both."""

from __future__ import annotations

import os
import queue
import uuid

import pytest
import requests
import socketio

from .servers import (
    REDIS_URL,
    ServerProcess,
    redis_unreachable,
    require,
    seed_database,
    token,
)

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


@pytest.fixture
def limiter_prefix():
    """A key prefix of the test's own in the shared Redis; its keys are removed after."""
    require(redis_unreachable())
    import redis

    prefix = f"onewindow-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_tracking_rate_limit_is_shared_by_all_instances(tmp_path, limiter_prefix):
    db_url = seed_database(tmp_path / "shared.db")
    env = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": limiter_prefix,
           "TRACK_RATE_LIMIT": "10 per minute"}
    servers = [ServerProcess(db_url, None, tmp_path / f"server{i}.log", env=env)
               for i in (0, 1)]
    try:
        for s in servers:
            s.wait_ready()

        def track(server):
            return requests.get(server.url + "/api/v1/track/NOSUCHCASE?code=000000",
                                timeout=10).status_code

        # ten failures spread over both instances: each instance saw only five
        assert [track(servers[i % 2]) for i in range(10)] == [404] * 10
        # the eleventh is refused by either
        assert [track(s) for s in servers] == [429, 429]
        import redis

        keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*{limiter_prefix}*"))
        assert keys, "the limit was not kept in Redis"
    finally:
        for s in servers:
            s.stop()
