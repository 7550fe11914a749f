"""A queued application whose year of validity has passed shows what the parent must do, not a stale
"valid until" date (C1–C3): confirm by the end of the locality's running campaign, with its link, or a
note that the next yearly confirmation will ask — in the cabinet and on the public check, read from the
clock (whether or not `tick` has notified anyone)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from kezek.confirmation import services as confirmation
from kezek.waitlist.models import Application
from tests.confirmation.conftest import ALMATY, LAUNCH, child_application
from tests.factories import LocalityFactory
from tests.placement.test_web_directions import parent

pytestmark = pytest.mark.django_db

REGISTERED = dt.datetime(2025, 3, 2, 10, 0, tzinfo=ALMATY)  # valid until 02.03.2026


@pytest.fixture
def lapsed() -> Application:
    with time_machine.travel(REGISTERED, tick=False):
        application = child_application(LocalityFactory.create(), born=dt.date(2023, 5, 1))
    assert application.valid_until == dt.date(2026, 3, 2)
    return application


def cabinet(application: Application) -> str:
    return parent(application).get("/cabinet/").content.decode()


def checked(application: Application) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/queue/check/", {"iin": application.child.iin})
    assert response.status_code == 200
    return response.content.decode()


def test_a_lapsed_application_without_a_campaign_says_the_next_confirmation_asks(
    lapsed: Application,
) -> None:
    with time_machine.travel(LAUNCH, tick=False):
        for page in (cabinet(lapsed), checked(lapsed)):
            assert "The year of validity is over; the application stays in the queue." in page
            assert "02.03.2026" not in page


def test_a_lapsed_application_during_a_campaign_says_confirm_by_its_end(lapsed: Application) -> None:
    operator = User.objects.create(username="operator-validity", is_staff=True)
    with time_machine.travel(LAUNCH, tick=False):
        campaign = confirmation.campaign_launch(locality=lapsed.locality, by_staff=operator)
        # Not notified yet (`tick` is late): the page reads the campaign from the clock.
        for page in (cabinet(lapsed), checked(lapsed)):
            assert f"Confirm by {campaign.ends_at.astimezone(ALMATY):%d.%m.%Y %H:%M}" in page
            assert f'href="/cabinet/questionnaire/{campaign.pk}/"' in page
            assert "02.03.2026" not in page


def test_a_valid_application_shows_its_date(lapsed: Application) -> None:
    with time_machine.travel(REGISTERED + dt.timedelta(days=30), tick=False):
        page = cabinet(lapsed)
    assert "02.03.2026" in page
    assert "The year of validity is over" not in page
