"""Look-ups over the catalog used by every other domain: halls, the center's time
zone and today's service day, the working-day calendar."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..calendar import WorkCalendar
from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from .models import CalendarOverride, CalendarYear, Center, Hall, QueueCategory, Window

_CACHE_SECONDS = 30
_cache: dict[str, tuple[float, object]] = {}


def _cached(key: str, loader):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = loader()
    _cache[key] = (now, value)
    return value


def invalidate_cache() -> None:
    _cache.clear()


def center() -> Center | None:
    return db.session.execute(select(Center).order_by(Center.id)).scalars().first()


def center_timezone() -> ZoneInfo:
    def load():
        row = center()
        name = (row.timezone if row and row.timezone else None) or \
            current_app.config["SERVICE_CENTER_TIMEZONE"]
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("Asia/Shanghai")

    return _cached("tz", load)


def local_now(now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(center_timezone())


def service_day(now: datetime | None = None) -> date:
    """The center's local date: numbering restarts at local midnight, not UTC's."""
    return local_now(now).date()


def work_calendar() -> WorkCalendar:
    def load():
        rows = db.session.execute(select(CalendarOverride)).scalars().all()
        years = db.session.execute(select(CalendarYear.year)).scalars().all()
        return WorkCalendar(
            holidays=frozenset(r.day for r in rows if r.kind == "holiday"),
            workdays=frozenset(r.day for r in rows if r.kind == "workday"),
            complete_years=frozenset(years),
        )

    return _cached("calendar", load)


def resolve_hall(code: str | None) -> Hall:
    """The hall a request names, or the main hall when it names none."""
    if code:
        hall = db.session.execute(select(Hall).where(Hall.code == code)).scalar_one_or_none()
        if hall is None:
            raise NotFound(_("Unknown hall."), code="unknown_hall", details={"hall": code})
        return hall
    hall = db.session.execute(
        select(Hall).order_by(Hall.is_main.desc(), Hall.position, Hall.id)).scalars().first()
    if hall is None:
        raise NotFound(_("No hall is set up yet; import a catalog first."), code="no_hall")
    return hall


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    prefix: str
    name: str
    name_en: str | None
    active: bool


@dataclass(frozen=True)
class HallInfo:
    """A hall and its categories as plain values, cached: the kiosk's ticket issue (the
    hottest path) reads them on every request, and they change only with the catalog."""

    id: int
    code: str
    name: str
    name_en: str | None
    categories: tuple[CategoryInfo, ...]


def hall_info(code: str | None) -> HallInfo:
    def load():
        hall = resolve_hall(code)
        return HallInfo(hall.id, hall.code, hall.name, hall.name_en, tuple(
            CategoryInfo(c.id, c.prefix, c.name, c.name_en, bool(c.active))
            for c in hall.categories))

    return _cached(f"hall:{code or ''}", load)


def halls() -> list[Hall]:
    return list(db.session.execute(
        select(Hall).order_by(Hall.is_main.desc(), Hall.position, Hall.id)).scalars())


def category_by_prefix(hall: Hall, prefix: str) -> QueueCategory | None:
    return db.session.execute(select(QueueCategory).where(
        QueueCategory.hall_id == hall.id, QueueCategory.prefix == prefix)).scalar_one_or_none()


def window_by_number(hall: Hall, number: int) -> Window | None:
    return db.session.execute(select(Window).where(
        Window.hall_id == hall.id, Window.number == number)).scalar_one_or_none()


def localized_name(obj) -> str:
    """name_en when the page is in English and there is one; the Chinese name otherwise."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is not None and locale.language == "en" and getattr(obj, "name_en", None):
        return obj.name_en
    return obj.name
