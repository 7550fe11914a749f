"""The demo's recent history: what kindergartens did before today, written by the real services at the moment
it happened (the clock travels back, `travel`), so the ledger, the transparency log and `integrity_check`
see a real history: the seat sweep, directions taken, enrolments, vouchers.

The days (`HistoryDays`): the mass enrolment of the academic year (1 September, or the last working day
before the attendance demo's first month when that is earlier), the seats published two working days
before it, the priority window's holders taking their directions the same day, general access on the next
working day (the window is over), the enrolment itself. The queue is written first (bulk, its own moments,
up to the demo's `DEMO_TODAY`), so the ledger holds these events after the queue's in chain order even
where their moments are earlier: the services read the queue as it is written, and so does every replay.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kezek.attendance import selectors as attendance_selectors
from kezek.core import clock
from kezek.core.workdays import is_working_day
from kezek.placement.models import LIVE_DIRECTION_STATES, Direction

from .generate import ACADEMIC_YEAR


@contextmanager
def travel(day: dt.date, hour: int = 10) -> Iterator[None]:
    """The clock at `hour` of `day` (Asia/Almaty), ticking: the services write at that moment."""
    import time_machine  # a development dependency, as the demo is (never loaded in production)

    with time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=clock.local_tz()), tick=True):
        yield


def working_day_before(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def first_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class HistoryDays:
    published: dt.date  # the seat sweep and the holders' directions
    general: dt.date  # general access: the window is over
    enrolled: dt.date  # the enrolment (its `enrolled_on`)
    attendance_from: dt.date  # the first month of the attendance demo (the month before last)
    recent: dt.date  # the working day before today


def history_days(today: dt.date | None = None) -> HistoryDays:
    today = today or clock.today()
    current = attendance_selectors.month_start(today)
    attendance_from = attendance_selectors.month_start(
        attendance_selectors.month_start(current - dt.timedelta(days=1)) - dt.timedelta(days=1)
    )
    enrolled = min(first_working_day(dt.date(ACADEMIC_YEAR, 9, 1)), working_day_before(attendance_from))
    general = working_day_before(enrolled)
    return HistoryDays(
        published=working_day_before(general),
        general=general,
        enrolled=enrolled,
        attendance_from=attendance_from,
        recent=working_day_before(today),
    )


def directed(group_id: int) -> int:
    """The group's seats held by live directions (the demo fills each group up to a share of its seats)."""
    return Direction.objects.filter(group_id=group_id, state__in=LIVE_DIRECTION_STATES).count()
