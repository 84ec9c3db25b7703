"""Appointments: bookable slots per queue category, booking codes, check-in at the kiosk,
missed appointments and the no-show rule, today's bookings for staff."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("appointments", help="Appointments.")


@cli.command("mark-missed")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the appointments' day (default: yesterday in the center's time zone)")
def mark_missed_command(day) -> None:
    """Record the day's bookings that were never checked in as missed."""
    from .services import mark_missed

    count = mark_missed(day=day.date() if day else None)
    click.echo(f"marked missed: {count}")


def init_app(app) -> None:
    from ..notifications import apply_settings
    from . import api, services, views

    apply_settings(app, services.SETTINGS)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli)
