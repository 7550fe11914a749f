"""Writes of the queue. Each service is one transaction and writes its ledger event inside it.

Every change of an application's place in the queue (joining, leaving, tier change) goes through
`_queue_count` under the cohort's lock, which keep the Fenwick counts (ranks.py) in step.
"""

import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError

from kezek.core import clock
from kezek.core.bulk import table_writer
from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.core.iin import iin_checked
from kezek.core.phones import normalize_phone
from kezek.core.workdays import add_working_days
from kezek.discretion.basis import Basis
from kezek.discretion.services import basis_checked, basis_record
from kezek.facilities.models import Language, Locality
from kezek.ledger.hashing import person_digest
from kezek.ledger.services import EventSpec, ledger_append, ledger_append_many
from kezek.notifications.services import BulkMessage, notification_enqueue, notifications_enqueue_many
from kezek.registry.adapters import PersonRecord, get_registry
from kezek.verification.models import PhoneCodePurpose
from kezek.verification.services import phone_code_consume

from . import commitments, locks, ranks, signals
from .models import (
    Applicant,
    Application,
    BenefitCategory,
    BenefitClaim,
    Child,
    NotifyChannel,
    QueueSettings,
    StopListEntry,
    Tier,
)

MAX_CHILD_AGE = 7  # Q2: a child of 7 has aged out of preschool
MIN_APPLICANT_AGE = 18
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_PIXELS = 50_000_000  # a JPEG scan: an A4 page at 600 dpi is 35 megapixels
DOCUMENT_VALID_DAYS = 31  # Q5: a certificate is valid one month
STOP_LIST_WORKING_DAYS = 10  # S2
AUTOMATIC_RESTORE = (StopListEntry.Reason.DIRECTION_EXPIRED, StopListEntry.Reason.BENEFIT_REJECTED)
Reason = StopListEntry.Reason
Status = Application.Status
WITHDRAWAL_REQUEST_DIR = "withdrawals"  # parents' scanned written requests (staff-only, never a public URL)
WIZARD_UPLOAD_DIR = "waitlist/wizard"  # certificates the join wizard keeps until its submit (default_storage)


@dataclass(frozen=True)
class ApplicantInput:
    """What the applicant types in the wizard besides the IINs and phones."""

    address: str
    language: str
    email: str = ""
    notify_channel: str = NotifyChannel.SMS
    notify_language: str = "ru"


@dataclass(frozen=True)
class BenefitDocument:
    """An extraordinary-benefit claim (Q5): the category code and its certificate."""

    category_code: str
    document: UploadedFile | None
    issued_on: dt.date | None


# --- validation helpers ---------------------------------------------------------------------------


def _age(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _person(iin: str, *, field: str) -> PersonRecord:
    person = get_registry().find_person(iin=iin)
    if person is None:
        raise ValidationFailed(
            _("No person with this IIN was found in the state register."), code=f"{field}_not_found"
        )
    return person


def _names(person: PersonRecord) -> dict[str, str]:
    """Names as the registry gives them (I3): never typed by the applicant."""
    return {"last_name": person.last_name, "first_name": person.first_name, "middle_name": person.middle_name}


def _validate_document(document: BenefitDocument, *, locality: Locality, today: dt.date) -> BenefitCategory:
    upload, issued_on = document.document, document.issued_on
    if upload is None or issued_on is None:
        raise ValidationFailed(
            _("Attach the certificate and its date of issue to claim an extraordinary benefit."),
            code="document_required",
        )
    category = _category(code=document.category_code, locality=locality)
    if category.tier != Tier.EXTRAORDINARY:
        raise ValidationFailed(
            _("Only extraordinary benefits are claimed with a document."), code="benefit_not_extraordinary"
        )
    document_checked(upload)
    if not today - dt.timedelta(days=DOCUMENT_VALID_DAYS) <= issued_on <= today:
        raise ValidationFailed(
            _("The certificate must have been issued within the last month."), code="document_outdated"
        )
    return category


def document_checked(upload: UploadedFile) -> str:
    """An uploaded certificate (Q5), medical document (P3), written request or access proof is a PDF or
    JPEG file of at most 5 MB that parses as one; returns the file name extension it is stored with.

    Judged by parsing, not by the first bytes: a PDF must open with pypdf (no password, at least one page,
    nothing but whitespace after its last %%EOF), a JPEG must decode with Pillow to its last byte (at most
    DOCUMENT_MAX_PIXELS, checked before decoding). Raises ValidationFailed (422)."""
    if upload.size is None or upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationFailed(_("The document must be at most 5 MB."), code="document_too_large")
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if content.startswith(b"%PDF-"):
        _pdf_checked(content)
        return "pdf"
    if content.startswith(b"\xff\xd8\xff"):
        _jpeg_checked(content)
        return "jpg"
    raise ValidationFailed(_("The document must be a PDF or JPEG file."), code="document_type")


def _unreadable() -> ValidationFailed:
    return ValidationFailed(
        _("The document is damaged or is not a real PDF or JPEG file."), code="document_unreadable"
    )


def _pdf_checked(content: bytes) -> None:
    """`content` is a whole PDF with pages that opens without a password (lenient on the small defects of
    scanners' files)."""
    if not content.rstrip(b"\x00\t\n\f\r ").endswith(b"%%EOF"):  # e.g. a PDF with an HTML tail
        raise _unreadable()
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        try:  # one that opens without a password (only printing or copying restricted) is readable
            locked = reader.is_encrypted and not reader.decrypt("")
        except DependencyError:  # AES, which pypdf reads only with `cryptography`: not installed
            locked = True
        pages = 0 if locked else len(reader.pages)
    except Exception as exc:  # a parser of untrusted bytes: any failure means the file is not a PDF
        raise _unreadable() from exc
    if locked:
        raise ValidationFailed(
            _("The PDF is password-protected: attach a copy without a password."), code="document_encrypted"
        )
    if pages == 0:
        raise _unreadable()


def _jpeg_checked(content: bytes) -> None:
    """`content` decodes as one JPEG image to its end. The size is read from the header before any
    decoding (a decompression bomb is refused unread), and it is decoded at 1/8 scale: every entropy-coded
    byte is still read, so a truncated or damaged file fails, in a fraction of the time and memory."""
    too_large = ValidationFailed(
        _("The image is too large: scan the document at a lower resolution."), code="document_too_large"
    )
    try:
        with Image.open(io.BytesIO(content), formats=["JPEG"]) as image:
            width, height = image.size
            if width * height > DOCUMENT_MAX_PIXELS:
                raise too_large
            image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
            image.load()
    except Image.DecompressionBombError as exc:  # Pillow's own ceiling, above ours, refused at opening
        raise too_large from exc
    except ValidationFailed:
        raise
    except Exception as exc:  # a decoder of untrusted bytes: any failure means the file is not a JPEG
        raise _unreadable() from exc


def _category(*, code: str, locality: Locality) -> BenefitCategory:
    category = (
        BenefitCategory.objects.filter(code=code, is_active=True).filter(locality__in=[locality]).first()
        or BenefitCategory.objects.filter(code=code, is_active=True, locality__isnull=True).first()
    )
    if category is None:
        raise ValidationFailed(_("Unknown benefit category."), code="benefit_unknown")
    return category


def _registry_first_priority(*, locality: Locality, iins: list[str], on: dt.date) -> list[BenefitCategory]:
    """First-priority categories that the registry confirms for the child or the applicant (Q5)."""
    registry = get_registry()
    codes = {record.category for iin in iins for record in registry.benefits(iin=iin, on=on)}
    if not codes:
        return []
    found: dict[str, BenefitCategory] = {}
    candidates = BenefitCategory.objects.filter(
        tier=Tier.FIRST_PRIORITY, is_active=True, registry_code__in=codes
    ).filter(locality__isnull=True) | BenefitCategory.objects.filter(
        tier=Tier.FIRST_PRIORITY, is_active=True, registry_code__in=codes, locality=locality
    )
    for category in candidates.order_by("locality_id"):  # locality-specific ones (non-null) last, win
        found[category.code] = category
    return sorted(found.values(), key=lambda c: c.code)


@dataclass(frozen=True)
class RegistrationPersons:
    """The applicant and the child as the registry knows them (I3), for the wizard to show."""

    applicant: PersonRecord
    child: PersonRecord


def registration_persons_checked(*, applicant_iin: str, child_iin: str) -> RegistrationPersons:
    """The checks of `application_register` that concern the two persons (I1, I3, Q2), writing nothing.

    The join-the-queue wizard shows the registry's names at its persons step; `application_register` runs
    it again first. Raises ValidationFailed.
    """
    today = clock.today()
    applicant_iin, child_iin = applicant_iin.strip(), child_iin.strip()
    child_birth = iin_checked(child_iin, field="child_iin").birth_date
    applicant_birth = iin_checked(applicant_iin, field="applicant_iin").birth_date
    if applicant_iin == child_iin:
        raise ValidationFailed(
            _("The applicant and the child must be different persons."), code="same_person"
        )
    if _age(child_birth, today) >= MAX_CHILD_AGE or child_birth > today:
        raise ValidationFailed(_("Only children under 7 can join the queue."), code="child_age")
    if _age(applicant_birth, today) < MIN_APPLICANT_AGE:
        raise ValidationFailed(_("The applicant must be an adult."), code="applicant_age")
    child = _person(child_iin, field="child_iin")
    applicant = _person(applicant_iin, field="applicant_iin")
    if child.birth_date != child_birth:
        raise ValidationFailed(
            _("The birth date in the register does not match the IIN."), code="child_birth_date_mismatch"
        )
    if not get_registry().is_parent_of(parent_iin=applicant_iin, child_iin=child_iin):
        raise ValidationFailed(
            _("The state register does not list the applicant as the child's parent or guardian."),
            code="not_parent",
        )
    return RegistrationPersons(applicant=applicant, child=child)


def registration_first_priority(
    *, locality: Locality, applicant_iin: str, child_iin: str
) -> list[BenefitCategory]:
    """The first-priority categories the registry confirms today (Q5), as `application_register` finds
    them; writes nothing (the wizard shows them as found)."""
    return _registry_first_priority(
        locality=locality, iins=[child_iin.strip(), applicant_iin.strip()], on=clock.today()
    )


def benefit_document_checked(*, document: BenefitDocument, locality: Locality) -> BenefitCategory:
    """The extraordinary-benefit claim as `application_register` checks it (Q5), writing nothing: the
    wizard checks the certificate when it is uploaded; the submit checks it again."""
    return _validate_document(document, locality=locality, today=clock.today())


# --- the queue's bookkeeping ----------------------------------------------------------------------


def _queue_count(application: Application, delta: int) -> None:
    """The application joins (+1) or leaves (-1) the queued set of its cohort's Fenwick counts."""
    ranks.rank_add(
        locality_id=application.locality_id,
        cohort=application.cohort,
        tier=application.tier,
        ordinal=application.ordinal,
        delta=delta,
    )


def _locked(application: Application) -> Application:
    """Lock the cohort, then re-read the application under the lock (its status may have moved)."""
    locks.cohort_lock(locality_id=application.locality_id, cohort=application.cohort)
    return locks.application_lock(application.pk)


def _set_status(application: Application, status: str, *, reason: str = "") -> None:
    was_queued = application.status == Status.QUEUED
    if was_queued and status != Status.QUEUED:
        _queue_count(application, -1)
    elif not was_queued and status == Status.QUEUED:
        _queue_count(application, +1)
    application.status = status
    application.status_reason = reason
    application.status_changed_at = clock.now()
    application.save(update_fields=["status", "status_reason", "status_changed_at"])


def _ledger(kind: str, application: Application, **payload: object) -> None:
    ledger_append(
        kind=kind,
        subject_type="application",
        subject_id=str(application.pk),
        locality_code=application.locality.code,
        payload={"number": application.pk, "status": application.status, "tier": application.tier, **payload},
    )


def contact_address(*, channel: str, email: str, phone: str) -> tuple[str, str]:
    """(channel, recipient) an applicant chose: email when they chose it and gave one, else SMS."""
    if channel == NotifyChannel.EMAIL and email:
        return NotifyChannel.EMAIL, email
    return NotifyChannel.SMS, phone


def application_notify(application: Application, template: str, key: str, **context: object) -> None:
    """Tell the applicant about their application by their chosen channel and language, exactly once
    per `key` (outbox idempotency). Inside the caller's transaction; used by placement too."""
    applicant = application.applicant
    channel, recipient = contact_address(
        channel=applicant.notify_channel, email=applicant.email, phone=applicant.phone
    )
    notification_enqueue(
        channel=channel,
        recipient=recipient,
        language=application.applicant.notify_language,
        template=template,
        context={"number": application.pk, **context},
        idempotency_key=f"application:{application.pk}:{key}",
    )


# --- services -------------------------------------------------------------------------------------


def application_register(
    *,
    locality: Locality,
    applicant_iin: str,
    child_iin: str,
    phone: str,
    phone_code_id: str,
    phone_alt: str,
    phone_alt_code_id: str,
    details: ApplicantInput,
    extraordinary: BenefitDocument | None = None,
) -> Application:
    """Register an application (Q1): confirmed phones (I4), persons from the registry (I3), tier (Q4, Q5).

    Writes nothing unless everything is valid: applicant, child, application, benefit claims, the ledger
    event `application.registered` and the SMS/email with the number commit together.
    """
    today = clock.today()
    applicant_iin, child_iin = applicant_iin.strip(), child_iin.strip()
    persons = registration_persons_checked(applicant_iin=applicant_iin, child_iin=child_iin)
    child_person, applicant_person = persons.child, persons.applicant
    child_birth = child_person.birth_date  # checked against the IIN
    phone, phone_alt = normalize_phone(phone), normalize_phone(phone_alt)
    if phone == phone_alt:
        raise ValidationFailed(_("Enter two different phone numbers."), code="same_phone")
    if details.language not in Language.values:
        raise ValidationFailed(_("Unknown language."), code="language_invalid")
    if details.notify_language not in ("kk", "ru", "en"):
        raise ValidationFailed(_("Unknown notification language."), code="notify_language_invalid")
    if details.email:
        try:
            validate_email(details.email)
        except DjangoValidationError as exc:
            raise ValidationFailed(_("Enter a valid email address."), code="email_invalid") from exc
    if details.notify_channel == NotifyChannel.EMAIL and not details.email:
        raise ValidationFailed(_("Enter an email address to be notified by email."), code="email_required")
    address = details.address.strip()
    if not 5 <= len(address) <= 255:
        raise ValidationFailed(_("Enter the actual address (5 to 255 characters)."), code="address_invalid")
    extraordinary_category = (
        _validate_document(extraordinary, locality=locality, today=today) if extraordinary else None
    )
    first_priority = _registry_first_priority(locality=locality, iins=[child_iin, applicant_iin], on=today)

    try:
        with transaction.atomic():
            # The cohort lock first: every change of a cohort takes it before any other row (lock order).
            counter = locks.cohort_lock(locality_id=locality.pk, cohort=child_birth.year)
            phone_code_consume(
                code_id=phone_code_id, phone=phone, purpose=PhoneCodePurpose.PHONE_VERIFICATION
            )
            phone_code_consume(
                code_id=phone_alt_code_id, phone=phone_alt, purpose=PhoneCodePurpose.PHONE_VERIFICATION
            )
            applicant = _applicant_for(applicant_person, phones=(phone, phone_alt), details=details)
            child, _created = Child.objects.update_or_create(
                iin=child_iin,
                defaults={
                    **_names(child_person),
                    "birth_date": child_birth,
                    "sex": child_person.sex,
                },
            )
            if Application.objects.filter(
                child=child, locality=locality, status__in=Application.ACTIVE_STATUSES
            ).exists():
                raise Conflict(
                    _("This child already has an active application in this locality."), code="duplicate"
                )
            now = clock.now()
            registered_at = max(now, counter.last_registered_at or now)  # monotone within the cohort
            counter.last_ordinal += 1
            counter.last_registered_at = registered_at
            counter.save(update_fields=["last_ordinal", "last_registered_at"])
            if extraordinary_category is not None:
                tier = Tier.EXTRAORDINARY
            else:
                tier = Tier.FIRST_PRIORITY if first_priority else Tier.GENERAL
            salt = commitments.new_salt()  # private; the event publishes only the commitment (issue 17)
            application = Application.objects.create(
                locality=locality,
                child=child,
                applicant=applicant,
                cohort=child_birth.year,
                ordinal=counter.last_ordinal,
                tier=tier,
                status=Status.QUEUED,
                status_changed_at=registered_at,
                registered_at=registered_at,
                valid_until=_one_year_after(registered_at.date()),
                language=details.language,
                address=address,
                commitment_salt=salt,
            )
            for category in first_priority:
                BenefitClaim.objects.create(
                    application=application,
                    category=category,
                    source=BenefitClaim.Source.REGISTRY,
                    status=BenefitClaim.Status.CONFIRMED,
                    created_at=now,
                    decided_at=now,
                )
            if extraordinary and extraordinary.document and extraordinary_category is not None:
                claim = BenefitClaim(
                    application=application,
                    category=extraordinary_category,
                    source=BenefitClaim.Source.DOCUMENT,
                    status=BenefitClaim.Status.PENDING,
                    document_issued_on=extraordinary.issued_on,
                    created_at=now,
                )
                upload = extraordinary.document
                claim.document.save(f"{application.pk}.{document_checked(upload)}", upload, save=False)
                claim.save()
            _queue_count(application, +1)
            _ledger(
                "application.registered",
                application,
                cohort=application.cohort,
                ordinal=application.ordinal,
                registered_at=application.registered_at,
                valid_until=application.valid_until,
                applicant=applicant.pk,
                child=person_digest(child.iin, child.birth_date),
                birth_commitment=commitments.birth_commitment(child.birth_date, salt),
            )
            application_notify(
                application, "application_registered", "registered", locality=locality.name_lazy
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This child already has an active application in this locality."), code="duplicate"
        ) from exc
    return application


def _applicant_for(person: PersonRecord, *, phones: tuple[str, str], details: ApplicantInput) -> Applicant:
    """The applicant's record. A new one takes the confirmed phones; an existing cabinet keeps its phones and
    contact choices — the anonymous wizard must have confirmed its main phone (no takeover by IIN)."""
    existing = locks.applicant_by_iin_lock(person.iin)
    if existing is None:
        return Applicant.objects.create(
            iin=person.iin,
            **_names(person),
            phone=phones[0],
            phone_alt=phones[1],
            email=details.email,
            notify_channel=details.notify_channel,
            notify_language=details.notify_language,
        )
    if existing.phone not in phones:
        raise ValidationFailed(
            _(
                "You already have a personal cabinet: confirm its main phone number, or change the number "
                "in the cabinet first."
            ),
            code="phone_not_on_record",
        )
    return existing


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def child_from_registry(*, iin: str) -> Child:
    """The child of this IIN as the registry knows them (I1, I3), stored once; 422 when not found."""
    birth = iin_checked(iin.strip(), field="child_iin").birth_date
    person = _person(iin.strip(), field="child_iin")
    child, _created = Child.objects.update_or_create(
        iin=person.iin, defaults={**_names(person), "birth_date": birth, "sex": person.sex}
    )
    return child


def application_withdraw(
    *,
    application: Application,
    by_applicant: Applicant | None = None,
    by_staff: User | None = None,
    basis: Basis | None = None,
    document: UploadedFile | None = None,
    reason: str | None = None,
) -> Application:
    """Withdraw an application (Q2): by its own applicant, or by staff with its basis (D1: the parent's
    written request; its scan, PDF/JPEG, is kept privately; the staff user, the basis's hash and document
    number and the scan's stored name and SHA-256 are on the ledger event)."""
    if (by_applicant is None) == (by_staff is None):
        raise ValueError("exactly one of by_applicant and by_staff")
    if by_applicant is not None and application.applicant_id != by_applicant.pk:
        raise NotFound(_("Application not found."))
    if by_staff is not None:
        basis = basis_checked(basis)
    staff_event: dict[str, object] = {"staff": by_staff.pk} if by_staff is not None and by_staff.pk else {}
    if by_staff is not None and document is not None:
        extension = document_checked(document)
        document.seek(0)
        digest = hashlib.sha256(document.read()).hexdigest()
        document.seek(0)
        if application.status not in (Status.QUEUED, Status.STOP_LISTED):  # before a file is kept
            raise Conflict(_("This application can no longer be withdrawn."), code="status")
        name = default_storage.save(f"{WITHDRAWAL_REQUEST_DIR}/{uuid.uuid4().hex}.{extension}", document)
        staff_event |= {"document": name, "document_sha256": digest}
    with transaction.atomic():
        application = _locked(application)
        if application.status not in (Status.QUEUED, Status.STOP_LISTED):
            raise Conflict(_("This application can no longer be withdrawn."), code="status")
        _close_stop_list(application)
        _set_status(
            application,
            Status.WITHDRAWN,
            # staff write a sentence; the applicant's own withdrawal a code
            reason=basis.reason if by_staff is not None and basis is not None else reason or "applicant",
        )
        if by_staff is not None and basis is not None:
            staff_event |= _basis_kept(basis, "application.withdrawn", application, by_staff)
        _ledger(
            "application.withdrawn", application, by="applicant" if by_applicant else "staff", **staff_event
        )
        application_notify(application, "application_withdrawn", "withdrawn")
    return application


def _close_stop_list(application: Application) -> None:
    StopListEntry.objects.filter(application=application, restored_at__isnull=True).update(
        restored_at=clock.now()
    )


def _basis_kept(basis: Basis, kind: str, application: Application, by_staff: User) -> dict[str, str]:
    """D1: keep the basis of a staff act on `application`; the ledger payload fields that cite it."""
    return basis_record(
        basis=basis, event_kind=kind, subject_type="application", subject_id=application.pk, by_staff=by_staff
    )


def application_stop_list(
    *, application: Application, reason: str, basis: Basis | None = None, by_staff: User | None = None
) -> StopListEntry:
    """Put a queued application on the stop-list (S1, S2); automatic reasons get their restore date. A
    `manual` one is staff's, with its basis (D1: its reason is the entry's note)."""
    if reason not in Reason.values:
        raise ValidationFailed(_("Unknown stop-list reason."), code="reason_invalid")
    if reason == Reason.MANUAL:
        if by_staff is None:
            raise ValueError("a manual stop-listing is staff's")
        basis = basis_checked(basis)
    elif basis is not None:
        raise ValueError("only a manual stop-listing has a basis")
    with transaction.atomic():
        application = _locked(application)
        # An expired direction (P5) stop-lists the application that held it.
        allowed = (Status.QUEUED, Status.REFERRED) if reason == Reason.DIRECTION_EXPIRED else (Status.QUEUED,)
        if application.status not in allowed:
            raise Conflict(_("Only a queued application can be put on the stop-list."), code="status")
        entry = _stop_list(application, reason=reason, basis=basis, by_staff=by_staff)
    return entry


def application_refer(*, application: Application, direction_number: int) -> Application:
    """The application took a direction (P4): it leaves the queue while the direction lives. An automatic
    stop-listing whose restoration is due (S2; the reads count it queued already) ends first.

    Must run inside the caller's transaction (the direction and this change commit together)."""
    application = _locked(application)
    due = StopListEntry.objects.filter(
        application=application,
        restored_at__isnull=True,
        restore_on__lte=clock.today(),
        reason__in=AUTOMATIC_RESTORE,
    ).first()
    if application.status == Status.STOP_LISTED and due is not None:
        _restore(application, due, by="system")
    if application.status != Status.QUEUED:
        raise Conflict(_("This application is not in the queue."), code="application_not_queued")
    _set_status(application, Status.REFERRED)
    _ledger("application.referred", application, direction=direction_number)
    return application


def application_unrefer(
    *, application: Application, direction_number: int, enrolled: bool = False
) -> Application:
    """The application's direction ended: enrolled (Q2), or declined (back to its place in the queue)."""
    application = _locked(application)
    if application.status != Status.REFERRED:
        raise Conflict(_("This application holds no direction."), code="status")
    _set_status(application, Status.ENROLLED if enrolled else Status.QUEUED)
    _ledger(
        "application.enrolled" if enrolled else "application.returned",
        application,
        direction=direction_number,
    )
    return application


ENROLLED_OUTSIDE_QUEUE = "staff_child"  # the reason of an application closed by a P7 enrolment (P9)


def child_applications_enroll(*, child: Child, locality_id: int, enrollment_id: int) -> list[Application]:
    """P9: a child enrolled outside the queue (P7) leaves the locality's queue: each live application of
    theirs there becomes `enrolled` (reason `staff_child`) with its ledger event; its open stop-listing
    ends. A child holding a live direction is refused (409): it is used or declined first. Applications in
    other localities stay. Runs in the caller's transaction, after its group lock (lock order)."""
    found = Application.objects.filter(
        child=child, locality_id=locality_id, status__in=Application.LIVE_STATUSES
    )
    closed = []
    for application in found.order_by("pk"):
        application = _locked(application)
        if application.status == Status.REFERRED:
            raise Conflict(
                _("The child holds a direction of the queue: it must be used or declined first."),
                code="child_referred",
            )
        if application.status not in (Status.QUEUED, Status.STOP_LISTED):
            continue  # withdrawn meanwhile
        _close_stop_list(application)
        _set_status(application, Status.ENROLLED, reason=ENROLLED_OUTSIDE_QUEUE)
        _ledger("application.enrolled", application, enrollment=enrollment_id, reason=ENROLLED_OUTSIDE_QUEUE)
        closed.append(application)
    return closed


def child_applications_archive(*, child: Child, reason: str) -> list[Application]:
    """Q2: the child left the preschool sector (to school, E66): each application of theirs that is
    enrolled, queued or stop-listed, in any locality, becomes `archived` (`reason`: a code) with its ledger
    event; its open stop-listing ends. One holding a live direction is left to it. Runs in the caller's
    transaction, after its group lock (lock order)."""
    keep = (Status.ENROLLED, Status.QUEUED, Status.STOP_LISTED)
    archived = []
    for application in Application.objects.filter(child=child, status__in=keep).order_by("pk"):
        application = _locked(application)
        if application.status not in keep:
            continue  # changed meanwhile
        _close_stop_list(application)
        _set_status(application, Status.ARCHIVED, reason=reason)
        _ledger("application.archived", application, reason=reason)
        archived.append(application)
    return archived


def _stop_list(
    application: Application,
    *,
    reason: str,
    basis: Basis | None = None,
    by_staff: User | None = None,
    cited: dict[str, str] | None = None,
) -> StopListEntry:
    """Stop-list `application` (locked). A staff act's `basis` is kept (D1) and cited on the event, unless
    the act's own event keeps it already (`cited`: its payload fields, repeated here)."""
    now = clock.now()
    restore_on = add_working_days(now.date(), STOP_LIST_WORKING_DAYS) if reason in AUTOMATIC_RESTORE else None
    entry = StopListEntry.objects.create(
        application=application,
        locality_id=application.locality_id,
        cohort=application.cohort,
        reason=reason,
        note=basis.reason if basis is not None else "",
        since=now,
        restore_on=restore_on,
        created_by=by_staff if by_staff is not None and by_staff.pk else None,
    )
    _set_status(application, Status.STOP_LISTED, reason=reason)  # the code; shown translated
    staff: dict[str, object] = {"staff": by_staff.pk} if by_staff is not None and by_staff.pk else {}
    if cited is not None:
        staff |= cited
    elif basis is not None and by_staff is not None:
        staff |= _basis_kept(basis, "application.stop_listed", application, by_staff)
    _ledger("application.stop_listed", application, reason=reason, restore_on=restore_on, **staff)
    application_notify(
        application, "application_stop_listed", f"stop_listed:{entry.pk}", reason=Reason(reason).label
    )
    return entry


# What the bulk cleanup reads of each application: enough to write its rows and message, no model instances.
CLEANUP_COLUMNS = (
    "pk",
    "cohort",
    "ordinal",
    "tier",
    "applicant__notify_channel",
    "applicant__email",
    "applicant__phone",
    "applicant__notify_language",
)


def applications_cleanup_stop_list(
    *,
    locality: Locality,
    cohorts: list[int],
    candidates: QuerySet[Application],
    limit: int,
    campaign_id: int,
) -> list[tuple[Any, ...]]:
    """Stop-list a batch of queued applications for `cleanup` (C4): the rows, Fenwick counts, ledger
    events and messages `application_stop_list` writes one by one, written in bulk (COPY on PostgreSQL).

    Every cohort of the locality the batch may touch (`cohorts`) is locked first, in order, so every other
    writer of these applications waits; only then are the first `limit` of `candidates` (queued
    applications of those cohorts, in the caller's order) read, so answers committed before are seen and
    a repeated batch does nothing twice. Runs in the caller's transaction. Returns the rows read
    (`CLEANUP_COLUMNS`), all of them stop-listed."""
    locks.cohorts_lock(locality_id=locality.pk, cohorts=cohorts)
    rows = list(candidates.values_list(*CLEANUP_COLUMNS)[:limit])
    if not rows:
        return rows
    if any(row[1] not in cohorts for row in rows):
        raise ValueError("a candidate of a cohort that is not locked")
    now = clock.now()
    reason = Reason.CLEANUP
    ids = [row[0] for row in rows]
    updated = Application.objects.filter(pk__in=ids, status=Status.QUEUED).update(
        status=Status.STOP_LISTED, status_reason=reason, status_changed_at=now
    )
    if updated != len(ids):
        raise RuntimeError("a candidate of the cleanup was not queued")  # rolls the batch back
    columns = ["application_id", "locality_id", "cohort", "reason", "note", "since"]
    table_writer().insert(
        StopListEntry, columns, ((row[0], locality.pk, row[1], reason, "", now) for row in rows)
    )
    ordinals: dict[tuple[int, str], list[int]] = {}
    for _pk, cohort, ordinal, tier, *_contact in rows:
        ordinals.setdefault((cohort, tier), []).append(ordinal)
    ranks.rank_remove_many(locality_id=locality.pk, ordinals=ordinals)
    notifications_enqueue_many(
        template="application_stop_listed",
        context={"reason": Reason(reason).label},
        varying=frozenset({"number"}),
        messages=[
            BulkMessage(
                *contact_address(channel=channel, email=email, phone=phone),
                language=language,
                idempotency_key=f"application:{pk}:cleanup:{campaign_id}",
                values={"number": str(pk)},
            )
            for pk, _cohort, _ordinal, _tier, channel, email, phone, language in rows
        ],
    )
    if connection.vendor == "postgresql":
        # Check the deferred foreign keys now rather than at commit: the ledger head, locked next, is the
        # one lock that parallel sweeps of other localities share, so it is held only for the append.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ledger_append_many(
        events=[
            EventSpec(
                kind="application.stop_listed",
                subject_type="application",
                subject_id=str(pk),
                locality_code=locality.code,
                payload={
                    "number": pk,
                    "status": Status.STOP_LISTED,
                    "tier": tier,
                    "reason": reason,
                    "restore_on": None,
                    "campaign": campaign_id,
                },
            )
            for pk, _cohort, _ordinal, tier, *_contact in rows
        ]
    )
    return rows


def application_restore(
    *,
    application: Application,
    by_applicant: Applicant | None = None,
    by_staff: User | None = None,
    basis: Basis | None = None,
) -> Application:
    """Take an application off the stop-list (S2): `cleanup` by its applicant at any time; staff with a
    basis (D1); automatic reasons come back by themselves (`stop_list_restore_due`)."""
    if by_staff is not None:
        basis = basis_checked(basis)
    with transaction.atomic():
        application = _locked(application)
        entry = StopListEntry.objects.filter(application=application, restored_at__isnull=True).first()
        if application.status != Status.STOP_LISTED or entry is None:
            raise Conflict(_("This application is not on the stop-list."), code="status")
        if by_applicant is not None:
            if application.applicant_id != by_applicant.pk:
                raise NotFound(_("Application not found."))
            if entry.reason != Reason.CLEANUP:
                raise PermissionDenied(_("Only the education department can lift this stop-listing."))
        elif by_staff is None:
            raise ValueError("by_applicant or by_staff")
        staff: dict[str, object] = {}
        if by_staff is not None and basis is not None:
            staff = {"staff": by_staff.pk} if by_staff.pk else {}
            staff |= _basis_kept(basis, "application.restored", application, by_staff)
        _restore(application, entry, by="applicant" if by_applicant else "staff", **staff)
        if entry.reason == Reason.CLEANUP and by_applicant is not None:
            _extend(application, not_before=clock.today())  # taking it back confirms interest (C4)
    return application


def stop_listing_lift(*, application: Application, reason: str, by: str) -> Application:
    """Lift the application's open stop-listing of `reason` for another app's rule, which the caller has
    checked (E33: a lapsed voucher's application restored by its parent). Locks the cohort first."""
    with transaction.atomic():
        application = _locked(application)
        entry = StopListEntry.objects.filter(
            application=application, restored_at__isnull=True, reason=reason
        ).first()
        if application.status != Status.STOP_LISTED or entry is None:
            raise Conflict(_("This application is not inactive."), code="application_not_inactive")
        _restore(application, entry, by=by)
    return application


def _restore(application: Application, entry: StopListEntry, *, by: str, **payload: object) -> None:
    entry.restored_at = clock.now()
    entry.save(update_fields=["restored_at"])
    _set_status(application, Status.QUEUED)
    _ledger("application.restored", application, reason=entry.reason, by=by, **payload)
    application_notify(application, "application_restored", f"restored:{entry.pk}")


def stop_list_restore_due(
    *, today: dt.date | None = None, limit: int = 500, locality_id: int | None = None
) -> int:
    """Restore every automatic stop-listing whose date has come (S2), or only those of one locality (what a
    write path that chooses among queued applications runs first). Idempotent; safe concurrently."""
    today = today or clock.today()
    entries = StopListEntry.objects.filter(restored_at__isnull=True, restore_on__lte=today)
    if locality_id is not None:
        entries = entries.filter(locality_id=locality_id)
    due = list(entries.order_by("restore_on", "pk").values_list("application_id", flat=True)[:limit])
    restored = 0
    for application_id in due:
        with transaction.atomic():
            application = _locked(Application.objects.get(pk=application_id))
            entry = StopListEntry.objects.filter(
                application=application, restored_at__isnull=True, restore_on__lte=today
            ).first()
            if entry is None or application.status != Status.STOP_LISTED:
                continue  # another tick got there first
            _restore(application, entry, by="system")
            restored += 1
    return restored


def benefit_claim_decide(
    *, claim: BenefitClaim, confirm: bool, by_staff: User, basis: Basis | None = None
) -> BenefitClaim:
    """Confirm or reject a pending extraordinary claim (Q5) with its basis (D1; the reason is the claim's
    and, for a rejection, told to the applicant). A rejection puts the application back in its lower tier
    with its original registered_at, through the stop-list (P5, S2 `benefit_rejected`)."""
    basis = basis_checked(basis)
    reason = basis.reason
    with transaction.atomic():
        signals.benefit_deciding.send(sender=Application, application=claim.application)
        application = _locked(claim.application)
        claim = locks.benefit_claim_lock(claim.pk)
        if claim.status != BenefitClaim.Status.PENDING:
            raise Conflict(_("This benefit has already been decided."), code="status")
        certificate = _certificate_sha256(claim) if confirm else {}
        claim.status = BenefitClaim.Status.CONFIRMED if confirm else BenefitClaim.Status.REJECTED
        claim.decided_at = clock.now()
        claim.decided_by = by_staff if by_staff.pk else None
        claim.reason = reason
        claim.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        staff: dict[str, object] = {"staff": by_staff.pk} if by_staff.pk else {}
        cited = _basis_kept(basis, "benefit.decided", application, by_staff)
        _ledger(
            "benefit.decided",
            application,
            category=claim.category.code,
            decision=claim.status,
            **staff,
            **cited,
            **certificate,
        )
        if not confirm:
            _change_tier(application)
        # A direction waiting for this benefit goes on to the kindergarten, or is revoked (P4, P5).
        signals.benefit_decided.send(sender=Application, application=application, confirmed=confirm)
        if not confirm:
            _stop_list_for_rejection(application, basis=basis, cited=cited, by_staff=by_staff)
    return claim


def _certificate_sha256(claim: BenefitClaim) -> dict[str, str]:
    """Q5, D1: a confirmation records the SHA-256 of the certificate it was decided on (`document_sha256`
    on the ledger); a claim with no stored certificate cannot be confirmed (409)."""
    name, storage = claim.document.name, claim.document.storage
    if not name or not storage.exists(name):
        raise Conflict(
            _("The claim has no stored certificate: it cannot be confirmed."), code="document_missing"
        )
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 16), b""):
            digest.update(chunk)
    return {"document_sha256": digest.hexdigest()}


def _stop_list_for_rejection(
    application: Application, *, basis: Basis, cited: dict[str, str], by_staff: User
) -> None:
    """P5: a rejected benefit goes through the stop-list (`benefit_rejected`). A parent-liftable `cleanup`
    stay becomes this one (so it is not lifted at once); a staff or automatic stay is left as it is."""
    if application.status == Status.STOP_LISTED:
        entry = StopListEntry.objects.filter(application=application, restored_at__isnull=True).first()
        if entry is None or entry.reason != Reason.CLEANUP:
            return
        _close_stop_list(application)
        _set_status(application, Status.QUEUED)  # momentarily: _stop_list takes it out again
    if application.status in (Status.QUEUED, Status.REFERRED):
        _stop_list(application, reason=Reason.BENEFIT_REJECTED, basis=basis, by_staff=by_staff, cited=cited)


def _change_tier(application: Application) -> None:
    claims = BenefitClaim.objects.filter(application=application).exclude(status=BenefitClaim.Status.REJECTED)
    tiers = set(claims.values_list("category__tier", flat=True))
    tier = next((t for t in (Tier.EXTRAORDINARY, Tier.FIRST_PRIORITY) if t in tiers), Tier.GENERAL)
    if tier == application.tier:
        return
    queued = application.status == Status.QUEUED
    if queued:
        _queue_count(application, -1)
    application.tier = tier
    application.save(update_fields=["tier"])
    if queued:
        _queue_count(application, +1)
    _ledger("application.tier_changed", application)


def application_extend(*, application: Application) -> Application:
    """Extend the validity by one year (Q7, C3)."""
    with transaction.atomic():
        application = _locked(application)
        if application.status not in Application.ACTIVE_STATUSES:
            raise Conflict(_("Only an active application can be extended."), code="status")
        _extend(application)
    return application


def applicant_applications_extend(*, applicant: Applicant, locality_id: int) -> list[Application]:
    """Extend by one year every live application (queued, referred, stop-listed) of the applicant in the
    locality (C3). Those stop-listed for `cleanup` leave the stop-list first: answering is confirming
    interest again. Every cohort involved is locked first, in order, so this never deadlocks with a sweep.
    Runs in the caller's transaction."""
    found = Application.objects.filter(
        applicant=applicant, locality_id=locality_id, status__in=Application.LIVE_STATUSES
    )
    locks.cohorts_lock(locality_id=locality_id, cohorts=found.values_list("cohort", flat=True))
    applications = locks.applications_lock(found)
    entries = {
        entry.application_id: entry
        for entry in StopListEntry.objects.filter(
            application__in=applications, restored_at__isnull=True, reason=Reason.CLEANUP
        )
    }
    for application in applications:
        if application.pk in entries:
            _restore(application, entries[application.pk], by="applicant")
        _extend(application)
    return applications


def _extend(application: Application, *, not_before: dt.date | None = None) -> None:
    """One year more validity, counted from `valid_until` (or from `not_before` when that is later)."""
    start = max(application.valid_until, not_before) if not_before else application.valid_until
    application.valid_until = _one_year_after(start)
    application.save(update_fields=["valid_until"])
    _ledger("application.extended", application, valid_until=application.valid_until)
    application_notify(
        application,
        "application_extended",
        f"extended:{application.valid_until.isoformat()}",
        valid_until=application.valid_until,
    )


def queue_settings_update(
    *, locality: Locality, priority_ratio: int, by_staff: User | None = None
) -> QueueSettings:
    """Change a locality's interleave ratio (Q4); the change is a public ledger event (naming the staff
    user who made it, when one did)."""
    if not 1 <= priority_ratio <= 20:
        raise ValidationFailed(_("The ratio must be between 1 and 20."), code="ratio_invalid")
    with transaction.atomic():
        settings_row = locks.queue_settings_lock(locality)
        settings_row.priority_ratio = priority_ratio
        settings_row.save(update_fields=["priority_ratio"])
        ledger_append(
            kind="queue_settings.changed",
            subject_type="locality",
            subject_id=locality.code,
            locality_code=locality.code,
            payload={"priority_ratio": priority_ratio, **({"by": by_staff.pk} if by_staff else {})},
        )
    return settings_row


# --- the join wizard's kept certificates ---------------------------------------------------------------


def wizard_uploads_purge(*, older_than: dt.timedelta) -> int:
    """Delete the certificates kept by join wizards that were abandoned without "cancel": files under
    WIZARD_UPLOAD_DIR last modified more than `older_than` ago. Idempotent and safe to run concurrently
    (a file already gone is skipped); returns how many files were deleted."""
    cutoff = clock.now() - older_than
    try:
        _folders, names = default_storage.listdir(WIZARD_UPLOAD_DIR)
    except FileNotFoundError:  # no wizard has kept a file yet
        return 0
    deleted = 0
    for name in names:
        path = f"{WIZARD_UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) >= cutoff:
                continue  # a wizard may still be in progress
            default_storage.delete(path)
        except FileNotFoundError:  # deleted meanwhile (the wizard's submit or cancel, another sweep)
            continue
        deleted += 1
    return deleted


def wizard_uploads_max_age() -> dt.timedelta:
    """How long a wizard's certificate is kept: WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS (24 hours by
    default), never longer than the session that remembers it (SESSION_COOKIE_AGE)."""
    age = dt.timedelta(seconds=settings.WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS)
    return min(age, dt.timedelta(seconds=int(settings.SESSION_COOKIE_AGE)))


def wizard_uploads_purge_due() -> int:
    """Tick sweep: `wizard_uploads_purge` with the configured age."""
    return wizard_uploads_purge(older_than=wizard_uploads_max_age())
