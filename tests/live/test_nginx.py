"""deploy/nginx.conf in front of two gunicorn instances (deploy/gunicorn.conf.py) sharing
Redis and one SQLite file: Socket.IO over long polling and over websocket through nginx
(ip_hash keeps a polling session on its instance), a call through nginx reaches both,
static files come from nginx, the body limit and the request id hold."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio

from .servers import (
    REDIS_URL,
    ROOT,
    ServerProcess,
    free_port,
    redis_unreachable,
    require,
    seed_database,
    token,
)

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render_config(folder: Path, listen_port: int, upstream_ports: list[int]) -> Path:
    """deploy/nginx.conf with the test's ports and paths, inside a minimal main config that
    keeps pid, logs and temporary files in `folder` (no root needed)."""
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    site, count = re.subn(r"(?m)^\s*server 127\.0\.0\.1:\d+ [^\n]*\n", "", site)
    assert count >= 2, "the upstream lists no instances"
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n"
                      for port in upstream_ports)
    site = site.replace("    ip_hash;\n", "    ip_hash;\n" + servers, 1)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")
    site = site.replace("listen [::]:80;", "")
    site = site.replace("/var/log/nginx/", f"{folder}/")
    site = site.replace("/opt/onewindow/static/", f"{ROOT}/static/")
    temp = "\n".join(f"    {kind}_temp_path {folder}/{kind}_temp;"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}
    access_log {folder}/access.log;
{site}
}}
""", encoding="utf-8")
    return conf


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("nginx-stack")
    require(redis_unreachable())
    nginx = nginx_binary()
    require(None if nginx else "nginx is not installed (scripts/system-deps.sh installs it)")
    prefix = f"onewindow-test-{uuid.uuid4().hex[:12]}"
    db_url = seed_database(tmp_path / "shared.db")
    env = {"PROXY_FIX_HOPS": "1", "LOG_FORMAT": "json", "RATELIMIT_STORAGE_URI": REDIS_URL,
           "RATELIMIT_KEY_PREFIX": prefix}
    instances = [ServerProcess(db_url, REDIS_URL, tmp_path / f"gunicorn{i}.log",
                               kind="gunicorn", env=env) for i in (0, 1)]
    folder = tmp_path / "nginx"
    folder.mkdir()
    port = free_port()
    conf = render_config(folder, port, [s.port for s in instances])
    command = [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    check = subprocess.run(command + ["-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proxy = None
    try:
        for s in instances:
            s.wait_ready()
        proxy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while not _listening(port):
            assert proxy.poll() is None, proxy.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
        yield {"url": f"http://127.0.0.1:{port}", "instances": instances, "folder": folder}
    finally:
        if proxy is not None:
            proxy.terminate()  # nginx: fast shutdown
            try:
                proxy.wait(10)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait(5)
        for s in instances:  # all at once: each drains for a moment
            if s.proc.poll() is None:
                s.proc.terminate()
        for s in instances:
            s.stop()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def _client(url: str, transport: str, got: queue.Queue) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    for name in ("snapshot", "ticket_called"):
        client.on(name, (lambda n: lambda data: got.put((n, data)))(name), namespace="/live")
    client.connect(url, namespaces=["/live"], transports=[transport], wait_timeout=10)
    assert client.transport() == transport
    client.emit("subscribe", {"room": "display"}, namespace="/live")
    name, _ = got.get(timeout=10)
    assert name == "snapshot"
    return client


def _called(got: queue.Queue) -> dict:
    while True:
        name, data = got.get(timeout=10)
        if name == "ticket_called":
            return data


def test_socketio_over_polling_and_websocket_through_nginx(stack):
    url = stack["url"]
    polled: queue.Queue = queue.Queue()
    streamed: queue.Queue = queue.Queue()
    clients = [_client(url, "polling", polled), _client(url, "websocket", streamed)]
    try:
        assert requests.post(url + "/api/v1/tickets", json={"category": "A"},
                             timeout=10).status_code == 201
        headers = {"Authorization": f"Bearer {token(url, 'clerk1')}"}
        res = requests.post(url + "/api/v1/windows/1/call-next", headers=headers, timeout=10)
        assert res.status_code == 200
        number = res.json()["number"]
        for got in (polled, streamed):
            called = _called(got)
            assert (called["number"], called["window_number"]) == (number, 1)
    finally:
        for client in clients:
            client.disconnect()
    # ip_hash: every Socket.IO request of this client went to one instance
    time.sleep(0.5)  # nginx logs a request after answering it
    entries = [json.loads(line) for line in
               (stack["folder"] / "onewindow.access.log").read_text().splitlines()]
    upstreams = {e["upstream"] for e in entries if e["uri"].startswith("/socket.io/")}
    assert len(upstreams) == 1, upstreams
    assert any("transport=polling" in e["uri"] for e in entries)


def test_request_id_static_files_and_body_limit(stack):
    url = stack["url"]
    res = requests.get(url + "/healthz", timeout=10)
    assert res.status_code == 200
    assert res.json()["checks"] == {"database": "ok", "redis": "ok"}
    request_id = res.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, echoed by the app
    logged = [json.loads(line) for s in stack["instances"]
              for line in s.log_text().splitlines() if request_id in line]
    assert [(e["path"], e["status"], e["remote_addr"]) for e in logged
            if e["logger"] == "service_center.access"] == [("/healthz", 200, "127.0.0.1")]
    # nginx writes its access line once the response is out: give it a moment
    nginx_log = stack["folder"] / "onewindow.access.log"
    deadline = time.monotonic() + 10
    while request_id not in nginx_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert request_id in nginx_log.read_text()

    res = requests.get(url + "/static/css/app.css", timeout=10)
    assert res.status_code == 200
    assert res.content == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert "Content-Security-Policy" not in res.headers  # nginx, not the app, answered
    assert res.headers["X-Content-Type-Options"] == "nosniff"

    res = requests.post(url + "/api/v1/tickets", data=b"x" * (1024 * 1024 + 1),
                        headers={"Content-Type": "application/json"}, timeout=10)
    assert res.status_code == 413


def _socket_upstreams(folder: Path) -> list[str]:
    lines = (folder / "onewindow.access.log").read_text().splitlines()
    return [e["upstream"] for e in map(json.loads, lines) if e["uri"].startswith("/socket.io/")]


@pytest.mark.browser
def test_lobby_screen_survives_a_rolling_restart(stack):
    """Last in this module (it stops an instance): the lobby screen in chromium, connected
    through nginx, stays live when its instance is stopped with SIGTERM: the instance exits
    0, the screen reconnects through nginx to the other instance and shows the next call."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        require(f"{chromium} is missing: run `make test` (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    url = stack["url"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/display")
            page.wait_for_selector("#display[data-state=live]", timeout=20000)
            page.wait_for_timeout(1000)  # the websocket upgrade settles
            serving = _socket_upstreams(stack["folder"])[-1]
            victim = next(s for s in stack["instances"] if serving.endswith(f":{s.port}"))
            other = next(s for s in stack["instances"] if s is not victim)

            victim.proc.send_signal(signal.SIGTERM)
            assert victim.proc.wait(30) == 0
            # the screen noticed, and is back (through nginx, on the other instance)
            page.wait_for_function("!document.body.classList.contains('is-offline')",
                                   timeout=20000)
            page.wait_for_timeout(500)
            ticket = requests.post(url + "/api/v1/tickets", json={"category": "A"}, timeout=10)
            assert ticket.status_code == 201
            headers = {"Authorization": f"Bearer {token(url, 'clerk2')}"}
            res = requests.post(url + "/api/v1/windows/2/call-next", headers=headers,
                                timeout=10)
            assert res.status_code == 200
            number = res.json()["number"]
            page.wait_for_function(
                f"document.getElementById('latest-number').textContent === '{number}'",
                timeout=15000)
            assert _socket_upstreams(stack["folder"])[-1].endswith(f":{other.port}")
            assert errors == []
        finally:
            browser.close()
