"""Managers' reports: KPIs, the live dashboard, ratings (好差评), rectifications,
complaints, monthly assessment scorecards."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import delete, event

_installed: set[int] = set()


def _install_staleness_hook(session_factory) -> None:
    """A change to a ticket of a day that is already summarised drops that day's summary
    mark, in the same transaction: the day is read from the tickets until rebuilt."""
    if id(session_factory) in _installed:
        return
    _installed.add(id(session_factory))

    @event.listens_for(session_factory, "after_flush")
    def _after_flush(session, flush_context):
        from ..queueing.models import Ticket

        days = {obj.service_day for obj in (*session.new, *session.dirty)
                if isinstance(obj, Ticket) and obj.service_day is not None}
        if not days:
            return
        from ..catalog.services import service_day
        from .models import SummarizedDay

        past = {d for d in days if d < service_day()}
        if past:
            session.connection().execute(
                delete(SummarizedDay).where(SummarizedDay.service_day.in_(past)))


def init_app(app) -> None:
    from ..extensions import db
    from . import api, views

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    _install_staleness_hook(db.session)

    @app.cli.group("reports")
    def reports_cli():
        """Report summaries."""

    @reports_cli.command("rebuild")
    @click.option("--from", "start", default=None, help="first day (YYYY-MM-DD)")
    @click.option("--to", "end", default=None, help="last day (YYYY-MM-DD)")
    def rebuild(start, end):
        """Rebuild the daily ticket summaries of closed days from the tickets."""
        from .services import rebuild as do_rebuild

        days = do_rebuild(date.fromisoformat(start) if start else None,
                          date.fromisoformat(end) if end else None)
        click.echo(f"rebuilt {days} days")
