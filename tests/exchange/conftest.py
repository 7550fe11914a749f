"""A locality of kindergartens, each with one full group of 2–3-year-olds (Kazakh) whose children were
enrolled through the real services on 1 September 2026, and its head; the round runs on Monday
7 December 2026."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement.models import Enrollment
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant
from tests.attendance.conftest import ENROLLED, at, enrol
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, staff_user

ALMATY = dt.timezone(dt.timedelta(hours=5))
ROUND_DAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)  # a Monday


@dataclass
class Kindergarten:
    organisation: Organisation
    group: Group
    head: User
    children: list[tuple[Enrollment, Applicant]]

    @property
    def enrollment(self) -> Enrollment:
        return self.children[0][0]

    @property
    def parent(self) -> Applicant:
        return self.children[0][1]


def kindergarten(locality: Locality, *, children: int = 1, **group: object) -> Kindergarten:
    organisation = OrganisationFactory.create(locality=locality)
    with time_machine.travel(at(ENROLLED - dt.timedelta(days=2), 8), tick=False):
        made = GroupFactory.create(organisation=organisation, capacity=children, **group)
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)
    return Kindergarten(organisation, made, head, enrol(made, children, head=head))


@pytest.fixture
def locality(db: None) -> Locality:
    return LocalityFactory.create()


@pytest.fixture
def three(locality: Locality) -> list[Kindergarten]:
    """Kindergartens A, B, C with one child each."""
    return [kindergarten(locality) for _ in range(3)]


@pytest.fixture
def on_round_day() -> object:
    with time_machine.travel(ROUND_DAY, tick=False) as traveller:
        yield traveller
