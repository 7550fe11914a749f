"""A5: a general group's publication says on which day ages were counted and whom it passed over for their
age — every application of the birth years in reach that stood before the holders and did not fit."""

import datetime as dt

import pytest
import time_machine

from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.placement import selectors, services
from kezek.registry.models import RegistryPerson
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


def child(born: dt.date) -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=born)


@time_machine.travel(MONDAY, tick=False)
def test_a_publication_names_who_it_passed_over_for_their_age() -> None:
    locality = LocalityFactory.create()
    group = GroupFactory.create(organisation=OrganisationFactory.create(locality=locality), capacity=2)
    too_young = register(locality=locality, child=child(dt.date(2024, 12, 20)))  # 1 on both reference days
    too_old = register(locality=locality, child=child(dt.date(2022, 5, 1)))  # born in a year out of reach
    first = register(locality=locality, child=child(dt.date(2024, 3, 1)))
    second = register(locality=locality, child=child(dt.date(2024, 1, 10)))
    register(locality=locality, child=child(dt.date(2023, 12, 31)))  # fits, but stands after the holders

    publication = services.places_publish(group=group)

    assert publication is not None
    event = LedgerEvent.objects.get(kind="places.published", subject_id=str(publication.pk))
    assert event.payload["holders"] == [first.pk, second.pk]
    assert event.payload["passed_over"] == [too_young.pk]
    assert too_old.pk not in event.payload["passed_over"]
    settings = selectors.placement_settings(locality=locality)
    assert (
        event.payload["age_on"]
        == selectors.reference_date(group=group, on=MONDAY.date(), settings=settings).isoformat()
    )
    assert selectors.cohorts_in_reach(group=group, reference=dt.date(2026, 12, 7)) == [2023, 2024]


@time_machine.travel(MONDAY, tick=False)
def test_a_group_with_a_private_condition_says_nothing_of_ages() -> None:
    """A sanatorium group's condition (a medical indication) is not in the log: no outcome is published."""
    locality = LocalityFactory.create()
    organisation = OrganisationFactory.create(locality=locality)
    group = GroupFactory.create(organisation=organisation, capacity=1, kind=Group.Kind.SANATORIUM)
    register(locality=locality, child=child(dt.date(2024, 3, 1)))

    publication = services.places_publish(group=group)

    assert publication is not None
    event = LedgerEvent.objects.get(kind="places.published", subject_id=str(publication.pk))
    assert "passed_over" not in event.payload
    assert "age_on" not in event.payload
