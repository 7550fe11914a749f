"""Schemathesis against our own OpenAPI document: every answer of the API is declared in the schema (status
code, content type, body shape) and no generated input, however odd, gets a 5xx — anonymous, with a signed-in
parent's session and with a staff session, over a locality that has organisations, groups, publications and
directions.

`pytest -s` prints a summary line: operations × session kinds, cases generated, failures."""

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pytest
import schemathesis
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core import signals
from django.db import close_old_connections, transaction
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from kezek.cabinet.sessions import sign_in
from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import services as placement
from kezek.placement.models import Direction, Publication
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant, Application
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    medical_indication,
    register_application,
    staff_login,
    staff_user,
)

# Cross-field rules (age_from < age_to, …) are checked by the handlers with a 422, so "schema-valid
# input must be accepted" is not one of our checks; everything about the answers is.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("KEZEK_SCHEMATHESIS_EXAMPLES", "25"))
SESSION_KINDS = ["anonymous", "parent", "staff"]
# Toddlers born in 2024 fit groups of 2–3 years then.
MONDAY = dt.datetime(2026, 12, 14, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
# Over the whole run, for the summary line.
OPERATIONS: set[str] = set()
CASES: Counter[str] = Counter()
FAILURES: Counter[str] = Counter()


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly, not through Django's test client, so Django's
    request_started/finished handlers would close the test's database connection (PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@dataclass
class World:
    parent: Application  # its applicant is the signed-in parent
    staff: User  # a department operator of the locality


def _queued(locality: Locality, n: int) -> Application:
    child = RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=n))
    return register_application(locality=locality, child=child)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Two organisations with a Kazakh and a Russian group each, their places published, two directions
    taken (one by the signed-in parent), a pending medical indication.

    Built once for the module in a transaction rolled back at its end; each test runs in a savepoint
    inside it (pytest-django's), so what a test's cases change is undone before the next."""
    with django_db_blocker.unblock(), transaction.atomic(), time_machine.travel(MONDAY, tick=False):
        locality = LocalityFactory.create(code="oskemen")
        groups = [
            GroupFactory.create(organisation=organisation, language=language, capacity=2)
            for organisation in OrganisationFactory.create_batch(2, locality=locality)
            for language in ("kk", "ru")
        ]
        queued = [_queued(locality, n) for n in range(6)]
        for group in groups:
            placement.places_publish(group=group)
        # The first two in the queue hold every publication's priority (two places a group).
        for application, group in zip(queued[:2], groups, strict=False):
            placement.direction_take(application=application, group=group, applicant=application.applicant)
        medical_indication(queued[4], confirm=None)
        yield World(parent=queued[0], staff=staff_user(role=Role.OPERATOR, locality=locality))
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def on_monday() -> Iterator[None]:
    """The cases run on the world's day (its directions and priority windows are live)."""
    with time_machine.travel(MONDAY, tick=True):
        yield


def _with_csrf(session_key: str) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a browser holding this session: the session cookie, the CSRF cookie and its
    token in X-CSRFToken (the cabinet's and the staff API's session auth check it)."""
    request = RequestFactory().get("/")
    token = get_token(request)
    return {"sessionid": session_key, "csrftoken": request.META["CSRF_COOKIE"]}, {"X-CSRFToken": token}


def _session(kind: str, world: World) -> tuple[dict[str, str], dict[str, str]]:
    """A fresh session for each case: a case may sign out, or change what the session's fingerprint holds."""
    if kind == "parent":
        request = RequestFactory().get("/")
        request.session = import_module(django_settings.SESSION_ENGINE).SessionStore()
        sign_in(request, Applicant.objects.get(pk=world.parent.applicant_id))
        request.session.save()
        return _with_csrf(request.session.session_key or "")
    if kind == "staff":
        return _with_csrf(staff_login(Client(), world.staff).cookies["sessionid"].value)
    return {}, {}


def test_the_world_has_what_the_cases_need(world: World) -> None:
    """The sessions are signed in and see the seeded data (else the cases would only meet 401s and 404s)."""
    assert Organisation.objects.count() == 2
    assert Group.objects.count() == 4
    assert Publication.objects.count() == 4
    assert Direction.objects.count() == 2
    cookies, headers = _session("parent", world)
    parent = Client(headers=headers)
    parent.cookies.load(cookies)
    (direction,) = parent.get("/api/v1/cabinet/directions").json()
    extended = parent.post(f"/api/v1/cabinet/directions/{direction['number']}/extend")
    assert extended.json().get("code") != "csrf"  # the token is accepted (extending may still be refused)
    cookies, headers = _session("staff", world)
    staff = Client(headers=headers)
    staff.cookies.load(cookies)
    assert staff.get("/staff/").status_code == 200


def test_an_unreadable_multipart_body_is_the_declared_422(world: World) -> None:
    """A multipart request without a boundary failed in the session's CSRF check with an undeclared 400."""
    cookies, headers = _session("parent", world)
    parent = Client(headers=headers)
    parent.cookies.load(cookies)
    response = parent.generic(
        "POST", "/api/v1/cabinet/medical-indications", b"--x--", content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.fixture(params=SESSION_KINDS)
def session_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    yield
    kinds = ", ".join(f"{kind}: {CASES[kind]} cases, {FAILURES[kind]} failures" for kind in SESSION_KINDS)
    print(
        f"\nschemathesis: {len(OPERATIONS)} operations × {len(SESSION_KINDS)} session kinds "
        f"({len(OPERATIONS) * len(SESSION_KINDS)} runs, {EXAMPLES} examples at most each); {kinds}"
    )


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case, session_kind: str, world: World) -> None:
    OPERATIONS.add(case.operation.label)
    CASES[session_kind] += 1
    cookies, headers = _session(session_kind, world)
    try:
        case.call_and_validate(checks=CHECKS, headers=headers, cookies=cookies)
    except Exception:
        FAILURES[session_kind] += 1
        raise
