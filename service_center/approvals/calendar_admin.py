"""The administrators' holiday calendar: a year's statutory holidays and adjusted working
days (the catalog's CalendarOverride rows) and the years entered in full (CalendarYear).
Each change is one audited transaction; the cached work calendar is dropped after the
commit, so the next deadline is computed with the new days."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record
from ..calendar import BUILTIN_YEARS
from ..catalog.models import CalendarOverride, CalendarYear
from ..catalog.services import invalidate_cache, service_day, work_calendar
from ..db import transactional
from ..errors import NotFound, ValidationError
from ..extensions import db

KINDS = ("holiday", "workday")
YEARS = (2000, 2199)


def overrides(year: int | None = None) -> list[CalendarOverride]:
    stmt = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        stmt = stmt.where(CalendarOverride.day >= date(year, 1, 1),
                          CalendarOverride.day <= date(year, 12, 31))
    return list(db.session.execute(stmt).scalars())


def complete_years() -> list[int]:
    return sorted(db.session.execute(select(CalendarYear.year)).scalars())


def missing_next_year(today: date | None = None) -> int | None:
    """From November on: next year, when neither the built-in calendar nor the
    administrators know its holidays yet (deadlines there would be provisional)."""
    today = today or service_day()
    following = today.year + 1
    if today.month >= 11 and not work_calendar().knows_year(following):
        return following
    return None


def check_year(year: int) -> int:
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValidationError(_("Some values are not valid."),
                              details={"year": _("Must be a year such as 2026.")})
    return year


@transactional()
def _add_day(day: date, kind: str, actor) -> CalendarOverride:
    if kind not in KINDS:
        raise ValidationError(_("Some values are not valid."),
                              details={"kind": _("Choose holiday or working day.")})
    check_year(day.year)
    row = db.session.execute(
        select(CalendarOverride).where(CalendarOverride.day == day)).scalar_one_or_none()
    before = row.kind if row is not None else None
    if row is None:
        row = CalendarOverride(day=day, kind=kind)
        db.session.add(row)
    else:
        row.kind = kind
    db.session.flush()
    record("calendar_day_set", "calendar_override", row.id, actor=actor, from_state=before,
           to_state=kind, details={"day": day.isoformat()})
    return row


@transactional()
def _remove_day(override_id: int, actor) -> None:
    row = db.session.get(CalendarOverride, override_id)
    if row is None:
        raise NotFound(_("No such calendar day."))
    record("calendar_day_removed", "calendar_override", row.id, actor=actor,
           from_state=row.kind, to_state=None, details={"day": row.day.isoformat()})
    db.session.delete(row)


@transactional()
def _set_year_complete(year: int, complete: bool, actor) -> None:
    check_year(year)
    row = db.session.execute(
        select(CalendarYear).where(CalendarYear.year == year)).scalar_one_or_none()
    if complete and row is None:
        db.session.add(CalendarYear(year=year))
    elif not complete and row is not None:
        db.session.delete(row)
    else:
        return
    record("calendar_year_complete" if complete else "calendar_year_incomplete",
           "calendar_year", year, actor=actor,
           from_state="complete" if not complete else "provisional",
           to_state="complete" if complete else "provisional",
           details={"year": year, "builtin": year in BUILTIN_YEARS})


def add_day(*, day: date, kind: str, actor) -> CalendarOverride:
    row = _add_day(day, kind, actor)
    invalidate_cache()
    return row


def remove_day(*, override_id: int, actor) -> None:
    _remove_day(override_id, actor)
    invalidate_cache()


def set_year_complete(*, year: int, complete: bool, actor) -> None:
    _set_year_complete(year, complete, actor)
    invalidate_cache()
