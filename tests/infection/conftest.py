"""A kindergarten of the attendance tests (children enrolled on 1 September 2026, a teacher keeping the
group) with a nurse, and a helper to record a case on a given day."""

import datetime as dt
import importlib
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.infection import services
from kezek.infection.models import Case, Infection
from kezek.placement.models import Enrollment
from kezek.staff.models import Role
from tests.attendance.conftest import Kindergarten, at, make_kindergarten
from tests.factories import staff_user


@dataclass
class Clinic:
    kg: Kindergarten
    nurse: User


def make_clinic(n: int = 4) -> Clinic:
    kg = make_kindergarten(n)
    return Clinic(kg, staff_user(role=Role.NURSE, organisation=kg.organisation))


@pytest.fixture
def clinic(db: None) -> Clinic:
    return make_clinic()


def record(
    c: Clinic,
    *,
    on: dt.date,
    enrollment: Enrollment | None = None,
    onset: dt.date | None = None,
    isolated: dt.date | None = None,
    infection: str = "chickenpox",
    by: User | None = None,
) -> Case:
    """The nurse records a case of the first child (or `enrollment`) on the evening of `on`."""
    with time_machine.travel(at(on, 18), tick=False):
        return services.case_record(
            by_staff=by or c.nurse,
            infection_code=infection,
            onset_on=onset or on,
            isolated_on=isolated or on,
            enrollment=enrollment or c.kg.enrollments[0],
        )


def infections_seeded() -> None:
    """The data migration's infections, again: a transactional test (the browser's) flushes them."""
    seeded = importlib.import_module("kezek.infection.migrations.0002_infections")
    for values in seeded.INFECTIONS:
        Infection.objects.update_or_create(code=values["code"], defaults=values)
