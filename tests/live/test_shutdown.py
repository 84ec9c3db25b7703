"""Graceful shutdown under SIGTERM, for `python -m service_center.server` and for gunicorn
with deploy/gunicorn.conf.py: the process stops accepting, closes its Socket.IO clients,
lets the request in flight finish, and exits 0."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time

import pytest
import requests
import socketio

from .servers import ServerProcess, seed_database

pytestmark = [pytest.mark.slow]


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("kind", ["server", "gunicorn"])
def test_sigterm_finishes_the_request_in_flight_then_exits_0(tmp_path, kind):
    db_url = seed_database(tmp_path / "shared.db")
    slow_dir = tmp_path / "slow"
    slow_dir.mkdir()
    server = ServerProcess(db_url, None, tmp_path / "server.log", kind=kind,
                           app="tests.live.slow_app:app",
                           env={"ONEWINDOW_SLOW_DIR": str(slow_dir), "GRACEFUL_TIMEOUT": "30",
                                "LOG_FORMAT": "json"})
    client = socketio.Client(reconnection=False)
    disconnected = threading.Event()
    client.on("disconnect", lambda *args: disconnected.set(), namespace="/live")
    try:
        server.wait_ready()
        client.connect(server.url, namespaces=["/live"], transports=["websocket"],
                       wait_timeout=10)
        result: dict = {}

        def slow_request():
            try:
                res = requests.get(server.url + "/_test/slow", timeout=90,
                                   headers={"X-Request-ID": "slow-1"})
                result["response"] = (res.status_code, res.json())
            except Exception as exc:  # recorded: the assertion below names it
                result["error"] = repr(exc)

        thread = threading.Thread(target=slow_request)
        thread.start()
        _wait_for((slow_dir / "started").exists, 15, "the slow request to start")

        server.proc.send_signal(signal.SIGTERM)
        _wait_for(disconnected.is_set, 15, "the Socket.IO client to be disconnected")
        _wait_for(lambda: _refuses_connections(server.port), 15, "the listener to close")
        # still draining: the request in flight holds the process
        assert thread.is_alive() and server.proc.poll() is None

        (slow_dir / "release").touch()
        thread.join(30)
        assert result == {"response": (200, {"finished": True})}
        assert server.proc.wait(30) == 0
    finally:
        (slow_dir / "release").touch()
        if client.connected:
            client.disconnect()
        server.stop()
    lines = [line for line in server.log_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e["logger"] == "service_center.access"
              and e.get("path") == "/_test/slow"]
    assert [(e["status"], e["request_id"]) for e in access] == [(200, "slow-1")]
    if kind == "gunicorn":  # gunicorn's own records are JSON lines too
        assert all(line.startswith("{") for line in server.log_text().splitlines()
                   if line.strip())
        assert any(e["logger"] == "gunicorn.error" for e in entries)
