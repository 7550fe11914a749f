"""P3 for sanatorium groups: a confirmed medical indication valid on the day, submitted by the parent in the
cabinet and decided by staff; without one a sanatorium place is never offered nor taken."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client

from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import selectors, services
from kezek.placement.models import Direction, MedicalIndication, Place
from kezek.staff.models import Role
from kezek.waitlist.models import Application
from tests.cabinet.test_api import sign_in
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    certificate,
    medical_indication,
    staff_login,
    staff_user,
)
from tests.factories import register_application as register
from tests.factories.documents import JPEG

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
TODAY = MONDAY.date()
URL = "/api/v1/cabinet/medical-indications"


@pytest.fixture(autouse=True)
def quick_resend(settings: Any) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


@pytest.fixture
def sanatorium() -> Group:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, kind=Group.Kind.SANATORIUM, capacity=1)


def toddler(n: int) -> Any:
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=n))


def applicants(group: Group, n: int) -> list[Application]:
    return [register(locality=group.organisation.locality, child=toddler(i)) for i in range(n)]


def indications() -> int:
    return MedicalIndication.objects.count()


def events(kind: str) -> int:
    return LedgerEvent.objects.filter(kind=kind).count()


# --- eligibility ------------------------------------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_only_a_confirmed_indication_valid_on_the_day_admits_to_a_sanatorium_group(sanatorium: Group) -> None:
    none, pending, rejected, expiring, confirmed = applicants(sanatorium, 5)
    medical_indication(pending, confirm=None)
    medical_indication(rejected, confirm=False)
    medical_indication(expiring, valid_until=TODAY + dt.timedelta(days=10))
    medical_indication(confirmed)

    def eligible(on: dt.date) -> set[int]:
        return {a.pk for a in selectors.eligible_in_order(group=sanatorium, limit=10, on=on)}

    assert eligible(TODAY) == {expiring.pk, confirmed.pk}
    assert eligible(TODAY + dt.timedelta(days=10)) == {expiring.pk, confirmed.pk}  # valid through that day
    assert eligible(TODAY + dt.timedelta(days=11)) == {confirmed.pk}  # expired
    for application in (none, pending, rejected):
        with pytest.raises(ValidationFailed):
            selectors.check_eligible(application=application, group=sanatorium, on=TODAY)
    selectors.check_eligible(application=confirmed, group=sanatorium, on=TODAY)
    # A general group asks for no indication.
    general = GroupFactory.create(organisation=sanatorium.organisation, kind=Group.Kind.GENERAL, capacity=1)
    assert len(selectors.eligible_in_order(group=general, limit=10, on=TODAY)) == 5


@time_machine.travel(MONDAY, tick=False)
def test_a_renewal_supersedes_the_confirmed_indication_once_confirmed(sanatorium: Group) -> None:
    (application,) = applicants(sanatorium, 1)
    old = medical_indication(application, valid_until=TODAY + dt.timedelta(days=20))
    renewal = medical_indication(
        application, confirm=None, issued_on=TODAY, valid_until=dt.date(2027, 12, 31)
    )
    with pytest.raises(Conflict):  # one pending per child
        medical_indication(application, confirm=None)
    staff = User.objects.create(username="doctor", is_staff=True)
    services.medical_indication_decide(indication=renewal, confirm=True, by_staff=staff)
    statuses = dict(MedicalIndication.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "superseded", renewal.pk: "confirmed"}
    assert (
        LedgerEvent.objects.get(kind="medical_indication.confirmed", subject_id=str(renewal.pk)).payload[
            "supersedes"
        ]
        == old.pk
    )
    on = TODAY + dt.timedelta(days=30)  # after the old one ended, the child still 2
    assert [a.pk for a in selectors.eligible_in_order(group=sanatorium, limit=1, on=on)] == [application.pk]
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_decisions_are_checked(sanatorium: Group) -> None:
    (application,) = applicants(sanatorium, 1)
    staff = User.objects.create(username="doctor", is_staff=True)
    indication = medical_indication(application, confirm=None, valid_until=TODAY + dt.timedelta(days=3))
    with pytest.raises(ValidationFailed):  # a rejection needs its written reason
        services.medical_indication_decide(
            indication=indication, confirm=False, by_staff=staff, reason=" no "
        )
    with time_machine.travel(MONDAY + dt.timedelta(days=4), tick=False), pytest.raises(Conflict):
        services.medical_indication_decide(indication=indication, confirm=True, by_staff=staff)  # expired
    services.medical_indication_decide(indication=indication, confirm=True, by_staff=staff)
    with pytest.raises(Conflict):
        services.medical_indication_decide(
            indication=indication, confirm=False, by_staff=staff, reason="decided twice"
        )
    assert events("medical_indication.confirmed") == 1
    assert events("medical_indication.rejected") == 0


@time_machine.travel(MONDAY, tick=False)
def test_the_database_keeps_one_pending_and_one_confirmed_indication_per_child(sanatorium: Group) -> None:
    (application,) = applicants(sanatorium, 1)
    confirmed = medical_indication(application)
    pending = medical_indication(application, confirm=None)
    for status in ("pending", "confirmed"):
        copy = MedicalIndication.objects.get(pk=(pending if status == "pending" else confirmed).pk)
        copy.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
    bad_rows: list[dict[str, Any]] = [
        {"status": "rejected", "decided_at": MONDAY, "reason": ""},  # a rejection without its reason
        {"status": "confirmed", "decided_at": None},  # decided without a date
        {"status": "pending", "decided_at": MONDAY},
        {"status": "lost", "decided_at": MONDAY},
        {"status": "superseded", "decided_at": MONDAY, "valid_until": TODAY - dt.timedelta(days=1)},
        {"status": "superseded", "decided_at": MONDAY, "document": ""},
    ]
    for changes in bad_rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            MedicalIndication.objects.filter(pk=confirmed.pk).update(**changes)


# --- never offered nor taken by an ineligible application -----------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_a_sanatorium_place_is_offered_only_to_children_with_an_indication(sanatorium: Group) -> None:
    first, second, third, indicated = applicants(sanatorium, 4)  # the first three are ahead in the queue
    medical_indication(second, confirm=None)
    medical_indication(third, confirm=False)
    medical_indication(indicated)
    publication = services.places_publish(group=sanatorium)
    assert publication is not None
    assert [h.application_id for h in publication.holders.all()] == [indicated.pk]
    for application in (first, second):
        with pytest.raises(ValidationFailed):
            services.direction_take(
                application=application, group=sanatorium, applicant=application.applicant
            )
    assert (Direction.objects.count(), Place.objects.filter(status="open").count()) == (0, 1)
    direction = services.direction_take(
        application=indicated, group=sanatorium, applicant=indicated.applicant
    )
    assert direction.group_id == sanatorium.pk


@time_machine.travel(MONDAY, tick=False)
def test_in_general_access_an_ineligible_application_still_cannot_take_a_sanatorium_place(
    sanatorium: Group,
) -> None:
    (late,) = applicants(sanatorium, 1)
    services.places_publish(group=sanatorium)  # nobody eligible: no holders
    medical_indication(late, valid_until=TODAY + dt.timedelta(days=1))
    with time_machine.travel(dt.datetime(2026, 12, 9, 8, 0, tzinfo=ALMATY), tick=False):  # general access
        with pytest.raises(ValidationFailed):  # the indication ended yesterday
            services.direction_take(application=late, group=sanatorium, applicant=late.applicant)
        assert Place.objects.get().status == "open"
        assert not Direction.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_the_search_by_application_shows_sanatorium_groups_to_its_own_parent_only_when_eligible(
    sanatorium: Group,
) -> None:
    general = GroupFactory.create(organisation=sanatorium.organisation, kind=Group.Kind.GENERAL, capacity=1)
    mine, theirs = applicants(sanatorium, 2)
    services.places_publish(group=sanatorium)
    services.places_publish(group=general)
    code = sanatorium.organisation.locality.code

    def groups(client: Client, application: Application) -> set[int]:
        query: dict[str, str | int] = {"locality": code, "application": application.pk}
        response = client.get("/api/v1/free-places/search", query)
        assert response.status_code == 200, response.content
        return {row["group_id"] for row in response.json()}

    parent = Client()
    assert sign_in(parent, mine) == 200
    assert groups(parent, mine) == {general.pk}
    # Anyone else sees every group the child's age fits: the search tells nothing of the child's health.
    assert groups(Client(), mine) == groups(parent, theirs) == {general.pk, sanatorium.pk}
    medical_indication(mine)
    assert groups(parent, mine) == {general.pk, sanatorium.pk}


# --- the cabinet and the staff API -----------------------------------------------------------------------


def upload(application: Application, document: SimpleUploadedFile, **dates: str) -> dict[str, Any]:
    return {
        "application": application.pk,
        "issued_on": dates.get("issued_on", "2026-12-01"),
        "valid_until": dates.get("valid_until", "2027-06-30"),
        "document": document,
    }


def stored_documents(root: Path) -> list[Path]:
    return [p for p in (root / "medical").rglob("*") if p.is_file()] if (root / "medical").exists() else []


@time_machine.travel(MONDAY, tick=False)
def test_the_parent_submits_an_indication_for_their_own_application_only(
    sanatorium: Group, settings: Any
) -> None:
    mine, theirs = applicants(sanatorium, 2)
    client = Client()
    assert client.post(URL, upload(mine, certificate())).status_code == 401
    assert sign_in(client, mine) == 200
    before = LedgerEvent.objects.count()
    response = client.post(URL, upload(theirs, certificate()))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    refused = {
        "document_type": upload(mine, certificate("scan.png", b"\x89PNG\r\n\x1a\n....")),
        "document_unreadable": upload(mine, certificate(content=b"%PDF-1.4\n<html>")),
        "document_too_large": upload(mine, certificate(content=b"%PDF-" + b"0" * (5 * 1024 * 1024))),
        "issued_on_future": upload(mine, certificate(), issued_on="2026-12-08"),
        "indication_expired": upload(mine, certificate(), issued_on="2025-12-01", valid_until="2026-12-06"),
    }
    for code, data in refused.items():
        response = client.post(URL, data)
        assert (response.status_code, response.json()["code"]) == (422, code)
    assert (indications(), LedgerEvent.objects.count()) == (0, before)  # nothing written
    assert stored_documents(Path(settings.MEDIA_ROOT)) == []

    jpeg = certificate("conclusion.jpg", JPEG)
    response = client.post(URL, upload(mine, jpeg))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["application"], body["status"], body["valid_until"]) == (mine.pk, "pending", "2027-06-30")
    assert [p.suffix for p in stored_documents(Path(settings.MEDIA_ROOT))] == [".jpg"]
    assert (indications(), events("medical_indication.submitted")) == (1, 1)
    again = client.post(URL, upload(mine, certificate()))
    assert (again.status_code, again.json()["code"]) == (409, "indication_pending")
    assert indications() == 1
    assert [row["id"] for row in client.get(URL).json()] == [body["id"]]
    other = Client()
    assert sign_in(other, theirs) == 200
    assert other.get(URL).json() == []


@time_machine.travel(MONDAY, tick=False)
def test_staff_confirm_or_reject_with_a_written_reason(sanatorium: Group) -> None:
    first, second = applicants(sanatorium, 2)
    to_reject = medical_indication(first, confirm=None)
    to_confirm = medical_indication(second, confirm=None)
    client = Client()

    def decide(indication_id: int, **data: object) -> Any:
        url = f"/api/v1/staff/medical-indications/{indication_id}/decide"
        return client.post(url, data, content_type="application/json")

    assert decide(to_reject.pk, confirm=False, reason="no indication").status_code == 401
    client.force_login(User.objects.create(username="parent-not-staff"))
    assert decide(to_reject.pk, confirm=False, reason="no indication").status_code == 401
    staff_login(client, staff_user(role=Role.ADMINISTRATOR, username="doctor"))
    assert decide(to_reject.pk + to_confirm.pk, confirm=True).status_code == 404
    response = decide(to_reject.pk, confirm=False, reason="")
    assert (response.status_code, response.json()["code"]) == (422, "reason_required")
    assert MedicalIndication.objects.get(pk=to_reject.pk).status == "pending"
    response = decide(to_reject.pk, confirm=False, reason="The conclusion names no sanatorium profile")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reason"]) == (
        "rejected",
        "The conclusion names no sanatorium profile",
    )
    assert decide(to_reject.pk, confirm=True).status_code == 409
    response = decide(to_confirm.pk, confirm=True)
    assert (response.status_code, response.json()["status"]) == (200, "confirmed")
    assert (events("medical_indication.rejected"), events("medical_indication.confirmed")) == (1, 1)
    assert MedicalIndication.objects.get(pk=to_confirm.pk).decided_by.username == "doctor"  # type: ignore[union-attr]


@time_machine.travel(MONDAY, tick=False)
def test_only_the_department_of_the_locality_decides(sanatorium: Group) -> None:
    (application,) = applicants(sanatorium, 1)
    indication = medical_indication(application, confirm=None)
    url = f"/api/v1/staff/medical-indications/{indication.pk}/decide"
    locality = sanatorium.organisation.locality

    def decide(user: User) -> int:
        client = staff_login(Client(), user)
        return client.post(url, {"confirm": True}, content_type="application/json").status_code

    elsewhere = LocalityFactory.create()
    assert decide(staff_user(role=Role.OPERATOR, locality=elsewhere)) == 404  # as if it did not exist
    assert decide(staff_user(role=Role.KINDERGARTEN_HEAD, organisation=sanatorium.organisation)) == 403
    assert decide(staff_user(role=Role.AUDITOR, locality=locality)) == 403
    assert MedicalIndication.objects.get(pk=indication.pk).status == "pending"
    assert decide(staff_user(role=Role.DEPARTMENT_HEAD, locality=locality)) == 200
    assert MedicalIndication.objects.get(pk=indication.pk).status == "confirmed"


def test_the_admin_lists_indications_read_only(client: Client) -> None:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    (application,) = applicants(GroupFactory.create(organisation=organisation), 1)
    indication = medical_indication(application, confirm=None)
    staff_login(client, staff_user(role=Role.ADMINISTRATOR))
    assert client.get("/admin/placement/medicalindication/").status_code == 200
    detail = client.get(f"/admin/placement/medicalindication/{indication.pk}/change/")
    assert detail.status_code == 200
    assert application.child.iin not in detail.content.decode()


def test_a_foreign_application_is_not_found_by_the_service() -> None:
    mine, theirs = (register(), register())
    with pytest.raises(NotFound):
        services.medical_indication_submit(
            application=theirs,
            applicant=mine.applicant,
            document=certificate(),
            issued_on=dt.date(2026, 1, 1),
            valid_until=dt.date(2030, 1, 1),
        )
    assert indications() == 0
