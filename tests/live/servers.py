"""Real server processes (`python -m service_center.server`, gevent) for the multi-process
tests and the benchmark: a seeded SQLite file shared by all, optional Redis queue."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ONEWINDOW_TEST_REDIS", "redis://127.0.0.1:6379/0")


def redis_unreachable(url: str = REDIS_URL) -> str | None:
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis not reachable at {url}: {exc}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_database(db_path: Path) -> str:
    sys.path.insert(0, str(ROOT))
    from service_center.extensions import db
    from tests.conftest import make_app, seed_demo_catalog

    url = f"sqlite:///{db_path}"
    app = make_app(url)
    with app.app_context():
        db.create_all()
    seed_demo_catalog(app)
    with app.app_context():
        db.engine.dispose()
    return url


class ServerProcess:
    def __init__(self, db_url: str, message_queue: str | None, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": db_url, "SERVICE_CENTER_ENV": "development",
               "PYTHONPATH": str(ROOT)}
        env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        if message_queue:
            env["SOCKETIO_MESSAGE_QUEUE"] = message_queue
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service_center.server", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not come up")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


def token(base_url: str, username: str, password: str = "demo-pass-2026") -> str:
    res = requests.post(base_url + "/api/v1/auth/token",
                        json={"username": username, "password": password}, timeout=10)
    res.raise_for_status()
    return res.json()["token"]
