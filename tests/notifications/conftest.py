"""A local HTTP receiver (the SMS gateway's stand-in) and helpers to wait for the
background delivery that runs after commit."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """Answers `status` to every POST; `received` holds the bodies it answered 2xx to."""

    def __init__(self):
        self.status = 200
        self.received: list[dict] = []
        self.requests = 0
        self.server = None
        self.port = 0

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests += 1
                if 200 <= receiver.status < 300:
                    receiver.received.append(body)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def webhook(seeded, receiver):
    seeded.config.update(NOTIFIER_BACKEND="webhook", NOTIFIER_WEBHOOK_URL=receiver.url,
                         NOTIFIER_WEBHOOK_TIMEOUT=2)
    return receiver


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
