"""The join-the-queue wizard (web pages) through the Django test client: the whole journey with the SMS
codes read from the outbox, going back, every refused input, and no personal data in any URL."""

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from kezek.core import clock
from kezek.core.tick import tick_run
from kezek.notifications.models import OutboxMessage
from kezek.notifications.selectors import outbox_latest
from kezek.registry.models import RegistryPerson
from kezek.verification.models import PhoneCode
from kezek.waitlist.models import Applicant, Application, BenefitClaim
from kezek.waitlist.services import WIZARD_UPLOAD_DIR
from tests.factories import (
    LocalityFactory,
    RegistryBenefitFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
    certificate,
    register_application,
)
from tests.factories.waitlist import ensure_benefit_categories, next_phone

pytestmark = pytest.mark.django_db

JOIN = "/queue/join/"
PHONES, CODES = "/queue/join/phones/", "/queue/join/phones/codes/"
PERSONS, ADDRESS = "/queue/join/persons/", "/queue/join/address/"
BENEFIT, NOTIFY = "/queue/join/benefit/", "/queue/join/notifications/"
REVIEW, DONE = "/queue/join/review/", "/queue/join/done/"


class Family:
    def __init__(self, *, child: RegistryPerson | None = None) -> None:
        self.locality = LocalityFactory.create(code=f"loc{RegistryPerson.objects.count()}")
        self.child = child or RegistryPersonFactory.create()
        self.applicant = RegistryPersonFactory.create(adult=True)
        RegistryKinshipFactory.create(parent=self.applicant, child=self.child)
        self.phone, self.phone_alt = next_phone(), next_phone()
        ensure_benefit_categories()

    @property
    def secrets(self) -> list[str]:
        """Personal data that must never appear in a URL (digits of the phones as typed, too)."""
        return [self.child.iin, self.applicant.iin, self.phone, self.phone[1:], self.phone[2:]]


@pytest.fixture
def family() -> Family:
    return Family()


class Recorder:
    """Posts and gets through the client, checking that no URL or redirect carries personal data."""

    def __init__(self, client: Client, family: Family) -> None:
        self.client, self.family = client, family
        client.cookies["kezek_locality"] = family.locality.code
        client.cookies["kezek_language"] = "en"

    def _checked(self, url: str, response: Any) -> Any:
        for value in self.family.secrets:
            assert value not in url
            assert value not in response.get("Location", "")
        assert response.status_code < 500, response.content
        return response

    def get(self, url: str) -> Any:
        return self._checked(url, self.client.get(url))

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self._checked(url, self.client.post(url, data))


@pytest.fixture
def web(client: Client, family: Family) -> Recorder:
    return Recorder(client, family)


def last_code(phone: str) -> str:
    message = outbox_latest(recipient=phone)
    assert message is not None
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def text(response: Any) -> str:
    return response.content.decode()


def through_phones(web: Recorder) -> None:
    f = web.family
    response = web.post(PHONES, {"phone": f.phone, "phone_alt": f.phone_alt})
    assert response.status_code == 302
    assert response["Location"] == CODES
    page = web.get(CODES)
    assert "+7 701 *** **" in text(page)
    assert f.phone not in text(page)
    response = web.post(CODES, {"code": last_code(f.phone), "code_alt": last_code(f.phone_alt)})
    assert response.status_code == 302
    assert response["Location"] == PERSONS


def through_persons(web: Recorder) -> None:
    f = web.family
    data = {"applicant_iin": f.applicant.iin, "child_iin": f.child.iin}
    response = web.post(PERSONS, data | {"action": "lookup"})
    assert response.status_code == 302
    assert response["Location"] == PERSONS
    page = text(web.get(PERSONS))
    assert f.child.last_name in page
    assert f.applicant.first_name in page
    response = web.post(PERSONS, data | {"action": "next"})
    assert response.status_code == 302
    assert response["Location"] == ADDRESS


def through_address(web: Recorder, **change: str) -> None:
    data = {"address": "Өскемен, Бурова көшесі, 51", "locality": web.family.locality.code, "language": "kk"}
    response = web.post(ADDRESS, data | change)
    assert response.status_code == 302
    assert response["Location"] == BENEFIT


def through_benefit(web: Recorder) -> None:
    response = web.post(BENEFIT, {"category": ""})
    assert response.status_code == 302
    assert response["Location"] == NOTIFY


def through_notifications(web: Recorder) -> None:
    response = web.post(NOTIFY, {"notify_channel": "sms", "email": "", "notify_language": "kk"})
    assert response.status_code == 302
    assert response["Location"] == REVIEW


def to_review(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    through_benefit(web)
    through_notifications(web)


def personal_data(family: Family) -> list[str]:
    """Every form of the family's personal data that must never be in a log message."""
    values = [family.child.iin, family.applicant.iin]
    for phone in (family.phone, family.phone_alt):
        national = phone[2:]  # "7011234567"; it is inside "+77011234567", "87011234567", "77011234567"
        values += [national, f"{national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"]
    for person in (family.child, family.applicant):
        last, first, middle = person.last_name, person.first_name, person.middle_name
        values += [" ".join(p for p in (last, first, middle) if p), f"{last} {first}", f"{first} {last}"]
    return values


def assert_no_personal_data_logged(records: list[logging.LogRecord], family: Family) -> None:
    assert records, "nothing was logged: is the capture on?"
    secrets = personal_data(family)
    for record in records:
        message = record.getMessage()
        digits = re.sub(r"[\s()\-]", "", message)  # "+7 (701) 123-45-67" → "+77011234567"
        for value in secrets:
            assert value not in message, (record.name, message)
            if value.isdigit():
                assert value not in digits, (record.name, message)


@pytest.mark.parametrize(
    "leak",
    [
        "+7PHONE",
        "8PHONE",
        "7PHONE",
        "PHONE",
        "+7 (701) 6PHONE",
        "8 701 SPACED",
        "CHILD_IIN",
        "APPLICANT_NAME",
    ],
)
def test_the_log_check_catches_every_form(family: Family, leak: str) -> None:
    national = family.phone[2:]
    spaced = f"{national[3:6]} {national[6:8]} {national[8:]}"
    a = family.applicant
    message = (
        leak.replace("+7 (701) 6PHONE", f"+7 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}")
        .replace("SPACED", spaced)
        .replace("PHONE", national)
        .replace("CHILD_IIN", family.child.iin)
        .replace("APPLICANT_NAME", f"{a.last_name} {a.first_name} {a.middle_name}".strip())
    )
    record = logging.LogRecord("kezek", logging.INFO, __file__, 1, "sent to %s", (message,), None)
    with pytest.raises(AssertionError):
        assert_no_personal_data_logged([record], family)
    masked = logging.LogRecord("kezek", logging.INFO, __file__, 1, "sent to %s", ("+7 701 *** ** 01",), None)
    assert_no_personal_data_logged([masked], family)


def test_the_whole_journey(web: Recorder, family: Family, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    response = web.get(JOIN)
    assert response.status_code == 302
    assert response["Location"] == PHONES
    page = text(web.get(PHONES))
    assert 'aria-current="step"' in page
    assert '<label for="id_phone">' in page
    to_review(web)
    review = text(web.get(REVIEW))
    for value in (family.child.iin, family.applicant.iin, family.child.last_name, "Бурова", family.phone):
        assert value in review
    assert Application.objects.count() == 0
    response = web.post(REVIEW, {})
    assert response.status_code == 302
    assert response["Location"] == DONE
    application = Application.objects.get()
    assert (application.child.iin, application.applicant.iin) == (family.child.iin, family.applicant.iin)
    assert (application.locality, application.language, application.tier) == (
        family.locality,
        "kk",
        "general",
    )
    assert application.applicant.notify_language == "kk"
    done = web.get(DONE)
    assert done.status_code == 200
    assert f'<strong id="application-number">{application.pk}</strong>' in text(done)
    sms = outbox_latest(recipient=family.phone, template="application_registered")
    assert sms is not None
    assert str(application.pk) in sms.body
    # PRG: the state is gone; posting the review again registers nothing and starts over.
    again = web.post(REVIEW, {})
    assert again.status_code == 302
    assert again["Location"] == PHONES
    assert web.get(DONE).status_code == 200
    assert Application.objects.count() == 1
    # Checking the queue, and the SMS sent by the tick (their texts are logged at DEBUG).
    for iin in (family.child.iin, family.applicant.iin):
        assert f"Application No. {application.pk}" in text(web.post("/queue/check/", {"iin": iin}))
    tick_run()
    assert_no_personal_data_logged(caplog.records, family)


def test_no_personal_data_in_the_logs_of_refusals_and_a_certificate(
    web: Recorder, family: Family, caplog: pytest.LogCaptureFixture
) -> None:
    """The other paths that log: a wrong code, refused IINs, a resend refused, a certificate, 4xx pages."""
    caplog.set_level(logging.DEBUG)
    web.post(PHONES, {"phone": family.phone.replace("+7", "8"), "phone_alt": family.phone_alt})
    web.post(CODES, {"resend": "phone"})  # 429: the resend wait
    wrong = "111111" if last_code(family.phone) != "111111" else "222222"
    web.post(CODES, {"code": wrong, "code_alt": last_code(family.phone_alt)})
    web.post(CODES, {"code": last_code(family.phone)})
    bad_child = family.child.iin[:11] + str((int(family.child.iin[11]) + 1) % 10)
    web.post(PERSONS, {"applicant_iin": family.applicant.iin, "child_iin": bad_child, "action": "lookup"})
    web.post(
        PERSONS, {"applicant_iin": family.child.iin, "child_iin": family.applicant.iin, "action": "lookup"}
    )
    back(web, PERSONS, {"applicant_iin": family.applicant.iin, "child_iin": family.child.iin}, PHONES)
    web.post(PHONES, {"phone": family.phone, "phone_alt": family.phone_alt})
    through_persons(web)
    through_address(web)
    today = clock.today().isoformat()
    web.post(BENEFIT, {"category": "military", "issued_on": today, "document": certificate()})
    through_notifications(web)
    assert web.post(REVIEW, {})["Location"] == DONE
    assert web.post("/queue/check/", {"iin": bad_child}).status_code == 422
    tick_run()
    assert_no_personal_data_logged(caplog.records, family)


def test_first_priority_found_in_the_registry_is_shown(web: Recorder, family: Family) -> None:
    RegistryBenefitFactory.create(person=family.child, category="large_family")
    through_phones(web)
    through_persons(web)
    through_address(web)
    page = text(web.get(BENEFIT))
    assert "Children from large families" in page
    through_benefit(web)
    through_notifications(web)
    assert web.post(REVIEW, {})["Location"] == DONE
    assert Application.objects.get().tier == "first_priority"


def test_going_back_keeps_what_was_typed(web: Recorder, family: Family) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web, address="Риддер, Ленина 7")
    assert f'value="{family.phone}"' in text(web.get(PHONES))
    persons = text(web.get(PERSONS))
    assert f'value="{family.child.iin}"' in persons
    assert f'value="{family.applicant.iin}"' in persons
    address = text(web.get(ADDRESS))
    assert 'value="Риддер, Ленина 7"' in address
    assert f'<option value="{family.locality.code}" selected>' in address
    # The numbers unchanged and confirmed: the phones step goes straight on without new codes.
    sent = outbox_latest(recipient=family.phone)
    response = web.post(PHONES, {"phone": family.phone, "phone_alt": family.phone_alt})
    assert response["Location"] == PERSONS
    assert outbox_latest(recipient=family.phone) == sent
    # The progress list links the steps done; a step not reached yet is not open.
    assert f'href="{PERSONS}"' in text(web.get(ADDRESS))
    assert web.get(REVIEW)["Location"] == BENEFIT


def test_a_step_cannot_be_skipped(web: Recorder) -> None:
    for url in (CODES, PERSONS, ADDRESS, BENEFIT, NOTIFY, REVIEW):
        assert web.get(url)["Location"] == PHONES
    assert web.get(DONE)["Location"] == JOIN


def test_extraordinary_benefit_certificate_survives_going_back(web: Recorder, family: Family) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    today = clock.today().isoformat()
    response = web.post(BENEFIT, {"category": "military", "issued_on": today, "document": certificate()})
    assert response["Location"] == NOTIFY
    stored = web.client.session["waitlist_join"]["benefit"]["document"]
    assert default_storage.exists(stored)
    assert family.child.iin not in stored
    page = text(web.get(BENEFIT))
    assert "certificate.pdf" in page
    assert '<option value="military" selected>' in page
    # Next again without choosing the file again: the stored certificate is kept.
    assert web.post(BENEFIT, {"category": "military", "issued_on": today})["Location"] == NOTIFY
    through_notifications(web)
    assert "Children of military servicemen" in text(web.get(REVIEW))
    assert web.post(REVIEW, {})["Location"] == DONE
    application = Application.objects.get()
    assert application.tier == "extraordinary"
    claim = BenefitClaim.objects.get(application=application, source="document")
    assert claim.document.read().startswith(b"%PDF")
    assert not default_storage.exists(stored)


def test_cancel_forgets_everything_and_deletes_the_certificate(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    today = clock.today().isoformat()
    web.post(BENEFIT, {"category": "military", "issued_on": today, "document": certificate()})
    stored = web.client.session["waitlist_join"]["benefit"]["document"]
    assert web.post("/queue/join/cancel/", {}).status_code == 302
    assert not default_storage.exists(stored)
    assert web.get(JOIN)["Location"] == PHONES


# --- refused input: a translated error, the right status, nothing written --------------------------------


def refused(response: Any, message: str, status: int = 422) -> None:
    assert response.status_code == status, response.content
    assert message in text(response)
    assert 'class="error-summary"' in text(response)
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "12345", "phone_alt": "+77011112233"}, "Enter the phone number as +7 7XX"),
        ({"phone": "+77172123456", "phone_alt": "+77011112233"}, "This is not a Kazakhstan mobile number"),
        ({"phone": "+77011112233", "phone_alt": "8 701 111 22 33"}, "Enter two different phone numbers."),
        ({"phone": "", "phone_alt": "+77011112233"}, "This field is required."),
    ],
)
def test_bad_phones(web: Recorder, data: dict[str, str], message: str) -> None:
    refused(web.post(PHONES, data), message)
    assert outbox_latest(recipient="+77011112233") is None


def test_wrong_code_and_resend_wait(web: Recorder, family: Family) -> None:
    web.post(PHONES, {"phone": family.phone, "phone_alt": family.phone_alt})
    refused(web.post(CODES, {"code": "000000", "code_alt": "12"}), "Ensure this value has at least 6")
    wrong = "111111" if last_code(family.phone) != "111111" else "222222"
    refused(web.post(CODES, {"code": wrong, "code_alt": last_code(family.phone_alt)}), "The code is wrong.")
    page = text(web.get(CODES))
    assert 'id="id_code_alt"' not in page
    assert "confirmed" in page
    assert "You can request a new code in" in page
    refused(web.post(CODES, {"resend": "phone"}), "A code has just been sent to this number.", 429)


def test_resend_after_the_wait(web: Recorder, family: Family, settings: Any) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    web.post(PHONES, {"phone": family.phone, "phone_alt": family.phone_alt})
    first = last_code(family.phone)
    assert web.post(CODES, {"resend": "phone"})["Location"] == CODES
    message = outbox_latest(recipient=family.phone)
    assert message is not None
    assert len(re.findall(r"\b\d{6}\b", message.body)) == 1
    code = last_code(family.phone)
    response = web.post(CODES, {"code": code, "code_alt": last_code(family.phone_alt)})
    assert response["Location"] == PERSONS, (first, code)


def _person(**kwargs: Any) -> RegistryPerson:
    return RegistryPersonFactory.create(**kwargs)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad_checksum", "The IIN is not valid: check the digits."),
        ("unknown", "No person with this IIN was found in the state register."),
        ("too_old", "Only children under 7 can join the queue."),
        ("not_parent", "The state register does not list the applicant as the child"),
        ("same", "The applicant and the child must be different persons."),
        ("child_as_applicant", "The applicant must be an adult."),
    ],
)
def test_bad_persons(web: Recorder, family: Family, case: str, message: str) -> None:
    through_phones(web)
    applicant, child = family.applicant.iin, family.child.iin
    if case == "bad_checksum":
        child = child[:11] + str((int(child[11]) + 1) % 10)
    elif case == "unknown":
        child = RegistryPersonFactory.build().iin
    elif case == "too_old":
        old = _person(birth_date=clock.today() - dt.timedelta(days=365 * 8))
        RegistryKinshipFactory.create(parent=family.applicant, child=old)
        child = old.iin
    elif case == "not_parent":
        child = _person().iin
    elif case == "same":
        child = applicant
    elif case == "child_as_applicant":
        applicant = _person().iin
    response = web.post(PERSONS, {"applicant_iin": applicant, "child_iin": child, "action": "lookup"})
    refused(response, message)
    assert 'id="found-persons"' not in text(response)
    assert web.get(ADDRESS)["Location"] == PERSONS


def test_bad_address(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    refused(web.post(ADDRESS, {"address": "  ab ", "locality": "", "language": "xx"}), "5 to 255 characters")
    response = web.post(ADDRESS, {"address": "", "locality": "atlantis", "language": "kk"})
    refused(response, "Select a valid choice.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "military", "issued_on": "TODAY"}, "Attach the certificate."),
        ({"category": "military", "document": "PDF"}, "Enter the date of issue of the certificate."),
        ({"category": "military", "issued_on": "TODAY", "document": "GIF"}, "must be a PDF or JPEG file"),
        ({"category": "military", "issued_on": "TODAY", "document": "POLYGLOT"}, "not a real PDF or JPEG"),
        ({"category": "military", "issued_on": "OLD", "document": "PDF"}, "issued within the last month"),
        ({"category": "large_family", "issued_on": "TODAY", "document": "PDF"}, "Select a valid choice."),
        ({"category": "nonsense", "issued_on": "TODAY", "document": "PDF"}, "Select a valid choice."),
    ],
)
def test_bad_benefit(web: Recorder, data: dict[str, str], message: str, tmp_path: Path) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    dates = {"TODAY": clock.today(), "OLD": clock.today() - dt.timedelta(days=60)}
    files = {
        "PDF": certificate(),
        "GIF": certificate("c.gif", b"GIF89a...."),
        "POLYGLOT": certificate(content=b"%PDF-1.4\n<html><script>alert(1)</script></html>"),
    }
    post = {"category": data["category"]}
    if "issued_on" in data:
        post["issued_on"] = dates[data["issued_on"]].isoformat()
    form: dict[str, Any] = {**post}
    if "document" in data:
        form["document"] = files[data["document"]]
    refused(web.post(BENEFIT, form), message)
    assert "benefit" not in web.client.session["waitlist_join"]
    assert not list((tmp_path / "media").rglob("*")) or not any(
        p.is_file() for p in (tmp_path / "media").rglob("*")
    )


def test_email_channel_needs_an_email(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    through_benefit(web)
    data = {"notify_channel": "email", "email": "", "notify_language": "ru"}
    refused(web.post(NOTIFY, data), "Enter an email address to be notified by email.")
    refused(web.post(NOTIFY, data | {"email": "not-an-email"}), "Enter a valid email address.")
    refused(web.post(NOTIFY, data | {"notify_language": "de", "email": "a@b.kz"}), "Select a valid choice.")
    response = web.post(NOTIFY, data | {"email": "parent@example.kz"})
    assert response["Location"] == REVIEW


def test_duplicate_shows_on_review_as_409(web: Recorder, family: Family) -> None:
    register_application(
        locality=family.locality,
        child=family.child,
        applicant=family.applicant,
        phones=(family.phone, next_phone()),
    )
    to_review(web)
    response = web.post(REVIEW, {})
    assert response.status_code == 409
    assert "This child already has an active application in this locality." in text(response)
    assert Application.objects.count() == 1


def test_expired_phone_confirmation_goes_back_to_the_phones_step(
    web: Recorder, family: Family, settings: Any
) -> None:
    to_review(web)
    settings.OTP_CONFIRMED_TTL_SECONDS = 0
    response = web.post(REVIEW, {})
    assert response.status_code == 422
    assert 'id="id_phone"' in text(response)
    assert "is not confirmed or its confirmation has expired" in text(response)
    assert Application.objects.count() == 0
    assert web.get(REVIEW)["Location"] == PHONES


def test_existing_cabinet_needs_its_main_phone(web: Recorder, family: Family) -> None:
    other_child = RegistryPersonFactory.create()
    register_application(locality=family.locality, child=other_child, applicant=family.applicant)
    to_review(web)
    response = web.post(REVIEW, {})
    refused_count = Application.objects.count()
    assert response.status_code == 422
    assert "You already have a personal cabinet" in text(response)
    assert 'id="id_phone"' in text(response)
    assert refused_count == 1
    assert Applicant.objects.count() == 1


def test_errors_are_translated(client: Client, family: Family) -> None:
    web = Recorder(client, family)
    client.cookies["kezek_language"] = "ru"
    through_phones(web)
    response = web.post(PERSONS, {"applicant_iin": "123456789012", "child_iin": family.child.iin})
    assert response.status_code == 422
    assert "The IIN is not valid" not in text(response)
    assert "ИИН" in text(response)


def test_a_vanished_certificate_goes_back_to_the_benefit_step(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    today = clock.today().isoformat()
    web.post(BENEFIT, {"category": "military", "issued_on": today, "document": certificate()})
    through_notifications(web)
    default_storage.delete(web.client.session["waitlist_join"]["benefit"]["document"])
    response = web.post(REVIEW, {})
    refused(response, "Attach the certificate and its date of issue")
    assert 'id="id_document"' in text(response)
    assert "Attached certificate" not in text(response)
    assert web.get(REVIEW)["Location"] == BENEFIT


def test_a_registry_change_before_the_submit_goes_back_to_the_persons_step(
    web: Recorder, family: Family
) -> None:
    to_review(web)
    RegistryPerson.objects.filter(pk=family.child.pk).delete()
    response = web.post(REVIEW, {})
    refused(response, "No person with this IIN was found in the state register.")
    assert 'id="id_child_iin"' in text(response)
    assert web.get(REVIEW)["Location"] == PERSONS


# --- "Back" keeps what was typed (a submit button that validates, sends and looks up nothing) --------------


def back(web: Recorder, url: str, data: dict[str, Any], previous: str) -> None:
    """Press Back on the step at `url` with `data` typed: nothing is written but the wizard's draft."""
    before = (
        Application.objects.count(),
        Applicant.objects.count(),
        BenefitClaim.objects.count(),
        PhoneCode.objects.count(),
        OutboxMessage.objects.count(),
        stored_files(),
    )
    response = web.post(url, data | {"back": "1"})
    assert response.status_code == 302
    assert response["Location"] == previous
    after = (
        Application.objects.count(),
        Applicant.objects.count(),
        BenefitClaim.objects.count(),
        PhoneCode.objects.count(),
        OutboxMessage.objects.count(),
        stored_files(),
    )
    assert after == before  # no application, no code, no SMS, no file kept


def stored_files() -> list[str]:
    try:
        return sorted(default_storage.listdir(WIZARD_UPLOAD_DIR)[1])
    except FileNotFoundError:
        return []


def test_back_keeps_what_was_typed_on_every_step(web: Recorder, family: Family) -> None:
    web.get(JOIN)
    through_phones(web)
    sent = OutboxMessage.objects.count()
    # Step 2: typed but not looked up (even a wrong IIN is kept as typed, without an error).
    back(web, PERSONS, {"applicant_iin": family.applicant.iin, "child_iin": "12ab"}, PHONES)
    assert "persons" not in web.client.session["waitlist_join"]  # nothing looked up in the register
    assert web.post(PHONES, {"phone": family.phone, "phone_alt": family.phone_alt})["Location"] == PERSONS
    page = text(web.get(PERSONS))
    assert f'value="{family.applicant.iin}"' in page
    assert 'value="12ab"' in page
    assert 'class="error-summary"' not in page
    assert 'id="found-persons"' not in page
    through_persons(web)
    # Step 3.
    typed = {"address": "Риддер, Ленина 7", "locality": family.locality.code, "language": "ru"}
    back(web, ADDRESS, typed, PERSONS)
    page = text(web.get(PERSONS))
    assert 'id="found-persons"' in page  # the same IINs: the names found are still shown
    assert (
        web.post(
            PERSONS, {"applicant_iin": family.applicant.iin, "child_iin": family.child.iin, "action": "next"}
        )["Location"]
        == ADDRESS
    )
    page = text(web.get(ADDRESS))
    assert 'value="Риддер, Ленина 7"' in page
    assert f'<option value="{family.locality.code}" selected>' in page
    assert '<option value="ru" selected>' in page
    through_address(web)
    # Step 4: a file chosen before Back is not kept (the page says so); the rest is.
    today = clock.today().isoformat()
    back(web, BENEFIT, {"category": "military", "issued_on": today, "document": certificate()}, ADDRESS)
    through_address(web)
    page = text(web.get(BENEFIT))
    assert '<option value="military" selected>' in page
    assert f'value="{today}"' in page
    assert 'id="back-hint"' in page
    assert 'id="attached-document"' not in page
    through_benefit(web)
    # Step 5.
    back(
        web,
        NOTIFY,
        {"notify_channel": "email", "email": "parent@example.kz", "notify_language": "ru"},
        BENEFIT,
    )
    through_benefit(web)
    page = text(web.get(NOTIFY))
    assert 'value="parent@example.kz"' in page
    assert re.search(r'<input type="radio" name="notify_channel" value="email"[^>]* checked', page)
    assert re.search(r'<input type="radio" name="notify_language" value="ru"[^>]* checked', page)
    through_notifications(web)
    # Step 6: Back from the review submits nothing.
    back(web, REVIEW, {}, NOTIFY)
    assert Application.objects.count() == 0
    assert OutboxMessage.objects.count() == sent
    # A step passed again forgets its draft; the submit then registers what the pages showed.
    assert "notifications" not in web.client.session["waitlist_join"].get("drafts", {})
    through_notifications(web)
    assert web.post(REVIEW, {})["Location"] == DONE
    assert Application.objects.get().address == "Өскемен, Бурова көшесі, 51"


def test_back_buttons_are_submit_buttons_after_next(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    page = text(web.get(ADDRESS))
    button = '<button type="submit" name="back" value="1" formnovalidate id="step-back">Back</button>'
    assert button in page
    # "Next" comes first in the form: pressing Enter in a field goes forward, not back.
    assert page.index('id="step-next"') < page.index('id="step-back"')
    assert 'href="/queue/join/persons/" id="step-back"' not in page


def test_back_with_changed_values_undoes_the_step(web: Recorder, family: Family) -> None:
    to_review(web)
    # Unchanged values: the steps stay done and the review stays open.
    same = {"notify_channel": "sms", "email": "", "notify_language": "kk"}
    back(web, NOTIFY, same, BENEFIT)
    assert web.get(REVIEW).status_code == 200
    # A changed address not confirmed by Next: the review would show other values than the page, so
    # the step must be passed again.
    changed = {"address": "Риддер, Ленина 7", "locality": family.locality.code, "language": "kk"}
    back(web, ADDRESS, changed, PERSONS)
    assert web.get(REVIEW)["Location"] == ADDRESS
    assert 'value="Риддер, Ленина 7"' in text(web.get(ADDRESS))


def test_back_from_persons_with_other_iins_hides_the_old_names(web: Recorder, family: Family) -> None:
    to_review(web)
    other = RegistryPersonFactory.create()
    back(web, PERSONS, {"applicant_iin": family.applicant.iin, "child_iin": other.iin}, PHONES)
    page = text(web.get(PERSONS))
    assert f'value="{other.iin}"' in page
    assert 'id="found-persons"' not in page
    assert family.child.last_name not in page
    assert web.get(REVIEW)["Location"] == PERSONS


def test_back_keeps_an_attached_certificate_and_ignores_a_new_file(web: Recorder) -> None:
    through_phones(web)
    through_persons(web)
    through_address(web)
    today = clock.today().isoformat()
    web.post(BENEFIT, {"category": "military", "issued_on": today, "document": certificate()})
    stored = web.client.session["waitlist_join"]["benefit"]["document"]
    back(
        web,
        BENEFIT,
        {"category": "military", "issued_on": today, "document": certificate("new.pdf")},
        ADDRESS,
    )
    assert web.client.session["waitlist_join"]["benefit"]["document"] == stored
    assert default_storage.exists(stored)
    through_address(web)
    page = text(web.get(BENEFIT))
    assert "Attached certificate: certificate.pdf" in page
    assert "new.pdf" not in page
    assert web.get(REVIEW).status_code == 302  # notifications not done yet
    assert web.post(BENEFIT, {"category": "military", "issued_on": today})["Location"] == NOTIFY
