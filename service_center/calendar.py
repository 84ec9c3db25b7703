"""Working days: the built-in Chinese calendar (package chinese-calendar) plus the
catalog's overrides. A year the built-in calendar does not know, and that the
administrators have not marked complete, is provisional: only weekends (and the
catalog's own dates) are skipped, and deadlines in it say so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from chinese_calendar import constants as _cc

BUILTIN_YEARS = frozenset(d.year for d in _cc.holidays) & frozenset(
    range(min(d.year for d in _cc.holidays), max(d.year for d in _cc.holidays) + 1)
)
# Adding up working days must stop somewhere: 10 years of working days is far
# beyond any statutory limit, and refusing is better than looping forever.
MAX_DAYS = 2500


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    complete_years: frozenset[int] = field(default_factory=frozenset)

    def knows_year(self, year: int) -> bool:
        return year in BUILTIN_YEARS or year in self.complete_years

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year in BUILTIN_YEARS:
            if day in _cc.workdays:
                return True
            if day in _cc.holidays:
                return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> tuple[date, bool]:
        """Day 1 is the first working day after `start` (次日起算); returns day `days`
        and whether any year on the way is provisional."""
        if days < 0 or days > MAX_DAYS:
            raise ValueError(f"days must be between 0 and {MAX_DAYS}")
        provisional = False
        current = start
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if not self.knows_year(current.year):
                provisional = True
            if self.is_workday(current):
                counted += 1
        if days == 0 and not self.knows_year(start.year):
            provisional = True
        return current, provisional

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many days of a limit have been used."""
        if end <= start:
            return 0
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def year(self, year: int) -> dict:
        """Statutory holidays (days off that are not ordinary weekends) and adjusted
        working days."""
        holidays: set[date] = set()
        workdays: set[date] = set()
        if year in BUILTIN_YEARS:
            holidays |= {d for d in _cc.holidays if d.year == year and d.weekday() < 5}
            workdays |= {d for d in _cc.workdays if d.year == year}
        holidays |= {d for d in self.holidays if d.year == year}
        workdays |= {d for d in self.workdays if d.year == year}
        holidays -= workdays
        return {
            "year": year,
            "holidays": sorted(d.isoformat() for d in holidays),
            "workdays": sorted(d.isoformat() for d in workdays),
            "provisional": not self.knows_year(year),
        }
