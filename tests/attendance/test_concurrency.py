"""E11 under real concurrency (PostgreSQL, one connection per thread): two teachers marking the same day
at once leave one mark per child; the database's unique (enrolment, day) is the last word."""

import datetime as dt

import pytest
import time_machine

from kezek.attendance import services
from kezek.attendance.models import Mark
from kezek.staff.models import Role, StaffProfile
from tests.concurrency import run_parallel
from tests.factories import staff_user

from .conftest import ENROLLED, at, make_kindergarten

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]
DAY = dt.date(2026, 10, 14)


def test_two_teachers_mark_the_same_day_at_once() -> None:
    k = make_kindergarten(4)
    second = staff_user(role=Role.TEACHER, organisation=k.organisation)
    with time_machine.travel(at(ENROLLED, 11), tick=False):
        services.teacher_assign(
            profile=StaffProfile.objects.get(user=second), group=k.group, since=ENROLLED, by_staff=k.head
        )
    teachers = [k.teacher, second] * 3
    with time_machine.travel(at(DAY, 17), tick=False):
        outcomes = run_parallel(
            6, lambda n: services.day_mark(group=k.group, day=DAY, absences={}, by_staff=teachers[n])
        )
    assert outcomes == {"ok": 1, "day_marked": 5}
    assert Mark.objects.filter(day=DAY).count() == 4


def test_two_teachers_mark_one_child_at_once() -> None:
    k = make_kindergarten(1)
    second = staff_user(role=Role.KINDERGARTEN_STAFF, organisation=k.organisation)
    users = [k.teacher, second]
    with time_machine.travel(at(DAY, 17), tick=False):
        outcomes = run_parallel(
            2,
            lambda n: services.child_mark(
                enrollment=k.enrollments[0],
                day=DAY,
                present=n == 0,
                reason="" if n == 0 else "illness",
                by_staff=users[n],
            ),
        )
    assert sum(outcomes.values()) == 2
    assert Mark.objects.filter(day=DAY).count() == 1
