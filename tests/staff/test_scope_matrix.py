"""The scope/role matrix of the back-office (#6): EVERY URL of the "staff" namespace and EVERY staff API
endpoint, enumerated from the URL resolver and the OpenAPI schema (never hand-listed, so a new page is in
the matrix the day it lands).

For each: anonymous → the sign-in page (pages) or 401 (API); a password without a verified second factor →
the same; a user of another locality/organisation with the same role → 404 for a URL naming an object (GET
and POST); a role the page is not for (a kindergarten role on a department page and vice versa) → 403; an
auditor's POST → 403. The roles a page is for are read from its `staff_required(...)` decorator, and must
never mix the department's and the kindergarten's roles.

A URL's kwargs are filled from OBJECTS (below): a URL whose kwargs cannot be filled FAILS the test — nobody
can add a staff page without saying which scoped object it names. A positive control (the same role in the
right scope gets 200) proves each kwarg really names the object it is filled with.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pytest_django import Settings

from config.api import api
from kezek.attendance import services as attendance
from kezek.cabinet.models import AccessRequest
from kezek.confirmation import services as confirmation
from kezek.confirmation.models import Campaign
from kezek.facilities.models import Group, Locality, Organisation
from kezek.feedback.models import Feedback, Kind
from kezek.placement import services as placement
from kezek.placement.models import Direction, Enrollment, MedicalIndication
from kezek.records import services as records
from kezek.records.models import ChildDocument, ChildFile
from kezek.staff.auth import staff_required
from kezek.staff.models import DEPARTMENT_ROLES, KINDERGARTEN_ROLES, ORGANISATION_ROLES, Role, StaffProfile
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application, BenefitClaim
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    basis,
    basis_form_data,
    medical_indication,
    register_application,
    staff_login,
    staff_user,
)
from tests.factories.documents import pdf_bytes
from tests.staff.conftest import toddler

from ..cabinet.test_access import ask, other_parent

pytestmark = pytest.mark.django_db

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY)
PDF = pdf_bytes("written request")

SIGN_IN = {"login", "otp", "logout"}  # exempt by name: they are how one gets in
ALL_ROLES: tuple[str, ...] = tuple(role.value for role in Role)
DEPARTMENT_SIDE: set[str] = {*DEPARTMENT_ROLES, Role.AUDITOR, Role.ADMINISTRATOR}
KINDERGARTEN_SIDE: set[str] = {*ORGANISATION_ROLES, Role.ADMINISTRATOR}  # teachers and nurses too (#18)
# The timesheet's pages are the kindergarten's, its teachers' too (E10).
TIMESHEET_SIDE: set[str] = {*KINDERGARTEN_ROLES, Role.ADMINISTRATOR, Role.TEACHER}
# POSTs that only read: the search by IIN is a POST so that the IIN never appears in a URL.
READING_POSTS = {"applications"}


# --- the objects a URL can name ------------------------------------------------------------------------


@dataclass
class World:
    """Everything a staff URL can name, in locality A / organisation A."""

    locality: Locality
    organisation: Organisation
    group: Group
    claim: BenefitClaim  # an extraordinary claim waiting for the department (its direction waits too)
    application: Application  # the claim's application
    withdrawn: Application  # withdrawn by staff on the parent's written request (with its scan)
    queued: Application  # queued, no direction; a medical indication pending
    direction: Direction  # awaiting enrolment in `group`
    enrollment: Enrollment  # a child in `group`
    access: AccessRequest
    feedback: Feedback
    indication: MedicalIndication
    campaign: Campaign  # a confirmation campaign of A, closed before MONDAY
    document: ChildDocument  # a (not medical) document of the enrolled child's file (#18)


def scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("request.pdf", PDF, content_type="application/pdf")


def build_world(locality: Locality | None = None) -> World:
    """One of each object, built through the services (as production writes them). Call it under
    `time_machine.travel(MONDAY)`."""
    locality = locality or LocalityFactory.create()
    organisation = OrganisationFactory.create(locality=locality)
    group = GroupFactory.create(organisation=organisation, capacity=4, language="ru")
    officer = User.objects.create(username=f"officer-{locality.pk}")
    with time_machine.travel(MONDAY - dt.timedelta(days=60), tick=False):
        campaign = confirmation.campaign_launch(locality=locality, by_staff=officer)
    with time_machine.travel(MONDAY - dt.timedelta(days=20), tick=False):
        confirmation.campaign_sweep(campaign=campaign)
    extraordinary = register_application(locality=locality, child=toddler(1), tier="extraordinary")
    plain = register_application(locality=locality, child=toddler(2))
    enrolled = register_application(locality=locality, child=toddler(3))
    withdrawn = register_application(locality=locality, child=toddler(4))
    indicated = register_application(locality=locality, child=toddler(5))
    placement.places_publish(group=group)
    waiting = placement.direction_take(
        application=extraordinary, group=group, applicant=extraordinary.applicant
    )
    assert waiting.state == Direction.State.BENEFIT_CONFIRMATION
    direction = placement.direction_take(application=plain, group=group, applicant=plain.applicant)
    first = placement.direction_take(application=enrolled, group=group, applicant=enrolled.applicant)
    enrollment = placement.direction_enroll(direction=first, by_staff=officer, on=MONDAY.date())
    waitlist.application_withdraw(
        application=withdrawn, by_staff=officer, basis=basis("the written request of 14.12"), document=scan()
    )
    ask(Client(), plain, other_parent(plain))
    document = records.child_document_add(
        file=ChildFile.objects.get(enrollment=enrollment),
        by_staff=staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation),
        kind="certificate",
        document=scan(),
        issued_on=MONDAY.date(),
    )
    now = MONDAY
    feedback = Feedback.objects.create(
        kind=Kind.SUGGESTION,
        locality=locality,
        text="The gate is broken.",
        contact_name="Aigerim",
        phone="+77011234567",
        created_at=now,
        updated_at=now,
    )
    return World(
        locality=locality,
        organisation=organisation,
        group=group,
        claim=BenefitClaim.objects.get(application=extraordinary),
        application=extraordinary,
        withdrawn=withdrawn,
        queued=indicated,
        direction=direction,
        enrollment=enrollment,
        access=AccessRequest.objects.get(child=plain.child),
        feedback=feedback,
        indication=medical_indication(indicated, confirm=None),
        campaign=campaign,
        document=document,
    )


# A kwarg name that means one thing wherever it appears → the object it names.
OBJECTS: dict[str, Callable[[World], Any]] = {
    "claim_id": lambda w: w.claim.pk,
    "request_id": lambda w: w.access.pk,
    "feedback_id": lambda w: w.feedback.pk,
    "group_id": lambda w: w.group.pk,
    "enrollment_id": lambda w: w.enrollment.pk,
    "indication_id": lambda w: w.indication.pk,
    "campaign_id": lambda w: w.campaign.pk,
    "file_id": lambda w: w.document.file_id,
    "document_id": lambda w: w.document.pk,
    "transfer_id": lambda w: school_transfer(w),
    "case_id": lambda w: infection_case(w),
    "exchange_id": lambda w: proposed_exchange(w),
}
# Generic kwarg names ("pk", "number") name different models on different URLs: each URL says which.
PER_URL: dict[tuple[str, str], Callable[[World], Any]] = {
    ("application", "number"): lambda w: w.application.pk,
    ("application_stop_list", "number"): lambda w: w.application.pk,
    ("application_restore", "number"): lambda w: w.application.pk,
    ("application_withdraw", "number"): lambda w: w.application.pk,
    ("application_withdrawal_request", "number"): lambda w: w.withdrawn.pk,
    ("kindergarten_enrol", "number"): lambda w: w.direction.pk,
    ("organisation", "pk"): lambda w: w.organisation.pk,
    ("organisation_edit", "pk"): lambda w: w.organisation.pk,
    ("group_create", "pk"): lambda w: w.organisation.pk,
    ("organisation_group", "pk"): lambda w: w.group.pk,
    # The staff API (keyed by the path's first segment after /staff/).
    ("api:directions", "number"): lambda w: w.direction.pk,
    ("api:attendance", "day"): lambda w: "2026-12-14",
    ("api:attendance", "month"): lambda w: "2026-12-01",
    ("funding_statement", "pk"): lambda w: funding_statement(w),
    ("funding_kindergarten_statement", "pk"): lambda w: funding_statement(w),
    ("api:funding", "rate_id"): lambda w: funding_rate(w),
    ("api:funding", "month"): lambda w: "2026-11-01",
    # Development monitoring (E43–E44): the group's first point, with the enrolled child's card saved.
    ("api:monitoring", "period"): lambda w: monitoring_card(w),
    ("api:monitoring-locks", "period"): lambda w: monitoring_card(w),
}
# Kwargs that name no object (nothing to scope): a fixed valid value.
PLAIN: dict[tuple[str, str], str] = {
    ("report_export", "report"): "queue",
    ("report_export", "fmt"): "csv",
    ("campaign_export", "table"): "load",
    ("attendance_day", "on"): "2026-12-14",
    ("attendance_month", "month"): "2026-12",
    ("attendance_group_month", "month"): "2026-12",
    ("funding_register", "month"): "2026-11",
    ("funding_register", "fmt"): "csv",
    ("school_transfer_package", "kind"): "json",
}


def funding_statement(world: World) -> int:
    """A draft statement of the world's kindergarten (E25), made on first use."""
    from kezek.funding.models import Statement

    found, _created = Statement.objects.get_or_create(
        organisation=world.organisation, month=dt.date(2026, 11, 1), defaults={"computed_at": MONDAY}
    )
    return found.pk


def funding_rate(world: World) -> int:
    """A rate of the world's locality (E20), made on first use."""
    from kezek.funding.models import Rate

    found, _created = Rate.objects.get_or_create(
        locality=world.locality, ownership="state", group_kind="general", age_from=0, age_to=8,
        stay_mode="full_day", valid_from=dt.date(2026, 1, 1),
        defaults={"amount": "60000.00", "decision_number": "1", "changed_at": MONDAY},
    )  # fmt: skip
    return found.pk


def school_transfer(world: World) -> int:
    """An issued transfer to school of the enrolled child's file (E62), made on first use (written directly:
    the world's child is not of school age)."""
    from kezek.ledger.hashing import canonical_json
    from kezek.schooltransfer import package
    from kezek.schooltransfer.models import SchoolTransfer

    file = ChildFile.objects.get(enrollment=world.enrollment)
    found = SchoolTransfer.objects.filter(file=file).first()
    if found is None:
        found = SchoolTransfer.objects.create(
            file=file, child=file.child, organisation=world.organisation, school_name="School No. 1",
            consented_at=MONDAY, consented_by=world.application.applicant,
        )  # fmt: skip
        content = package.package_build(transfer=found, issued_at=MONDAY)
        found.package, found.sha256 = canonical_json(content), package.package_sha256(content)
        found.signature = package.package_sign(number=found.pk, sha256=found.sha256)
        found.verification_code, found.receipt_digest = f"v{found.pk}", f"{found.pk:064d}"
        found.issued_at, found.receipt_until, found.state = MONDAY, MONDAY, "issued"
        found.save()
    return found.pk


def infection_case(world: World) -> int:
    """A case of the enrolled child (E51), made on first use (as a row: no timesheet, no contacts)."""
    from kezek.infection.models import Case, Infection

    day = MONDAY.date()
    found, _created = Case.objects.get_or_create(
        enrollment=world.enrollment,
        defaults={
            "organisation": world.organisation, "infection": Infection.objects.get(code="chickenpox"),
            "subject": "child", "child_id": world.enrollment.child_id, "onset_on": day, "isolated_on": day,
            "window_first": day, "window_last": day, "recorded_at": MONDAY,
            "recorded_by": User.objects.get(username=f"officer-{world.locality.pk}"),
        },
    )  # fmt: skip
    return found.pk


def proposed_exchange(world: World) -> int:
    """An exchange proposed to the world's head (E70–E74): the swap of the enrolled child with a child of
    another kindergarten of the locality, made on first use (as tests/staff/test_immutability.py does)."""
    from kezek.exchange.models import Exchange

    from .test_immutability import proposed_exchange as propose

    found = Exchange.objects.filter(round__locality=world.locality).first()
    if found is None:
        with time_machine.travel(MONDAY, tick=False):
            propose(world)
        found = Exchange.objects.get(round__locality=world.locality)
    return found.pk


def monitoring_card(world: World) -> str:
    """The period of the group's point at which the enrolled child's card is saved (E43), made on first
    use (as tests/staff/test_immutability.py does)."""
    from kezek.monitoring.models import Card

    from .test_immutability import PERIOD, card_saved

    if not Card.objects.filter(point__group=world.group, point__period=PERIOD).exists():
        with time_machine.travel(MONDAY, tick=False):
            card_saved(world)
    return PERIOD


class Unfillable(Exception):
    pass


def fill(name: str, kwargs: list[str], world: World) -> tuple[dict[str, Any], bool]:
    """The URL's kwargs from the registry, and whether it names an object."""
    values: dict[str, Any] = {}
    names_object = False
    for kwarg in kwargs:
        if (name, kwarg) in PLAIN:
            values[kwarg] = PLAIN[(name, kwarg)]
            continue
        getter = PER_URL.get((name, kwarg)) or OBJECTS.get(kwarg)
        if getter is None:
            raise Unfillable(
                f"staff URL {name!r}: no object for its kwarg {kwarg!r} — add it to OBJECTS/PER_URL/PLAIN in "
                "tests/staff/test_scope_matrix.py (and so to the scope matrix)"
            )
        values[kwarg] = getter(world)
        names_object = True
    return values, names_object


# --- the URLs --------------------------------------------------------------------------------------------


@dataclass
class StaffUrl:
    name: str
    route: str  # with <kwarg> placeholders
    kwargs: list[str]
    view: Callable[..., Any]

    def path(self, values: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse(f"staff:{self.name}", kwargs=values)


def staff_urls() -> list[StaffUrl]:
    resolver = get_resolver()
    found: list[StaffUrl] = []

    def walk(patterns: list[Any], prefix: str, inside: bool) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                here = inside or entry.namespace == "staff"
                walk(entry.url_patterns, prefix + str(entry.pattern), here)
            elif isinstance(entry, URLPattern) and inside and entry.name:
                route = prefix + str(entry.pattern)
                found.append(StaffUrl(entry.name, route, list(entry.pattern.converters), entry.callback))

    walk(resolver.url_patterns, "/", False)
    assert found, "no URL in the 'staff' namespace"
    return found


def _probe(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


_ROLES_CODE = staff_required()(_probe).__code__


def _cell(function: Callable[..., Any], name: str) -> Any:
    code = function.__code__
    return function.__closure__[code.co_freevars.index(name)].cell_contents  # type: ignore[index]


def declared(view: Callable[..., Any]) -> tuple[set[str] | None, set[str]]:
    """The roles of the view's `staff_required` (None: it has none) and its HTTP methods."""
    roles: set[str] | None = None
    methods = {"GET", "POST"}
    function: Callable[..., Any] | None = view
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is _ROLES_CODE:
            roles = set(_cell(function, "roles")) or set(ALL_ROLES)
        elif code is not None and "request_method_list" in code.co_freevars:
            methods &= set(_cell(function, "request_method_list"))
        function = getattr(function, "__wrapped__", None)
    return roles, methods


def staff_api() -> list[tuple[str, str, str]]:
    """(method, path template, path without the /api/v1 prefix…) of every staff endpoint."""
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, path.split("/")[4])
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/staff/")
        for method in operations
    ]


# Who may use each staff API area (a new area fails the test until it is classified here).
API_ROLES: dict[str, set[str]] = {
    "access-requests": {*DEPARTMENT_ROLES, Role.ADMINISTRATOR},
    "medical-indications": {*DEPARTMENT_ROLES, Role.ADMINISTRATOR},
    "directions": {*KINDERGARTEN_ROLES, Role.ADMINISTRATOR},
    "enrollments": {*KINDERGARTEN_ROLES, Role.ADMINISTRATOR},
    "records": {*ORGANISATION_ROLES, Role.ADMINISTRATOR},  # reads (health only for head and nurse)
    "record-contracts": {*KINDERGARTEN_ROLES},
    "record-documents": {*KINDERGARTEN_ROLES, Role.NURSE},
    "record-health": {Role.KINDERGARTEN_HEAD, Role.NURSE},
    "attendance": TIMESHEET_SIDE,
    "funding": {*DEPARTMENT_ROLES, Role.ADMINISTRATOR},
    "school-transfers": {*KINDERGARTEN_ROLES, Role.ADMINISTRATOR},  # issuing: the head only (E68)
    "infection": {Role.KINDERGARTEN_HEAD, Role.NURSE},  # health data (E56)
    "exchanges": {Role.KINDERGARTEN_HEAD},  # the receiving kindergarten's head decides (E74)
    # Reading a point and a card; saving a card: the group's teacher, the head (E43).
    "monitoring": {Role.TEACHER, Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.ADMINISTRATOR},
    "monitoring-locks": {Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR},  # the head locks a point (E44)
}
API_BODIES: dict[str, dict[str, Any]] = {
    "access-requests": {
        "approve": False,
        "basis": {
            "document_number": "5",
            "document_date": "2026-12-14",
            "reason": "Not the parent on record",
        },
    },
    "medical-indications": {"confirm": False, "reason": "Not a sanatorium case"},
    "directions": {"enrolled_on": "2026-12-14"},
    "enrollments": {"left_on": "2026-12-14", "reason": "family moved"},
    "records": {},
    "record-contracts": {"number": "5/2026", "signed_on": "2026-12-14", "monthly_fee": "1000"},
    "record-documents": {"kind": "certificate", "issued_on": "2026-12-14"},  # multipart, with a file
    "record-health": {"allergies": "", "diet": "", "restrictions": ""},
    "attendance": {"absences": [], "enrollment": 1, "present": True},
    "school-transfers": {},
    # Every field of the funding endpoints' bodies (each takes its own, extra keys are ignored).
    "funding": {
        "locality": "?",
        "ownership": "state",
        "group_kind": "general",
        "age_from": 0,
        "age_to": 8,
        "stay_mode": "full_day",
        "amount": "61000.00",
        "valid_from": "2030-01-01",
        "decision_number": "7",
        "max_parent_fee": "15000.00",
        "paid_reasons": [],
    },
    "infection": {
        "infection": "chickenpox",
        "enrollment": 1,
        "onset_on": "2026-12-14",
        "isolated_on": "2026-12-14",
    },
    "exchanges": {},
    "monitoring": {"marks": [{"indicator": "?", "level": "medium"}]},
    "monitoring-locks": {},
}


def api_send(client: Client, method: str, path: str, area: str) -> Any:
    """The endpoint's own method with a valid body: JSON, or multipart with a scan for an upload."""
    body = API_BODIES[area]
    if method == "GET":
        return client.get(path)
    if area == "record-documents":
        return client.post(path, {**body, "document": scan()})
    return client.generic(method, path, json.dumps(body), content_type="application/json")


def api_path(template: str, area: str, world: World) -> str:
    path = template
    for part in template.split("/"):
        if part.startswith("{"):
            kwarg = part[1:-1]
            getter = PER_URL.get((f"api:{area}", kwarg)) or OBJECTS.get(kwarg)
            if getter is None:
                raise Unfillable(f"staff API {template}: no object for {kwarg!r} in OBJECTS/PER_URL")
            path = path.replace(part, str(getter(world)))
    return path


# --- clients -------------------------------------------------------------------------------------------


def place_of(role: str, world: World) -> dict[str, Any]:
    if role in ORGANISATION_ROLES:
        return {"organisation": world.organisation}
    if role == Role.ADMINISTRATOR:
        return {}
    return {"locality": world.locality}


def signed_in(role: str, world: World) -> Client:
    user = staff_user(role=role, **place_of(role, world))
    if role == Role.TEACHER:  # E7: a teacher reads the files of the children of the group they keep
        head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=world.organisation)
        profile = StaffProfile.objects.get(user=user)
        attendance.teacher_assign(profile=profile, group=world.group, since=MONDAY.date(), by_staff=head)
    return staff_login(Client(), user)


@pytest.fixture(autouse=True)
def english(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


@pytest.fixture
def travel() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def worlds(travel: None) -> tuple[World, World]:
    """Locality/organisation A with every object, and B (the same, elsewhere) for the wrong-scope users."""
    return build_world(), build_world()


def pages(world: World) -> list[tuple[StaffUrl, str, bool, set[str], set[str]]]:
    """(url, path, names an object, roles, methods) of every staff page but sign-in; fails on a page
    without `staff_required` or whose kwargs the registry cannot fill."""
    rows = []
    problems = []
    for url in staff_urls():
        if url.name in SIGN_IN:
            continue
        roles, methods = declared(url.view)
        if roles is None:
            problems.append(f"staff URL {url.name!r} ({url.route}) is not behind staff_required")
            continue
        try:
            values, names_object = fill(url.name, url.kwargs, world)
        except Unfillable as exc:
            problems.append(str(exc))
            continue
        rows.append((url, url.path(values), names_object, roles, methods))
    assert not problems, "\n".join(problems)
    return rows


def post_body(path: str) -> dict[str, Any]:
    """A plausible body for any form (the refusals must come before any of it is read)."""
    return {
        "decision": "confirm",
        "reason": "Written request of 14.12",
        **basis_form_data(),
        "status": "closed",
        "answer": "",
        "enrolled_on": "2026-12-14",
        "left_on": "2026-12-14",
        "document": scan(),
    }


# --- the matrix ----------------------------------------------------------------------------------------


def test_every_staff_url_is_scoped_and_fillable() -> None:
    """The registry covers every kwarg of every staff URL (no unscoped page can slip in) and every page
    keeps to one side: department roles or kindergarten roles (administrator on both)."""
    with time_machine.travel(MONDAY, tick=False):
        world = build_world()
    rows = pages(world)
    mixed = [
        f"{url.name}: {sorted(roles)}"
        for url, _path, _obj, roles, _methods in rows
        if url.name != "home" and not (roles <= DEPARTMENT_SIDE or roles <= KINDERGARTEN_SIDE)
    ]
    assert not mixed, "pages open to both department and kindergarten roles:\n" + "\n".join(mixed)
    for area in {area for _method, _path, area in staff_api()}:
        assert area in API_ROLES, f"staff API area {area!r} is not classified in API_ROLES"
        api_path(next(p for _m, p, a in staff_api() if a == area), area, world)


def test_anonymous_and_unverified_are_sent_to_sign_in(worlds: tuple[World, World]) -> None:
    world, _elsewhere = worlds
    # A password, no second factor yet: the administrator, and an operator and a kindergarten head of A.
    unverified = []
    for role in (Role.ADMINISTRATOR, Role.OPERATOR, Role.KINDERGARTEN_HEAD):
        client = Client()
        client.force_login(staff_user(role=role, **place_of(role, world)))
        unverified.append((f"unverified {role}", client))
    wrong: list[str] = []
    checked = 0
    for who, client in [("anonymous", Client()), *unverified]:
        for url, path, _obj, _roles, methods in pages(world):
            for method in sorted(methods):
                response = client.get(path) if method == "GET" else client.post(path, post_body(path))
                checked += 1
                if response.status_code != 302 or not response["Location"].startswith("/staff/login/"):
                    wrong.append(f"{who} {method} {path} ({url.name}): {response.status_code}")
        for method, template, area in staff_api():
            path = api_path(template, area, world)
            response = api_send(client, method, path, area)
            checked += 1
            if response.status_code != 401:
                wrong.append(f"{who} {method} {path}: {response.status_code}, expected 401")
    assert checked > 0
    assert not wrong, "\n".join(wrong)


def test_right_role_right_scope_gets_the_page(worlds: tuple[World, World]) -> None:
    """The positive control: each role a page is for, in the objects' scope, gets 200 — so each kwarg in
    the registry really names its object (and the 404s below come from the scope, not a wrong id)."""
    world, _elsewhere = worlds
    clients: dict[str, Client] = {role: signed_in(role, world) for role in ALL_ROLES}
    region_auditor = staff_login(Client(), staff_user(role=Role.AUDITOR, region=world.locality.region))
    wrong = []
    for url, path, _obj, roles, methods in pages(world):
        if "GET" not in methods:
            continue
        for role in sorted(roles):
            status = clients[role].get(path).status_code
            if role == Role.AUDITOR and status == 200:
                status = region_auditor.get(path).status_code
            # An auditor may be refused a page that is only a form that changes something (403).
            if status != 200 and not (role == Role.AUDITOR and status == 403):
                wrong.append(f"{role} GET {path} ({url.name}): {status}, expected 200")
    assert not wrong, "\n".join(wrong)


def test_wrong_role_gets_403_and_auditors_post_nothing(worlds: tuple[World, World]) -> None:
    world, _elsewhere = worlds
    clients: dict[str, Client] = {role: signed_in(role, world) for role in ALL_ROLES}
    wrong = []
    cells = 0
    for url, path, _obj, roles, methods in pages(world):
        for role in ALL_ROLES:
            refused = role not in roles
            for method in sorted(methods):
                writes = method == "POST" and url.name not in READING_POSTS
                if not refused and not (writes and role == Role.AUDITOR):
                    continue
                client = clients[role]
                response = client.get(path) if method == "GET" else client.post(path, post_body(path))
                cells += 1
                if response.status_code != 403:
                    wrong.append(f"{role} {method} {path} ({url.name}): {response.status_code}, expected 403")
    for method, template, area in staff_api():
        path = api_path(template, area, world)
        for role in ALL_ROLES:
            if role in API_ROLES[area] or (role == Role.AUDITOR and method == "GET"):
                continue  # an auditor reads what the department reads (e.g. E20's rates), posts nothing
            response = api_send(clients[role], method, path, area)
            cells += 1
            if response.status_code != 403:
                wrong.append(f"{role} {method} {path}: {response.status_code}, expected 403")
    assert cells > 0
    assert not wrong, "\n".join(wrong)


def outsiders(world: World, elsewhere: World) -> dict[str, list[tuple[str, Client]]]:
    """For each role but administrator, its users outside A's scope: locality B; for an auditor also the
    region of B; for a kindergarten role also another kindergarten of the SAME locality A."""
    neighbour = OrganisationFactory.create(locality=world.locality)
    found: dict[str, list[tuple[str, Client]]] = {}
    for role in ALL_ROLES:
        if role == Role.ADMINISTRATOR:
            continue
        users = [("of B", signed_in(role, elsewhere))]
        if role == Role.AUDITOR:
            auditor = staff_user(role=role, region=elsewhere.locality.region)
            users.append(("of B's region", staff_login(Client(), auditor)))
        if role in ORGANISATION_ROLES:
            users.append(
                (
                    "of A's other kindergarten",
                    staff_login(Client(), staff_user(role=role, organisation=neighbour)),
                )
            )
        found[role] = users
    return found


def test_another_scope_gets_404_for_every_object(worlds: tuple[World, World]) -> None:
    """The same role outside A (locality B, B's region, another kindergarten of A's locality): every URL
    naming an object of A is a 404, GET and POST (an auditor's POST may be refused as a POST first: 403),
    exactly like a missing object."""
    world, elsewhere = worlds
    others = outsiders(world, elsewhere)
    wrong = []
    for url, path, names_object, roles, methods in pages(world):
        if not names_object:
            continue
        for role in sorted(roles - {Role.ADMINISTRATOR}):
            for where, client in others[role]:
                for method in sorted(methods):
                    response = client.get(path) if method == "GET" else client.post(path, post_body(path))
                    expected = {404, 403} if (method == "POST" and role == Role.AUDITOR) else {404}
                    if response.status_code not in expected:
                        wrong.append(
                            f"{role} {where} {method} {path} ({url.name}): {response.status_code}, not 404"
                        )
    for method, template, area in staff_api():
        path = api_path(template, area, world)
        if "{" not in template:
            continue  # a list names no object: it shows the user's own scope (checked below for pages)
        for role in sorted(API_ROLES[area] - {Role.ADMINISTRATOR}):
            for where, client in others[role]:
                response = api_send(client, method, path, area)
                if response.status_code != 404:
                    wrong.append(f"{role} {where} {method} {path}: {response.status_code}, expected 404")
    assert not wrong, "\n".join(wrong)
    # Nothing of A changed by all those refused requests.
    world.claim.refresh_from_db()
    world.direction.refresh_from_db()
    world.enrollment.refresh_from_db()
    world.access.refresh_from_db()
    world.indication.refresh_from_db()
    assert world.claim.decided_at is None
    assert world.direction.state == Direction.State.AWAITING_ENROLLMENT
    assert world.enrollment.left_on is None
    assert world.access.status == "pending"
    assert world.indication.decided_at is None


def test_lists_outside_the_scope_link_to_none_of_its_objects(worlds: tuple[World, World]) -> None:
    """Every page that names no object (lists, reports, the ledger, home), opened by a user outside A,
    links to none of A's object pages (while A's own user of the same role does, on some page: the check
    can fail)."""
    world, elsewhere = worlds
    rows = pages(world)
    objects = [path for _url, path, names_object, _roles, _methods in rows if names_object]
    others = outsiders(world, elsewhere)
    wrong = []
    seen_by_own: set[str] = set()
    for url, path, names_object, roles, methods in rows:
        if names_object or "GET" not in methods:
            continue
        for role in sorted(roles - {Role.ADMINISTRATOR}):
            own = signed_in(role, world).get(path)
            if own.status_code == 200:
                seen_by_own |= {o for o in objects if f'href="{o}"' in own.content.decode()}
            for where, client in others[role]:
                response = client.get(path)
                if response.status_code != 200:
                    continue  # a refusal shows nothing
                html = response.content.decode()
                leaked = [o for o in objects if f'href="{o}"' in html]
                if leaked:
                    wrong.append(f"{role} {where} GET {path} ({url.name}) links to A's {leaked}")
    assert seen_by_own, "A's own users saw no link to A's objects: the check proves nothing"
    assert not wrong, "\n".join(wrong)


def test_a_new_url_naming_an_unknown_object_fails_the_matrix() -> None:
    """The guard itself: a kwarg the registry does not know (or a generic one no URL entry claims)."""
    with time_machine.travel(MONDAY, tick=False):
        world = build_world()
    for kwarg in ("pk", "number", "invoice_id"):
        with pytest.raises(Unfillable):
            fill("some_new_page", [kwarg], world)
