"""Queue factories. Applications are made through `application_register` (the real path), so their
ordinals, Fenwick counts, ledger events and notifications are exactly what production writes."""

import datetime as dt
import importlib
import itertools

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from kezek.core import clock
from kezek.facilities.models import Locality
from kezek.registry.models import RegistryKinship, RegistryPerson
from kezek.verification.models import PhoneCode, PhoneCodePurpose
from kezek.waitlist import services
from kezek.waitlist.models import Application, BenefitCategory
from tests.factories.documents import PDF
from tests.factories.facilities import LocalityFactory
from tests.factories.registry import RegistryBenefitFactory, RegistryPersonFactory

_phones = itertools.count(1)


def next_phone() -> str:
    return f"+7701{next(_phones) % 10_000_000:07d}"


class ConfirmedPhoneCodeFactory(DjangoModelFactory[PhoneCode]):
    """A code the parent has already typed in correctly (the SMS step is tested in tests/verification)."""

    class Meta:
        model = PhoneCode

    purpose = PhoneCodePurpose.PHONE_VERIFICATION
    phone = factory.LazyFunction(next_phone)
    code_hash = "0" * 64
    # Sent ten minutes ago and confirmed a minute later: the resend throttle no longer holds the phone.
    created_at = factory.LazyFunction(lambda: clock.now() - dt.timedelta(minutes=10))
    expires_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(minutes=5))
    confirmed_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(minutes=1))


def ensure_benefit_categories() -> None:
    """Transactional tests flush the database, migrated data included: put the default categories back."""
    if BenefitCategory.objects.exists():
        return
    migration = importlib.import_module("kezek.waitlist.migrations.0002_immutable_and_categories")
    for code, tier, registry_code, ru, kk, en in migration.CATEGORIES:
        BenefitCategory.objects.get_or_create(
            locality=None,
            code=code,
            defaults={
                "tier": tier,
                "registry_code": registry_code,
                "name_ru": ru,
                "name_kk": kk,
                "name_en": en,
            },
        )


def certificate(name: str = "certificate.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def register_application(
    *,
    locality: Locality | None = None,
    tier: str = "general",
    child: RegistryPerson | None = None,
    applicant: RegistryPerson | None = None,
    phones: tuple[str, str] | None = None,
    **details: str,
) -> Application:
    """Register through the service: registry persons, confirmed phone codes, a benefit for the tier."""
    locality = locality or LocalityFactory.create()
    ensure_benefit_categories()
    child = child or RegistryPersonFactory.create()
    applicant = applicant or RegistryPersonFactory.create(adult=True)
    RegistryKinship.objects.get_or_create(parent=applicant, child=child)
    if tier == "first_priority":
        RegistryBenefitFactory.create(person=child, category="large_family")
    phone, phone_alt = phones or (next_phone(), next_phone())
    extraordinary = (
        services.BenefitDocument(category_code="military", document=certificate(), issued_on=clock.today())
        if tier == "extraordinary"
        else None
    )
    return services.application_register(
        locality=locality,
        applicant_iin=applicant.iin,
        child_iin=child.iin,
        phone=phone,
        phone_code_id=str(ConfirmedPhoneCodeFactory.create(phone=phone).pk),
        phone_alt=phone_alt,
        phone_alt_code_id=str(ConfirmedPhoneCodeFactory.create(phone=phone_alt).pk),
        details=services.ApplicantInput(
            address=details.get("address", "Өскемен, Бурова көшесі, 51"),
            language=details.get("language", "kk"),
            email=details.get("email", ""),
            notify_channel=details.get("notify_channel", "sms"),
            notify_language=details.get("notify_language", "ru"),
        ),
        extraordinary=extraordinary,
    )
