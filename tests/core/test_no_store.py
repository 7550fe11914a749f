"""`Cache-Control: no-store` on every private response (kezek.core.middleware.NoStoreMiddleware): each
route of the cabinet, the back-office, the parent's directions and the cabinet and staff API, whatever
the answer (200, a redirect to sign in, 401, 403, 404, 405, 422) and whoever asks; public pages are
left alone."""

import re
from collections import Counter
from collections.abc import Iterator
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pytest_django import Settings

from config.api import api
from kezek.cabinet import sessions
from kezek.staff.models import Role
from tests.factories import register_application, staff_login, staff_user
from tests.factories.staff import STAFF_PASSWORD

pytestmark = pytest.mark.django_db
PRIVATE_NAMESPACES = {"cabinet", "staff", "confirmation"}
# The parent's own pages under /places/ (applicant_required); search, kindergarten and group are public.
PERSONAL_NAMES = ("take", "directions", "direction", "extend", "decline", "pdf")
PLACEMENT_PERSONAL = {("placement", name) for name in PERSONAL_NAMES}
PARAMETER = re.compile(r"<[^>]+>|\{[^}]+\}")


def _routes(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str | None) -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route, pattern.namespace or namespace)
        elif namespace in PRIVATE_NAMESPACES or (namespace, pattern.name) in PLACEMENT_PERSONAL:
            yield route


def private_requests() -> list[tuple[str, str]]:
    """(method, URL) of every private route, its parameters filled with 1."""
    routes = _routes(get_resolver().url_patterns, "", None)
    pages = [("GET", "/" + PARAMETER.sub("1", route)) for route in routes]
    endpoints = [
        (method, "/api/v1" + PARAMETER.sub("1", path))
        for _prefix, router in api._routers
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        if operation.auth_callbacks or path.startswith(("/cabinet/", "/staff/"))
        for method in operation.methods
    ]
    return pages + endpoints


def parent_client() -> Client:
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    sessions.sign_in(request, register_application().applicant)
    request.session.save()
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key or ""
    return client


def no_store(response: object) -> bool:
    return "no-store" in response.get("Cache-Control", "")  # type: ignore[attr-defined]


def test_every_private_route_answers_no_store_to_everyone() -> None:
    clients = {
        "anonymous": Client(raise_request_exception=False),
        "parent": parent_client(),
        "staff": staff_login(Client(raise_request_exception=False), staff_user(role=Role.ADMINISTRATOR)),
    }
    requests = private_requests()
    assert len(requests) > 60  # the enumeration found the routes
    statuses: Counter[int] = Counter()
    for who, client in clients.items():
        for method, url in requests:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.generic(method, url, "{}", content_type="application/json")
            statuses[response.status_code] += 1
            assert no_store(response), (who, method, url, response.status_code)
    assert {200, 302, 401, 404, 405, 422} <= set(statuses), statuses


@pytest.mark.parametrize(
    "url",
    ["/cabinet/no-such-page/", "/staff/no-such-page/", "/api/v1/cabinet/no-such", "/admin/", "/admin/login/"],
)
def test_private_error_and_admin_responses_answer_no_store(url: str) -> None:
    assert no_store(Client().get(url))


def test_the_totp_enrolment_page_answers_no_store() -> None:
    user: User = staff_user(role=Role.OPERATOR)
    user.totpdevice_set.all().delete()  # type: ignore[attr-defined]  # first sign-in: not enrolled yet
    client = Client()
    signed = client.post("/staff/login/", {"username": user.username, "password": STAFF_PASSWORD})
    assert signed.status_code == 302
    page = client.get("/staff/login/code/")
    assert page.status_code == 200
    assert page.context["enrol_secret"]
    assert no_store(page)


def test_public_responses_stay_cacheable_and_the_free_places_only_for_a_signed_in_parent() -> None:
    anonymous = Client()
    for url in ["/", "/places/", "/api/v1/localities", "/healthz", "/no-such-page/"]:
        assert not no_store(anonymous.get(url)), url
    assert no_store(parent_client().get("/places/"))  # it offers the parent's own applications


def test_the_middleware_is_the_one_place_that_says_no_store(settings: Settings) -> None:
    """No private page or download repeats the middleware's header (`never_cache`, a hand-set
    Cache-Control): without NoStoreMiddleware none of them says no-store."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith(".NoStoreMiddleware")]
    staff = staff_login(Client(raise_request_exception=False), staff_user(role=Role.ADMINISTRATOR))
    urls = [url for method, url in private_requests() if method == "GET"]
    for client in (Client(raise_request_exception=False), staff):
        for url in [*urls, "/staff/reports/queue.csv", "/staff/reports/queue.xlsx"]:
            assert not no_store(client.get(url)), url
