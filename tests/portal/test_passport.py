"""The organisation passport: free places per age range (general access by language, priority access) and
the size of the queue for each age range, as the seed's passport shows them."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from kezek.placement.services import places_publish
from tests.factories import GroupFactory, OrganisationFactory, RegistryPersonFactory, register_application

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC), tick=False)
def test_passport_shows_free_places_and_queue_size_per_age_range(client: Client) -> None:
    organisation = OrganisationFactory.create()
    group = GroupFactory.create(organisation=organisation, language="kk", age_from=2, age_to=3, capacity=2)
    GroupFactory.create(organisation=organisation, language="ru", age_from=4, age_to=5, capacity=0)
    places_publish(group=group, freed_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC))  # priority window over
    child = RegistryPersonFactory.create(birth_date=dt.date(2024, 5, 1))
    register_application(locality=organisation.locality, child=child)

    response = client.get(f"/organisations/{organisation.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert "Age group: from 2 to 3 years" in html
    assert "General access: 2" in html
    assert "of them Kazakh: 2" in html
    assert "Children of this age in the queue: 1" in html
    assert "Age group: from 4 to 5 years" in html
    assert "General access: 0" in html
    assert f"/places/organisations/{organisation.pk}/" in html
