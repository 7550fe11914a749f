"""A kindergarten with a group of children enrolled through the real services on 1 September 2026, its
head, a teacher keeping the group, and a department operator; helpers to mark days and months."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.attendance import selectors, services
from kezek.attendance.models import TeacherAssignment, TimesheetMonth
from kezek.facilities.models import Group, Organisation
from kezek.placement import services as placement
from kezek.placement.models import Enrollment
from kezek.staff.models import Role, StaffProfile
from kezek.waitlist.models import Applicant
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    staff_user,
)
from tests.factories import register_application as register

ALMATY = dt.timezone(dt.timedelta(hours=5))
ENROLLED = dt.date(2026, 9, 1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ALMATY)


@dataclass
class Kindergarten:
    organisation: Organisation
    group: Group
    head: User
    teacher: User
    operator: User
    enrollments: list[Enrollment]
    applicants: list[Applicant]


def enrol(
    group: Group, n: int, *, on: dt.date = ENROLLED, head: User | None = None
) -> list[tuple[Enrollment, Applicant]]:
    """`n` children queued, directed and enrolled in `group` on `on` through the real services."""
    head = head or staff_user(role=Role.KINDERGARTEN_HEAD, organisation=group.organisation)
    out = []
    with time_machine.travel(at(on, 9), tick=False):
        applications = [
            register(
                locality=group.organisation.locality,
                child=RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 1) + dt.timedelta(days=i)),
            )
            for i in range(n)
        ]
        placement.places_publish(group=group)
        for application in applications:
            direction = placement.direction_take(
                application=application, group=group, applicant=application.applicant
            )
            enrollment = placement.direction_enroll(direction=direction, by_staff=head, on=on)
            out.append((enrollment, application.applicant))
    return out


def make_kindergarten(n: int = 3, *, work_week: str = Organisation.WorkWeek.FIVE_DAY) -> Kindergarten:
    locality = LocalityFactory.create()
    organisation = OrganisationFactory.create(locality=locality, work_week=work_week)
    # Two days earlier: in a transactional test the group's seats are published on commit, and their
    # priority window has ended when the children come (general access).
    with time_machine.travel(at(ENROLLED - dt.timedelta(days=2), 8), tick=False):
        group = GroupFactory.create(organisation=organisation, age_from=2, age_to=3, capacity=n + 2)
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)
    teacher = staff_user(role=Role.TEACHER, organisation=organisation)
    operator = staff_user(role=Role.OPERATOR, locality=locality)
    pairs = enrol(group, n, head=head)
    with time_machine.travel(at(ENROLLED, 10), tick=False):
        services.teacher_assign(
            profile=StaffProfile.objects.get(user=teacher), group=group, since=ENROLLED, by_staff=head
        )
    return Kindergarten(
        organisation, group, head, teacher, operator, [e for e, _a in pairs], [a for _e, a in pairs]
    )


@pytest.fixture
def kg(db: None) -> Kindergarten:
    return make_kindergarten()


def mark_days(k: Kindergarten, days: Iterable[dt.date], absences: dict[int, str] | None = None) -> None:
    """Mark each day as the teacher, on that day's evening."""
    for day in days:
        with time_machine.travel(at(day, 17), tick=False):
            services.day_mark(group=k.group, day=day, absences=absences or {}, by_staff=k.teacher)


def mark_month(k: Kindergarten, month: dt.date, absences: dict[int, str] | None = None) -> list[dt.date]:
    days = selectors.working_days(group=k.group, month=month)
    mark_days(k, days, absences)
    return days


def submit(k: Kindergarten, month: dt.date, on: dt.date | None = None) -> TimesheetMonth:
    on = on or selectors.next_month(month)
    with time_machine.travel(at(on, 9), tick=False):
        return services.month_submit(group=k.group, month=month, by_staff=k.head)


__all__ = ["ALMATY", "ENROLLED", "Kindergarten", "TeacherAssignment", "at", "enrol", "make_kindergarten"]
