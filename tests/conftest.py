"""Shared fixtures. Database-facing tests run on SQLite and on PostgreSQL (the `app`
fixture is parametrised); PostgreSQL tests skip with a reason when no server is
reachable, unless ONEWINDOW_REQUIRE_PG=1 (CI), where they fail instead."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from service_center import create_app
from service_center.catalog import services as catalog_services
from service_center.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("ONEWINDOW_TEST_PG",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "demo-pass-2026"
_pg_state: dict = {}


@pytest.fixture(autouse=True)
def _fast_password_hashes(monkeypatch):
    """Seeding hashes ~20 passwords per test; scrypt would dominate the suite's time.
    PBKDF2 with few rounds is still a real hash, checked the same way."""
    import functools

    from werkzeug.security import generate_password_hash

    monkeypatch.setattr("service_center.auth.models.generate_password_hash",
                        functools.partial(generate_password_hash, method="pbkdf2:sha256:1000"))


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers; the reason otherwise."""
    if "reason" not in _pg_state:
        try:
            engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT",
                                   connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # pragma: no cover - depends on the machine
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
    return _pg_state["reason"]


def _skip_or_fail(reason: str):
    if os.environ.get("ONEWINDOW_REQUIRE_PG") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def _fast_hashes():
    """The same cheap hashing as the autouse fixture, for session-scoped set-up."""
    import functools

    from werkzeug.security import generate_password_hash

    import service_center.auth.models as models

    original = models.generate_password_hash
    models.generate_password_hash = functools.partial(generate_password_hash,
                                                      method="pbkdf2:sha256:1000")
    try:
        yield
    finally:
        models.generate_password_hash = original


@pytest.fixture(scope="session")
def pg_database():
    """Per test session: two template databases (the schema; the schema with the demo
    catalog and staff) and the name of the database each test gets as a fresh copy of
    one of them (CREATE DATABASE … TEMPLATE: far quicker than truncating and seeding)."""
    reason = _pg_reachable()
    if reason:
        _skip_or_fail(reason)
    base = f"onewindow_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = {"schema": f"{base}_schema", "seeded": f"{base}_seeded", "test": base}
    admin = _admin_engine()
    with admin.connect() as conn:
        for key in ("schema", "seeded"):
            conn.execute(text(f'CREATE DATABASE "{names[key]}"'))
    for key in ("schema", "seeded"):
        template_app = make_app(_pg_url(names[key]))
        with template_app.app_context():
            db.create_all()
        if key == "seeded":
            with _fast_hashes():
                seed_demo_catalog(template_app)
        _dispose(template_app)
    state = {"names": names, "url": _pg_url(base), "admin": admin}
    yield state
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_postgres(state, template: str) -> str:
    with state["admin"].connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{state["names"]["test"]}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{state["names"]["test"]}" '
                          f'TEMPLATE "{state["names"][template]}"'))
    return state["url"]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    """The SQLite counterparts: schema.db and seeded.db, copied for each test."""
    folder = tmp_path_factory.mktemp("sqlite-templates")
    paths = {"schema": folder / "schema.db", "seeded": folder / "seeded.db"}
    for key, path in paths.items():
        template_app = make_app(f"sqlite:///{path}")
        with template_app.app_context():
            db.create_all()
        if key == "seeded":
            with _fast_hashes():
                seed_demo_catalog(template_app)
        _dispose(template_app)
        # fold the write-ahead log into the file, so that copying the file copies it all
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return paths


def make_app(db_url: str, **extra):
    config = {
        "SERVICE_CENTER_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SOCKETIO_MESSAGE_QUEUE": None,
        "SOCKETIO_ASYNC_MODE": "threading",
        **extra,
    }
    app = create_app(config)
    catalog_services.invalidate_cache()
    return app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


def _dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    catalog_services.invalidate_cache()


def _sqlite(tmp_path, templates, template: str = "schema"):
    target = tmp_path / "test.db"
    shutil.copyfile(templates[template], target)
    return make_app(f"sqlite:///{target}")


def _wants_seed(request) -> bool:
    return any(name in request.fixturenames for name in ("seeded", "live_server"))


@pytest.fixture
def app(backend, tmp_path, request):
    """The app on a fresh database; already holding the demo catalog and staff when the
    test also asks for `seeded` (both databases are cloned from session templates)."""
    template = "seeded" if _wants_seed(request) else "schema"
    if backend == "postgresql":
        state = request.getfixturevalue("pg_database")
        application = make_app(_fresh_postgres(state, template))
    else:
        application = _sqlite(tmp_path, request.getfixturevalue("sqlite_templates"), template)
    application.config["ONEWINDOW_TEST_SEEDED"] = template == "seeded"
    yield application
    _dispose(application)


@pytest.fixture
def sqlite_app(tmp_path, sqlite_templates):
    """For tests that need no second database run (pure pages, unit tests of views)."""
    application = _sqlite(tmp_path, sqlite_templates)
    yield application
    _dispose(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def seed_demo_catalog(app, *, history: bool = False) -> None:
    """The demo catalog and one account per demo staff member (password DEMO_PASSWORD)."""
    from service_center.auth.services import create_user
    from service_center.catalog.importer import import_text
    from service_center.demo import STAFF

    with app.app_context():
        import_text((ROOT / "service_center" / "demo_catalog.yaml").read_text(encoding="utf-8"))
        for username, role, name, staff_no, dept, window, hall in STAFF:
            create_user(username=username, password=DEMO_PASSWORD, role=role, display_name=name,
                        staff_no=staff_no, department=dept, window=window, hall=hall)
        db.session.commit()
        if history:
            import random

            from service_center.demo import _history

            _history(random.Random(1))
            db.session.commit()
        db.session.remove()


@pytest.fixture
def seeded(app):
    if not app.config.get("ONEWINDOW_TEST_SEEDED"):
        seed_demo_catalog(app)
    return app


class Auth:
    """Bearer tokens (for the API) and cookie sessions (for pages) for demo staff."""

    def __init__(self, client):
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            res = self.client.post("/api/v1/auth/token",
                                   json={"username": username, "password": DEMO_PASSWORD})
            assert res.status_code == 200, res.get_json()
            self._tokens[username] = res.get_json()["token"]
        return self._tokens[username]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def login(self, username: str, password: str = DEMO_PASSWORD):
        page = self.client.get("/login")
        csrf = extract_csrf(page.get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": csrf})


def extract_csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def auth(client):
    return Auth(client)


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(seeded):
    """The seeded app served over real HTTP by a threaded WSGI server in this process."""
    server = LiveServer(seeded).start()
    yield server
    server.stop()
