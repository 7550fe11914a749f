"""The department's flags (E18): a report over the marks, never a block."""

import datetime as dt

import pytest
import time_machine
from django.db.models import QuerySet

from kezek.attendance import flags, services
from kezek.attendance.models import ChildMonth, Mark
from kezek.core.tick import tick_run
from kezek.placement import services as placement
from kezek.placement.models import Enrollment

from .conftest import Kindergarten, at, make_kindergarten, mark_days, mark_month, submit

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)


def everything(rows: QuerySet[Mark]) -> QuerySet[Mark]:
    return rows


def kinds(today: dt.date) -> dict[str, list[flags.Flag]]:
    found: dict[str, list[flags.Flag]] = {}
    for flag in flags.flags(everything, today=today):
        found.setdefault(flag.kind, []).append(flag)
    return found


def test_a_clean_month_with_absences_raises_nothing(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER, absences={kg.enrollments[0].pk: "illness"})
    submit(kg, OCTOBER)
    assert kinds(days[-1] + dt.timedelta(days=5)) == {}


def test_a_whole_month_present_is_flagged(kg: Kindergarten) -> None:
    mark_month(kg, OCTOBER)
    assert "full_attendance" not in kinds(dt.date(2026, 10, 31))  # open: not a whole sheet yet
    submit(kg, OCTOBER)
    (flag,) = kinds(dt.date(2026, 11, 2))["full_attendance"]
    assert (flag.group_id, flag.day, flag.children) == (kg.group.pk, OCTOBER, 3)


def test_identical_patterns_of_four_children_are_flagged() -> None:
    k = make_kindergarten(5)
    days = [dt.date(2026, 10, 5), dt.date(2026, 10, 6)]
    same = {e.pk: "unexcused" for e in k.enrollments[:4]}
    mark_days(k, days, same)
    mark_days(k, [d for d in _working(k) if d not in days])
    submit(k, OCTOBER)
    (flag,) = kinds(dt.date(2026, 11, 2))["identical_pattern"]
    assert flag.children == flags.IDENTICAL_MIN == 4


def _working(k: Kindergarten) -> list[dt.date]:
    from kezek.attendance.selectors import working_days

    return working_days(group=k.group, month=OCTOBER)


def test_present_on_a_quarantine_day_is_flagged(kg: Kindergarten) -> None:
    day = dt.date(2026, 10, 14)
    with time_machine.travel(at(day, 9), tick=False):
        services.closure_add(
            organisation=kg.organisation,
            group=kg.group,
            first_day=day,
            last_day=day,
            kind="quarantine",
            by_staff=kg.head,
        )
    mark_days(kg, [day], {kg.enrollments[0].pk: "quarantine"})
    (flag,) = kinds(day)["present_in_closure"]
    assert (flag.day, flag.children) == (day, 2)


def test_present_in_two_kindergartens_on_one_day_is_flagged(kg: Kindergarten) -> None:
    other = make_kindergarten(1)
    day = dt.date(2026, 10, 14)
    moving = kg.enrollments[0]
    mark_days(kg, [day])
    with time_machine.travel(at(day, 18), tick=False):
        placement.enrollment_depart(
            enrollment=moving, by_staff=kg.head, on=day, reason="moved to another town"
        )
        # The same child in the other kindergarten from the same day (a staff child, for brevity).
        second = Enrollment.objects.create(
            group=other.group, child=moving.child, staff_child=True, staff_reason="order 1", enrolled_on=day
        )
        services.child_mark(enrollment=second, day=day, present=True, by_staff=other.head)
    (flag,) = kinds(day)["two_kindergartens"]
    assert flag.day == day


def test_a_correction_after_the_parents_answer_is_flagged(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER)
    submit(kg, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
        services.child_month_approve(
            child_month=ChildMonth.objects.get(enrollment=kg.enrollments[0]), applicant=kg.applicants[0]
        )
    with time_machine.travel(at(dt.date(2026, 11, 10)), tick=False):
        tick_run()
        services.correction_make(
            mark=Mark.objects.get(enrollment=kg.enrollments[0], day=days[0]),
            present=False,
            reason="illness_certified",
            note="certificate brought late",
            by_staff=kg.head,
        )
        (flag,) = kinds(dt.date(2026, 11, 10))["changed_after_answer"]
    assert flag.group_id == kg.group.pk
