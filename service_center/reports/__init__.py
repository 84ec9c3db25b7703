"""Managers' reports: KPIs, the live dashboard, ratings (好差评), rectifications,
complaints, monthly assessment scorecards."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import delete, event

_installed: set[int] = set()


def _install_staleness_hook(session_factory) -> None:
    """A change to a ticket (or to a case's figures) of a day that is already summarised
    drops that day's summary mark, in the same transaction: the day is read from the
    tickets and cases until rebuilt."""
    if id(session_factory) in _installed:
        return
    _installed.add(id(session_factory))

    @event.listens_for(session_factory, "after_flush")
    def _after_flush(session, flush_context):
        from ..approvals.models import Case
        from ..queueing.models import Ticket

        days = {obj.service_day for obj in (*session.new, *session.dirty)
                if isinstance(obj, Ticket) and obj.service_day is not None}
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Case):
                days |= _case_days(obj)
        if not days:
            return
        from ..catalog.services import service_day
        from .models import SummarizedDay

        past = {d for d in days if d < service_day()}
        if past:
            session.connection().execute(
                delete(SummarizedDay).where(SummarizedDay.service_day.in_(past)))


_CASE_FIELDS = ("accepted_on", "approved_at", "rejected_at", "promised_deadline",
                "paused_working_days", "registered_at", "accepted_at",
                "service_item_id", "hall_id")


def _case_days(case) -> set:
    """The summarised days a change to a case can alter: the old and new day of its
    acceptance and of its decision, when a field the case figures read has changed."""
    from sqlalchemy import inspect

    from ..catalog.services import center_timezone

    state = inspect(case)
    if not any(state.attrs[f].history.has_changes() for f in _CASE_FIELDS):
        return set()
    days = set()
    tz = center_timezone()
    for name in ("accepted_on", "approved_at", "rejected_at"):
        hist = state.attrs[name].history
        for value in (*hist.added, *hist.unchanged, *hist.deleted):
            if value is None:
                continue
            days.add(value.astimezone(tz).date() if hasattr(value, "astimezone") else value)
    return days


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
        """Rebuild the daily summaries (tickets, waits, cases, steps, staffed hours) of
        closed days."""
        from .services import rebuild as do_rebuild

        days = do_rebuild(date.fromisoformat(start) if start else None,
                          date.fromisoformat(end) if end else None)
        click.echo(f"rebuilt {days} days")
