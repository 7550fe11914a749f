"""Registration (Q1, Q5, I1–I4): the happy paths and bad input that must write nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from kezek.core import clock
from kezek.core.errors import Conflict, DomainError, ValidationFailed
from kezek.ledger.models import LedgerEvent
from kezek.notifications.models import OutboxMessage
from kezek.registry.models import RegistryKinship, RegistryPerson
from kezek.waitlist import selectors, services
from kezek.waitlist.models import Applicant, Application, BenefitClaim, Child
from tests.factories import (
    ConfirmedPhoneCodeFactory,
    LocalityFactory,
    RegistryBenefitFactory,
    RegistryPersonFactory,
    certificate,
    register_application,
)
from tests.factories.documents import PDF
from tests.factories.waitlist import next_phone

pytestmark = pytest.mark.django_db

COUNTED = (Applicant, Child, Application, BenefitClaim, LedgerEvent, OutboxMessage)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_general_application_is_registered_with_ledger_and_sms() -> None:
    application = register_application(tier="general")
    assert application.status == "queued"
    assert application.tier == "general"
    assert application.cohort == application.child.birth_date.year
    assert application.valid_until == application.registered_at.date().replace(
        year=application.registered_at.year + 1
    )
    event = LedgerEvent.objects.get(kind="application.registered")
    assert event.subject_id == str(application.pk)
    assert event.payload["tier"] == "general"
    assert application.child.iin not in str(event.payload)  # no personal data in the public ledger
    message = OutboxMessage.objects.get()
    assert str(application.pk) in message.body
    assert message.recipient == application.applicant.phone


def test_first_priority_is_confirmed_from_the_registry() -> None:
    application = register_application(tier="first_priority")
    claim = BenefitClaim.objects.get(application=application)
    assert (application.tier, claim.status, claim.source) == ("first_priority", "confirmed", "registry")


def test_extraordinary_claim_waits_for_staff_with_its_document() -> None:
    application = register_application(tier="extraordinary")
    claim = BenefitClaim.objects.get(application=application)
    assert (application.tier, claim.status, claim.source) == ("extraordinary", "pending", "document")
    assert claim.document.name.endswith(".pdf")


class Wizard:
    """Valid input for one registration; each bad-input test spoils one thing."""

    def __init__(self) -> None:
        self.locality = LocalityFactory.create()
        self.child = RegistryPersonFactory.create(birth_date=dt.date(2023, 5, 17))
        self.applicant = RegistryPersonFactory.create(adult=True)
        self.phone, self.phone_alt = next_phone(), next_phone()
        self.kwargs: dict[str, object] = {
            "locality": self.locality,
            "applicant_iin": self.applicant.iin,
            "child_iin": self.child.iin,
            "phone": self.phone,
            "phone_code_id": str(ConfirmedPhoneCodeFactory.create(phone=self.phone).pk),
            "phone_alt": self.phone_alt,
            "phone_alt_code_id": str(ConfirmedPhoneCodeFactory.create(phone=self.phone_alt).pk),
            "details": services.ApplicantInput(address="Өскемен, Бурова көшесі, 51", language="kk"),
            "extraordinary": None,
        }

    def register(self, *, kinship: bool = True, **changes: object) -> Application:
        kwargs = {**self.kwargs, **changes}
        parent = RegistryPerson.objects.filter(iin=kwargs["applicant_iin"]).first()
        child = RegistryPerson.objects.filter(iin=kwargs["child_iin"]).first()
        if kinship and parent and child and parent != child:
            RegistryKinship.objects.get_or_create(parent=parent, child=child)
        return services.application_register(**kwargs)  # type: ignore[arg-type]


def spoil_iin(iin: str) -> str:
    return iin[:-1] + str((int(iin[-1]) + 1) % 10)


def unconfirmed_code(w: Wizard) -> dict[str, object]:
    code = ConfirmedPhoneCodeFactory.create(phone=w.phone, confirmed_at=None)
    return {"phone_code_id": str(code.pk)}


def expired_confirmation(w: Wizard) -> dict[str, object]:
    old = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    code = ConfirmedPhoneCodeFactory.create(phone=w.phone, created_at=old, confirmed_at=old)
    return {"phone_code_id": str(code.pk)}


def document(content: bytes, *, days_ago: int = 1, size: int | None = None) -> dict[str, object]:
    upload = SimpleUploadedFile("cert.pdf", content)
    if size is not None:
        upload.size = size
    issued = clock.today() - dt.timedelta(days=days_ago)
    return {
        "extraordinary": services.BenefitDocument(category_code="military", document=upload, issued_on=issued)
    }


BAD_INPUT = {
    "child_iin_checksum": (lambda w: {"child_iin": spoil_iin(w.child.iin)}, "child_iin_invalid"),
    "applicant_iin_checksum": (
        lambda w: {"applicant_iin": spoil_iin(w.applicant.iin)},
        "applicant_iin_invalid",
    ),
    "applicant_is_child": (lambda w: {"applicant_iin": w.child.iin}, "same_person"),
    "child_not_in_registry": (
        lambda w: {"child_iin": _unregistered_child_iin()},
        "child_iin_not_found",
    ),
    "child_older_than_7": (
        lambda w: {"child_iin": RegistryPersonFactory.create(birth_date=dt.date(2018, 1, 5)).iin},
        "child_age",
    ),
    "same_phone_twice": (lambda w: {"phone_alt": w.phone}, "same_phone"),
    "applicant_not_the_parent": (lambda w: {"kinship": False}, "not_parent"),
    "not_a_mobile_phone": (lambda w: {"phone": "+7 7232 24 00 87"}, "phone_not_mobile"),
    "unconfirmed_code": (unconfirmed_code, "phone_not_confirmed"),
    "expired_confirmation": (expired_confirmation, "phone_not_confirmed"),
    "code_of_another_phone": (
        lambda w: {"phone_alt_code_id": w.kwargs["phone_code_id"]},
        "phone_not_confirmed",
    ),
    "unknown_code": (
        lambda w: {"phone_code_id": "0b5c0f0e-8f5a-4a52-9d8f-111111111111"},
        "phone_not_confirmed",
    ),
    "short_address": (
        lambda w: {"details": services.ApplicantInput(address="x", language="kk")},
        "address_invalid",
    ),
    "email_channel_without_email": (
        lambda w: {
            "details": services.ApplicantInput(address="Бурова 51", language="kk", notify_channel="email")
        },
        "email_required",
    ),
    "bad_email": (
        lambda w: {
            "details": services.ApplicantInput(address="Бурова 51", language="kk", email="not-an-email")
        },
        "email_invalid",
    ),
    "document_not_pdf_or_jpeg": (lambda w: document(b"GIF89a...."), "document_type"),
    "document_too_large": (lambda w: document(PDF, size=6 * 1024 * 1024), "document_too_large"),
    "document_outdated": (lambda w: document(PDF, days_ago=60), "document_outdated"),
    "document_missing": (
        lambda w: {
            "extraordinary": services.BenefitDocument(category_code="military", document=None, issued_on=None)
        },
        "document_required",
    ),
    "unknown_benefit": (
        lambda w: {
            "extraordinary": services.BenefitDocument(
                category_code="astronaut", document=certificate(), issued_on=clock.today()
            )
        },
        "benefit_unknown",
    ),
}


def _unregistered_child_iin() -> str:
    person = RegistryPersonFactory.build(birth_date=dt.date(2022, 2, 2))
    return person.iin


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_and_writes_nothing(case: str) -> None:
    wizard = Wizard()
    spoil, code = BAD_INPUT[case]
    changes = spoil(wizard)
    kinship = bool(changes.pop("kinship", True))
    before = counts()
    with pytest.raises(DomainError) as caught:
        wizard.register(kinship=kinship, **changes)
    assert caught.value.code == code
    assert 400 <= caught.value.status < 500
    assert str(caught.value.message)  # a sentence for the parent
    assert counts() == before
    wizard.register()  # the untouched input still works: the codes were not used up


def test_duplicate_active_application_is_a_conflict_and_writes_nothing() -> None:
    wizard = Wizard()
    wizard.register()
    again = Wizard()
    again.kwargs.update(locality=wizard.locality, child_iin=wizard.child.iin)
    before = counts()
    with pytest.raises(Conflict):
        again.register()
    assert counts() == before


def test_same_child_may_queue_in_another_locality_and_after_withdrawal() -> None:
    first = Wizard()
    application = first.register()
    elsewhere = Wizard()
    elsewhere.kwargs.update(child_iin=first.child.iin)
    elsewhere.register()
    services.application_withdraw(application=application, by_applicant=application.applicant)
    again = Wizard()
    again.kwargs.update(locality=first.locality, child_iin=first.child.iin)
    assert again.register().pk > application.pk  # a new number, never reused


def test_one_active_application_per_child_is_a_database_constraint() -> None:
    application = register_application()
    copy = Application.objects.get(pk=application.pk)
    copy.pk = None
    copy.ordinal += 1
    copy._state.adding = True
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_registered_at_and_number_cannot_be_changed_even_by_sql() -> None:
    application = register_application()
    with pytest.raises(TypeError):
        application.save(update_fields=["registered_at"])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE waitlist_application SET registered_at = %s WHERE id = %s",
            [dt.datetime(2020, 1, 1, tzinfo=dt.UTC), application.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE waitlist_application SET ordinal = 999 WHERE id = %s", [application.pk])


def test_first_priority_of_the_applicant_counts_too() -> None:
    wizard = Wizard()
    RegistryBenefitFactory.create(person=wizard.applicant, category="disabled_parent")
    assert wizard.register().tier == "first_priority"


def test_errors_are_translated() -> None:
    from django.utils import translation

    wizard = Wizard()
    with translation.override("ru"), pytest.raises(ValidationFailed) as caught:
        wizard.register(applicant_iin=wizard.child.iin)
    assert str(caught.value.message) != "The applicant and the child must be different persons."


def test_check_queue_by_either_iin_shows_no_names() -> None:
    application = register_application()
    for iin in (application.child.iin, application.applicant.iin):
        (result,) = selectors.check_queue(iin=iin)
        assert (result.number, result.position, result.cohort_size) == (application.pk, 1, 1)
        assert application.child.last_name not in str(result)


def test_an_existing_cabinet_keeps_its_phones() -> None:
    """No takeover by IIN: a second registration must confirm the cabinet's main phone; it changes nothing."""
    first = Wizard()
    application = first.register()
    again = Wizard()
    again.kwargs.update(applicant_iin=first.applicant.iin)
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        again.register()
    assert caught.value.code == "phone_not_on_record"
    assert counts() == before
    assert Applicant.objects.get(pk=application.applicant_id).phone == first.phone
    code = ConfirmedPhoneCodeFactory.create(phone=first.phone)
    second = again.register(phone=first.phone, phone_code_id=str(code.pk))
    assert second.applicant_id == application.applicant_id
    assert Applicant.objects.get(pk=application.applicant_id).phone_alt == first.phone_alt
