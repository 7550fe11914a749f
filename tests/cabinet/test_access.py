"""Restoring access to a cabinet someone else created: the other parent asks with proof, staff decide,
the child's applications move to the requester's cabinet; nothing about the other applicant leaks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from pytest_django import Settings

from kezek.cabinet.models import AccessRequest
from kezek.core import clock
from kezek.ledger.models import LedgerEvent
from kezek.notifications.selectors import outbox_latest
from kezek.registry.models import RegistryKinship, RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant, Application
from tests.factories import (
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    certificate,
    register_application,
    staff_login,
    staff_user,
)
from tests.factories.waitlist import next_phone

from .test_api import PASSWORD, last_code
from .test_pages import CAPTCHA, web_sign_in

if TYPE_CHECKING:  # django-stubs' type of the test client's responses; not there at run time
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "en"


def other_parent(application: Application) -> RegistryPerson:
    parent = RegistryPersonFactory.create(adult=True)
    RegistryKinship.objects.create(parent=parent, child=RegistryPerson.objects.get(iin=application.child.iin))
    return parent


def ask(client: Client, application: Application, requester: RegistryPerson) -> tuple[str, str, Response]:
    """Both steps of the web journey; returns the two phones and the last response."""
    phone, phone_alt = next_phone(), next_phone()
    data = {
        "applicant_iin": requester.iin,
        "child_iin": application.child.iin,
        "phone": phone,
        "phone_alt": phone_alt,
        **CAPTCHA,
    }
    response = client.post("/cabinet/access/", data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/cabinet/access/confirm/"
    page = client.get("/cabinet/access/confirm/").content.decode()
    assert phone not in page  # masked
    body = {
        "code": last_code(phone),
        "alt_code": last_code(phone_alt),
        "document": certificate(),
        "explanation": "The child's father registered the application with his phone.",
    }
    return phone, phone_alt, client.post("/cabinet/access/confirm/", body)


def staff_client() -> Client:
    client = Client()
    staff = User.objects.filter(username="officer").first()
    staff_login(client, staff or staff_user(role=Role.ADMINISTRATOR, username="officer"))
    return client


def decide(
    client: Client,
    access_request: AccessRequest,
    *,
    approve: bool,
    reason: str = "the birth certificate shown",
) -> Response:
    """The staff API's decision, with its basis (D1) of `reason`."""
    basis = {"document_number": "7-K", "document_date": clock.today().isoformat(), "reason": reason}
    body = {"approve": approve, "basis": basis}
    return client.post(
        f"/api/v1/staff/access-requests/{access_request.pk}/decide", body, content_type="application/json"
    )


def test_request_approved_moves_the_applications_to_the_requesters_new_cabinet() -> None:
    application = register_application()
    previous = application.applicant
    mother = other_parent(application)
    old_session = Client()
    web_sign_in(old_session, application)

    client = Client()
    phone, phone_alt, response = ask(client, application, mother)
    assert response.status_code == 200
    html = response.content.decode()
    for secret in (
        previous.last_name,
        previous.first_name,
        previous.iin,
        previous.phone,
        previous.phone[-4:],
    ):
        assert secret not in html  # nothing about the applicant on record
    access_request = AccessRequest.objects.get()
    assert (access_request.status, access_request.registry_parent) == ("pending", True)
    assert access_request.document.name.endswith(".pdf")
    assert (access_request.phone, access_request.phone_alt) == (phone, phone_alt)

    response = decide(staff_client(), access_request, approve=True)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    moved = Application.objects.get(pk=application.pk)
    requester = Applicant.objects.get(iin=mother.iin)
    assert moved.applicant_id == requester.pk
    assert (requester.phone, requester.phone_alt, requester.password) == (phone, phone_alt, "")
    assert requester.last_name == mother.last_name  # names from the register
    kinds = list(LedgerEvent.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == [
        "access_request.submitted",
        "application.applicant_changed",
        "access_request.approved",
    ]
    approved = LedgerEvent.objects.get(kind="access_request.approved")
    assert approved.payload["applications"] == [application.pk]
    assert mother.iin not in str(approved.payload)
    assert outbox_latest(recipient=phone, template="access_request_approved") is not None
    assert outbox_latest(recipient=previous.phone, template="application_reassigned") is not None

    # The previous applicant's cabinet no longer shows it; the requester signs in with her own IIN.
    assert f"No. {application.pk}" not in old_session.get("/cabinet/").content.decode()
    assert (
        old_session.get(f"/cabinet/applications/{application.pk}/withdraw/").status_code
        == 404  # not theirs now
    )
    mine = Client()
    mine.post("/cabinet/login/", {"iin": mother.iin, **CAPTCHA})
    mine.post("/cabinet/login/code/", {"code": last_code(phone)})
    response = mine.post("/cabinet/login/password/", {"password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == "/cabinet/"
    assert f"Application No. {application.pk}" in mine.get("/cabinet/").content.decode()

    # Decided once only.
    assert (
        decide(staff_client(), access_request, approve=False, reason="decided too late already").status_code
        == 409
    )


def test_an_existing_cabinet_keeps_its_phones() -> None:
    application = register_application()
    mother = other_parent(application)
    own = register_application(applicant=mother)  # she already has a cabinet for another child
    phone, _alt, response = ask(Client(), application, mother)
    assert response.status_code == 200
    decide(staff_client(), AccessRequest.objects.get(), approve=True)
    applicant = Applicant.objects.get(iin=mother.iin)
    assert applicant.phone == own.applicant.phone
    assert applicant.phone != phone
    assert set(Application.objects.filter(applicant=applicant).values_list("pk", flat=True)) == {
        application.pk,
        own.pk,
    }


def test_rejection_needs_a_reason_and_tells_the_requester() -> None:
    application = register_application()
    phone, _alt, _response = ask(Client(), application, other_parent(application))
    access_request = AccessRequest.objects.get()
    staff = staff_client()
    assert decide(staff, access_request, approve=False, reason="..........").status_code == 422
    response = decide(staff, access_request, approve=False, reason="The document is unreadable.")
    assert response.status_code == 200
    assert AccessRequest.objects.get().status == "rejected"
    assert Application.objects.get(pk=application.pk).applicant_id == application.applicant_id
    notice = outbox_latest(recipient=phone, template="access_request_rejected")
    assert notice is not None
    assert "unreadable" in notice.body
    # After a rejection the parent may ask again.
    assert (
        ask(Client(), application, RegistryPerson.objects.get(iin=access_request.requester_iin))[
            2
        ].status_code
        == 200
    )


def test_staff_endpoint_needs_staff() -> None:
    application = register_application()
    ask(Client(), application, other_parent(application))
    access_request = AccessRequest.objects.get()
    assert decide(Client(), access_request, approve=True).status_code == 401
    parent = Client()
    web_sign_in(parent, application)
    assert decide(parent, access_request, approve=True).status_code == 401
    missing = AccessRequest(pk=999999)
    assert decide(staff_client(), missing, approve=True).status_code == 404
    assert AccessRequest.objects.get().status == "pending"


def test_staff_endpoint_is_scoped_to_the_childs_locality_and_department_roles() -> None:
    application = register_application()
    ask(Client(), application, other_parent(application))
    access_request = AccessRequest.objects.get()
    organisation = OrganisationFactory.create(locality=application.locality)
    for role, place in (
        (Role.KINDERGARTEN_HEAD, {"organisation": organisation}),
        (Role.KINDERGARTEN_STAFF, {"organisation": organisation}),
        (Role.AUDITOR, {"locality": application.locality}),
    ):
        client = staff_login(Client(), staff_user(role=role, **place))
        assert decide(client, access_request, approve=True).status_code == 403, role
    elsewhere = staff_login(Client(), staff_user(role=Role.OPERATOR, locality=LocalityFactory.create()))
    assert decide(elsewhere, access_request, approve=True).status_code == 404
    assert AccessRequest.objects.get().status == "pending"
    here = staff_login(Client(), staff_user(role=Role.DEPARTMENT_HEAD, locality=application.locality))
    response = decide(here, access_request, approve=False, reason="The document is not a birth certificate.")
    assert response.status_code == 200
    assert AccessRequest.objects.get().status == "rejected"


def test_a_department_moves_only_the_applications_of_its_own_localities() -> None:
    """The child is queued in two localities by the same applicant: the operator of the first approves and
    moves that one only; the second department decides a new request for its own."""
    here = register_application()
    child = RegistryPerson.objects.get(iin=here.child.iin)
    applicant = RegistryPerson.objects.get(iin=here.applicant.iin)
    there = register_application(
        child=child, applicant=applicant, phones=(here.applicant.phone, here.applicant.phone_alt)
    )
    assert there.locality_id != here.locality_id
    assert there.applicant_id == here.applicant_id
    mother = other_parent(here)
    ask(Client(), here, mother)
    operator = staff_login(Client(), staff_user(role=Role.OPERATOR, locality=here.locality))
    assert decide(operator, AccessRequest.objects.get(), approve=True).status_code == 200
    assert Application.objects.get(pk=here.pk).applicant.iin == mother.iin
    assert Application.objects.get(pk=there.pk).applicant.iin == applicant.iin
    event = LedgerEvent.objects.filter(kind="access_request.approved").get()
    assert event.payload["applications"] == [here.pk]

    ask(Client(), there, mother)
    head = staff_login(Client(), staff_user(role=Role.DEPARTMENT_HEAD, locality=there.locality))
    assert decide(head, AccessRequest.objects.get(status="pending"), approve=True).status_code == 200
    assert Application.objects.get(pk=there.pk).applicant.iin == mother.iin


def test_the_admin_shows_requests_but_decides_none() -> None:
    """D1: a decision needs its basis, which a bulk admin action cannot carry: the desk and the API decide."""
    application = register_application()
    ask(Client(), application, other_parent(application))
    admin = Client()
    staff_login(admin, staff_user(role=Role.ADMINISTRATOR))
    access_request = AccessRequest.objects.get()
    assert admin.get(f"/admin/cabinet/accessrequest/{access_request.pk}/change/").status_code == 200
    admin.post(
        "/admin/cabinet/accessrequest/", {"action": "approve", "_selected_action": [access_request.pk]}
    )
    assert AccessRequest.objects.get().status == "pending"


def test_one_pending_request_per_child() -> None:
    application = register_application()
    ask(Client(), application, other_parent(application))
    data = {
        "applicant_iin": other_parent(application).iin,
        "child_iin": application.child.iin,
        "phone": next_phone(),
        "phone_alt": next_phone(),
        **CAPTCHA,
    }
    response = Client().post("/cabinet/access/", data)
    assert response.status_code == 409
    assert "already waiting for review" in response.content.decode()
    pending = AccessRequest.objects.get()
    duplicate = AccessRequest(
        child=pending.child,
        requester_iin=pending.requester_iin,
        phone=pending.phone,
        phone_alt=pending.phone_alt,
        language="ru",
        document="x.pdf",
        explanation="again",
        registry_parent=True,
        created_at=clock.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_refusals() -> None:
    application = register_application()
    client = Client()
    base = {
        "applicant_iin": application.applicant.iin,
        "child_iin": application.child.iin,
        "phone": next_phone(),
        "phone_alt": next_phone(),
        **CAPTCHA,
    }
    # Whether the IIN is the applicant on record's is never told (it would reveal who registered the child).
    assert client.post("/cabinet/access/", base).status_code == 302
    client = Client()
    stranger = RegistryPersonFactory.create(adult=True)
    no_child = client.post(
        "/cabinet/access/", base | {"applicant_iin": stranger.iin, "child_iin": stranger.iin}
    )
    assert no_child.status_code == 404
    same = client.post("/cabinet/access/", base | {"applicant_iin": stranger.iin, "phone_alt": base["phone"]})
    assert same.status_code == 422
    # A wrong document type or a wrong code keeps the request from being made.
    response = client.post("/cabinet/access/", base | {"applicant_iin": stranger.iin})
    assert response.status_code == 302
    body = {
        "code": last_code(str(base["phone"])),
        "alt_code": last_code(str(base["phone_alt"])),
        "explanation": "I am the child's mother.",
    }
    text = SimpleUploadedFile("proof.pdf", b"just text", content_type="application/pdf")
    response = client.post("/cabinet/access/confirm/", body | {"document": text})
    assert response.status_code == 422
    assert "PDF or JPEG" in response.content.decode()
    polyglot = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>")
    response = client.post("/cabinet/access/confirm/", body | {"document": polyglot})
    assert response.status_code == 422
    assert "not a real PDF or JPEG" in response.content.decode()
    wrong = "000000" if body["code"] != "000000" else "111111"
    response = client.post("/cabinet/access/confirm/", body | {"code": wrong, "document": certificate()})
    assert response.status_code == 422
    assert not AccessRequest.objects.exists()
    response = client.post("/cabinet/access/confirm/", body | {"document": certificate()})
    assert response.status_code == 200
    access_request = AccessRequest.objects.get()
    assert access_request.registry_parent is False  # the register does not list her: staff see that
