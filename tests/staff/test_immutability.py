"""What no staff action can change (#6): an application's registered_at and number, the child's birth date and
IIN, a direction's validity beyond the rules, the order of the queue (cohort, ordinal, tier); and nothing is
ever deleted.

Every form of every staff page (enumerated from the URL resolver: a new form fails the test until it is in
WRITES) and every staff API endpoint (from the OpenAPI schema) is posted a VALID request with the forbidden
fields added — under their plain names, the forms' prefixes and the API's JSON — and must succeed while the
stored values stay exactly as they were and the ledger still verifies. The Django admin (administrators
only) may not delete those rows nor edit those fields either.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import Client, RequestFactory
from pytest_django import Settings

from kezek.cabinet.models import AccessRequest
from kezek.confirmation import services as confirmation
from kezek.confirmation.models import Campaign
from kezek.exchange import services as exchange
from kezek.exchange.models import Exchange
from kezek.facilities.models import Group, Organisation
from kezek.feedback.models import Feedback
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.monitoring import selectors as monitoring
from kezek.monitoring import services as monitoring_services
from kezek.monitoring.models import Indicator
from kezek.placement import services as placement
from kezek.placement.models import Direction, Enrollment
from kezek.records.models import ChildFile
from kezek.schooltransfer import services as schooltransfer
from kezek.schooltransfer.models import SchoolTransfer
from kezek.staff.models import Role
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application, BenefitClaim, Child, StopListEntry
from tests.factories import (
    EducationDepartmentFactory,
    GroupFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    basis,
    basis_form_data,
    register_application,
    staff_login,
    staff_user,
)
from tests.factories.facilities import sequence_bin
from tests.staff.conftest import NEW_GROUP, SETTINGS, passport, toddler

from .test_scope_matrix import (
    API_BODIES,
    MONDAY,
    SIGN_IN,
    World,
    api_path,
    build_world,
    declared,
    fill,
    scan,
    staff_api,
    staff_urls,
)

pytestmark = pytest.mark.django_db

TODAY = "2026-12-14"
BASIS_JSON = {"document_number": "5-K", "document_date": TODAY, "reason": "the decision of the commission"}
FORBIDDEN: dict[str, str] = {
    "registered_at": "2000-01-01T00:00",
    "birth_date": "2000-01-01",
    "child_birth_date": "2000-01-01",
    "iin": "000101500001",
    "number": "1",
    "pk": "1",
    "id": "1",
    "application": "1",
    "deadline": "2099-01-01",
    "valid_until": "2099-01-01",
    "latest_valid_until": "2099-01-01",
    "issued_at": "2000-01-01T00:00",
    "ordinal": "1",
    "tier": "extraordinary",
    "cohort": "2000",
    "status_changed_at": "2000-01-01T00:00",
}
PREFIXES = ("", "edit-", "capacity-", "close-", "transfer-", "fees-0-")


def with_forbidden(data: dict[str, Any]) -> dict[str, Any]:
    extra = {f"{prefix}{name}": value for prefix in PREFIXES for name, value in FORBIDDEN.items()}
    return {**extra, **data}  # the form's own fields keep their valid values


@dataclass
class Write:
    """One valid POST of a staff form: who sends it, what, and what answers success."""

    url: str  # URL name in the "staff" namespace
    role: str
    data: Callable[[World], dict[str, Any]]
    prepare: Callable[[World], None] = lambda world: None
    ok: tuple[int, ...] = (302,)
    label: str = ""
    api: bool = False
    # The URL's (or the API path's) kwargs, instead of the scope matrix's registry.
    kwargs: Callable[[World], dict[str, Any]] | None = None
    by_rule: set[str] = field(default_factory=set)  # an application field the rules change (P5: tier)

    @property
    def id(self) -> str:
        return f"{self.url}{':' + self.label if self.label else ''}"


def officer(world: World) -> User:
    return User.objects.get(username=f"officer-{world.locality.pk}")


def head(organisation: Organisation) -> User:
    return staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)


def enrolled(application: Application, group: Group) -> Enrollment:
    """`application`'s child directed to `group` (its seats published) and enrolled today."""
    placement.places_publish(group=group)
    direction = placement.direction_take(
        application=application, group=group, applicant=application.applicant
    )
    return placement.direction_enroll(
        direction=direction, by_staff=head(group.organisation), on=MONDAY.date()
    )


def queued(world: World) -> dict[str, Any]:
    return {"number": world.queued.pk}


def stop_listed(world: World) -> None:
    waitlist.application_stop_list(
        application=world.queued,
        reason="manual",
        basis=basis("the decision of the commission"),
        by_staff=officer(world),
    )


def department(world: World) -> None:
    EducationDepartmentFactory.create(locality=world.locality)


def second_group(world: World) -> None:
    group = GroupFactory.create(organisation=world.organisation, capacity=3, language="ru", name="Second")
    placement.places_publish(group=group)


def unpublished_group(world: World) -> None:
    """A group whose seats are not published yet: a staff child may take one (P7: never a place still
    offered to the queue in its priority window)."""
    GroupFactory.create(organisation=world.organisation, capacity=2, age_from=2, age_to=3, name="Unpublished")


def other_group(world: World) -> Group:
    return Group.objects.get(organisation=world.organisation, name="Second")


def new_iin(world: World) -> str:
    return str(RegistryPersonFactory.create(birth_date=dt.date(2024, 6, 1)).iin)


def launched(world: World) -> None:
    """A running campaign in the locality (its previous one closed before MONDAY)."""
    confirmation.campaign_launch(locality=world.locality, by_staff=officer(world))


def running_campaign(world: World) -> dict[str, Any]:
    return {"campaign_id": Campaign.objects.get(locality=world.locality, swept_at__isnull=True).pk}


def final_year_consent(world: World) -> None:
    """A child in the final preschool year (6 on 1 September 2027, E60) enrolled in the world's kindergarten,
    whose parent consented to the transfer to school (E61): the head may issue its package (E62)."""
    group = GroupFactory.create(
        organisation=world.organisation, age_from=5, age_to=7, capacity=2, name="Senior"
    )
    application = register_application(
        locality=world.locality, child=RegistryPersonFactory.create(birth_date=dt.date(2021, 3, 10))
    )
    schooltransfer.transfer_consent(
        file=ChildFile.objects.get(enrollment=enrolled(application, group)),
        applicant=application.applicant,
        school_name="School No. 1",
    )


def consented_transfer(world: World) -> dict[str, Any]:
    return {
        "transfer_id": SchoolTransfer.objects.get(
            organisation=world.organisation, state=SchoolTransfer.State.CONSENTED
        ).pk
    }


def proposed_exchange(world: World) -> None:
    """Another kindergarten of the locality with a child of the world's group's ages; each child's parent
    offers the other kindergarten, and this week's round proposes the swap (E70–E73): the world's head
    decides on the child it receives (E74)."""
    other = OrganisationFactory.create(locality=world.locality)
    group = GroupFactory.create(
        organisation=other,
        age_from=world.group.age_from,
        age_to=world.group.age_to,
        language=world.group.language,
        capacity=2,  # held in its priority window for the queue's first two: the queued child, this one
    )
    application = register_application(locality=world.locality, child=toddler(6))
    theirs = enrolled(application, group)
    mine = world.enrollment
    assert mine.direction is not None
    exchange.offer_make(
        applicant=mine.direction.application.applicant, enrollment_id=mine.pk, kindergartens=[other.pk]
    )
    exchange.offer_make(
        applicant=application.applicant, enrollment_id=theirs.pk, kindergartens=[world.organisation.pk]
    )
    exchange.exchange_round_run(locality=world.locality)


def the_exchange(world: World) -> dict[str, Any]:
    return {"exchange_id": Exchange.objects.get(round__locality=world.locality).pk}


PERIOD = "start"  # the first monitoring point of the school year, started in September (E42)


def all_marks(world: World) -> dict[str, str]:
    """A level for every indicator of the world's group's age band (E43)."""
    template = monitoring.template_current(MONDAY.date())
    rows = Indicator.objects.filter(area__template=template, age=monitoring.band_of(world.group))
    return dict.fromkeys(rows.values_list("code", flat=True), "medium")


def card_path(world: World) -> dict[str, Any]:
    return {"group_id": world.group.pk, "period": PERIOD, "enrollment_id": world.enrollment.pk}


def card_saved(world: World) -> None:
    """The enrolled child's card at the point (E43): the head may lock it (E44)."""
    monitoring_services.card_save(
        group=world.group,
        period=PERIOD,
        enrollment_id=world.enrollment.pk,
        marks=all_marks(world),
        by_staff=head(world.organisation),
    )


OP, HEAD, KG = Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.KINDERGARTEN_HEAD
WRITES: list[Write] = [
    Write("benefit", OP, lambda w: {"decision": "confirm", **basis_form_data()}),
    Write(
        "benefit",
        OP,
        lambda w: {"decision": "reject", **basis_form_data("The certificate is not valid")},
        label="reject",
        by_rule={
            "tier"
        },  # P5: a rejected extraordinary benefit: back to the general tier, same registered_at
    ),
    Write("applications", OP, lambda w: {"iin": w.application.child.iin}, ok=(200,), label="search"),
    Write(
        "application_stop_list",
        OP,
        lambda w: basis_form_data("the decision of the commission"),
        kwargs=queued,
    ),
    Write("application_restore", OP, lambda w: basis_form_data(), prepare=stop_listed, kwargs=queued),
    Write(
        "application_withdraw",
        OP,
        lambda w: {**basis_form_data(), "document": scan()},
        kwargs=queued,
    ),
    Write("access_request", OP, lambda w: {"decision": "confirm", **basis_form_data()}),
    Write("feedback_detail", OP, lambda w: {"status": "closed", "answer": "Repaired on Monday."}),
    Write("kindergarten_enrol", KG, lambda w: {"enrolled_on": TODAY}),
    Write("kindergarten_depart", KG, lambda w: {"left_on": TODAY, "reason": "family moved"}),
    Write(
        "kindergarten_staff_child",
        KG,
        lambda w: {
            "child_iin": new_iin(w),
            "basis_number": "12-k",
            "basis_date": TODAY,
            "basis_reason": "Child of the cook",
            "enrolled_on": TODAY,
        },
        prepare=unpublished_group,
        kwargs=lambda w: {"group_id": Group.objects.get(organisation=w.organisation, name="Unpublished").pk},
    ),
    Write(
        "organisation_create",
        OP,
        lambda w: passport(locality=str(w.locality.pk), bin=sequence_bin(9000 + w.locality.pk)),
        prepare=department,
    ),
    Write("organisation_edit", OP, lambda w: passport()),
    Write("group_create", OP, lambda w: dict(NEW_GROUP)),
    Write(
        "organisation_group",
        OP,
        lambda w: {
            "action": "edit",
            "edit-name": "Солнышко",
            "edit-language": "ru",
            "edit-kind": "general",
            "edit-stay_mode": "full_day",
            "edit-age_from": str(w.group.age_from),
            "edit-age_to": str(w.group.age_to),
        },
        label="edit",
    ),
    Write(
        "organisation_group", OP, lambda w: {"action": "capacity", "capacity-capacity": "8"}, label="capacity"
    ),
    Write(
        "organisation_group",
        OP,
        lambda w: {
            "action": "transfer",
            "transfer-enrollment": str(w.enrollment.pk),
            "transfer-to_group": str(other_group(w).pk),
        },
        prepare=second_group,
        label="transfer",
    ),
    Write(
        "organisation_group",
        OP,
        lambda w: {"action": "close", "close-reason": "The building is closed for repairs"},
        prepare=second_group,
        kwargs=lambda w: {"pk": other_group(w).pk},
        label="close",
    ),
    Write("settings", HEAD, lambda w: {**SETTINGS, "locality": w.locality.code}),
    Write("ledger_verify", Role.ADMINISTRATOR, lambda w: {}),
    Write("campaign_launch", OP, lambda w: {"starts_on": TODAY, "ends_on": "", "confirmed": "1"}),
    Write(
        "campaign_extend", OP, lambda w: {"ends_on": "2027-01-31"}, prepare=launched, kwargs=running_campaign
    ),
    # The staff API (JSON; keyed "api:<area>").
    Write("api:access-requests", OP, lambda w: {"approve": True, "basis": BASIS_JSON}, ok=(200,), api=True),
    Write("api:medical-indications", OP, lambda w: {"confirm": True, "reason": ""}, ok=(200,), api=True),
    Write("api:directions", KG, lambda w: {"enrolled_on": TODAY}, ok=(200,), api=True),
    Write("api:enrollments", KG, lambda w: {"left_on": TODAY, "reason": "family moved"}, ok=(200,), api=True),
    # The children's files (#18, E3-E6).
    Write("record_contract", KG, lambda w: {"number": "5/2026", "signed_on": TODAY, "monthly_fee": "1000"}),
    Write(
        "record_document_add",
        KG,
        lambda w: {"kind": "certificate", "issued_on": TODAY, "valid_until": "", "document": scan()},
    ),
    Write("record_health", KG, lambda w: {"allergies": "cats", "diet": "", "restrictions": ""}),
    Write("api:record-contracts", KG, lambda w: dict(API_BODIES["record-contracts"]), ok=(200,), api=True),
    Write("api:record-documents", KG, lambda w: dict(API_BODIES["record-documents"]), ok=(201,), api=True),
    Write("api:record-health", KG, lambda w: dict(API_BODIES["record-health"]), ok=(200,), api=True),
    # The attendance timesheet (E11–E16): a day marked; a month not over is refused (nothing changes); a
    # dispute that is not there is a 404.
    Write("attendance_day", KG, lambda w: {}),
    Write(
        "attendance_setup",
        KG,
        lambda w: {"action": "closure", "kind": "quarantine", "first_day": TODAY, "last_day": TODAY},
    ),
    Write("attendance_month", KG, lambda w: {}, ok=(422,), label="not over"),
    Write("attendance_disputes", OP, lambda w: {"dispute": "0", "decision": "keep", "note": "ok"}, ok=(404,)),
    # Funding (E20–E25): a month with no locked timesheet is refused (nothing changes); a rate is set.
    Write(
        "funding", OP, lambda w: {"action": "calculate", "month": "2026-11"}, ok=(409,), label="not locked"
    ),
    Write(
        "api:funding",
        OP,
        lambda w: {**API_BODIES["funding"], "locality": w.locality.code},
        ok=(201,),
        api=True,
    ),
    Write(
        "api:attendance",
        KG,
        lambda w: {"absences": [], "enrollment": 1, "present": True},
        ok=(201,),
        api=True,
    ),
    # Infection control (E51): a case of the enrolled child (no marks yet: no contacts, no quarantine).
    Write(
        "infection_case_new",
        KG,
        lambda w: {
            "infection": "chickenpox",
            "enrollment": w.enrollment.pk,
            "onset_on": TODAY,
            "isolated_on": TODAY,
        },
    ),
    Write(
        "api:infection",
        KG,
        lambda w: {**API_BODIES["infection"], "enrollment": w.enrollment.pk},
        ok=(201,),
        api=True,
    ),
    # The transfer to school (E62–E66): the package of a consented final-year child issued (the receipt
    # code shown once, 200); the world's child leaves for school (its transfer resigned in December).
    Write(
        "school_transfer_issue",
        KG,
        lambda w: {},
        prepare=final_year_consent,
        kwargs=consented_transfer,
        ok=(200,),
    ),
    Write("school_transfer_depart", KG, lambda w: {"left_on": TODAY}),
    Write(
        "api:school-transfers",
        KG,
        lambda w: {},
        prepare=final_year_consent,
        kwargs=consented_transfer,
        ok=(201,),
        api=True,
    ),
    # Place exchanges (E74): the receiving head accepts (the other head has not: nothing moves yet).
    Write(
        "api:exchanges", KG, lambda w: {}, prepare=proposed_exchange, kwargs=the_exchange, ok=(200,), api=True
    ),
    # Development monitoring (E43–E44): the enrolled child's card saved; a point with a card locked.
    Write(
        "api:monitoring",
        KG,
        lambda w: {"marks": [{"indicator": code, "level": level} for code, level in all_marks(w).items()]},
        kwargs=card_path,
        ok=(200,),
        api=True,
    ),
    Write(
        "api:monitoring-locks",
        KG,
        lambda w: {},
        prepare=card_saved,
        kwargs=lambda w: {"group_id": w.group.pk, "period": PERIOD},
        ok=(200,),
        api=True,
    ),
]


APPLICATION_FIELDS = ("pk", "registered_at", "cohort", "ordinal", "tier", "child_id", "locality_id")


def snapshot() -> dict[str, Any]:
    """Everything no staff action may change, of every row (and the rows themselves: nothing deleted)."""
    rows: dict[str, Any] = {
        "applications": list(Application.objects.order_by("pk").values_list(*APPLICATION_FIELDS)),
        "children": list(Child.objects.order_by("pk").values_list("pk", "iin", "birth_date")),
        "directions": list(
            Direction.objects.order_by("pk").values_list(
                "pk", "application_id", "issued_at", "valid_until", "latest_valid_until"
            )
        ),
    }
    for model in (BenefitClaim, Enrollment, StopListEntry, AccessRequest, Feedback, LedgerEvent, Group):
        rows[model.__name__] = list(model.objects.order_by("pk").values_list("pk", flat=True))
    return rows


def client_for(role: str, world: World) -> Client:
    if role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        user = staff_user(role=role, organisation=world.organisation)
    elif role == Role.ADMINISTRATOR:
        user = staff_user(role=role)
    else:
        user = staff_user(role=role, locality=world.locality)
    return staff_login(Client(), user)


@pytest.fixture(autouse=True)
def english(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


def test_every_staff_form_and_endpoint_is_tried() -> None:
    """WRITES covers every staff URL that takes a POST and every staff API endpoint (a new form fails here
    until its valid request is added above)."""
    covered = {write.url for write in WRITES}
    missing = [
        url.name
        for url in staff_urls()
        if url.name not in SIGN_IN and "POST" in declared(url.view)[1] and url.name not in covered
    ]
    missing += [
        f"api:{area}"
        for method, _path, area in staff_api()
        if method != "GET" and f"api:{area}" not in covered
    ]
    assert not missing, f"no immutability check for the staff forms/endpoints: {missing}"


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.id)
def test_forbidden_fields_are_ignored_and_nothing_changes(write: Write) -> None:
    with time_machine.travel(MONDAY, tick=False):
        world = build_world()
        build_world()  # another locality's rows, which must not change either
        write.prepare(world)
        client = client_for(write.role, world)
        before = snapshot()
        if write.api:
            area = write.url.removeprefix("api:")
            method, template = next((m, path) for m, path, a in staff_api() if a == area and m != "GET")
            body = {**FORBIDDEN, **write.data(world)}
            assert set(API_BODIES.get(area, {})) <= set(body)
            path = template.format(**write.kwargs(world)) if write.kwargs else api_path(template, area, world)
            if area == "record-documents":  # an upload: multipart
                response = client.post(path, {**body, "document": scan()})
            else:
                response = client.generic(method, path, json.dumps(body), content_type="application/json")
        else:
            url = next(url for url in staff_urls() if url.name == write.url)
            values = write.kwargs(world) if write.kwargs else fill(url.name, url.kwargs, world)[0]
            response = client.post(url.path(values), with_forbidden(write.data(world)))
        assert response.status_code in write.ok, (
            write.id,
            response.status_code,
            response.content.decode()[:3000],
        )
        after = snapshot()
    for key in ("applications", "children", "directions"):
        now = {row[0]: row for row in after[key]}
        for row in before[key]:
            assert row[0] in now, f"{write.id} deleted {key} {row[0]}"
            if row != now[row[0]] and key == "applications" and write.by_rule:
                changed = {
                    name
                    for name, old, new in zip(APPLICATION_FIELDS, row, now[row[0]], strict=True)
                    if old != new
                }
                assert changed <= write.by_rule, f"{write.id} changed {changed} of application {row[0]}"
                assert row[0] == world.application.pk, f"{write.id} changed another application"
                assert now[row[0]][APPLICATION_FIELDS.index("tier")] == "general", "P5: the general tier"
                continue
            assert row == now[row[0]], f"{write.id} changed {key}: {row} → {now[row[0]]}"
    for key, ids in before.items():
        if key not in ("applications", "children", "directions"):
            assert set(ids) <= set(after[key]), f"{write.id} deleted {key} rows"
    assert len(after["LedgerEvent"]) >= len(before["LedgerEvent"])
    assert ledger_verify().ok


# --- the admin: no deletion, no edit of the immutable fields -------------------------------------------

IMMUTABLE: dict[type[Model], set[str]] = {
    Application: {"registered_at", "ordinal", "cohort", "tier", "id", "child"},
    Child: {"iin", "birth_date"},
    Direction: {"valid_until", "latest_valid_until", "issued_at", "application"},
}
NEVER_DELETED: list[type[Model]] = [
    Application,
    Direction,
    Enrollment,
    LedgerEvent,
    StopListEntry,
    BenefitClaim,
    Feedback,
    AccessRequest,
]


def test_the_admin_deletes_nothing_and_edits_no_immutable_field() -> None:
    with time_machine.travel(MONDAY, tick=False):
        world = build_world()
    instances: dict[type[Model], Model] = {
        Application: world.application,
        Child: world.application.child,
        Direction: world.direction,
    }
    administrator = staff_user(role=Role.ADMINISTRATOR)
    request = RequestFactory().get("/admin/")
    request.user = administrator
    wrong = []
    for model in NEVER_DELETED:
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue  # not in the admin at all: nothing to delete there
        if model_admin.has_delete_permission(request) or model_admin.has_delete_permission(request, None):
            wrong.append(f"{model.__name__}: the admin may delete")
    for model, names in IMMUTABLE.items():
        model_admin = admin.site._registry.get(model)
        if model_admin is None or not model_admin.has_change_permission(request):
            continue
        instance = instances[model]
        editable = set(model_admin.get_fields(request, instance)) - set(
            model_admin.get_readonly_fields(request, instance)
        )
        if editable & names:
            wrong.append(f"{model.__name__}: the admin may edit {sorted(editable & names)}")
    assert not wrong, "\n".join(wrong)
