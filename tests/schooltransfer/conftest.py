"""A kindergarten with two children enrolled from directions (so with open files): one in the final
preschool year (6 on 1 September 2027, E60), one a toddler; the head, the staff, another kindergarten's
head; and the parent clients."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from kezek.cabinet.sessions import APPLICANT_KEY, FINGERPRINT_KEY, _fingerprint
from kezek.facilities.models import Organisation
from kezek.placement import services as placement
from kezek.records.models import ChildFile
from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant, Application
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    staff_user,
)
from tests.factories import register_application as register
from tests.staff.conftest import toddler

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
FINAL_YEAR_BIRTH = dt.date(2021, 3, 10)  # 6 on 1 September 2027


@dataclass
class World:
    organisation: Organisation
    application: Application  # the final-year child's, by a parent the register lists
    file: ChildFile
    young_application: Application
    young_file: ChildFile
    head: User
    staff: User
    other_head: User


def older(birth_date: dt.date = FINAL_YEAR_BIRTH) -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=birth_date)


def make_world() -> World:
    with time_machine.travel(MONDAY - dt.timedelta(days=1), tick=False):
        locality = LocalityFactory.create()
        application = register(locality=locality, child=older())
        young = register(locality=locality, child=toddler(1))
        organisation = OrganisationFactory.create(locality=locality)
        group = GroupFactory.create(
            organisation=organisation, language="ru", age_from=5, age_to=7, capacity=3
        )
        small = GroupFactory.create(
            organisation=organisation, language="ru", age_from=2, age_to=3, capacity=3
        )
        other = OrganisationFactory.create(locality=locality)
        placement.places_publish(group=group)
        placement.places_publish(group=small)
        directions = [
            placement.direction_take(application=a, group=g, applicant=a.applicant)
            for a, g in ((application, group), (young, small))
        ]
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)
    with time_machine.travel(MONDAY, tick=False):
        file, young_file = (
            ChildFile.objects.get(
                enrollment=placement.direction_enroll(direction=d, by_staff=head, on=MONDAY.date())
            )
            for d in directions
        )
    return World(
        organisation=organisation,
        application=application,
        file=file,
        young_application=young,
        young_file=young_file,
        head=head,
        staff=staff_user(role=Role.KINDERGARTEN_STAFF, organisation=organisation),
        other_head=staff_user(role=Role.KINDERGARTEN_HEAD, organisation=other),
    )


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture(autouse=True)
def travel() -> object:
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        yield


def parent_client(applicant: Applicant, language: str = "en") -> Client:
    client = Client()
    session = client.session
    session[APPLICANT_KEY] = applicant.pk
    session[FINGERPRINT_KEY] = _fingerprint(applicant)
    session.save()
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client
