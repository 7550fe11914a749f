"""Shared setup of the yearly confirmation tests: a locality with kindergartens and an operator."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from kezek.confirmation.services import Answers
from kezek.facilities.models import Locality, Organisation
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


def child_application(locality: Locality, *, born: dt.date, tier: str = "general") -> Application:
    child = RegistryPersonFactory.create(birth_date=born)
    return register_application(locality=locality, child=child, tier=tier)


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
