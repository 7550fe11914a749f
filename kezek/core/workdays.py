"""Working days of Kazakhstan (rule P8).

Deadlines counted in working days (a direction is valid 5 working days, P4; a stop-listed application is
restored after 10 working days, S2) use the Kazakhstan calendar of the `holidays` package, never
"skip weekends":

* public holidays of the Labour Code, incl. their observed days (a holiday that falls on a weekend moves
  to the next working day, except Orthodox Christmas and Kurban Ait);
* official transfers of days off by government decree ("перенос выходного дня"): the weekday that became
  a day off is a holiday in the package ("Day off (substituted from …)"), and the weekend day that became
  a working day is in the package's ``weekend_workdays`` — e.g. 2025: Friday 3 January off, Sunday
  5 January worked.

The working week is Monday–Friday (five-day week, the regime of education departments). A day is a
working day exactly when the package says so (`HolidayBase.is_working_day`): a Saturday or Sunday only
when a decree made it one, a weekday unless it is a holiday, an observed holiday or a transferred day off.

The calendar is built once per year and cached; the cached data is immutable, so it is safe to share
between threads.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

_COUNTRY = "KZ"
_SATURDAY = 5


@dataclass(frozen=True)
class _YearCalendar:
    """The exceptions to "Monday–Friday" for one calendar year."""

    days_off: frozenset[dt.date]
    """Holidays, observed holidays and transferred days off of the year (on any week day)."""
    weekend_workdays: frozenset[dt.date]
    """Saturdays/Sundays of the year that a transfer of days off made working days."""


@lru_cache(maxsize=256)
def _year_calendar(year: int) -> _YearCalendar:
    """Build (once) the Kazakhstan calendar of `year` from the holidays package."""
    calendar = holidays.country_holidays(_COUNTRY, years=year)
    return _YearCalendar(
        days_off=frozenset(day for day in calendar if day.year == year),
        # The package also lists weekend working days of other years (cross-year transfers): keep ours.
        weekend_workdays=frozenset(day for day in calendar.weekend_workdays if day.year == year),
    )


def is_working_day(day: dt.date) -> bool:
    """True if `day` is a working day in Kazakhstan (P8).

    A Saturday or Sunday is a working day only if an official transfer of days off made it one; a weekday
    is a working day unless it is a public holiday, an observed holiday or a transferred day off.
    """
    calendar = _year_calendar(day.year)
    if day.weekday() >= _SATURDAY:
        return day in calendar.weekend_workdays
    return day not in calendar.days_off


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The earliest working day `r >= day` with at least `n` working days in the interval `(day, r]`.

    * ``n >= 1``: the n-th working day strictly **after** `day`; `day` itself never counts, whether or
      not it is a working day. A direction issued on `day` and valid 5 working days (P4) is valid through
      the end of ``add_working_days(day, 5)``.
    * ``n == 0``: `day` itself if it is a working day, otherwise the next working day (roll forward).

    The result is always a working day, and for ``n >= 1``
    ``working_days_between(day, add_working_days(day, n)) == n``. Raises ValueError for ``n < 0``.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return day if is_working_day(day) else next_working_day(day)
    for _ in range(n):
        day = next_working_day(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The number of working days in the half-open interval `(start, end]`.

    `start` is excluded and `end` included, matching `add_working_days`: how many working days have
    passed from an event on `start` up to and including `end`. 0 when ``end == start``; raises ValueError
    when `end` is before `start`.
    """
    if end < start:
        raise ValueError("end must not be before start")
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
