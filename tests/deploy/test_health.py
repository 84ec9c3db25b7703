"""/healthz: the database, and Redis when configured; 503 JSON naming what is down."""

from __future__ import annotations

import shutil
import uuid

import pytest

from tests.conftest import _dispose, make_app
from tests.live.servers import REDIS_URL, redis_unreachable, require

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthy_database(app, client):
    res = client.get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert res.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/onewindow?connect_timeout=2",
    "sqlite:////nonexistent-onewindow-dir/missing/x.db",
], ids=["postgresql", "sqlite"])
def test_database_down_gives_503_json(url):
    application = make_app(url)
    try:
        res = application.test_client().get("/healthz")
        assert res.status_code == 503
        assert res.get_json() == {"status": "unavailable", "checks": {"database": "down"}}
    finally:
        _dispose(application)


def test_database_that_goes_away_is_reported(tmp_path, sqlite_templates):
    target = tmp_path / "db" / "test.db"
    target.parent.mkdir()
    shutil.copyfile(sqlite_templates["schema"], target)
    application = make_app(f"sqlite:///{target}")
    try:
        client = application.test_client()
        assert client.get("/healthz").status_code == 200
        with application.app_context():
            from service_center.extensions import db

            db.engine.dispose()
        shutil.rmtree(target.parent)
        res = client.get("/healthz")
        assert res.status_code == 503
        assert res.get_json()["checks"]["database"] == "down"
    finally:
        _dispose(application)


def test_redis_down_gives_503_json(tmp_path, sqlite_templates):
    target = tmp_path / "test.db"
    shutil.copyfile(sqlite_templates["schema"], target)
    application = make_app(f"sqlite:///{target}", RATELIMIT_STORAGE_URI=DEAD_REDIS)
    try:
        res = application.test_client().get("/healthz")
        assert res.status_code == 503
        assert res.get_json() == {"status": "unavailable",
                                  "checks": {"database": "ok", "redis": "down"}}
    finally:
        _dispose(application)


@pytest.mark.redis
def test_redis_up_is_checked(app):
    require(redis_unreachable())
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    app.config["SOCKETIO_MESSAGE_QUEUE"] = REDIS_URL
    res = app.test_client().get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    # a second URL that does not answer spoils it
    app.config["SOCKETIO_MESSAGE_QUEUE"] = DEAD_REDIS + f"?x={uuid.uuid4().hex}"
    res = app.test_client().get("/healthz")
    assert res.status_code == 503
    assert res.get_json()["checks"] == {"database": "ok", "redis": "down"}
