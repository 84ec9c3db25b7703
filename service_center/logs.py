"""Logging, configured in one place (create_app calls configure_logging).

`LOG_FORMAT=json` (the production default) writes one JSON object per line to standard error:
time, level, logger, message and, inside a request, request_id, method, path, remote_addr and
user_id; the access line written after every request adds status and duration_ms. `text` (the
default elsewhere) writes the same records for a human. Every request carries an id: the
client's (nginx's) `X-Request-ID` when it is a sane token, a fresh one otherwise, and the
response returns it in `X-Request-ID`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

ACCESS_LOGGER = "service_center.access"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id",
                   "remote_addr")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (pytest swaps it between tests)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


class RequestContextFilter(logging.Filter):
    """Adds the current request's fields to every record logged while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            for key, value in request_fields().items():
                if getattr(record, key, None) is None:
                    setattr(record, key, value)
        return True


def request_fields() -> dict:
    fields = {"request_id": g.get("request_id"), "method": request.method,
              "path": request.path, "remote_addr": request.remote_addr}
    # only a user Flask-Login has already loaded: logging never queries the database
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        fields["user_id"] = getattr(user, "id", None)
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(_gunicorn_access_fields(record.args))
        for key in _CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _gunicorn_access_fields(atoms: dict) -> dict:
    """gunicorn passes its access-log atoms as the record's args (deploy/gunicorn.conf.py)."""
    fields = {"method": atoms.get("m"), "path": atoms.get("U"),
              "remote_addr": atoms.get("h"),
              "request_id": atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i")}
    try:
        fields["status"] = int(atoms.get("s"))
    except (TypeError, ValueError):
        pass
    try:
        fields["duration_ms"] = round(int(atoms.get("D")) / 1000, 1)
    except (TypeError, ValueError):
        pass
    return {k: v for k, v in fields.items() if v not in (None, "-")}


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line


def formatter(kind: str) -> logging.Formatter:
    kind = (kind or "text").strip().lower()
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return TextFormatter()
    raise RuntimeError(f"LOG_FORMAT must be 'json' or 'text', not {kind!r}")


def configure_logging(app: Flask) -> None:
    """One handler on the root logger (replaced, never added twice, when create_app runs
    again), and the request-id and access-log hooks of this app."""
    from flask.logging import default_handler

    handler = _StderrHandler()
    handler.setFormatter(formatter(app.config.get("LOG_FORMAT", "text")))
    handler.addFilter(RequestContextFilter())
    handler._onewindow = True
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_onewindow", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    app.logger.removeHandler(default_handler)  # the root handler writes app.logger's records
    # per-packet chatter (Socket.IO) and start-up chatter (Alembic's plugins) at INFO
    for noisy in ("engineio.server", "socketio.server", "alembic.runtime.plugins"):
        if logging.getLogger(noisy).level == logging.NOTSET:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if "request_logging" not in app.extensions:  # once per app, however often configured
        app.extensions["request_logging"] = True
        _install_request_logging(app)


def _install_request_logging(app: Flask) -> None:
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start_request():
        g.request_started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex

    @app.after_request
    def _log_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        access.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"status": response.status_code, "duration_ms": duration_ms})
        return response
