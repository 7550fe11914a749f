"""Reads of the attendance timesheet (E10–E19)."""

import calendar
import datetime as dt

from kezek.core.workdays import is_working_day
from kezek.facilities.models import Group, Organisation

from .models import DutyDay

_SATURDAY = 5


def month_days(month: dt.date) -> list[dt.date]:
    """Every calendar day of the month that contains `month`."""
    first = month.replace(day=1)
    last = calendar.monthrange(first.year, first.month)[1]
    return [first + dt.timedelta(days=offset) for offset in range(last)]


def is_group_working_day(
    day: dt.date, *, work_week: str, duty_days: frozenset[dt.date] = frozenset()
) -> bool:
    """E12: a KZ working day (P8); a six-day week adds Saturdays that are not holidays; a round-the-clock
    kindergarten works every day; a group's duty day works even if the calendar says it is off."""
    if day in duty_days or work_week == Organisation.WorkWeek.ROUND_THE_CLOCK:
        return True
    if is_working_day(day):
        return True
    if work_week == Organisation.WorkWeek.SIX_DAY and day.weekday() == _SATURDAY:
        # A Saturday is off in a six-day week only when it is itself a holiday or a transferred day off:
        # the calendar then lists it as a holiday (workdays P8 keeps those as `days_off`).
        from kezek.core.workdays import _year_calendar

        return day not in _year_calendar(day.year).days_off
    return False


def working_days(*, group: Group, month: dt.date) -> list[dt.date]:
    """E12: the working days of `group` in the month of `month`, in order."""
    days = month_days(month)
    duty = frozenset(
        DutyDay.objects.filter(group=group, day__gte=days[0], day__lte=days[-1]).values_list("day", flat=True)
    )
    work_week = group.organisation.work_week
    return [day for day in days if is_group_working_day(day, work_week=work_week, duty_days=duty)]
