"""Complaints, suggestions and corruption reports: the form, the service's rules and the database's, the
reference page (no personal data), the public status, the per-address rate limit."""

import logging
import re

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from kezek.core.errors import ValidationFailed
from kezek.facilities.models import Locality, Organisation
from kezek.feedback import selectors, services
from kezek.feedback.models import REFERENCE_RE, TEXT_MAX_LENGTH, Feedback, Kind, Status, new_reference
from tests.factories import LocalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NAME = "Жасырынова Айгерімқыз"
PHONE_TYPED = "8 (701) 234-56-78"
PHONE = "+77012345678"
TEXT = "В саду требуют деньги за ремонт группы. Ерекше мәтін 4821."


@pytest.fixture
def city() -> Locality:
    return LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")


@pytest.fixture
def org(city: Locality) -> Organisation:
    return OrganisationFactory.create(locality=city, name_ru="Детский сад «Лада»")


@pytest.fixture
def en(client: Client) -> Client:
    client.cookies["kezek_language"] = "en"
    return client


def _visitor(client: Client, locality: Locality) -> Client:
    client.cookies["kezek_locality"] = locality.code
    return client


def _valid(org: Organisation, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "organisation",
        "organisation": org.pk,
        "text": TEXT,
        "contact_name": NAME,
        "phone": PHONE_TYPED,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _errors(html: str) -> str:
    """The text of the error summary."""
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary"
    return re.sub(r"<[^>]+>", " ", match.group(0))


# --- the form -------------------------------------------------------------------------------------------


def test_form_page_has_labels_and_choices(en: Client, city: Locality, org: Organisation) -> None:
    response = _visitor(en, city).get("/feedback/")
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("id_organisation", "id_text", "id_contact_name", "id_phone"):
        assert f'<label for="{field}">' in html
    assert "<legend>What is your message about?" in html
    assert "Детский сад «Лада»" in html
    assert 'method="post" novalidate' in html
    assert "1424" in html  # the anti-corruption hotline is mentioned on the form page


def test_submit_organisation_complaint(en: Client, city: Locality, org: Organisation) -> None:
    response = _visitor(en, city).post("/feedback/", _valid(org))
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert response["Location"] == f"/feedback/sent/{feedback.reference}/"
    assert re.fullmatch(REFERENCE_RE, feedback.reference)
    assert feedback.kind == Kind.ORGANISATION
    assert feedback.organisation == org
    assert feedback.locality == city
    assert feedback.phone == PHONE  # normalised (I4)
    assert feedback.contact_name == NAME
    assert feedback.status == Status.NEW
    assert feedback.created_at is not None

    page = en.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert feedback.reference in html
    assert "Thank you" in html
    assert "Детский сад «Лада»" in html  # the organisation is public
    for personal in (NAME, "Жасырынова", "Айгерімқыз", PHONE, "701", "234", TEXT[:20], "4821"):
        assert personal not in html


def test_anonymous_corruption_report(en: Client, city: Locality) -> None:
    page = _visitor(en, city).get("/feedback/corruption/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "anti-corruption hotline" in html
    assert '<a href="tel:1424">1424</a>' in html
    assert "1424" in html
    assert 'value="corruption" required id="id_kind_3" checked' in html
    response = en.post("/feedback/corruption/", {"kind": "corruption", "text": TEXT})
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.contact_name, feedback.phone, feedback.organisation) == (
        "corruption",
        "",
        "",
        None,
    )


def test_link_preselects_kind_and_organisation(en: Client, city: Locality, org: Organisation) -> None:
    html = _visitor(en, city).get(f"/feedback/?organisation={org.pk}").content.decode()
    assert f'<option value="{org.pk}" selected>' in html
    assert 'value="organisation" required id="id_kind_0" checked' in html
    html = en.get("/feedback/?kind=department&organisation=x").content.decode()
    assert 'value="department" required id="id_kind_1" checked' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"organisation": ""},
            "id_organisation",
            "Choose the preschool organisation your complaint is about.",
        ),
        ({"phone": "12345"}, "id_phone", "Enter the phone number as +7 7XX XXX XX XX"),
        ({"phone": "+7 727 234 56 78"}, "id_phone", "This is not a Kazakhstan mobile number"),
        ({"phone": ""}, "id_phone", "Enter a mobile phone number."),
        (
            {"contact_name": "  "},
            "id_contact_name",
            "Enter your name, so that the department can answer you.",
        ),
        ({"text": "x" * (TEXT_MAX_LENGTH + 1)}, "id_text", "at most 4000 characters"),
        ({"text": "   "}, "id_text", "This field is required."),
        ({"kind": "praise"}, "id_kind", "Select a valid choice."),
        ({"organisation": "999999"}, "id_organisation", "Select a valid choice."),
    ],
)
def test_invalid_input_shows_errors_and_creates_nothing(
    en: Client, city: Locality, org: Organisation, changes: dict[str, object], field: str, message: str
) -> None:
    response = _visitor(en, city).post("/feedback/", _valid(org, **changes))
    html = response.content.decode()
    assert response.status_code == 422
    summary = _errors(html)
    assert message in summary
    assert f'href="#{field}"' in html
    assert Feedback.objects.count() == 0
    assert "Кезек" not in summary  # nothing untranslated leaks from another language


def test_all_problems_at_once(en: Client, city: Locality, org: Organisation) -> None:
    response = _visitor(en, city).post("/feedback/", _valid(org, organisation="", contact_name="", phone="1"))
    summary = _errors(response.content.decode())
    assert "Choose the preschool organisation" in summary
    assert "Enter your name" in summary
    assert "Enter the phone number" in summary
    assert Feedback.objects.count() == 0


def test_organisation_of_another_locality_is_refused(en: Client, city: Locality, org: Organisation) -> None:
    elsewhere = OrganisationFactory.create(locality=LocalityFactory.create(code="ridder"))
    response = _visitor(en, city).post("/feedback/", _valid(org, organisation=elsewhere.pk))
    assert response.status_code == 422
    assert Feedback.objects.count() == 0
    with pytest.raises(services.FeedbackInvalid) as caught:
        services.feedback_submit(
            locality=city,
            data=services.FeedbackInput(
                kind="organisation", text=TEXT, organisation=elsewhere, contact_name=NAME, phone=PHONE
            ),
            ip="10.0.0.1",
        )
    assert caught.value.status == 422
    assert set(caught.value.problems) == {"organisation"}


def test_errors_are_translated(client: Client, city: Locality, org: Organisation) -> None:
    """Russian by default: the shared validators' and Django's messages come translated."""
    response = _visitor(client, city).post(
        "/feedback/", _valid(org, phone="12345", text="x" * (TEXT_MAX_LENGTH + 1))
    )
    summary = _errors(response.content.decode())
    assert response.status_code == 422
    assert "Укажите номер телефона" in summary
    assert "4000" in summary
    assert "символ" in summary
    assert Feedback.objects.count() == 0


# --- the database's rules ---------------------------------------------------------------------------------


def _row(city: Locality, **fields: object) -> Feedback:
    now = timezone.now()
    values: dict[str, object] = {
        "kind": "organisation",
        "locality": city,
        "text": TEXT,
        "contact_name": NAME,
        "phone": PHONE,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    return Feedback.objects.create(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"organisation": None},  # a complaint about an organisation names it
        {"kind": "suggestion", "phone": ""},  # contacts unless a corruption report
        {"kind": "department", "contact_name": ""},
        {"kind": "suggestion", "phone": "87012345678"},  # normalised phones only
        {"kind": "suggestion", "text": ""},
        {"kind": "suggestion", "text": "x" * (TEXT_MAX_LENGTH + 1)},
        {"kind": "suggestion", "status": "answered"},  # answered needs an answer
        {"kind": "suggestion", "status": "lost"},
        {"kind": "praise"},
        {"kind": "suggestion", "reference": "abc"},
    ],
)
def test_database_constraints(city: Locality, org: Organisation, fields: dict[str, object]) -> None:
    fields.setdefault("organisation", org)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(city, **fields)


def test_database_accepts_anonymous_corruption_report(city: Locality) -> None:
    row = _row(city, kind="corruption", contact_name="", phone="")
    assert row.reference
    assert re.fullmatch(REFERENCE_RE, row.reference)


def test_references_are_random_and_unique(city: Locality) -> None:
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    assert all(re.fullmatch(REFERENCE_RE, r) for r in references)
    first = _row(city, kind="corruption")
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(city, kind="corruption", reference=first.reference)


# --- status by reference ----------------------------------------------------------------------------------


def test_status_lookup(en: Client, city: Locality, org: Organisation) -> None:
    _visitor(en, city).post("/feedback/", _valid(org))
    feedback = Feedback.objects.get()
    assert en.get("/feedback/status/").status_code == 200
    typed = feedback.reference.replace("-", " ").lower()
    response = en.get("/feedback/status/", {"reference": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/status/{feedback.reference}/"
    page = en.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "received" in html
    assert "no-store" in page["Cache-Control"]
    assert page["X-Robots-Tag"] == "noindex"
    for personal in (NAME, PHONE, "701 234", TEXT[:20]):
        assert personal not in html
    # A lower-case address redirects to the canonical one.
    assert en.get(f"/feedback/status/{feedback.reference.lower()}/")["Location"] == response["Location"]


def test_status_lookup_errors(en: Client, city: Locality) -> None:
    response = en.get("/feedback/status/", {"reference": "hello"})
    assert response.status_code == 422
    assert "A reference number has 12 letters and digits" in _errors(response.content.decode())
    response = en.get("/feedback/status/", {"reference": "K7QX-M3PD-9TRW"})
    assert response.status_code == 404
    assert "No message with this reference number was found" in _errors(response.content.decode())
    assert en.get("/feedback/status/K7QX-M3PD-9TRW/").status_code == 404
    assert en.get("/feedback/sent/nonsense/").status_code == 404


def test_answer_is_shown_on_the_status_page(en: Client, city: Locality, org: Organisation) -> None:
    staff = User.objects.create_user("inspector", is_staff=True)
    _visitor(en, city).post("/feedback/", _valid(org))
    feedback = Feedback.objects.get()
    with pytest.raises(ValidationFailed):
        services.feedback_answer(feedback=feedback, by=staff, status="answered", answer=" ")
    services.feedback_answer(feedback=feedback, by=staff, status="in_progress")
    assert "being considered" in en.get(f"/feedback/status/{feedback.reference}/").content.decode()
    services.feedback_answer(feedback=feedback, by=staff, answer="Проверка проведена, деньги возвращены.")
    feedback.refresh_from_db()
    assert feedback.status == Status.ANSWERED
    assert feedback.answered_by == staff
    assert feedback.answered_at is not None
    html = en.get(f"/feedback/status/{feedback.reference}/").content.decode()
    assert "Проверка проведена, деньги возвращены." in html
    assert "answered" in html
    services.feedback_answer(feedback=feedback, by=staff, status="closed")
    feedback.refresh_from_db()
    assert (feedback.status, feedback.answer) == ("closed", "Проверка проведена, деньги возвращены.")
    with pytest.raises(ValidationFailed):
        services.feedback_answer(feedback=feedback, by=staff, status="lost")


def test_public_status_selector_has_no_personal_fields(city: Locality, org: Organisation) -> None:
    row = _row(city, organisation=org)
    status = selectors.feedback_public_status(reference=row.reference)
    values = " ".join(str(v) for v in status.__dict__.values())
    assert NAME not in values
    assert PHONE not in values
    assert TEXT not in values


# --- rate limit ---------------------------------------------------------------------------------------------


def test_rate_limit_per_client_address(en: Client, city: Locality, org: Organisation, settings) -> None:
    settings.FEEDBACK_RATE_LIMIT = 2
    _visitor(en, city)
    for _ in range(2):
        assert en.post("/feedback/", _valid(org), REMOTE_ADDR="203.0.113.7").status_code == 302
    response = en.post("/feedback/", _valid(org), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many messages" in html
    assert "You can send another message in" in html
    assert Feedback.objects.count() == 2
    # Another address is not affected; invalid submissions are not counted.
    other = Client()
    other.cookies["kezek_locality"] = city.code
    assert other.post("/feedback/", _valid(org, phone="1"), REMOTE_ADDR="198.51.100.1").status_code == 422
    assert other.post("/feedback/", _valid(org), REMOTE_ADDR="198.51.100.1").status_code == 302
    assert Feedback.objects.count() == 3


def test_phone_is_masked_in_the_log(
    en: Client, city: Locality, org: Organisation, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kezek.feedback"):
        _visitor(en, city).post("/feedback/", _valid(org))
    assert "+7 701 *** ** 78" in caplog.text
    assert PHONE not in caplog.text
    assert NAME not in caplog.text


def test_no_locality_yet(en: Client) -> None:
    response = en.get("/feedback/")
    assert response.status_code == 200
    assert "No localities have been set up yet." in response.content.decode()
