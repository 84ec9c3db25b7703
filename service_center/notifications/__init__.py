"""Notifications: a pluggable notifier (log, webhook) behind an outbox with retries."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("notifications", help="The notification outbox.")


@cli.command("deliver")
def deliver_command() -> None:
    """Retry every pending notification whose next attempt is due."""
    from .services import deliver_due

    counts = deliver_due()
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@cli.command("remind")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the appointments' day (default: tomorrow in the center's time zone)")
def remind_command(day) -> None:
    """Queue an appointment_reminder for each booking of tomorrow (once per booking)."""
    from ..appointments.services import send_reminders

    count = send_reminders(day=day.date() if day else None)
    click.echo(f"reminders queued: {count}")


# name: (default, type); an environment variable of the same name overrides the default,
# and the app's own configuration (tests, config.py) overrides both
SETTINGS = {
    "NOTIFIER_BACKEND": ("log", str),
    "NOTIFIER_WEBHOOK_URL": (None, str),
    "NOTIFIER_WEBHOOK_TIMEOUT": (5.0, float),
    "NOTIFIER_RETRY_BASE_SECONDS": (30.0, float),
    "NOTIFIER_RETRY_MAX_SECONDS": (3600.0, float),
    "NOTIFIER_MAX_ATTEMPTS": (8, int),
    "NOTIFIER_POLL_SECONDS": (30.0, float),
    "NOTIFY_AHEAD": (3, int),
}


def apply_settings(app, settings: dict) -> None:
    import os

    for key, (default, kind) in settings.items():
        if key in app.config:
            continue
        raw = os.environ.get(key)
        app.config[key] = kind(raw) if raw not in (None, "") else default


def init_app(app) -> None:
    apply_settings(app, SETTINGS)
    app.cli.add_command(cli)
