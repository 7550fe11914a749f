"""A place offered to an application (P2) is at the top of its parent's cabinet — organisation, group,
deadline and one button that takes it — and the SMS of the offer links to the cabinet. An offer whose
window has ended is not shown, whether or not `tick` has moved it on."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from kezek.facilities.models import Group
from kezek.notifications.selectors import outbox_latest
from kezek.placement import selectors, services
from kezek.placement.models import Direction, Publication
from kezek.waitlist.models import Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory
from tests.factories import register_application as register
from tests.placement.test_web_directions import MONDAY, parent, toddler

pytestmark = pytest.mark.django_db


@pytest.fixture
def group() -> Group:
    city = LocalityFactory.create(name_ru="Усть-Каменогорск", name_kk="Өскемен")
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы"
    )
    return GroupFactory.create(organisation=organisation, capacity=1, language="ru", name="Балапан")


def published(group: Group) -> tuple[Application, Application, Publication]:
    """Two applications of the group's ages; one seat is published: the first in line holds it."""
    first = register(locality=group.organisation.locality, child=toddler(1))
    second = register(locality=group.organisation.locality, child=toddler(2))
    publication = services.places_publish(group=group)
    assert publication is not None
    assert list(publication.holders.values_list("application_id", flat=True)) == [first.pk]
    return first, second, publication


def offers_section(page: str) -> str:
    found = re.search(r'<section class="offers".*?</section>', page, re.S)
    assert found is not None, "no offers section"
    return found.group(0)


@time_machine.travel(MONDAY, tick=False)
def test_the_first_in_line_sees_the_offer_at_the_top_and_takes_it_with_one_button(group: Group) -> None:
    first, second, publication = published(group)
    client = parent(first)

    page = client.get("/cabinet/").content.decode()
    assert page.index('id="offers"') < page.index('class="cards applications"')  # at the top
    offer = offers_section(page)
    assert html.escape(group.organisation.name_ru) in offer
    assert "Балапан" in offer
    assert "from 2 to 3 years" in offer  # the group's ages
    deadline = timezone.localtime(publication.priority_until).strftime("%d.%m.%Y %H:%M")
    assert deadline in offer
    forms = re.findall(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', offer, re.S)
    assert len(forms) == 1  # one button
    action, body = forms[0]
    assert action == f"/places/groups/{group.pk}/direction/"
    assert 'method="post"' in offer
    assert "csrfmiddlewaretoken" in body
    assert f'name="application" value="{first.pk}"' in body
    assert f"Take the place for application No. {first.pk}" in body

    # Another family (second in line) sees no offer.
    assert 'id="offers"' not in parent(second).get("/cabinet/").content.decode()

    # The button takes the place: the direction exists, and the offer is gone.
    response = client.post(action, {"application": first.pk})
    direction = Direction.objects.get(application=first)
    assert response.status_code == 302
    assert response["Location"] == f"/places/directions/{direction.pk}/"
    assert direction.group_id == group.pk
    assert 'id="offers"' not in client.get("/cabinet/").content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_an_ended_window_is_no_offer_even_before_the_sweep(group: Group) -> None:
    first, _second, publication = published(group)
    assert [o.application.pk for o in selectors.offers_of(applicant=first.applicant)] == [first.pk]
    with time_machine.travel(publication.priority_until, tick=False):  # `tick` has not run
        assert selectors.offers_of(applicant=first.applicant) == []
        assert 'id="offers"' not in parent(first).get("/cabinet/").content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_a_holding_whose_places_are_gone_is_no_offer(group: Group) -> None:
    first, _second, _publication = published(group)
    group.is_active = False  # closed since (its open places withdrawn): nothing left to take
    group.save(update_fields=["is_active"])
    assert selectors.offers_of(applicant=first.applicant) == []


@time_machine.travel(MONDAY, tick=False)
def test_the_sms_of_an_offer_links_to_the_cabinet(group: Group, settings: Settings) -> None:
    settings.SITE_URL = "https://kezek.example.kz/"
    first, _second, publication = published(group)
    message = outbox_latest(recipient=first.applicant.phone, template="places_offered")
    assert message is not None
    assert "https://kezek.example.kz/cabinet/" in message.body
    assert timezone.localtime(publication.priority_until).strftime("%d.%m.%Y %H:%M") in message.body


@time_machine.travel(MONDAY, tick=False)
def test_a_kazakh_sms_names_the_organisation_and_locality_in_kazakh(group: Group) -> None:
    locality = group.organisation.locality
    first = register(locality=locality, child=toddler(1), notify_language="kk")
    second = register(locality=locality, child=toddler(2), notify_language="ru")
    registered = outbox_latest(recipient=first.applicant.phone, template="application_registered")
    assert registered is not None
    assert "Өскемен" in registered.body
    assert "Усть-Каменогорск" not in registered.body
    group.capacity = 2
    group.save(update_fields=["capacity"])
    services.places_publish(group=group)  # written while the active language is Russian
    kazakh = outbox_latest(recipient=first.applicant.phone, template="places_offered")
    russian = outbox_latest(recipient=second.applicant.phone, template="places_offered")
    assert kazakh is not None
    assert russian is not None
    assert "«Ақбота» балабақшасы" in kazakh.body
    assert "Детский сад" not in kazakh.body
    assert "Детский сад «Ақбота»" in russian.body


@time_machine.travel(MONDAY, tick=False)
def test_the_cabinet_api_lists_my_offers_only_until_the_window_ends(group: Group) -> None:
    first, second, publication = published(group)
    client = parent(first)
    response = client.get("/api/v1/cabinet/offers")
    assert response.status_code == 200
    (offer,) = response.json()
    assert dt.datetime.fromisoformat(offer.pop("deadline")) == publication.priority_until
    assert offer == {
        "application": first.pk,
        "organisation": {"id": group.organisation_id, "name": group.organisation.name_ru},
        "group": {"id": group.pk, "name": "Балапан", "age_from": 2, "age_to": 3, "language": "ru"},
    }
    assert parent(second).get("/api/v1/cabinet/offers").json() == []  # another family's is not theirs
    assert Client().get("/api/v1/cabinet/offers").status_code == 401
    with time_machine.travel(publication.priority_until, tick=False):  # ended, `tick` has not run
        assert client.get("/api/v1/cabinet/offers").json() == []
