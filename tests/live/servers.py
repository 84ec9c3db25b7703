"""Real server processes (`python -m service_center.server`, gevent, or gunicorn with
deploy/gunicorn.conf.py) for the multi-process tests and the benchmark: a seeded SQLite
file shared by all, optional Redis queue."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ONEWINDOW_TEST_REDIS", "redis://127.0.0.1:6379/0")


def require(reason: str | None) -> None:
    """Skip on a missing service, or fail under ONEWINDOW_REQUIRE_PG=1 (CI)."""
    if reason:
        if os.environ.get("ONEWINDOW_REQUIRE_PG") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


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
    """kind "server": `python -m service_center.server`; kind "gunicorn": gunicorn with
    deploy/gunicorn.conf.py. `app` is a module:attribute other than service_center.wsgi:app;
    `env` adds to (or, with None values, removes from) the environment."""

    def __init__(self, db_url: str, message_queue: str | None, log_path: Path, *,
                 kind: str = "server", app: str | None = None,
                 env: dict[str, str | None] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        environ = {**os.environ, "DATABASE_URL": db_url, "SERVICE_CENTER_ENV": "development",
                   "PYTHONPATH": str(ROOT)}
        for key in ("SOCKETIO_MESSAGE_QUEUE", "RATELIMIT_STORAGE_URI", "LOG_FORMAT",
                    "PROXY_FIX_HOPS", "WSGI_APP", "BIND"):
            environ.pop(key, None)
        if message_queue:
            environ["SOCKETIO_MESSAGE_QUEUE"] = message_queue
        for key, value in (env or {}).items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        if kind == "gunicorn":
            environ["PORT"] = str(self.port)
            if app:
                environ["WSGI_APP"] = app
            command = [sys.executable, "-m", "gunicorn", "-c",
                       str(ROOT / "deploy" / "gunicorn.conf.py")]
        elif kind == "server":
            command = [sys.executable, "-m", "service_center.server", "--port", str(self.port)]
            if app:
                command += ["--app", app]
        else:
            raise ValueError(kind)
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> ServerProcess:
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

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()
        return self.proc.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def token(base_url: str, username: str, password: str = "demo-pass-2026") -> str:
    res = requests.post(base_url + "/api/v1/auth/token",
                        json={"username": username, "password": password}, timeout=10)
    res.raise_for_status()
    return res.json()["token"]
