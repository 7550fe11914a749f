"""While the database cannot be reached every request answers 503 with Retry-After: the API's error shape
under /api/, a page elsewhere, also when the failure is the session's load or save (in middleware, not
in a view). The connection is really broken (tests/core/outage.py)."""

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

import pytest
from django.conf import settings
from django.http import HttpRequest
from django.test import Client, RequestFactory

from kezek.cabinet import sessions
from kezek.core.views import server_error
from tests.core.outage import break_database, repair_database
from tests.factories import register_application

pytestmark = pytest.mark.django_db(transaction=True)  # the connection breaks: no test transaction around


@contextmanager
def broken_database() -> Iterator[None]:
    break_database()
    try:
        yield
    finally:
        repair_database()


@pytest.fixture
def database_down() -> Iterator[None]:
    with broken_database():
        yield


def down_client() -> Client:
    return Client(raise_request_exception=False)


def assert_unavailable(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)  # type: ignore[index]


def signed_in_parent() -> Client:
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    sessions.sign_in(request, register_application().applicant)
    request.session.save()
    client = down_client()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key or ""
    return client


def test_an_api_request_answers_503_in_the_api_error_shape(database_down: None) -> None:
    response = down_client().get("/api/v1/localities")
    assert_unavailable(response)
    assert response.json() == {
        "code": "unavailable",
        "detail": "Сервис временно недоступен. Повторите попытку через несколько секунд.",  # default: ru
    }


def test_a_page_answers_a_503_page(database_down: None) -> None:
    response = down_client().get("/organisations/", HTTP_ACCEPT_LANGUAGE="en")
    assert_unavailable(response)
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Briefly unavailable</h1>" in response.content.decode()


def test_a_session_that_cannot_be_loaded_answers_503() -> None:
    client = signed_in_parent()
    assert client.get("/cabinet/").status_code == 200
    with broken_database():
        assert_unavailable(client.get("/cabinet/"))
        assert_unavailable(client.get("/api/v1/cabinet/applications"))


@pytest.mark.urls("tests.core.outage")
def test_a_new_session_that_cannot_be_saved_after_the_view_answers_503() -> None:
    try:
        assert_unavailable(down_client().get("/test/remember/"))
    finally:
        repair_database()


@pytest.mark.urls("tests.core.outage")
def test_an_existing_session_that_cannot_be_updated_after_the_view_answers_503() -> None:
    """Django's session store reports a failed UPDATE as SessionInterrupted (a 400)."""
    client = signed_in_parent()
    try:
        assert_unavailable(client.get("/test/remember/"))
        assert_unavailable(client.get("/api/v1/localities"))
    finally:
        repair_database()


def test_healthz_answers_503(database_down: None) -> None:
    response = down_client().get("/healthz")
    assert_unavailable(response)
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_other_server_errors_stay_500() -> None:
    """Only an unreachable database is a 503: any other failure is still the server's error."""
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        assert server_error(RequestFactory().get("/api/v1/localities")).status_code == 500
