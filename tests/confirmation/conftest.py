"""Shared setup of the yearly confirmation tests: a locality with kindergartens and an operator."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from kezek.confirmation.services import Answers
from kezek.facilities.models import Locality, Organisation
from kezek.registry.models import RegistryPerson
from kezek.waitlist.models import Application
from tests.factories import LocalityFactory, OrganisationFactory, RegistryPersonFactory, register_application

ALMATY = dt.timezone(dt.timedelta(hours=5))
# Campaign of 2026: children born in 2024 or before (2 full years by 31 December) must confirm.
LAUNCH = dt.datetime(2026, 10, 1, 9, 0, tzinfo=ALMATY)


@pytest.fixture
def locality() -> Locality:
    return LocalityFactory.create()


@pytest.fixture
def kindergartens(locality: Locality) -> list[Organisation]:
    return OrganisationFactory.create_batch(3, locality=locality)


@pytest.fixture
def operator() -> User:
    return User.objects.create(username="operator-confirmation", is_staff=True)


def child_application(
    locality: Locality, *, born: dt.date, tier: str = "general", sibling_of: Application | None = None
) -> Application:
    """An application for a new child born on `born`; with `sibling_of`, by that application's applicant."""
    child = RegistryPersonFactory.create(birth_date=born)
    parent = RegistryPerson.objects.get(iin=sibling_of.applicant.iin) if sibling_of else None
    phones = (sibling_of.applicant.phone, sibling_of.applicant.phone_alt) if sibling_of else None
    return register_application(locality=locality, child=child, tier=tier, applicant=parent, phones=phones)


def answers_for(kindergartens: list[Organisation]) -> Answers:
    return Answers(
        kindergartens=tuple(k.pk for k in kindergartens[:2]),
        ownership="state",
        ownership_reason="cost",
        language="kk",
        max_payment=25_000,
        activities=("chess", "football"),
        activity_other="домбыра",
        digital=("attendance", "ios_app"),
    )
