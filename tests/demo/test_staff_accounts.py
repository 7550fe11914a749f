"""Demo back-office accounts: one per role in the demo region, removed by a reset, none in production."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import Settings

from kezek.demo.services import demo_load
from kezek.demo.staff import DEMO_PASSWORD, demo_staff_load
from kezek.staff.models import StaffProfile

pytestmark = pytest.mark.django_db


@pytest.mark.database_owner  # the reset empties the ledger
def test_demo_accounts_cover_every_role_and_sign_in_with_the_demo_password() -> None:
    result = demo_load(scale="small", seed=7, applications=0)
    roles = dict(StaffProfile.objects.values_list("user__username", "role"))
    assert roles == {
        "demo-admin": "administrator",
        "demo-operator": "operator",
        "demo-head": "department_head",
        "demo-kindergarten": "kindergarten_head",
        "demo-nurse": "nurse",
        "demo-auditor": "auditor",
    }
    assert "demo-operator" in result.summary()
    response = Client().post("/staff/login/", {"username": "demo-operator", "password": DEMO_PASSWORD})
    assert response.status_code == 302  # on to the authenticator enrolment
    demo_load(scale="small", seed=7, applications=0, reset=True)
    assert StaffProfile.objects.count() == 6
    assert User.objects.filter(username__startswith="demo-").count() == 6


def test_no_demo_accounts_in_production(settings: Settings) -> None:
    settings.IS_PRODUCTION = True
    assert demo_staff_load() == []
