"""Signed-in sessions end (kezek.core.middleware.SessionTimeoutMiddleware): staff after 30 minutes without a
request or 12 hours after signing in, parents after 2 hours without a request. Pages then ask to sign in
again, the API answers 401."""

import datetime as dt
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from pytest_django import Settings

from config.settings import sessions as limits
from kezek.cabinet import sessions
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant
from tests.factories import register_application, staff_login, staff_user

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
STAFF_PAGE = "/staff/"
STAFF_API = "/api/v1/staff/directions/999999/enroll"
CABINET_PAGE = "/cabinet/"
CABINET_API = "/api/v1/cabinet/applications"


@pytest.fixture(autouse=True)
def real_limits(settings: Settings) -> None:
    """The configured limits (tests/conftest.py lifts them for every other test)."""
    settings.STAFF_SESSION_IDLE_SECONDS = limits.STAFF_SESSION_IDLE_SECONDS
    settings.STAFF_SESSION_ABSOLUTE_SECONDS = limits.STAFF_SESSION_ABSOLUTE_SECONDS
    settings.CABINET_SESSION_IDLE_SECONDS = limits.CABINET_SESSION_IDLE_SECONDS


def test_the_default_limits() -> None:
    assert (limits.STAFF_SESSION_IDLE_SECONDS, limits.STAFF_SESSION_ABSOLUTE_SECONDS) == (30 * 60, 12 * 3600)
    assert limits.CABINET_SESSION_IDLE_SECONDS == 2 * 3600


def staff() -> Client:
    return staff_login(Client(), staff_user(role=Role.OPERATOR))


def parent(applicant: Applicant) -> Client:
    """A client with a cabinet session as `kezek.cabinet.sessions.sign_in` leaves it."""
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    sessions.sign_in(request, applicant)
    request.session.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key or ""
    return client


def staff_api(client: Client) -> int:
    """The status of a staff API call: 401 signed out, 403 for a department operator signed in."""
    return client.post(STAFF_API, {"enrolled_on": "2026-03-02"}, content_type="application/json").status_code


def staff_signed_in(client: Client) -> bool:
    page = client.get(STAFF_PAGE)
    if page.status_code == 302:
        assert page["Location"] == "/staff/login/?next=%2Fstaff%2F"
        return False
    assert page.status_code == 200
    return True


def test_a_staff_session_ends_after_30_idle_minutes() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        page, api = staff(), staff()
        assert staff_signed_in(page)
        assert staff_api(api) == 403  # signed in: a kindergarten's endpoint
        traveller.shift(dt.timedelta(minutes=29))
        assert staff_signed_in(page)
        assert staff_api(api) == 403
        traveller.shift(dt.timedelta(minutes=31))
        assert not staff_signed_in(page)
        assert staff_api(api) == 401
        assert not staff_signed_in(api)  # the session is gone, not just refused once


def test_a_staff_session_ends_12_hours_after_sign_in_even_when_active() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = staff()
        for _ in range(28):  # a request every 25 minutes for 11 h 40 min
            assert staff_signed_in(client)
            traveller.shift(dt.timedelta(minutes=25))
        assert staff_signed_in(client)  # 11:40 after signing in
        traveller.shift(dt.timedelta(minutes=21))
        assert not staff_signed_in(client)  # 12:01, 21 minutes after the last request


def test_a_parent_session_ends_after_2_idle_hours() -> None:
    applicant = register_application().applicant
    with time_machine.travel(START, tick=False) as traveller:
        page, api = parent(applicant), parent(applicant)
        assert page.get(CABINET_PAGE).status_code == 200
        assert api.get(CABINET_API).status_code == 200
        traveller.shift(dt.timedelta(minutes=119))
        assert page.get(CABINET_PAGE).status_code == 200
        assert api.get(CABINET_API).status_code == 200
        traveller.shift(dt.timedelta(minutes=121))
        again = page.get(CABINET_PAGE, follow=True)
        assert again.redirect_chain == [("/cabinet/login/?next=%2Fcabinet%2F", 302)]
        assert "долго не проявляли активности" in again.content.decode()  # the default language: ru
        assert api.get(CABINET_API).status_code == 401


def test_an_active_parent_session_is_kept() -> None:
    applicant = register_application().applicant
    with time_machine.travel(START, tick=False) as traveller:
        client = parent(applicant)
        for _ in range(6):  # 10 hours, a request every 100 minutes
            assert client.get(CABINET_PAGE).status_code == 200
            traveller.shift(dt.timedelta(minutes=100))
        assert client.get(CABINET_API).status_code == 200


def test_signing_in_again_restarts_the_staff_clock() -> None:
    """A new sign-in (the session key changes) starts the 12 hours afresh."""
    with time_machine.travel(START, tick=False) as traveller:
        client = staff()
        assert staff_signed_in(client)
        traveller.shift(dt.timedelta(hours=11, minutes=50))
        staff_login(client, staff_user(role=Role.OPERATOR))
        assert staff_signed_in(client)
        traveller.shift(dt.timedelta(minutes=20))
        assert staff_signed_in(client)
