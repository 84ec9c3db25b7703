"""`flask account unlock NAME` and `flask account reset-2fa NAME`: the administrator's help
desk for a locked account or a lost phone."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from . import security
from .models import User

account_cli = AppGroup("account", help="Help a staff member who cannot sign in.")


def _user(username: str) -> User:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        click.echo(f"no such user: {username}", err=True)
        sys.exit(1)
    return user


@account_cli.command("unlock")
@click.argument("username")
def unlock_command(username: str) -> None:
    """Clear the failed sign-ins and the lock of an account."""
    security.unlock(_user(username))
    db.session.commit()
    click.echo(f"unlocked {username}")


@account_cli.command("reset-2fa")
@click.argument("username")
def reset_2fa_command(username: str) -> None:
    """Remove an account's second factor (a lost phone); it enrols again at sign-in."""
    security.reset_totp(_user(username))
    db.session.commit()
    click.echo(f"second factor removed for {username}; their sessions have ended")


def init_app(app) -> None:
    app.cli.add_command(account_cli)
