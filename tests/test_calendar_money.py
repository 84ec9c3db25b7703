"""Working days (chinese-calendar plus the catalog's overrides, provisional years) and
money (integer fen, one strict parser, half-up rounding)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from service_center.calendar import BUILTIN_YEARS, MAX_DAYS, WorkCalendar
from service_center.money import (
    fen_to_yuan_str,
    format_fen,
    parse_decimal,
    parse_yuan,
    per_unit_fen,
)

D = date.fromisoformat
CAL = WorkCalendar()


def test_builtin_years():
    assert 2026 in BUILTIN_YEARS and 2027 not in BUILTIN_YEARS


# chinese-calendar's 2026 data (State Council schedule): National Day Oct 1-7 off,
# Sunday Sep 20 and Saturday Oct 10 are adjusted working days; Mid-Autumn Sep 25-27.
@pytest.mark.parametrize(("day", "working"), [
    ("2026-09-18", True), ("2026-09-19", False), ("2026-09-20", True),   # Sunday, worked
    ("2026-09-25", False),                                               # Mid-Autumn (Fri)
    ("2026-09-30", True), ("2026-10-01", False), ("2026-10-05", False),
    ("2026-10-07", False), ("2026-10-08", True), ("2026-10-09", True),
    ("2026-10-10", True),                                                # Saturday, worked
    ("2026-10-11", False), ("2026-10-12", True),
    ("2027-01-01", True),             # unknown year: only weekends, Friday is working
    ("2027-01-02", False),
])
def test_is_workday(day, working):
    assert CAL.is_workday(D(day)) is working


@pytest.mark.parametrize(("start", "days", "deadline", "provisional"), [
    ("2026-11-27", 1, "2026-11-30", False),   # Friday -> day 1 is Monday (次日起算)
    ("2026-11-30", 1, "2026-12-01", False),
    ("2026-11-30", 5, "2026-12-07", False),
    ("2026-11-28", 0, "2026-11-28", False),
    ("2026-09-29", 1, "2026-09-30", False),
    ("2026-09-29", 2, "2026-10-08", False),   # skips National Day
    ("2026-09-29", 3, "2026-10-09", False),
    ("2026-09-29", 4, "2026-10-10", False),   # the adjusted Saturday counts
    ("2026-09-29", 5, "2026-10-12", False),
    ("2026-09-18", 1, "2026-09-20", False),   # the adjusted Sunday is day 1
    ("2026-09-24", 1, "2026-09-28", False),   # Mid-Autumn Friday and the weekend skipped
    ("2026-12-30", 1, "2026-12-31", False),
    ("2026-12-30", 2, "2027-01-01", True),    # into a year nobody has entered
    ("2027-03-01", 0, "2027-03-01", True),
])
def test_add_working_days(start, days, deadline, provisional):
    assert CAL.add_working_days(D(start), days) == (D(deadline), provisional)


def test_complete_year_is_not_provisional():
    cal = WorkCalendar(holidays=frozenset({D("2027-01-01")}), complete_years=frozenset({2027}))
    assert cal.add_working_days(D("2026-12-30"), 2) == (D("2027-01-04"), False)


def test_catalog_overrides():
    cal = WorkCalendar(holidays=frozenset({D("2027-02-08"), D("2026-11-30")}),
                       workdays=frozenset({D("2027-02-06"), D("2026-10-03")}))
    assert not cal.is_workday(D("2027-02-08"))      # an extra day off
    assert cal.is_workday(D("2027-02-06"))          # a Saturday worked
    assert not cal.is_workday(D("2026-11-30"))      # overrides win over the built-in data
    assert cal.is_workday(D("2026-10-03"))
    # Friday 2027-02-05: day 1 is the Saturday worked, day 2 skips Sunday and the holiday
    assert cal.add_working_days(D("2027-02-05"), 2) == (D("2027-02-09"), True)


def test_working_days_between():
    assert CAL.working_days_between(D("2026-09-29"), D("2026-10-12")) == 5
    assert CAL.working_days_between(D("2026-10-12"), D("2026-09-29")) == 0


def test_year_listing():
    y2026 = CAL.year(2026)
    assert "2026-10-08" not in y2026["holidays"] and "2026-10-01" in y2026["holidays"]
    assert {"2026-09-20", "2026-10-10"} <= set(y2026["workdays"])
    assert y2026["provisional"] is False
    cal = WorkCalendar(holidays=frozenset({D("2027-01-01")}), workdays=frozenset({D("2027-02-06")}))
    assert cal.year(2027) == {"year": 2027, "holidays": ["2027-01-01"],
                              "workdays": ["2027-02-06"], "provisional": True}


@pytest.mark.parametrize("days", [-1, MAX_DAYS + 1])
def test_add_working_days_bounds(days):
    with pytest.raises(ValueError):
        CAL.add_working_days(D("2026-01-01"), days)


# --- money -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "fen"), [
    ("12.3", 1230), ("12.30", 1230), ("12", 1200), ("0", 0), ("0.01", 1), ("800.00", 80000),
    ("000012.30", 1230), ("999999999999.99", 99999999999999),
])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", [
    "1_000", "１２", "1e3", "-1", "0.001", "12.", ".5", " 12", "12 ", "12\n", "+1", "1,000",
    "", "¥12", "12.3.4", "NaN", "Infinity", "1" * 13, "٣", "12.٣",
])
def test_parse_yuan_refuses(text):
    with pytest.raises(ValueError):
        parse_yuan(text)


@pytest.mark.parametrize("value", [12, 12.3, None, True, Decimal("12.3"), b"12"])
def test_parse_yuan_refuses_non_strings(value):
    with pytest.raises(ValueError):
        parse_yuan(value)


def test_parse_yuan_negative_when_allowed():
    assert parse_yuan("-12.05", allow_negative=True) == -1205


@pytest.mark.parametrize(("rate", "quantity", "fen"), [
    (2500, "12.345", 30863),   # 30862.5 rounds half up
    (2500, "12.344", 30860),
    (150, "0.01", 2),          # 1.5 -> 2
    (150, "0.003", 0),         # 0.45 -> 0
    (2500, "1000", 2500000),
    (1, "0.5", 1),
    (1, "0.49", 0),
])
def test_per_unit_half_up(rate, quantity, fen):
    assert per_unit_fen(rate, parse_decimal(quantity)) == fen


@pytest.mark.parametrize("text", ["1e3", "１２", "1_0", "", "nan", "1.1234567"])
def test_parse_decimal_refuses(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize("value", [True, 1.5, None])
def test_parse_decimal_refuses_non_strings(value):
    with pytest.raises(ValueError):
        parse_decimal(value)


@pytest.mark.parametrize(("fen", "text", "shown"), [
    (0, "0.00", "¥0.00"), (5, "0.05", "¥0.05"), (1230, "12.30", "¥12.30"),
    (123456789, "1234567.89", "¥1,234,567.89"), (-5, "-0.05", "-¥0.05"),
])
def test_formatting(fen, text, shown):
    assert fen_to_yuan_str(fen) == text and format_fen(fen) == shown
    assert parse_yuan(text, allow_negative=True) == fen
