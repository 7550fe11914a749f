"""While the database cannot be reached every request answers 503 with Retry-After: the API's error shape
under /api/, a page elsewhere, also when the failure is the session's load or save (in middleware, not
in a view). The connection is really broken: on SQLite every statement is interrupted, on PostgreSQL
the connection is closed and may only reconnect to a port nobody listens on."""

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.test import Client, RequestFactory

from kezek.cabinet import sessions
from kezek.core.views import server_error
from tests.factories import register_application

pytestmark = pytest.mark.django_db(transaction=True)  # the connection breaks: no test transaction around


@contextmanager
def broken_database() -> Iterator[None]:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.set_progress_handler(lambda: 1, 1)  # sqlite3.OperationalError: interrupted, for every statement
        yield
        raw.set_progress_handler(None, 1)
    else:
        port = connection.settings_dict["PORT"]
        connection.close()
        connection.settings_dict["PORT"] = "1"  # connection refused
        yield
        connection.settings_dict["PORT"] = port


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
        "detail": "The service is briefly unavailable. Please try again in a few seconds.",
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


@pytest.mark.urls("tests.core.outage_urls")
def test_a_session_that_cannot_be_saved_after_the_view_answers_503(database_down: None) -> None:
    assert_unavailable(down_client().get("/test/remember/"))


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
