"""Upgrading a database that holds data: a center running the first schema (revision
0001) with staff, a day of tickets and an audit trail is migrated to the head by
Alembic; everything it held is still there and the app goes on working on it (numbering
continues, the waiting ticket is called, the audit chain verifies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from service_center.db import UTCDateTime
from service_center.extensions import db

from .conftest import PG_ADMIN_URL, _pg_reachable, _skip_or_fail, make_app


def _table(name: str, *columns: str, times: tuple[str, ...] = ("created_at", "updated_at"),
           ) -> sa.TableClause:
    cols = [sa.column(c) for c in columns] + [sa.column(t, UTCDateTime()) for t in times]
    return sa.table(name, *cols)


def _first_schema_data(conn, today, now) -> None:
    """What a center had on revision 0001: written with the first schema's columns only."""
    stamps = {"created_at": now, "updated_at": now}
    conn.execute(sa.insert(_table("center", "id", "name", "timezone")),
                 [{"id": 1, "name": "示范政务服务中心", "timezone": "Asia/Shanghai", **stamps}])
    conn.execute(sa.insert(_table("hall", "id", "code", "name", "is_main", "position")),
                 [{"id": 1, "code": "main", "name": "主大厅", "is_main": True, "position": 0,
                   **stamps}])
    conn.execute(sa.insert(_table("department", "id", "code", "name")),
                 [{"id": 1, "code": "AMR", "name": "市场监管局", **stamps}])
    conn.execute(sa.insert(_table("queue_category", "id", "hall_id", "prefix", "name",
                                  "active")),
                 [{"id": 1, "hall_id": 1, "prefix": "A", "name": "综合受理", "active": True,
                   **stamps}])
    conn.execute(sa.insert(_table("window", "id", "hall_id", "number", "name", "status",
                                  "version")),
                 [{"id": 1, "hall_id": 1, "number": 1, "name": "1号窗口", "status": "closed",
                   "version": 1, **stamps}])
    conn.execute(sa.insert(sa.table("window_category", sa.column("window_id"),
                                    sa.column("category_id"), sa.column("position"))),
                 [{"window_id": 1, "category_id": 1, "position": 0}])
    conn.execute(sa.insert(_table("user", "id", "username", "password_hash", "display_name",
                                  "role", "window_id", "hall_id", "active")),
                 [{"id": 1, "username": "clerk1", "display_name": "王敏", "role": "window_staff",
                   "password_hash": generate_password_hash("an-old-password-1"),
                   "window_id": 1, "hall_id": 1, "active": True, **stamps}])
    conn.execute(sa.insert(sa.table("ticket_counter", sa.column("category_id"),
                                    sa.column("service_day"), sa.column("last_seq"))),
                 [{"category_id": 1, "service_day": today, "last_seq": 3}])
    ticket = _table("ticket", "id", "hall_id", "issued_category_id", "category_id",
                    "service_day", "seq", "number", "priority", "status", "token", "source",
                    "window_id", "served_by_id", "recall_count", "transfer_count", "version",
                    times=("issued_at", "waiting_at", "called_at", "first_called_at",
                           "serving_at", "completed_at", "no_show_at"))
    base = {"hall_id": 1, "issued_category_id": 1, "category_id": 1, "service_day": today,
            "priority": False, "source": "kiosk", "recall_count": 0, "transfer_count": 0,
            "version": 1, "waiting_at": None, "called_at": None, "first_called_at": None,
            "serving_at": None, "completed_at": None, "no_show_at": None,
            "window_id": None, "served_by_id": None}
    conn.execute(sa.insert(ticket), [
        {**base, "id": 1, "seq": 1, "number": "A001", "status": "completed",
         "token": "t" * 31 + "1", "issued_at": now - timedelta(minutes=40),
         "called_at": now - timedelta(minutes=35), "first_called_at": now - timedelta(minutes=35),
         "serving_at": now - timedelta(minutes=34), "completed_at": now - timedelta(minutes=25),
         "window_id": 1, "served_by_id": 1},
        {**base, "id": 2, "seq": 2, "number": "A002", "status": "no_show",
         "token": "t" * 31 + "2", "issued_at": now - timedelta(minutes=30),
         "called_at": now - timedelta(minutes=20), "first_called_at": now - timedelta(minutes=20),
         "no_show_at": now - timedelta(minutes=15), "window_id": 1, "served_by_id": 1},
        {**base, "id": 3, "seq": 3, "number": "A003", "status": "waiting",
         "token": "t" * 31 + "3", "issued_at": now - timedelta(minutes=10)},
    ])
    audit = sa.table("audit_event", sa.column("id"), sa.column("at", UTCDateTime()),
                     sa.column("actor_id"), sa.column("actor_name"), sa.column("action"),
                     sa.column("entity_type"), sa.column("entity_id"),
                     sa.column("from_state"), sa.column("to_state"), sa.column("result"))
    conn.execute(sa.insert(audit), [
        {"id": i, "at": now - timedelta(minutes=40 - i), "actor_id": 1, "actor_name": "王敏",
         "action": action, "entity_type": "ticket", "entity_id": str(ticket_id),
         "from_state": frm, "to_state": to, "result": "ok"}
        for i, (action, ticket_id, frm, to) in enumerate([
            ("ticket.issue", 1, None, "waiting"), ("ticket.complete", 1, "serving", "completed"),
            ("ticket.issue", 2, None, "waiting"), ("ticket.no_show", 2, "called", "no_show"),
            ("ticket.issue", 3, None, "waiting")], start=1)])
    if conn.dialect.name == "postgresql":
        # rows written with explicit ids: move the id sequences past them, as the
        # original inserts would have
        for name in ("center", "hall", "department", "queue_category", "window", "user",
                     "ticket", "audit_event"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                 f'(SELECT max(id) FROM "{name}"))'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    reason = _pg_reachable()
    if reason:
        _skip_or_fail(reason)
    name = f"onewindow_upgrade_{tmp_path.name[-12:].lower()}".replace("-", "_")
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_database_with_data_migrates_from_the_first_revision(empty_database):
    app = make_app(empty_database)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0001")
            today = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
            with db.engine.begin() as conn:
                _first_schema_data(conn, today, now)
            db.engine.dispose()

        # what an operator runs after installing a new version
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output

        with app.app_context():
            with db.engine.connect() as conn:
                heads = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
                tickets = conn.execute(sa.text(
                    "SELECT number, status FROM ticket ORDER BY id")).all()
                users = conn.execute(sa.text('SELECT username, role FROM "user"')).all()
            db.engine.dispose()
        assert len(heads) >= 1 and ("0001",) not in heads
        assert [tuple(t) for t in tickets] == [("A001", "completed"), ("A002", "no_show"),
                                               ("A003", "waiting")]
        assert [tuple(u) for u in users] == [("clerk1", "window_staff")]

        # the audit rows written before the hash chain existed were chained by the upgrade
        verify = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output

        client = app.test_client()
        res = client.post("/api/v1/tickets", json={"category": "A"})
        assert res.status_code == 201, res.get_json()
        assert res.get_json()["number"] == "A004"  # numbering continues from the old counter

        res = client.post("/api/v1/auth/token",
                          json={"username": "clerk1", "password": "an-old-password-1"})
        assert res.status_code == 200, res.get_json()
        headers = {"Authorization": f"Bearer {res.get_json()['token']}"}
        res = client.post("/api/v1/windows/1/call-next", headers=headers)
        assert res.status_code == 200, res.get_json()
        assert res.get_json()["number"] == "A003"  # the old waiting ticket comes first
        verify = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
