"""Reads of the attendance timesheet (E10–E19): working days, the canonical sheet and its hash, the
effective state of a month from the dates (right even when the lock sweep is late), the screens' data."""

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kezek.core import clock
from kezek.core.workdays import is_working_day
from kezek.facilities.models import Group, Organisation
from kezek.ledger.hashing import canonical_json
from kezek.placement.models import Enrollment
from kezek.waitlist.models import Applicant, Application

from .models import ChildMonth, Closure, DutyDay, Mark, TeacherAssignment, TimesheetMonth

_SATURDAY = 5
APPROVAL_LAST_DAY = 7  # E14: parents answer from day 1 to day 7 of the next month (calendar days)
PRESENT = "present"  # the canonical sheet's code of a present day (E15)
SHEET_VERSION = 1


# --- the calendar (E12) -------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    month = month_start(month)
    return (month + dt.timedelta(days=32)).replace(day=1)


def month_days(month: dt.date) -> list[dt.date]:
    """Every calendar day of the month that contains `month`."""
    first = month_start(month)
    last = calendar.monthrange(first.year, first.month)[1]
    return [first + dt.timedelta(days=offset) for offset in range(last)]


def _kz_holiday(day: dt.date) -> bool:
    """A public holiday, observed holiday or transferred day off of the KZ calendar (P8), any week day."""
    import holidays

    return day in holidays.country_holidays("KZ", years=day.year)


def is_group_working_day(
    day: dt.date, *, work_week: str, duty_days: frozenset[dt.date] = frozenset()
) -> bool:
    """E12: a KZ working day (P8); a six-day week adds Saturdays that are not holidays; a round-the-clock
    kindergarten works every day; a group's duty day works even when the calendar has it off."""
    if day in duty_days or work_week == Organisation.WorkWeek.ROUND_THE_CLOCK:
        return True
    if is_working_day(day):
        return True
    return work_week == Organisation.WorkWeek.SIX_DAY and day.weekday() == _SATURDAY and not _kz_holiday(day)


def working_days(*, group: Group, month: dt.date) -> list[dt.date]:
    """E12: the working days of `group` in the month of `month`, in order."""
    days = month_days(month)
    duty = frozenset(
        DutyDay.objects.filter(group=group, day__gte=days[0], day__lte=days[-1]).values_list("day", flat=True)
    )
    work_week = group.organisation.work_week
    return [day for day in days if is_group_working_day(day, work_week=work_week, duty_days=duty)]


# --- the month's close (E13, E14) --------------------------------------------------------------------


def approval_window(month: dt.date) -> tuple[dt.date, dt.date]:
    """E14: the first and last calendar day parents may answer about `month` (days 1–7 of the next one,
    holidays included: the window never moves)."""
    first = next_month(month)
    return first, first.replace(day=APPROVAL_LAST_DAY)


def lock_day(month: dt.date) -> dt.date:
    """E13: the day the month locks: the 8th of the next month (00:00 Asia/Almaty)."""
    return next_month(month).replace(day=APPROVAL_LAST_DAY + 1)


def effective_state(timesheet: TimesheetMonth, *, today: dt.date | None = None) -> str:
    """E13: the month's state as of `today`: locked from day 8 even if the sweep has not run yet."""
    today = today or clock.today()
    if timesheet.state == TimesheetMonth.State.LOCKED or today >= lock_day(timesheet.month):
        return TimesheetMonth.State.LOCKED
    return timesheet.state


def month_effective_state(*, group: Group, month: dt.date, today: dt.date | None = None) -> str:
    """The state of a group's month, also for a month without a row yet (open until its day 8)."""
    row = TimesheetMonth.objects.filter(group=group, month=month_start(month)).first()
    if row is None:
        row = TimesheetMonth(group=group, month=month_start(month))
    return effective_state(row, today=today)


def child_month_effective_state(child_month: ChildMonth, *, today: dt.date | None = None) -> str:
    """E14: a month nobody answered is "not confirmed by the parent" once it is locked."""
    if child_month.state == ChildMonth.State.PENDING and (
        effective_state(child_month.timesheet, today=today) == TimesheetMonth.State.LOCKED
    ):
        return ChildMonth.State.UNCONFIRMED
    return child_month.state


# --- the canonical sheet (E15) ------------------------------------------------------------------------


def sheet_of(rows: Iterable[tuple[int, dt.date, bool, str]], *, group_id: int, month: dt.date) -> str:
    """E15: the canonical JSON of a month's sheet: {"v": 1, "group": id, "month": "YYYY-MM", "marks":
    [[enrollment id, "YYYY-MM-DD", "present" | reason], …]} sorted by enrolment then day; sorted keys,
    compact separators, UTF-8 (the ledger's canonical JSON). Who marked and when are not part of it."""
    marks = sorted(
        (enrollment, day.isoformat(), PRESENT if present else reason)
        for enrollment, day, present, reason in rows
    )
    sheet: dict[str, Any] = {
        "v": SHEET_VERSION,
        "group": group_id,
        "month": f"{month:%Y-%m}",
        "marks": [list(mark) for mark in marks],
    }
    return canonical_json(sheet)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def month_marks(*, group_id: int, month: dt.date) -> QuerySet[Mark]:
    days = month_days(month)
    return Mark.objects.filter(group_id=group_id, day__gte=days[0], day__lte=days[-1])


def sheet_rows(*, group_id: int, month: dt.date) -> list[tuple[int, dt.date, bool, str]]:
    rows = month_marks(group_id=group_id, month=month).values_list(
        "enrollment_id", "day", "present", "reason"
    )
    return list(rows)


def sheet_sha256(*, group_id: int, month: dt.date) -> str:
    """E15: the sha256 (hex) of the month's canonical sheet, from the live marks."""
    return sha256_of(sheet_of(sheet_rows(group_id=group_id, month=month), group_id=group_id, month=month))


# --- who may do what (E10) ----------------------------------------------------------------------------


def assignments_current(*, profile_id: int, on: dt.date) -> QuerySet[TeacherAssignment]:
    return TeacherAssignment.objects.filter(profile_id=profile_id, since__lte=on).filter(
        Q(until__isnull=True) | Q(until__gte=on)
    )


def teacher_groups(*, profile_id: int, on: dt.date | None = None) -> QuerySet[Group]:
    """E10: the groups a teacher keeps the timesheet of on `on` (today)."""
    on = on or clock.today()
    ids = assignments_current(profile_id=profile_id, on=on).values("group_id")
    return Group.objects.filter(pk__in=ids).select_related("organisation").order_by("name")


# --- the teacher's day screen and the month grid (E11) --------------------------------------------------


def enrolled_on_day(*, group_id: int, day: dt.date) -> QuerySet[Enrollment]:
    """E11: the group's children enrolled on `day` (enrolled_on ≤ day ≤ left_on, the day of leaving
    included)."""
    return (
        Enrollment.objects.filter(group_id=group_id, enrolled_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .select_related("child")
        .order_by("child__last_name", "child__first_name", "pk")
    )


def enrolled_in_month(*, group_id: int, month: dt.date) -> QuerySet[Enrollment]:
    days = month_days(month)
    return (
        Enrollment.objects.filter(group_id=group_id, enrolled_on__lte=days[-1])
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=days[0]))
        .select_related("child")
        .order_by("child__last_name", "child__first_name", "pk")
    )


def closures_on(*, group: Group, first: dt.date, last: dt.date) -> list[Closure]:
    return list(
        Closure.objects.filter(
            organisation_id=group.organisation_id, first_day__lte=last, last_day__gte=first
        )
        .filter(Q(group__isnull=True) | Q(group_id=group.pk))
        .order_by("first_day", "pk")
    )


@dataclass(frozen=True)
class DayRow:
    enrollment: Enrollment
    mark: Mark | None


@dataclass(frozen=True)
class DaySheet:
    group: Group
    day: dt.date
    rows: list[DayRow]
    marked: bool
    editable: bool
    working: bool
    closure: Closure | None


def day_sheet(*, group: Group, day: dt.date, today: dt.date | None = None) -> DaySheet:
    """The teacher's screen for one day (E11): each child enrolled that day with their mark, if any.
    A constant number of queries whatever the size of the group."""
    today = today or clock.today()
    enrollments = list(enrolled_on_day(group_id=group.pk, day=day))
    marks = {m.enrollment_id: m for m in Mark.objects.filter(group_id=group.pk, day=day)}
    state = month_effective_state(group=group, month=day, today=today)
    working = day in working_days(group=group, month=day)
    closures = closures_on(group=group, first=day, last=day)
    return DaySheet(
        group=group,
        day=day,
        rows=[DayRow(e, marks.get(e.pk)) for e in enrollments],
        marked=bool(marks),
        editable=state == TimesheetMonth.State.OPEN and working and day <= today,
        working=working,
        closure=closures[0] if closures else None,
    )


@dataclass(frozen=True)
class MonthGrid:
    group: Group
    month: dt.date
    days: list[dt.date]
    rows: list[tuple[Enrollment, list[Mark | None], int]]  # enrolment, a mark per working day, days present
    timesheet: TimesheetMonth | None
    state: str
    missing: int  # working days ≤ today of enrolled children without a mark


def month_grid(*, group: Group, month: dt.date, today: dt.date | None = None) -> MonthGrid:
    """The group's timesheet for a month (E11, E13): a constant number of queries (tests assert it)."""
    today = today or clock.today()
    month = month_start(month)
    days = working_days(group=group, month=month)
    enrollments = list(enrolled_in_month(group_id=group.pk, month=month))
    by_key = {(m.enrollment_id, m.day): m for m in month_marks(group_id=group.pk, month=month)}
    marked_ids = {key[0] for key in by_key}
    extra = [pk for pk in marked_ids if pk not in {e.pk for e in enrollments}]  # transferred away since
    if extra:
        enrollments += list(Enrollment.objects.filter(pk__in=extra).select_related("child"))
    rows = []
    missing = 0
    for enrollment in enrollments:
        cells = [by_key.get((enrollment.pk, day)) for day in days]
        for day, cell in zip(days, cells, strict=True):
            if (
                cell is None
                and day <= today
                and _enrolled(enrollment, day)
                and enrollment.group_id == group.pk
            ):
                missing += 1
        rows.append((enrollment, cells, sum(1 for c in cells if c is not None and c.present)))
    timesheet = TimesheetMonth.objects.filter(group=group, month=month).first()
    state = effective_state(timesheet or TimesheetMonth(group=group, month=month), today=today)
    return MonthGrid(group, month, days, rows, timesheet, state, missing)


def _enrolled(enrollment: Enrollment, day: dt.date) -> bool:
    return enrollment.enrolled_on <= day and (enrollment.left_on is None or day <= enrollment.left_on)


def missing_marks(*, group: Group, month: dt.date) -> int:
    """How many (child, working day) pairs of the month have no mark (E13: a submitted sheet is whole)."""
    days = working_days(group=group, month=month)
    enrollments = list(enrolled_in_month(group_id=group.pk, month=month))
    marked = set(month_marks(group_id=group.pk, month=month).values_list("enrollment_id", "day"))
    return sum(1 for e in enrollments for day in days if _enrolled(e, day) and (e.pk, day) not in marked)


# --- the parent's months (E14) --------------------------------------------------------------------------


def child_months_of(*, applicant: Applicant) -> QuerySet[ChildMonth]:
    """E14: the months of the applicant's own children (through their applications), newest first."""
    children = Application.objects.filter(applicant=applicant).values("child_id")
    return (
        ChildMonth.objects.filter(enrollment__child_id__in=children)
        .select_related("timesheet__group__organisation", "enrollment__child")
        .order_by("-timesheet__month", "enrollment__child__first_name", "pk")
    )


def child_month_of(*, applicant: Applicant, pk: int) -> ChildMonth | None:
    return child_months_of(applicant=applicant).filter(pk=pk).first()


def child_month_marks(child_month: ChildMonth) -> list[Mark]:
    days = month_days(child_month.timesheet.month)
    return list(
        Mark.objects.filter(
            enrollment_id=child_month.enrollment_id,
            group_id=child_month.timesheet.group_id,
            day__gte=days[0],
            day__lte=days[-1],
        ).order_by("day")
    )


def may_answer(child_month: ChildMonth, *, today: dt.date | None = None) -> bool:
    today = today or clock.today()
    first, last = approval_window(child_month.timesheet.month)
    return (
        first <= today <= last
        and child_month.state == ChildMonth.State.PENDING
        and effective_state(child_month.timesheet, today=today) == TimesheetMonth.State.SUBMITTED
    )


def correction_month(*, group_id: int, after: dt.date, today: dt.date | None = None) -> dt.date:
    """E16: the month a correction shows in: the first month after `after` still open for the group."""
    month = next_month(after)
    closed = {
        ts.month
        for ts in TimesheetMonth.objects.filter(group_id=group_id, month__gte=month)
        if effective_state(ts, today=today) != TimesheetMonth.State.OPEN
    }
    while month in closed or (today is not None and lock_day(month) <= today):
        month = next_month(month)
    return month


def sheet_hashes(months: Iterable[tuple[int, int, dt.date]], *, chunk_size: int = 5000) -> dict[int, str]:
    """E15: {timesheet id: sha256 of its canonical sheet from the live marks} for (timesheet id, group id,
    month) triples, streaming the marks of up to 500 groups per query (the integrity check's read)."""
    wanted = {(group_id, month_start(month)): pk for pk, group_id, month in months}
    rows: dict[tuple[int, dt.date], list[tuple[int, dt.date, bool, str]]] = {key: [] for key in wanted}
    groups = sorted({group_id for group_id, _month in wanted})
    for start in range(0, len(groups), 500):
        chunk = groups[start : start + 500]
        first = min(month for group_id, month in wanted if group_id in set(chunk))
        marks = (
            Mark.objects.filter(group_id__in=chunk, day__gte=first)
            .order_by()
            .values_list("group_id", "enrollment_id", "day", "present", "reason")
        )
        for group_id, enrollment_id, day, present, reason in marks.iterator(chunk_size=chunk_size):
            bucket = rows.get((group_id, day.replace(day=1)))
            if bucket is not None:
                bucket.append((enrollment_id, day, present, reason))
    return {pk: sha256_of(sheet_of(rows[key], group_id=key[0], month=key[1])) for key, pk in wanted.items()}
