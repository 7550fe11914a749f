"""Shared by the back-office tests: signed-in clients per role, English pages, a locality with a kindergarten
and its group, a registered toddler, and the form data of an organisation's passport, a new group and the
locality settings. Nothing here is autouse: a module asks for what it needs."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from pytest_django import Settings

from kezek.facilities.models import Group, Locality
from kezek.registry.models import RegistryPerson
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    staff_login,
    staff_user,
)

SETTINGS = {
    "priority_ratio": "4",
    "distribution_policy": "window",
    "priority_days": "2",
    "priority_hour": "9",
    "age_reference": "september_1",
    "direction_working_days": "5",
    "direction_max_days": "30",
}  # a valid POST of the locality settings page
NEW_GROUP = {
    "name": "Балапан",
    "language": "ru",
    "kind": "general",
    "stay_mode": "full_day",
    "age_from": "3",
    "age_to": "4",
    "capacity": "20",
    "academic_year": "2026",
}  # a valid POST of the new group page (3–4 years, 20 places)


def staff_client(role: str, **place: Any) -> Client:
    """A client signed in (password and second factor) as a new staff user of `role`; `place` is its scope
    (`locality=`, `organisation=`, `region=`; none for an administrator) and any other user field."""
    return staff_login(Client(), staff_user(role=role, **place))


def kindergarten_group(locality: Locality | None = None, **fields: Any) -> Group:
    """A group (`fields`) of a new kindergarten in `locality` (a new one by default)."""
    organisation = OrganisationFactory.create(locality=locality or LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, **fields)


def toddler(n: int) -> RegistryPerson:
    """A child of the register born `n` days after 1 February 2024."""
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=n))


def passport(**extra: str) -> dict[str, str]:
    """A valid POST of an organisation's passport with one base fee (plus `extra`)."""
    return {
        "name_kk": "Күншуақ",
        "name_ru": "Куншуак",
        "kind": "kindergarten",
        "ownership": "state",
        "address": "ул. Абая, 5",
        "phone": "+7 7232 00 11 22",
        "website": "",
        "email": "",
        "work_week": "five_day",
        "opens_at": "07:30",
        "closes_at": "18:30",
        "duty_group": "",
        "extra_equipment": "",
        "fees-TOTAL_FORMS": "6",
        "fees-INITIAL_FORMS": "0",
        "fees-0-age_from": "1",
        "fees-0-age_to": "3",
        "fees-0-monthly_fee": "20000",
        **extra,
    }


@pytest.fixture
def english(settings: Settings) -> Iterator[None]:
    """Pages and the test's own lazy strings in English (the msgids)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def locality() -> Locality:
    return LocalityFactory.create()
