"""Age ranges read as proper phrases: "до 1 года", "от 1 до 3 лет" — never "от 0 до 1 лет"."""

import pytest
from django.test import Client
from django.utils import translation

from kezek.facilities.labels import age_range_label
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory


@pytest.mark.parametrize(
    ("language", "age_from", "age_to", "label"),
    [
        ("en", 0, 1, "under 1 year"),
        ("en", 1, 3, "from 1 to 3 years"),
        ("ru", 0, 1, "до 1 года"),
        ("ru", 0, 2, "до 2 лет"),
        ("ru", 1, 2, "от 1 до 2 лет"),
        ("ru", 3, 5, "от 3 до 5 лет"),
        ("kk", 0, 1, "1 жасқа дейін"),
        ("kk", 1, 3, "1 жастан 3 жасқа дейін"),
    ],
)
def test_age_range_label(language: str, age_from: int, age_to: int, label: str) -> None:
    with translation.override(language):
        assert age_range_label(age_from, age_to) == label


@pytest.mark.django_db
def test_the_passport_of_a_nursery_group_in_russian(client: Client) -> None:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    GroupFactory.create(organisation=organisation, age_from=0, age_to=1, name="Ясельная")
    page = client.get(f"/organisations/{organisation.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "от 0 до 1 лет" not in page
    assert "до 1 года" in page
