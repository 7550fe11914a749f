"""The one place code asks for the time, so tests can travel in it (time-machine)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def now() -> dt.datetime:
    """Aware current time in the local zone (Asia/Almaty)."""
    return timezone.now().astimezone(local_tz())


def today() -> dt.date:
    return now().date()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
