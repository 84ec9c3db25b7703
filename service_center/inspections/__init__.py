"""Enterprises and annual inspections (年检): the register, obligations and due dates,
joint inspections (联合年检), centralized periods (集中年检), results, overdue lists, notices."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("inspections", help="Enterprises' annual inspections.")


@cli.command("notify-due")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the reference day (default: today in the center's time zone)")
def notify_due_command(day) -> None:
    """Queue an inspection_due message for each inspection due within
    INSPECTION_NOTICE_DAYS (once per enterprise, department and due date)."""
    from .services import notify_due

    count = notify_due(today=day.date() if day else None)
    click.echo(f"inspection notices queued: {count}")


def init_app(app) -> None:
    from ..approvals.services import register_decision_hook
    from ..notifications import apply_settings
    from . import api, services, views

    apply_settings(app, services.SETTINGS)
    register_decision_hook(services.on_task_decided)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli)
