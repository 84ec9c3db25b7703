"""Commands: serve, init-db, seed-demo, create-user, backup, restore (catalog import/export
live in catalog/)."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the app with websockets in one process (gevent, not the debug reloader)."""
    # gevent must patch the standard library before anything else is imported, so the
    # server runs in a fresh interpreter (service_center.server) rather than this one.
    args = [sys.executable, "-m", "service_center.server", "--host", host, "--port", str(port)]
    sys.stdout.flush()
    os.execv(sys.executable, args)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the schema (Alembic migrations)."""
    from flask_migrate import upgrade

    # "heads": each domain adds its own migration branching from 0001
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
    click.echo("database schema is up to date")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="seed even if the database already has a catalog")
@with_appcontext
def seed_demo_command(force: bool) -> None:
    """A realistic demo district: center, a town hall, departments, items, staff, history."""
    if current_app.config["SERVICE_CENTER_ENV"] == "production":
        click.echo("seed-demo refuses to run when SERVICE_CENTER_ENV=production", err=True)
        sys.exit(1)
    from .demo import seed

    report = seed(force=force)
    click.echo(report)


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["admin", "manager", "window_staff", "cashier", "approver",
                                 "proxy_agent"]))
@click.option("--department", help="department code (approvers)")
@click.option("--window", type=int, help="window number (window staff, cashiers)")
@click.option("--hall", help="hall code (default: the main hall)")
@click.option("--name", "display_name", help="the name shown on screens and documents")
@click.option("--staff-no", help="staff number shown on the window display")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def create_user_command(username, role, department, window, hall, display_name, staff_no,
                        password_stdin) -> None:
    """Create a staff account."""
    from .auth.services import create_user
    from .errors import ValidationError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username=username, password=password, role=role,
                           display_name=display_name, department=department, window=window,
                           hall=hall, staff_no=staff_no)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        click.echo(f"refused: {exc.message}", err=True)
        for field, message in exc.details.items():
            click.echo(f"  {field}: {message}", err=True)
        sys.exit(1)
    click.echo(f"created {user.username} ({user.role})")


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="file to write (default: backups/onewindow-<UTC time>.sqlite3|.dump in "
                   "the instance folder)")
@with_appcontext
def backup_command(output: str | None) -> None:
    """Back up the database while the servers keep running (SQLite online backup API;
    pg_dump --format=custom on PostgreSQL)."""
    from pathlib import Path

    from . import backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = Path(output) if output else \
        Path(current_app.instance_path) / "backups" / backup.default_name(url)
    try:
        size = backup.backup(url, target)
    except backup.BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"backup written: {target} ({size} bytes)")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="confirm: the database is replaced by the backup")
@with_appcontext
def restore_command(backup_file: str, yes: bool) -> None:
    """Replace the database with a backup. Stop every server first."""
    from pathlib import Path

    from . import backup

    if not yes:
        click.echo("restore replaces the whole database: stop the servers, then run it "
                   "again with --yes", err=True)
        sys.exit(2)
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold the tables being replaced
    try:
        backup.restore(Path(backup_file), current_app.config["SQLALCHEMY_DATABASE_URI"])
    except backup.BackupError as exc:
        click.echo(f"restore failed: {exc}", err=True)
        sys.exit(1)
    click.echo("restored; run `flask init-db` if the backup predates this version")


def init_app(app) -> None:
    for command in (serve_command, init_db_command, seed_demo_command, create_user_command,
                    backup_command, restore_command):
        app.cli.add_command(command)
