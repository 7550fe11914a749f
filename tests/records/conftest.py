"""A kindergarten with one child enrolled from a direction (so with an open file), its staff of every
role, and another kindergarten's head."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from kezek.attendance import services as attendance
from kezek.facilities.models import Group, Organisation
from kezek.placement import services as placement
from kezek.placement.models import Enrollment
from kezek.records.models import ChildFile
from kezek.staff.models import Role, StaffProfile
from kezek.waitlist.models import Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, staff_user
from tests.factories import register_application as register
from tests.factories.documents import JPEG, PDF
from tests.staff.conftest import kindergarten_group, toddler

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


@dataclass
class World:
    group: Group
    other_group: Group  # same kindergarten, same ages
    organisation: Organisation
    other: Organisation  # another kindergarten of the locality
    application: Application
    enrollment: Enrollment
    file: ChildFile
    head: User
    staff: User
    teacher: User
    nurse: User
    other_head: User


def pdf(name: str = "form.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def jpeg(name: str = "scan.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


def make_world() -> World:
    with time_machine.travel(MONDAY - dt.timedelta(days=1), tick=False):
        locality = LocalityFactory.create()
        # Registered first: in a live-server test saving a group publishes its seats on commit, with the
        # queue of that moment as the priority holders (P2).
        application = register(locality=locality, child=toddler(1))
        group = kindergarten_group(locality, capacity=3, language="ru")
        organisation = group.organisation
        other_group = GroupFactory.create(
            organisation=organisation, language="ru", age_from=group.age_from, age_to=group.age_to, capacity=3
        )
        other = OrganisationFactory.create(locality=locality)
        placement.places_publish(group=group)
        placement.places_publish(group=other_group)
        direction = placement.direction_take(
            application=application, group=group, applicant=application.applicant
        )
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)
    teacher = staff_user(role=Role.TEACHER, organisation=organisation)
    with time_machine.travel(MONDAY, tick=False):
        enrollment = placement.direction_enroll(direction=direction, by_staff=head, on=MONDAY.date())
        # E7: the teacher keeps the child's group (and reads only its children's files)
        attendance.teacher_assign(
            profile=StaffProfile.objects.get(user=teacher), group=group, since=MONDAY.date(), by_staff=head
        )
    return World(
        group=group,
        other_group=other_group,
        organisation=organisation,
        other=other,
        application=application,
        enrollment=enrollment,
        file=ChildFile.objects.get(enrollment=enrollment),
        head=head,
        staff=staff_user(role=Role.KINDERGARTEN_STAFF, organisation=organisation),
        teacher=teacher,
        nurse=staff_user(role=Role.NURSE, organisation=organisation),
        other_head=staff_user(role=Role.KINDERGARTEN_HEAD, organisation=other),
    )


@pytest.fixture
def world(db: None) -> World:
    return make_world()
