"""The passport's "size of the queue" per age range: queued applications whose child is of that age today."""

import datetime as dt

import pytest
import time_machine

from kezek.core.clock import years_before
from kezek.facilities.models import Locality
from kezek.registry.models import RegistryPerson
from kezek.waitlist import selectors
from kezek.waitlist.services import application_withdraw
from tests.factories import LocalityFactory, RegistryPersonFactory, register_application

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 9, 1)


def child_born(day: dt.date) -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=day)


@time_machine.travel(dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC), tick=False)
def test_counts_queued_children_by_their_age_today() -> None:
    locality: Locality = LocalityFactory.create()
    register_application(locality=locality, child=child_born(dt.date(2024, 9, 1)))  # 2 today
    register_application(locality=locality, child=child_born(dt.date(2024, 9, 2)))  # 1 (2 tomorrow)
    register_application(locality=locality, child=child_born(dt.date(2023, 3, 5)))  # 3
    withdrawn = register_application(locality=locality, child=child_born(dt.date(2023, 6, 1)))  # 3
    application_withdraw(application=withdrawn, by_applicant=withdrawn.applicant)
    register_application(child=child_born(dt.date(2023, 6, 2)))  # another locality

    sizes = selectors.queue_size_by_age(locality_id=locality.pk, ranges=[(1, 2), (2, 3), (3, 4), (4, 5)])

    assert sizes == {(1, 2): 1, (2, 3): 1, (3, 4): 1, (4, 5): 0}


def test_years_before_keeps_the_day_or_takes_28_february() -> None:
    assert years_before(dt.date(2026, 5, 17), 3) == dt.date(2023, 5, 17)
    assert years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert selectors.queue_size_by_age(locality_id=0, ranges=[]) == {}
