"""Backups of the database behind the app.

SQLite (the default): SQLite's online backup API copies a consistent snapshot while the
server keeps writing (readers and writers are not stopped; pages changed during the copy
are copied again). PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`
(README "Backup and restore")."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


def default_name(url: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if make_url(url).get_backend_name() == "sqlite" else "dump"
    return f"onewindow-{stamp}.{suffix}"


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database \
            or parsed.database == ":memory:":
        raise BackupError(f"not a SQLite database file: {url}")
    return Path(parsed.database)


def backup_sqlite(url: str, target: Path, pages_per_step: int = 1024) -> int:
    """Copy the live database to `target` with the online backup API; the copy is checked
    with PRAGMA integrity_check. Returns the size of the copy in bytes."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"database file not found: {source_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=pages_per_step)
            check = dest.execute("PRAGMA integrity_check").fetchone()[0]
            # the copy is a single self-contained file, not a WAL database
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        source.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    partial.replace(target)
    return target.stat().st_size


def restore_sqlite(backup: Path, url: str) -> None:
    """Replace the database file with a backup (the servers must be stopped first)."""
    target = sqlite_path(url)
    if not backup.exists():
        raise BackupError(f"backup file not found: {backup}")
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"not a SQLite backup: {exc}") from exc
        if check != "ok":
            raise BackupError(f"the backup failed its integrity check: {check}")
        dest = sqlite3.connect(target, timeout=30)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["--host", parsed.host or "localhost", "--port", str(parsed.port or 5432)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return args, env | {"PGDATABASE": parsed.database or ""}


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    import os

    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(f"{tool} is not installed (Debian: postgresql-client)")
    # a fixed tool found on PATH and an argument list, never a shell
    done = subprocess.run([exe, *args], env={**os.environ, **env},
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[:500]}")


def backup_postgresql(url: str, target: Path) -> int:
    args, env = _pg_args(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _run("pg_dump", [*args, "--format=custom", "--no-owner", "--file", str(partial),
                     env["PGDATABASE"]], env)
    partial.replace(target)
    return target.stat().st_size


def restore_postgresql(backup: Path, url: str) -> None:
    """Restore into the (empty or existing) database of `url`, replacing its objects."""
    if not backup.exists():
        raise BackupError(f"backup file not found: {backup}")
    args, env = _pg_args(url)
    _run("pg_restore", [*args, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "--dbname", env["PGDATABASE"], str(backup)], env)


_METHODS = {"sqlite": (backup_sqlite, restore_sqlite),
            "postgresql": (backup_postgresql, restore_postgresql)}


def _methods(url: str):
    backend = make_url(url).get_backend_name()
    if backend not in _METHODS:
        raise BackupError(f"no backup method for {backend}")
    return _METHODS[backend]


def backup(url: str, target: Path) -> int:
    return _methods(url)[0](url, target)


def restore(backup_file: Path, url: str) -> None:
    _methods(url)[1](backup_file, url)
