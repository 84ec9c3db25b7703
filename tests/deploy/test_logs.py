"""Structured logs (service_center/logs.py): LOG_FORMAT=json gives one JSON object per line
with the request's id, method, path, status, duration, user and address; X-Request-ID in
and out."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

import pytest

from service_center.logs import configure_logging
from tests.conftest import make_app


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def json_logs(app, capsys):
    app.config["LOG_FORMAT"] = "json"
    configure_logging(app)
    yield app
    app.config["LOG_FORMAT"] = "text"
    configure_logging(app)


def test_every_request_writes_one_json_access_line(json_logs, seeded, auth, capsys):
    client = seeded.test_client()
    headers = auth.headers("clerk1")
    capsys.readouterr()
    res = client.get("/api/v1/windows/1", headers={**headers, "X-Request-ID": "req-42.a"})
    assert res.status_code == 200
    assert res.headers["X-Request-ID"] == "req-42.a"
    err = capsys.readouterr().err
    lines = _json_lines(err)  # every line of the output is a JSON object
    access = [entry for entry in lines if entry["logger"] == "service_center.access"]
    assert len(access) == 1
    entry = access[0]
    with seeded.app_context():
        from service_center.auth.models import User
        from service_center.extensions import db

        clerk_id = db.session.query(User.id).filter_by(username="clerk1").scalar()
    assert entry["request_id"] == "req-42.a"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/windows/1", 200)
    assert entry["user_id"] == clerk_id
    assert entry["remote_addr"] == "127.0.0.1"
    assert entry["level"] == "INFO"
    assert isinstance(entry["duration_ms"], int | float) and entry["duration_ms"] >= 0
    assert datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).tzinfo is not None
    assert entry["message"] == "GET /api/v1/windows/1 200"


def test_a_missing_or_unsafe_request_id_is_replaced(json_logs, capsys):
    client = json_logs.test_client()
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz", headers={"X-Request-ID": "a b\"<script>"}).headers[
        "X-Request-ID"]
    too_long = client.get("/healthz", headers={"X-Request-ID": "x" * 200}).headers[
        "X-Request-ID"]
    for value in (first, second, too_long):
        assert re.fullmatch(r"[0-9a-f]{32}", value)
    assert len({first, second, too_long}) == 3
    ids = [e["request_id"] for e in _json_lines(capsys.readouterr().err)
           if e["logger"] == "service_center.access"]
    assert ids == [first, second, too_long]


def test_records_logged_during_a_request_carry_its_context(json_logs, capsys):
    capsys.readouterr()
    with json_logs.test_request_context("/somewhere", headers={"X-Request-ID": "ctx-1"}):
        json_logs.preprocess_request()
        try:
            raise ValueError("broken\nacross lines")
        except ValueError:
            logging.getLogger("service_center.test").exception("it failed")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1  # the traceback stays inside the one JSON line
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "service_center.test"
    assert entry["message"] == "it failed"
    assert (entry["request_id"], entry["path"], entry["method"]) == ("ctx-1", "/somewhere", "GET")
    assert "ValueError: broken" in entry["exc_info"]


def test_outside_a_request_only_the_basic_fields(json_logs, capsys):
    capsys.readouterr()
    logging.getLogger("service_center.test").warning("plain %s", "message")
    entry = json.loads(capsys.readouterr().err)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["message"] == "plain message"


def test_text_format_by_default_in_development(sqlite_app, capsys):
    assert sqlite_app.config["LOG_FORMAT"] == "text"
    capsys.readouterr()
    res = sqlite_app.test_client().get("/healthz", headers={"X-Request-ID": "txt-1"})
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert res.headers["X-Request-ID"] == "txt-1"
    assert not line.startswith("{")
    assert "INFO service_center.access: GET /healthz 200 [txt-1]" in line


def test_configuring_twice_keeps_one_handler_and_one_access_line(json_logs, capsys):
    configure_logging(json_logs)
    configure_logging(json_logs)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_onewindow", False)]
    assert len(ours) == 1
    capsys.readouterr()
    json_logs.test_client().get("/healthz")
    access = [e for e in _json_lines(capsys.readouterr().err)
              if e["logger"] == "service_center.access"]
    assert len(access) == 1


def test_an_unknown_log_format_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", LOG_FORMAT="xml")


def test_production_logs_json_by_default():
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}
    out = subprocess.run(
        [sys.executable, "-c", "import config; print(config.ProductionConfig.LOG_FORMAT, "
                               "config.DevelopmentConfig.LOG_FORMAT)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["json", "text"]
