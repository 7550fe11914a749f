"""Writes of the transfer to school (E60–E69), each one transaction with its ledger event (E67): the
guardian's consent, the package issued by the kindergarten's head, its receipt by the school with the
one-time code, and the end of the transfer with the child's departure (completed or resigned)."""

import datetime as dt
import secrets

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.ledger.hashing import canonical_json
from kezek.ledger.services import ledger_append
from kezek.placement.models import Enrollment
from kezek.placement.services import enrollment_depart
from kezek.records import locks as records_locks
from kezek.records.models import ChildFile, DepartureReason
from kezek.records.selectors import own_child_ids
from kezek.staff.models import Role
from kezek.staff.selectors import staff_profile
from kezek.waitlist.models import Applicant
from kezek.waitlist.services import child_applications_archive

from . import locks, package, selectors
from .models import SCHOOL_NAME_MAX, SchoolTransfer

State = SchoolTransfer.State
ISSUERS = (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)  # E68
OPEN_STATES = (State.CONSENTED, State.ISSUED, State.RECEIVED)
SCHOOL_NAME_MIN = 3
RECEIPT_DAYS = 30  # E65: a receipt code is valid 30 days from the issue
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read over the phone
RECEIPT_LENGTH = 16  # 31^16 ≈ 2^79
ARCHIVE_REASON = "school"  # Q2: the reason code of the applications archived by a completion


def _ledger(event_kind: str, transfer: SchoolTransfer, /, **payload: object) -> None:
    ledger_append(
        kind=event_kind,
        subject_type="school_transfer",
        subject_id=str(transfer.pk),
        locality_code=transfer.organisation.locality.code,
        payload={
            "transfer": transfer.pk,
            "file": transfer.file_id,
            "organisation": transfer.organisation_id,
            "state": transfer.state,
            **payload,
        },
    )


def _school_name(value: str) -> str:
    name = " ".join(value.split())
    if not SCHOOL_NAME_MIN <= len(name) <= SCHOOL_NAME_MAX:
        raise ValidationFailed(
            _("Write the school's name (%(min)d to %(max)d characters).")
            % {"min": SCHOOL_NAME_MIN, "max": SCHOOL_NAME_MAX},
            code="school_invalid",
        )
    return name


def transfer_consent(*, file: ChildFile, applicant: Applicant, school_name: str) -> SchoolTransfer:
    """E61: the child's guardian (the register lists them as parent or guardian) consents, in the child's
    final preschool year (E60), to the file going to `school_name`. Another family's file: 404; a
    signed-in applicant who is not a guardian: 403; once per file (409)."""
    name = _school_name(school_name)
    if file.child_id not in own_child_ids(applicant):
        raise NotFound(_("Not found."))
    if not selectors.is_guardian(applicant, file.child):
        raise PermissionDenied(
            _("Only a parent or guardian of the child, as the state register lists them, may consent."),
            code="not_guardian",
        )
    if not selectors.in_final_year(file.child, on=clock.today()):
        raise ValidationFailed(
            _("The child is not in the final preschool year: the transfer to school is not open yet."),
            code="not_final_year",
        )
    with transaction.atomic():
        file = records_locks.child_file_lock(file.pk)
        if not file.is_open:
            raise Conflict(_("The file is closed (archived): it cannot be changed."), code="file_closed")
        try:
            with transaction.atomic():
                transfer = SchoolTransfer.objects.create(
                    file=file,
                    child_id=file.child_id,
                    organisation=file.organisation,
                    school_name=name,
                    consented_at=clock.now(),
                    consented_by=applicant,
                )
        except IntegrityError as exc:
            raise Conflict(
                _("The consent to the transfer to school has already been given."), code="already_consented"
            ) from exc
        transfer.organisation = file.organisation  # with its locality, read under the lock
        _ledger("school_transfer.consented", transfer)
    return transfer


def _receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def receipt_code_normalised(code: str) -> str:
    """The code as typed, upper-case, without spaces and dashes; 422 when it cannot be a receipt code."""
    value = "".join(code.split()).replace("-", "").upper()
    if len(value) != RECEIPT_LENGTH or any(c not in RECEIPT_ALPHABET for c in value):
        raise ValidationFailed(
            _("This receipt code is not valid. Check it and try again."), code="code_invalid"
        )
    return "-".join(value[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def package_issue(*, file: ChildFile, by_staff: User) -> tuple[SchoolTransfer, str]:
    """E62–E65: the kindergarten's head issues the school package of a file whose guardian consented, in
    the child's final year: the package's canonical JSON, its SHA-256 signed with the log's key, a public
    verification code and a one-time receipt code for the school (returned once, kept as a digest).
    No consent: 409; not the final year: 422; issued already: 409."""
    profile = staff_profile(by_staff)
    if profile is None or profile.role not in ISSUERS:
        raise PermissionDenied(_("Only the kindergarten's head issues the school package."), code="role")
    if profile.role != Role.ADMINISTRATOR and profile.organisation_id != file.organisation_id:
        raise NotFound(_("Not found."))  # E68: another kindergarten's file
    found = SchoolTransfer.objects.filter(file=file).values_list("pk", flat=True).first()
    if found is None:
        raise Conflict(_("The parent has not consented to the transfer to school."), code="no_consent")
    if not selectors.in_final_year(file.child, on=clock.today()):
        raise ValidationFailed(
            _("The child is not in the final preschool year: the transfer to school is not open yet."),
            code="not_final_year",
        )
    code = _receipt_code()
    with transaction.atomic():
        file = records_locks.child_file_lock(file.pk)
        transfer = locks.transfer_lock(found)
        if not file.is_open:
            raise Conflict(_("The file is closed (archived): it cannot be changed."), code="file_closed")
        if transfer.state != State.CONSENTED:
            raise Conflict(_("The school package has already been issued."), code="already_issued")
        now = clock.now()
        content = package.package_build(transfer=transfer, issued_at=now)
        transfer.package = canonical_json(content)
        transfer.sha256 = package.package_sha256(content)
        transfer.signature = package.package_sign(number=transfer.pk, sha256=transfer.sha256)
        transfer.verification_code = secrets.token_urlsafe(12)
        transfer.issued_at, transfer.issued_by = now, by_staff
        transfer.receipt_digest = selectors.receipt_digest(code)
        transfer.receipt_until = now + dt.timedelta(days=RECEIPT_DAYS)
        transfer.state = State.ISSUED
        transfer.save()
        _ledger("school_transfer.package_issued", transfer, sha256=transfer.sha256, by=by_staff.pk)
    return transfer, code


def package_receive(*, code: str) -> SchoolTransfer:
    """E65: the school receives the package with its one-time receipt code. A code of no package: 422; a
    code used already: 409; a code past its 30 days: 409. Nothing is written then."""
    digest = selectors.receipt_digest(receipt_code_normalised(code))
    found = SchoolTransfer.objects.filter(receipt_digest=digest).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationFailed(
            _("This receipt code is not valid. Check it and try again."), code="code_invalid"
        )
    with transaction.atomic():
        transfer = locks.transfer_lock(found)
        if transfer.state != State.ISSUED:
            raise Conflict(_("This package has already been received."), code="code_used")
        now = clock.now()
        if transfer.receipt_until is None or transfer.receipt_until <= now:
            raise Conflict(
                _("This receipt code has expired. Ask the kindergarten for the package."), code="code_expired"
            )
        transfer.state, transfer.received_at = State.RECEIVED, now
        transfer.save(update_fields=["state", "received_at"])
        _ledger("school_transfer.received", transfer)
    return transfer


def transfer_depart(*, transfer: SchoolTransfer, by_staff: User, on: dt.date | None = None) -> SchoolTransfer:
    """E66: the kindergarten records the child's departure to school: the enrolment ends (P1) and the file
    closes with the reason `school` (E8); the transfer ends with it (`on_enrollment_departed`)."""
    if transfer.state not in OPEN_STATES:
        raise Conflict(_("The transfer to school has already ended."), code="transfer_ended")
    enrollment = Enrollment.objects.get(pk=transfer.file.enrollment_id)
    enrollment_depart(
        enrollment=enrollment,
        by_staff=by_staff,
        on=on,
        reason=str(_("Went to school: %(school)s") % {"school": transfer.school_name}),
        reason_code=DepartureReason.SCHOOL,
    )
    return SchoolTransfer.objects.select_related("organisation").get(pk=transfer.pk)


def on_enrollment_departed(*, enrollment: Enrollment, on: dt.date, **__: object) -> None:
    """E66: a departure (any path) ends the child's open transfer, in its transaction: `completed` when the
    child leaves in May–August — then the child's queue applications are archived (Q2) — else `resigned`.
    The file itself is closed by `kezek.records` (E8)."""
    found = (
        SchoolTransfer.objects.filter(file__enrollment=enrollment, state__in=OPEN_STATES)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        return
    transfer = locks.transfer_lock(found)
    if transfer.state not in OPEN_STATES:
        return
    completed = selectors.completes(on)
    transfer.state = State.COMPLETED if completed else State.RESIGNED
    transfer.ended_on = on
    transfer.save(update_fields=["state", "ended_on"])
    archived = child_applications_archive(child=transfer.child, reason=ARCHIVE_REASON) if completed else []
    _ledger(
        "school_transfer.completed" if completed else "school_transfer.resigned",
        transfer,
        left_on=on,
        applications=[a.pk for a in archived],
    )
