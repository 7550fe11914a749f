"""Django's own error responses: under /api/ in the API's error shape and the request's language, elsewhere
the portal's HTML pages."""

import pytest
from django.test import Client, RequestFactory
from pytest_django import Settings

from kezek.core.views import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_answers_json_in_the_callers_language() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Не найдено."}
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_an_unreadable_api_request_answers_json(settings: Settings) -> None:
    disallowed = Client(HTTP_HOST="evil.example").get("/api/v1/organisations")
    assert disallowed.status_code == 400
    assert disallowed.json()["code"] == "bad_request"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    too_big = Client().post(
        "/api/v1/feedback", data='{"text": "' + "x" * 500 + '"}', content_type="application/json"
    )
    assert too_big.status_code == 400
    assert too_big.json()["code"] == "bad_request"
    page = Client(HTTP_HOST="evil.example").get("/")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")


def test_an_api_server_error_answers_json() -> None:
    response = server_error(RequestFactory().get("/api/v1/organisations"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"code": "server_error"')
