"""Working days from the Kazakhstan calendar (rule P8), against known 2024–2026 dates.

Expected values are the official dates of the Labour Code holidays and the government's transfers of
days off as modelled by `holidays` 0.109 (kazakhstan.py: Kazakhstan / KazakhstanStaticHolidays).
"""

import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.core.workdays import (
    _year_calendar,
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)

D = dt.date

# Days off of 2025 on weekdays (they must not be working days).
DAYS_OFF_2025 = [
    D(2025, 1, 1),  # New Year (Wed)
    D(2025, 1, 2),  # New Year (Thu)
    D(2025, 1, 3),  # Fri: day off transferred from Sunday 5 January (decree 2024 No. 436)
    D(2025, 1, 7),  # Orthodox Christmas (Tue)
    D(2025, 3, 10),  # Mon: 8 March fell on a Saturday → observed
    D(2025, 3, 21),  # Nauryz (Fri)
    D(2025, 3, 24),  # Mon: Nauryz 22 (Sat) observed
    D(2025, 3, 25),  # Tue: Nauryz 23 (Sun) observed
    D(2025, 5, 1),  # Unity of the People of Kazakhstan (Thu)
    D(2025, 5, 7),  # Defender of the Fatherland Day (Wed)
    D(2025, 5, 9),  # Victory Day (Fri)
    D(2025, 6, 6),  # Kurban Ait (Fri)
    D(2025, 7, 7),  # Mon: Capital Day 6 July (Sun) observed
    D(2025, 9, 1),  # Mon: Constitution Day 30 August (Sat) observed
    D(2025, 10, 27),  # Mon: Republic Day 25 October (Sat) observed
    D(2025, 12, 16),  # Independence Day (Tue)
]
# Holidays of 2025 falling on a weekend (day off anyway; their observed day is listed above).
WEEKEND_HOLIDAYS_2025 = [
    D(2025, 3, 8),
    D(2025, 3, 22),
    D(2025, 3, 23),
    D(2025, 7, 6),
    D(2025, 8, 30),
    D(2025, 10, 25),
]

DAYS_OFF_2026 = [
    D(2026, 1, 1),  # New Year (Thu)
    D(2026, 1, 2),  # New Year (Fri)
    D(2026, 1, 7),  # Orthodox Christmas (Wed)
    D(2026, 3, 9),  # Mon: 8 March (Sun) observed
    D(2026, 3, 23),  # Nauryz (Mon)
    D(2026, 3, 24),  # Tue: Nauryz 21 (Sat) observed
    D(2026, 3, 25),  # Wed: Nauryz 22 (Sun) observed
    D(2026, 5, 1),  # Unity of the People of Kazakhstan (Fri)
    D(2026, 5, 7),  # Defender of the Fatherland Day (Thu)
    D(2026, 5, 11),  # Mon: Victory Day 9 May (Sat) observed
    D(2026, 5, 27),  # Kurban Ait (Wed; the package marks it "estimated")
    D(2026, 7, 6),  # Capital Day (Mon)
    D(2026, 10, 26),  # Mon: Republic Day 25 October (Sun) observed
    D(2026, 12, 16),  # Independence Day (Wed)
]
WEEKEND_HOLIDAYS_2026 = [D(2026, 3, 8), D(2026, 3, 21), D(2026, 3, 22), D(2026, 5, 9), D(2026, 10, 25)]


@pytest.mark.parametrize("day", DAYS_OFF_2025 + DAYS_OFF_2026, ids=str)
def test_weekday_holidays_are_not_working_days(day: dt.date) -> None:
    assert day.weekday() < 5, "listed as a weekday day off"
    assert not is_working_day(day)


@pytest.mark.parametrize("day", WEEKEND_HOLIDAYS_2025 + WEEKEND_HOLIDAYS_2026, ids=str)
def test_weekend_holidays_are_not_working_days_and_are_holidays(day: dt.date) -> None:
    assert day.weekday() >= 5
    assert not is_working_day(day)
    assert day in _year_calendar(day.year).days_off


@pytest.mark.parametrize(
    "day",
    [
        D(2025, 1, 6),  # Mon between the New Year days and Christmas
        D(2025, 1, 8),  # Wed after Christmas
        D(2025, 3, 26),  # first working day after Nauryz
        D(2025, 5, 8),  # Thu between 7 and 9 May (no transfer in 2025)
        D(2025, 12, 17),  # Independence Day is one day since 2022
        D(2026, 1, 5),  # Mon after the New Year weekend (no transfer in 2026)
        D(2026, 1, 6),
        D(2026, 3, 26),  # first working day after Nauryz 2026
        D(2026, 5, 8),  # Fri between 7 May and the Victory Day weekend
        D(2026, 12, 17),
    ],
    ids=str,
)
def test_ordinary_weekdays_are_working_days(day: dt.date) -> None:
    assert is_working_day(day)


def test_2025_transfer_both_sides() -> None:
    """2025: the day off of Sunday 5 January was moved to Friday 3 January (the package's only 2025
    transfer): Friday is a day off, that Sunday a working day, Saturday 4 January stays a day off."""
    assert not is_working_day(D(2025, 1, 3))
    assert not is_working_day(D(2025, 1, 4))
    assert is_working_day(D(2025, 1, 5))
    assert _year_calendar(2025).weekend_workdays == {D(2025, 1, 5)}


def test_2024_transfer_both_sides() -> None:
    """2024: Saturday 4 May worked instead of Wednesday 8 May (between 7 and 9 May)."""
    assert is_working_day(D(2024, 5, 4))
    assert not is_working_day(D(2024, 5, 8))
    assert not is_working_day(D(2024, 5, 5))


def test_2026_has_no_transfers_in_the_package() -> None:
    """holidays 0.109 knows no transfer decree for 2026: every Saturday and Sunday is a day off."""
    assert _year_calendar(2026).weekend_workdays == frozenset()
    day = D(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() >= 5:
            assert not is_working_day(day), day
        day += dt.timedelta(days=1)


def test_cross_year_transfer() -> None:
    """2014: the day off of Saturday 28 December 2013 was moved to Friday 3 January 2014."""
    assert is_working_day(D(2013, 12, 28))
    assert not is_working_day(D(2014, 1, 3))


def test_republic_day_restored_from_2022() -> None:
    assert not is_working_day(D(2023, 10, 25))  # Wed
    assert is_working_day(D(2019, 10, 25))  # Fri, Republic Day was not a holiday 2009–2021


def test_constitution_day_per_package_2026_change() -> None:
    """holidays 0.109: Constitution Day is 30 August up to 2025 and 15 March from 2027 (the 2026
    constitutional changes); 2026 has neither, so Monday 31 August 2026 is a working day."""
    assert not is_working_day(D(2024, 8, 30))  # Fri
    assert not is_working_day(D(2025, 9, 1))  # observed for Sat 30 August 2025
    assert is_working_day(D(2026, 8, 31))
    assert is_working_day(D(2026, 3, 16))
    assert not is_working_day(D(2027, 3, 15))  # Mon


def test_christmas_and_kurban_ait_are_not_observed_on_weekends() -> None:
    """Orthodox Christmas and Kurban Ait do not move to Monday when they fall on a weekend."""
    assert D(2024, 1, 7).weekday() == 6
    assert is_working_day(D(2024, 1, 8))
    assert D(2024, 6, 16).weekday() == 6  # Kurban Ait 2024
    assert is_working_day(D(2024, 6, 17))


# --- add_working_days -------------------------------------------------------------------------------


def test_direction_issued_before_nauryz_skips_the_holidays() -> None:
    """A direction issued on Thursday 20 March 2025, valid 5 working days (P4): Nauryz and its observed
    days 21–25 March are skipped, so it runs to Tuesday 1 April (not Thursday 27 March)."""
    issued = D(2025, 3, 20)
    assert add_working_days(issued, 1) == D(2025, 3, 26)
    assert add_working_days(issued, 5) == D(2025, 4, 1)
    assert working_days_between(issued, D(2025, 4, 1)) == 5


def test_add_working_days_over_the_2025_transfer() -> None:
    """From 31 December 2024 the next working day is the worked Sunday 5 January 2025."""
    assert add_working_days(D(2024, 12, 31), 1) == D(2025, 1, 5)
    assert add_working_days(D(2024, 12, 31), 2) == D(2025, 1, 6)
    assert add_working_days(D(2024, 12, 31), 3) == D(2025, 1, 8)  # 7 January is Christmas


def test_stop_list_ten_working_days_over_may_2026() -> None:
    """S2: 10 working days from Wednesday 29 April 2026 skip 1, 7, 11 May and the weekends:
    30 Apr; 4, 5, 6, 8, 12, 13, 14, 15, 18 May."""
    assert add_working_days(D(2026, 4, 29), 10) == D(2026, 5, 18)


def test_add_zero_working_days() -> None:
    assert add_working_days(D(2025, 3, 20), 0) == D(2025, 3, 20)  # a working day: itself
    assert add_working_days(D(2025, 3, 21), 0) == D(2025, 3, 26)  # Nauryz: the next working day
    assert add_working_days(D(2025, 1, 4), 0) == D(2025, 1, 5)  # Saturday → the worked Sunday


def test_add_from_a_day_off_does_not_count_it() -> None:
    assert add_working_days(D(2025, 3, 22), 1) == D(2025, 3, 26)
    assert add_working_days(D(2026, 1, 3), 1) == D(2026, 1, 5)


def test_add_negative_is_an_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D(2025, 1, 1), -1)


def test_next_working_day() -> None:
    assert next_working_day(D(2025, 3, 20)) == D(2025, 3, 26)
    assert next_working_day(D(2025, 3, 26)) == D(2025, 3, 27)


def test_working_days_between() -> None:
    assert working_days_between(D(2025, 3, 20), D(2025, 3, 20)) == 0
    assert working_days_between(D(2025, 3, 20), D(2025, 3, 25)) == 0
    assert working_days_between(D(2025, 3, 20), D(2025, 3, 26)) == 1
    # (start, end]: a working start is not counted, a working end is.
    assert working_days_between(D(2025, 3, 26), D(2025, 3, 28)) == 2
    with pytest.raises(ValueError, match="before"):
        working_days_between(D(2025, 3, 21), D(2025, 3, 20))


DATES = st.dates(min_value=D(2000, 1, 1), max_value=D(2035, 12, 31))


@settings(deadline=None, max_examples=300)
@given(day=DATES, n=st.integers(min_value=0, max_value=60))
def test_add_working_days_properties(day: dt.date, n: int) -> None:
    result = add_working_days(day, n)
    assert result >= day
    assert is_working_day(result)
    if n >= 1:
        assert result > day
        assert working_days_between(day, result) == n
        # Minimal: the day before the result is still short of n working days.
        assert working_days_between(day, result - dt.timedelta(days=1)) == n - 1
    else:
        assert working_days_between(day, result) == (0 if result == day else 1)


@settings(deadline=None, max_examples=200)
@given(day=DATES, n=st.integers(min_value=0, max_value=30))
def test_agrees_with_holidays_get_nth_working_day(day: dt.date, n: int) -> None:
    """Same semantics as `HolidayBase.get_nth_working_day` for n >= 0."""
    calendar = holidays.country_holidays("KZ", years=range(day.year, day.year + 2))
    assert add_working_days(day, n) == calendar.get_nth_working_day(day, n)


def test_agrees_with_the_package_every_day_2000_2030() -> None:
    """The per-year cache gives exactly the package's `is_working_day` for every day of 31 years."""
    calendar = holidays.country_holidays("KZ", years=range(2000, 2031))
    day = D(2000, 1, 1)
    while day.year <= 2030:
        assert is_working_day(day) == calendar.is_working_day(day), day
        day += dt.timedelta(days=1)


def test_calendar_is_cached_per_year() -> None:
    assert _year_calendar(2025) is _year_calendar(2025)
    before = _year_calendar.cache_info().hits
    is_working_day(D(2025, 6, 6))
    assert _year_calendar.cache_info().hits == before + 1
