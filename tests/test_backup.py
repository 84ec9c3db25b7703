"""Backup and restore (README "Backup and restore"): `flask backup` copies the SQLite
database with the online backup API while tickets are being issued, and writes a
pg_dump archive on PostgreSQL; `flask restore --yes` brings the database back to the
backup, after which numbering continues without a duplicate."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import func, select

from service_center.extensions import db
from service_center.queueing.models import Ticket

from .conftest import make_app, seed_demo_catalog


def _tickets(app) -> list[str]:
    with app.app_context():
        rows = db.session.execute(select(Ticket.number).order_by(Ticket.id)).scalars().all()
        db.session.remove()
        return list(rows)


def _issue(app, n: int = 1) -> list[str]:
    client = app.test_client()
    numbers = []
    for _ in range(n):
        res = client.post("/api/v1/tickets", json={"category": "A"})
        assert res.status_code == 201, res.get_json()
        numbers.append(res.get_json()["number"])
    return numbers


def test_sqlite_backup_while_kiosks_issue_tickets(sqlite_app, tmp_path):
    seed_demo_catalog(sqlite_app)
    seeded = sqlite_app
    before = _issue(seeded, 5)
    stop = threading.Event()
    issued: list[str] = []
    errors: list[BaseException] = []

    def kiosk():
        try:
            while not stop.is_set():
                issued.extend(_issue(seeded))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=kiosk) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        target = tmp_path / "copy.sqlite3"
        result = seeded.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    assert errors == [] and issued, "the kiosks kept issuing during the backup"

    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        numbers = [r[0] for r in conn.execute("SELECT number FROM ticket ORDER BY id")]
    # a consistent snapshot: everything acknowledged before the backup, no duplicates
    assert set(before) <= set(numbers)
    assert len(numbers) == len(set(numbers))

    # the copy is a working database: an app on it continues the numbering
    copy_app = make_app(f"sqlite:///{target}")
    try:
        new = _issue(copy_app)[0]
        assert new not in numbers
        assert int(new[1:]) == max(int(n[1:]) for n in numbers) + 1
    finally:
        with copy_app.app_context():
            db.engine.dispose()


def test_backup_then_restore_brings_the_database_back(seeded, tmp_path):
    runner = seeded.test_cli_runner()
    first = _issue(seeded, 3)
    suffix = "sqlite3" if seeded.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") \
        else "dump"
    target = tmp_path / f"backup.{suffix}"
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    later = _issue(seeded, 2)
    assert _tickets(seeded) == first + later

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert _tickets(seeded) == first + later  # nothing happened without --yes

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _tickets(seeded) == first
    # the counter row came back with the tickets: the next number follows the backup's
    # last one, so the numbers handed out after the backup are issued again, in order
    assert _issue(seeded, 1) == [later[0]]
    with seeded.app_context():
        assert db.session.execute(select(func.count()).select_from(Ticket)).scalar() == 4
        db.session.remove()


def test_backup_default_name_and_refusals(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.split("backup written: ", 1)[1].split(" (", 1)[0])
    assert path.parent == Path(sqlite_app.instance_path) / "backups"
    assert path.name.startswith("onewindow-") and path.suffix == ".sqlite3"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    shutil.rmtree(path.parent)

    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not SQLite")
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code == 1 and "restore failed" in result.output
    assert _tickets(sqlite_app) == []  # the database is untouched and still readable
