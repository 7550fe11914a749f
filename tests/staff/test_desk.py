"""The department's desk: benefit confirmation, applications, cabinet access requests, complaints.

Every page and POST: another locality → 404, a kindergarten role → 403, an auditor's POST → 403; the happy
paths write through the services, each on the ledger, and the chain stays intact."""

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import Settings

from kezek.cabinet.models import AccessRequest
from kezek.core import clock
from kezek.facilities.models import Group, Locality
from kezek.facilities.selectors import LOCALITY_COOKIE
from kezek.feedback.models import Feedback, Kind
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import services as placement
from kezek.placement.models import Direction
from kezek.staff.models import Role
from kezek.waitlist.models import Application, BenefitClaim, StopListEntry
from kezek.waitlist.selectors import stop_list_public
from tests.factories import LocalityFactory, OrganisationFactory, basis_form_data, register_application
from tests.factories.documents import JPEG, pdf_bytes
from tests.staff.conftest import kindergarten_group, staff_client, toddler

from ..cabinet.test_access import ask, other_parent

pytestmark = pytest.mark.django_db

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY)  # Independence Day (16 Dec) falls in the 5 days
PDF = pdf_bytes("written request")


@pytest.fixture(autouse=True)
def access_journey(english: None, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """English pages; the cabinet's access journey (tests.cabinet.test_access.ask) with the captcha in
    test mode and no wait between codes, as tests/cabinet/conftest.py sets them."""
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


def scan(content: bytes = PDF, name: str = "request.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def feedback(locality: Locality, kind: str = Kind.SUGGESTION, **extra: Any) -> Feedback:
    now = clock.now()
    contacts = {} if kind == Kind.CORRUPTION else {"contact_name": "Aigerim", "phone": "+77011234567"}
    return Feedback.objects.create(
        kind=kind,
        locality=locality,
        text="The gate is broken.",
        created_at=now,
        updated_at=now,
        **contacts,
        **extra,
    )


@pytest.fixture
def group(locality: Locality) -> Group:
    return kindergarten_group(locality, capacity=2, language="ru")


def claim_with_direction(group: Group, n: int = 1) -> tuple[BenefitClaim, Direction]:
    """An extraordinary claim by certificate whose application took a direction (P4: it waits for the
    benefit)."""
    application = register_application(
        locality=group.organisation.locality, child=toddler(n), tier="extraordinary"
    )
    placement.places_publish(group=group)
    direction = placement.direction_take(
        application=application, group=group, applicant=application.applicant
    )
    assert direction.state == Direction.State.BENEFIT_CONFIRMATION
    return BenefitClaim.objects.get(application=application), direction


def events(kind: str, subject_id: object) -> list[LedgerEvent]:
    return list(LedgerEvent.objects.filter(kind=kind, subject_id=str(subject_id)))


# --- who may open what ---------------------------------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_roles_and_scopes_on_every_page_and_post(group: Group) -> None:
    locality = group.organisation.locality
    claim, _direction = claim_with_direction(group)
    number = claim.application_id
    ask(Client(), claim.application, other_parent(claim.application))
    access = AccessRequest.objects.get()
    message = feedback(locality)
    pages = [
        "/staff/benefits/",
        f"/staff/benefits/{claim.pk}/",
        f"/staff/benefits/{claim.pk}/document/",
        "/staff/applications/",
        f"/staff/applications/{number}/",
        "/staff/access-requests/",
        f"/staff/access-requests/{access.pk}/",
        f"/staff/access-requests/{access.pk}/document/",
        "/staff/feedback/",
        f"/staff/feedback/{message.pk}/",
    ]
    posts: list[tuple[str, dict[str, Any]]] = [
        (f"/staff/benefits/{claim.pk}/", {"decision": "confirm", **basis_form_data()}),
        (f"/staff/applications/{number}/stop-list/", basis_form_data("the decision of the commission")),
        (f"/staff/applications/{number}/restore/", basis_form_data()),
        (f"/staff/applications/{number}/withdraw/", {**basis_form_data(), "document": PDF}),
        (f"/staff/access-requests/{access.pk}/", {"decision": "confirm", **basis_form_data()}),
        (f"/staff/feedback/{message.pk}/", {"status": "closed", "answer": ""}),
    ]
    before = LedgerEvent.objects.count()

    def post(client: Client, url: str, data: dict[str, Any]) -> int:
        body = {k: scan() if k == "document" else v for k, v in data.items()}
        return client.post(url, body).status_code

    # Kindergarten roles (even of an organisation in this locality): 403 everywhere.
    for role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        client = staff_client(role, organisation=group.organisation)
        assert [client.get(url).status_code for url in pages] == [403] * len(pages), role
        assert [post(client, url, data) for url, data in posts] == [403] * len(posts), role
    # An auditor of the locality, or of its region, reads every page but changes nothing.
    for place in ({"locality": locality}, {"region": locality.region}):
        auditor = staff_client(Role.AUDITOR, **place)
        assert [auditor.get(url).status_code for url in pages] == [200] * len(pages), place
        assert (
            "<form" not in auditor.get(f"/staff/benefits/{claim.pk}/").content.decode().split("</header>")[1]
        )
        assert [post(auditor, url, data) for url, data in posts] == [403] * len(posts), place
    # A department of another locality: every object is a 404, the lists do not show it.
    elsewhere = staff_client(Role.DEPARTMENT_HEAD, locality=LocalityFactory.create())
    objects = [url for url in pages if url.rstrip("/").split("/")[-1].isdigit() or "document" in url]
    assert [elsewhere.get(url).status_code for url in objects] == [404] * len(objects)
    assert [post(elsewhere, url, data) for url, data in posts] == [404] * len(posts)
    assert elsewhere.get(f"/staff/applications/?number={number}").status_code == 404
    for url in ("/staff/benefits/", "/staff/access-requests/", "/staff/feedback/"):
        page = elsewhere.get(url).content.decode()
        assert f"/staff/benefits/{claim.pk}/" not in page
        assert f"/staff/access-requests/{access.pk}/" not in page
        assert message.reference not in page
    found = elsewhere.post("/staff/applications/", {"iin": claim.application.child.iin}).content.decode()
    assert f"/staff/applications/{number}/" not in found
    # Nothing changed.
    assert LedgerEvent.objects.count() == before
    assert BenefitClaim.objects.get(pk=claim.pk).status == "pending"
    assert Application.objects.get(pk=number).status == "referred"
    assert AccessRequest.objects.get().status == "pending"
    assert Feedback.objects.get(pk=message.pk).status == "new"
    # The department of the locality and an administrator see it all.
    for client in (staff_client(Role.OPERATOR, locality=locality), staff_client(Role.ADMINISTRATOR)):
        assert [client.get(url).status_code for url in pages] == [200] * len(pages)


def test_anonymous_and_parents_get_the_sign_in_page() -> None:
    for url in ("/staff/benefits/", "/staff/applications/", "/staff/access-requests/", "/staff/feedback/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]


# --- benefit confirmation ------------------------------------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_benefit_desk_lists_with_the_working_day_deadline_and_confirms(group: Group) -> None:
    claim, direction = claim_with_direction(group)
    operator = staff_client(Role.OPERATOR, locality=group.organisation.locality)
    page = operator.get("/staff/benefits/").content.decode()
    # Mon 14 Dec + 5 working days: 16 December is a holiday, so Tuesday 22 (not Monday 21).
    assert "22.12.2026" in page
    assert "overdue" not in page
    assert f"No. {direction.pk}" in page
    with time_machine.travel(dt.datetime(2026, 12, 23, 9, 0, tzinfo=ALMATY), tick=False):
        assert "overdue" in operator.get("/staff/benefits/").content.decode()
    document = operator.get(f"/staff/benefits/{claim.pk}/document/")
    assert document.status_code == 200
    assert document["Content-Disposition"].startswith("attachment")
    assert document["X-Content-Type-Options"] == "nosniff"
    assert document.content.startswith(b"%PDF")
    assert "/media/" not in operator.get(f"/staff/benefits/{claim.pk}/").content.decode()

    assert operator.post(f"/staff/benefits/{claim.pk}/", {"decision": "maybe"}).status_code == 422
    refused = operator.post(f"/staff/benefits/{claim.pk}/", {"decision": "confirm"})
    assert refused.status_code == 422  # D1: a confirmation needs its basis too
    response = operator.post(f"/staff/benefits/{claim.pk}/", {"decision": "confirm", **basis_form_data()})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "confirmed"
    assert claim.decided_by is not None
    assert claim.decided_by.staff_profile.role == Role.OPERATOR
    assert Direction.objects.get(pk=direction.pk).state == "awaiting_enrollment"
    assert events("benefit.decided", claim.application_id)[-1].payload["decision"] == "confirmed"
    assert events("direction.benefit_confirmed", direction.pk)
    assert f"/staff/benefits/{claim.pk}/" not in operator.get("/staff/benefits/").content.decode()
    again = operator.post(f"/staff/benefits/{claim.pk}/", {"decision": "confirm", **basis_form_data()})
    assert again.status_code == 409
    assert "already been decided" in again.content.decode()
    assert 'name="decision"' not in operator.get(f"/staff/benefits/{claim.pk}/").content.decode()
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_benefit_rejection_needs_a_reason_and_revokes_the_waiting_direction(group: Group) -> None:
    claim, direction = claim_with_direction(group)
    head = staff_client(Role.DEPARTMENT_HEAD, locality=group.organisation.locality)
    junk = head.post(f"/staff/benefits/{claim.pk}/", {"decision": "reject", **basis_form_data("..........")})
    assert junk.status_code == 422
    assert "at least three different words" in junk.content.decode()
    assert BenefitClaim.objects.get(pk=claim.pk).status == "pending"
    response = head.post(
        f"/staff/benefits/{claim.pk}/",
        {"decision": "reject", **basis_form_data("The certificate is forged.")},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("rejected", "The certificate is forged.")
    assert Direction.objects.get(pk=direction.pk).state == "revoked"
    application = Application.objects.get(pk=claim.application_id)
    assert (application.tier, application.status) == ("general", "stop_listed")
    decided = events("benefit.decided", application.pk)[-1]
    assert decided.payload["staff"] == claim.decided_by_id
    assert ledger_verify().ok


# --- applications --------------------------------------------------------------------------------------


def test_find_by_number_and_by_iin_never_in_the_url(locality: Locality) -> None:
    application = register_application(locality=locality)
    operator = staff_client(Role.OPERATOR, locality=locality)
    response = operator.get(f"/staff/applications/?number={application.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/applications/{application.pk}/"
    assert operator.get("/staff/applications/?number=abc").status_code == 422
    assert operator.get("/staff/applications/?number=99999999").status_code == 404
    # An IIN goes in the POST body only; the page's forms never GET it.
    page = operator.get("/staff/applications/").content.decode()
    assert 'method="post"' in page
    for iin in (application.child.iin, application.applicant.iin):
        found = operator.post("/staff/applications/", {"iin": iin})
        assert found.status_code == 200
        assert f"/staff/applications/{application.pk}/" in found.content.decode()
    assert operator.post("/staff/applications/", {"iin": "123"}).status_code == 422
    assert operator.get(f"/staff/applications/?iin={application.child.iin}").status_code == 200  # ignored
    assert (
        application.child.iin not in operator.get(f"/staff/applications/{application.pk}/").content.decode()
    )


def test_application_page_is_read_only_except_the_two_actions(locality: Locality) -> None:
    application = register_application(locality=locality)
    operator = staff_client(Role.OPERATOR, locality=locality)
    page = operator.get(f"/staff/applications/{application.pk}/").content.decode()
    assert application.registered_at.astimezone(ALMATY).strftime("%d.%m.%Y") in page
    assert "application.registered" in page  # its ledger events
    assert "1 of 1" in page  # its position
    names = set(re.findall(r'<(?:input|textarea|select|button)\b[^>]*\bname="([^"]+)"', page))
    assert names == {
        "csrfmiddlewaretoken",
        "language",
        "next",
        "basis_number",
        "basis_date",
        "basis_reason",
        "document",
    }
    for immutable in (
        "registered_at",
        "birth_date",
        "iin",
        "number",
        "valid_until",
        "tier",
        "ordinal",
        "cohort",
    ):
        assert f'name="{immutable}"' not in page
    # Posting immutable fields along with an action changes none of them.
    before = Application.objects.values().get(pk=application.pk)
    operator.post(
        f"/staff/applications/{application.pk}/stop-list/",
        {**basis_form_data(), "registered_at": "2020-01-01T00:00", "tier": "extraordinary"},
    )
    after = Application.objects.values().get(pk=application.pk)
    for field in ("registered_at", "tier", "cohort", "ordinal", "valid_until", "child_id", "locality_id"):
        assert after[field] == before[field]


def test_manual_stop_list_and_its_lifting_are_on_the_ledger(locality: Locality) -> None:
    application = register_application(locality=locality)
    operator = staff_client(Role.OPERATOR, locality=locality)
    url = f"/staff/applications/{application.pk}"
    assert operator.post(f"{url}/stop-list/", basis_form_data("")).status_code == 422
    assert operator.post(f"{url}/stop-list/", basis_form_data(document_number="")).status_code == 422
    assert Application.objects.get(pk=application.pk).status == "queued"
    form = basis_form_data("Duplicate registration, commission 12.11")
    assert operator.post(f"{url}/stop-list/", form).status_code == 302
    entry = StopListEntry.objects.get(application=application)
    assert (entry.reason, entry.note, entry.restore_on) == (
        "manual",
        "Duplicate registration, commission 12.11",
        None,
    )
    assert entry.created_by is not None
    stop_listed = events("application.stop_listed", application.pk)[-1]
    assert (stop_listed.payload["reason"], stop_listed.payload["staff"]) == ("manual", entry.created_by.pk)
    page = operator.get(f"{url}/").content.decode()
    assert "decision of the education department" in page
    assert "Duplicate registration" in page
    # Public (S2): the reason category and the dates, never the staff's written note.
    (row,) = stop_list_public(locality=locality)
    assert (row.application_id, row.reason, row.restore_on) == (application.pk, "manual", None)
    visitor = Client()
    visitor.cookies[LOCALITY_COOKIE] = locality.code
    public = visitor.get("/open-data/stop-list/").content.decode()
    assert f"№ {application.pk}" in public
    assert "Duplicate" not in public
    assert stop_listed.payload["basis_document_number"] == form["basis_number"]
    assert operator.post(f"{url}/stop-list/", basis_form_data("Once more, please")).status_code == 409
    assert operator.post(f"{url}/restore/").status_code == 422  # D1: a lifting needs its basis
    assert operator.post(f"{url}/restore/", basis_form_data()).status_code == 302
    assert Application.objects.get(pk=application.pk).status == "queued"
    assert events("application.restored", application.pk)[-1].payload["by"] == "staff"
    assert operator.post(f"{url}/restore/", basis_form_data()).status_code == 409
    assert ledger_verify().ok


def test_staff_cannot_lift_an_automatic_stop_listing(locality: Locality) -> None:
    from kezek.waitlist.services import application_stop_list

    application = register_application(locality=locality)
    application_stop_list(application=application, reason="direction_expired")
    operator = staff_client(Role.OPERATOR, locality=locality)
    assert (
        operator.post(f"/staff/applications/{application.pk}/restore/", basis_form_data()).status_code == 409
    )
    assert Application.objects.get(pk=application.pk).status == "stop_listed"


def test_withdrawal_on_the_written_request(locality: Locality) -> None:
    application = register_application(locality=locality)
    head = staff_client(Role.DEPARTMENT_HEAD, locality=locality)
    url = f"/staff/applications/{application.pk}"
    request_of = basis_form_data("Written request of 14.12")
    assert head.post(f"{url}/withdraw/", request_of).status_code == 422
    bad = head.post(f"{url}/withdraw/", {**request_of, "document": scan(b"GIF89a", "x.gif")})
    assert bad.status_code == 422
    assert head.post(f"{url}/withdraw/", {**basis_form_data(""), "document": scan()}).status_code == 422
    assert Application.objects.get(pk=application.pk).status == "queued"
    assert head.get(f"{url}/withdrawal-request/").status_code == 404
    response = head.post(f"{url}/withdraw/", {**request_of, "document": scan()})
    assert response.status_code == 302
    withdrawn = Application.objects.get(pk=application.pk)
    assert (withdrawn.status, withdrawn.status_reason) == ("withdrawn", "Written request of 14.12")
    event = events("application.withdrawn", application.pk)[-1]
    assert event.payload["by"] == "staff"
    assert len(event.payload["document_sha256"]) == 64
    document = head.get(f"{url}/withdrawal-request/")
    assert document.status_code == 200
    assert document.content == PDF
    assert document["Content-Disposition"].startswith("attachment")
    assert document["X-Content-Type-Options"] == "nosniff"
    assert (
        staff_client(Role.OPERATOR, locality=LocalityFactory.create())
        .get(f"{url}/withdrawal-request/")
        .status_code
        == 404
    )
    # Nothing more can be done with it.
    page = head.get(f"{url}/").content.decode()
    assert 'name="basis_reason"' not in page
    assert 'name="document"' not in page
    assert head.post(f"{url}/withdraw/", {**request_of, "document": scan()}).status_code == 409
    assert ledger_verify().ok


def test_a_written_request_is_parsed_and_served_only_as_an_attachment(locality: Locality) -> None:
    """A file that only starts like a PDF is refused on its field; a scanned JPEG is kept and served
    as a download the browser never renders (issue 15, item 6)."""
    application = register_application(locality=locality)
    head = staff_client(Role.DEPARTMENT_HEAD, locality=locality)
    url = f"/staff/applications/{application.pk}"
    polyglot = scan(b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>", "request.pdf")
    refused = head.post(f"{url}/withdraw/", {**basis_form_data(), "document": polyglot})
    assert refused.status_code == 422
    assert "not a real PDF or JPEG" in refused.content.decode()
    assert Application.objects.get(pk=application.pk).status == "queued"
    jpeg = scan(JPEG, "request.jpg")
    response = head.post(f"{url}/withdraw/", {**basis_form_data(), "document": jpeg})
    assert response.status_code == 302
    document = head.get(f"{url}/withdrawal-request/")
    assert (document.status_code, document.content) == (200, JPEG)
    assert document["Content-Type"] == "image/jpeg"
    name = f"withdrawal-request-{application.pk}.jpg"
    assert document["Content-Disposition"] == f'attachment; filename="{name}"'
    assert document["X-Content-Type-Options"] == "nosniff"


# --- cabinet access requests ---------------------------------------------------------------------------


def test_access_request_desk_approves_and_rejects(locality: Locality) -> None:
    first = register_application(locality=locality)
    mother = other_parent(first)
    ask(Client(), first, mother)
    operator = staff_client(Role.OPERATOR, locality=locality)
    access = AccessRequest.objects.get()
    listing = operator.get("/staff/access-requests/").content.decode()
    assert f"/staff/access-requests/{access.pk}/" in listing
    page = operator.get(f"/staff/access-requests/{access.pk}/").content.decode()
    assert mother.iin not in page
    assert access.phone not in page
    assert "/media/" not in page
    document = operator.get(f"/staff/access-requests/{access.pk}/document/")
    assert document.status_code == 200
    assert document["X-Content-Type-Options"] == "nosniff"
    assert document["Content-Disposition"].startswith("attachment")
    assert operator.post(f"/staff/access-requests/{access.pk}/", {"decision": "reject"}).status_code == 422
    approved = operator.post(
        f"/staff/access-requests/{access.pk}/", {"decision": "confirm", **basis_form_data()}
    )
    assert approved.status_code == 302
    assert AccessRequest.objects.get().status == "approved"
    assert Application.objects.get(pk=first.pk).applicant.iin == mother.iin
    assert events("access_request.approved", access.pk)
    # A second child's request, rejected with a reason.
    second = register_application(locality=locality)
    ask(Client(), second, other_parent(second))
    other = AccessRequest.objects.get(status="pending")
    response = operator.post(
        f"/staff/access-requests/{other.pk}/",
        {"decision": "reject", **basis_form_data("The document is not readable.")},
    )
    assert response.status_code == 302
    assert AccessRequest.objects.get(pk=other.pk).status == "rejected"
    assert ledger_verify().ok


# --- complaints and suggestions ------------------------------------------------------------------------


def test_feedback_desk_filters_answers_and_hides_corruption_from_operators(locality: Locality) -> None:
    organisation = OrganisationFactory.create(locality=locality)
    suggestion = feedback(locality)
    complaint = feedback(locality, Kind.ORGANISATION, organisation=organisation)
    corruption = feedback(locality, Kind.CORRUPTION)
    operator = staff_client(Role.OPERATOR, locality=locality)
    auditor = staff_client(Role.AUDITOR, locality=locality)
    head = staff_client(Role.DEPARTMENT_HEAD, locality=locality)
    for client in (operator, auditor):
        page = client.get("/staff/feedback/").content.decode()
        assert suggestion.reference in page
        assert complaint.reference in page
        assert corruption.reference not in page
        assert client.get(f"/staff/feedback/{corruption.pk}/").status_code == 404
        assert client.get("/staff/feedback/", {"kind": "corruption"}).status_code == 422
    assert operator.post(f"/staff/feedback/{corruption.pk}/", {"status": "closed"}).status_code == 404
    for client in (head, staff_client(Role.ADMINISTRATOR)):
        assert corruption.reference in client.get("/staff/feedback/").content.decode()
        assert client.get(f"/staff/feedback/{corruption.pk}/").status_code == 200
    filtered = operator.get("/staff/feedback/", {"kind": "organisation"}).content.decode()
    assert complaint.reference in filtered
    assert suggestion.reference not in filtered

    url = f"/staff/feedback/{suggestion.pk}/"
    assert operator.post(url, {"status": "answered", "answer": ""}).status_code == 422
    assert operator.post(url, {"status": "in_progress", "answer": ""}).status_code == 302
    assert (
        operator.post(url, {"status": "answered", "answer": "The gate was repaired on Monday."}).status_code
        == 302
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.answer) == ("answered", "The gate was repaired on Monday.")
    assert (
        operator.get("/staff/feedback/", {"status": "answered"}).content.decode().count(suggestion.reference)
        == 1
    )
    changes = events("feedback.status_changed", suggestion.pk)
    assert [e.payload["status"] for e in changes] == ["in_progress", "answered"]
    assert all(suggestion.reference not in str(e.payload) for e in changes)
    assert head.post(f"/staff/feedback/{corruption.pk}/", {"status": "in_progress"}).status_code == 302
    assert ledger_verify().ok


def test_feedback_list_pages(locality: Locality) -> None:
    for _ in range(51):
        feedback(locality)
    operator = staff_client(Role.OPERATOR, locality=locality)
    first = operator.get("/staff/feedback/", {"status": "new"})
    assert first.status_code == 200
    assert "Page 1 of 2" in first.content.decode()
    assert "status=new&amp;page=2" in first.content.decode()
    assert (
        operator.get("/staff/feedback/", {"status": "new", "page": "2"}).content.decode().count("<tr>") == 2
    )


def test_the_menu_offers_the_desk_to_the_department_only(locality: Locality) -> None:
    desk = ("/staff/benefits/", "/staff/applications/", "/staff/access-requests/", "/staff/feedback/")
    for role in (Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.AUDITOR):
        home = staff_client(role, locality=locality).get("/staff/").content.decode()
        assert all(f'href="{url}"' in home for url in desk), role
    organisation = OrganisationFactory.create(locality=locality)
    home = staff_client(Role.KINDERGARTEN_HEAD, organisation=organisation).get("/staff/").content.decode()
    assert not any(f'href="{url}"' in home for url in desk)
