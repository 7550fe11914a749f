"""Writes of the child's file (E1–E9). Each change is one transaction with its ledger event (E9): the file
opened (with the enrolment), the contract set, a document added or replaced, the health notes changed, the
child moved to another group, the file closed (with the departure).

Opening, moving and closing run inside placement's own transactions, through its signals
(`kezek.placement.signals`): the enrolment and its file commit or roll back together."""

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.facilities.locks import group_lock
from kezek.facilities.models import Group
from kezek.funding.selectors import max_parental_fee
from kezek.ledger.services import ledger_append
from kezek.placement import locks as placement_locks
from kezek.placement.models import Enrollment
from kezek.staff.models import Role
from kezek.staff.selectors import staff_profile
from kezek.waitlist.services import document_checked

from . import locks
from .models import (
    MEDICAL_KINDS,
    ChildDocument,
    ChildFile,
    DepartureReason,
    DocumentKind,
    GroupStay,
    HealthNote,
    SensitiveRead,
)

# E4: who reads and writes health data; E3, E5: who keeps the rest of the file.
SENSITIVE_ROLES = (Role.KINDERGARTEN_HEAD, Role.NURSE)
FILE_WRITERS = (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.NURSE)
CONTRACT_WRITERS = (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF)
CONTRACT_NUMBER_MAX = 40
MONTHLY_FEE_MAX = Decimal("1000000")
NOTE_MAX = 2000
CLOSE_NOTE_MIN = 3


def _role(user: User) -> str:
    profile = staff_profile(user)
    return profile.role if profile is not None else ""


def _allowed(user: User, roles: tuple[str, ...]) -> None:
    if _role(user) not in roles:
        raise PermissionDenied(_("Your role does not allow this."), code="role")


def _ledger(event_kind: str, file: ChildFile, /, **payload: object) -> None:
    ledger_append(
        kind=event_kind,
        subject_type="child_file",
        subject_id=str(file.pk),
        locality_code=file.organisation.locality.code,
        payload={
            "file": file.pk,
            "enrollment": file.enrollment_id,
            "organisation": file.organisation_id,
            **payload,
        },
    )


def _open_checked(file: ChildFile) -> None:
    if not file.is_open:
        raise Conflict(_("The file is closed (archived): it cannot be changed."), code="file_closed")


def health_digest(*, allergies: str, diet: str, restrictions: str) -> str:
    """A keyed digest of the health notes (E9): the ledger proves them without holding health data."""
    text = json.dumps([allergies, diet, restrictions], ensure_ascii=False)
    return salted_hmac("kezek.records.health", text, algorithm="sha256").hexdigest()


# --- Opening, moving and closing with the enrolment (E1, E2, E8) ---


def _open(enrollment: Enrollment, *, by_staff: User | None) -> ChildFile:
    """The file of a (locked) current enrolment, inside the caller's transaction."""
    group = Group.objects.select_related("organisation__locality").get(pk=enrollment.group_id)
    try:
        with transaction.atomic():
            file = ChildFile.objects.create(
                enrollment=enrollment,
                child_id=enrollment.child_id,
                organisation=group.organisation,
                opened_on=enrollment.enrolled_on,
                opened_at=clock.now(),
            )
    except IntegrityError as exc:
        raise Conflict(_("The child already has an open file."), code="file_exists") from exc
    GroupStay.objects.create(file=file, group=group, since=enrollment.enrolled_on)
    _ledger(
        "record.opened",
        file,
        group=group.pk,
        opened_on=enrollment.enrolled_on,
        staff_child=enrollment.staff_child,
        **({"by": by_staff.pk} if by_staff is not None else {}),
    )
    return file


def on_enrollment_created(*, enrollment: Enrollment, by_staff: User, **__: object) -> None:
    """E1: an enrolment (a direction's or a staff child's) opens the child's file in its transaction."""
    _open(enrollment, by_staff=by_staff)


def child_file_open(*, enrollment: Enrollment, by_staff: User | None = None) -> ChildFile:
    """E1 for an enrolment made before files existed: open its file (409 when it has one or has left)."""
    with transaction.atomic():
        group_lock(enrollment.group_id)
        enrollment = placement_locks.enrollment_lock(enrollment.pk)
        if enrollment.left_on is not None:
            raise Conflict(_("The child has already left."), code="status")
        if ChildFile.objects.filter(enrollment=enrollment).exists():
            raise Conflict(_("The child already has an open file."), code="file_exists")
        return _open(enrollment, by_staff=by_staff)


def child_files_open_missing() -> int:
    """E1: open the file of every current enrolment that has none (the demo, a first deployment)."""
    missing = Enrollment.objects.filter(left_on__isnull=True, child_file__isnull=True).order_by("pk")
    opened = 0
    for enrollment in missing.iterator():
        try:
            child_file_open(enrollment=enrollment)
        except Conflict:
            continue  # it left or got its file meanwhile
        opened += 1
    return opened


def on_enrollment_transferred(*, enrollment: Enrollment, by_staff: User, on: dt.date, **__: object) -> None:
    """E2: a transfer ends the stay in the old group and starts one in the new group, from `on`."""
    file = ChildFile.objects.filter(enrollment=enrollment).first()
    if file is None:
        return  # an enrolment from before files: `child_file_open` gives it one (with its current group)
    file = locks.child_file_lock(file.pk)
    stay = GroupStay.objects.filter(file=file, until__isnull=True).first()
    since = on
    if stay is not None:
        since = max(on, stay.since)
        stay.until = since
        stay.save(update_fields=["until"])
    GroupStay.objects.create(file=file, group_id=enrollment.group_id, since=since)
    _ledger("record.group_changed", file, group=enrollment.group_id, since=since, by=by_staff.pk)


def on_enrollment_departed(
    *, enrollment: Enrollment, by_staff: User, on: dt.date, reason: str, reason_code: str = "", **__: object
) -> None:
    """E8: a departure closes the file, with a reason from the list and the written note; it is archived
    (read-only) from then on."""
    code = reason_code or DepartureReason.OTHER
    if code not in DepartureReason.values:
        raise ValidationFailed(_("Choose the reason of leaving from the list."), code="reason_code_invalid")
    file = ChildFile.objects.filter(enrollment=enrollment).first()
    if file is None:
        return
    file = locks.child_file_lock(file.pk)
    if not file.is_open:
        return
    GroupStay.objects.filter(file=file, until__isnull=True).update(until=on)
    file.status = ChildFile.Status.CLOSED
    file.closed_on = on
    file.closed_at = clock.now()
    file.close_reason = code
    file.close_note = reason[:NOTE_MAX]
    file.save(update_fields=["status", "closed_on", "closed_at", "close_reason", "close_note"])
    _ledger("record.closed", file, closed_on=on, reason=code, by=by_staff.pk)


# --- The kindergarten keeps the file (E3–E6) ---


def _fee(value: object) -> Decimal:
    try:
        fee = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(_("Enter the monthly fee in tenge."), code="fee_invalid") from exc
    if not Decimal(0) <= fee <= MONTHLY_FEE_MAX:
        raise ValidationFailed(
            _("The monthly fee must be between 0 and %(max)s tenge.") % {"max": f"{MONTHLY_FEE_MAX:,.0f}"},
            code="fee_invalid",
        )
    return fee


def child_file_contract_set(
    *, file: ChildFile, by_staff: User, number: str, signed_on: dt.date, monthly_fee: object
) -> ChildFile:
    """E3: the contract with the parents — its number, date (not in the future, not after the file was
    closed) and the monthly fee, at most the locality's maximum parental fee on that date (E21). Setting it
    again replaces it; each is a ledger event."""
    _allowed(by_staff, CONTRACT_WRITERS)
    number = number.strip()
    if not number or len(number) > CONTRACT_NUMBER_MAX:
        raise ValidationFailed(_("Enter the contract's number."), code="contract_number_invalid")
    if signed_on > clock.today():
        raise ValidationFailed(_("The contract's date cannot be in the future."), code="contract_date_future")
    fee = _fee(monthly_fee)
    cap = max_parental_fee(locality=file.organisation.locality, on=signed_on)
    if cap is not None and fee > cap:
        raise ValidationFailed(
            _("The monthly fee is above the maximum parental fee on the contract's date: %(max)s tenge.")
            % {"max": f"{cap:,.2f}"},
            code="fee_above_cap",
        )
    with transaction.atomic():
        file = locks.child_file_lock(file.pk)
        _open_checked(file)
        file.contract_number, file.contract_date, file.monthly_fee = number, signed_on, fee
        file.save(update_fields=["contract_number", "contract_date", "monthly_fee"])
        _ledger(
            "record.contract_set",
            file,
            contract_number=number,
            contract_date=signed_on,
            monthly_fee=fee,
            by=by_staff.pk,
        )
    return file


def child_document_add(
    *,
    file: ChildFile,
    by_staff: User,
    kind: str,
    document: UploadedFile,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    replaces: ChildDocument | None = None,
) -> ChildDocument:
    """E5: a document of the file — a PDF or JPEG of at most 5 MB (parsed), issued by today, valid until a
    date not before its issue (or without end). Medical documents only by the nurse or the head (E4). It may
    replace an earlier document of the same kind of this file, which stays marked replaced. The ledger
    event carries the file's SHA-256, never its name."""
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Choose the document's type from the list."), code="document_kind_invalid")
    _allowed(by_staff, SENSITIVE_ROLES if kind in MEDICAL_KINDS else FILE_WRITERS)
    if issued_on > clock.today():
        raise ValidationFailed(_("The date of issue cannot be in the future."), code="issued_on_future")
    if valid_until is not None and valid_until < issued_on:
        raise ValidationFailed(
            _("The document cannot be valid until a day before its issue."), code="valid_until_invalid"
        )
    extension = document_checked(document)
    content = document.read()
    document.seek(0)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        file = locks.child_file_lock(file.pk)
        _open_checked(file)
        if replaces is not None:
            replaces = locks.child_document_lock(replaces.pk)
            if replaces.file_id != file.pk or replaces.kind != kind:
                raise ValidationFailed(
                    _("Only a document of the same type of this file can be replaced."),
                    code="replaces_invalid",
                )
            if ChildDocument.objects.filter(replaces=replaces).exists():
                raise Conflict(_("This document has already been replaced."), code="already_replaced")
        name = default_storage.save(f"records/{file.pk}/{uuid.uuid4().hex}.{extension}", ContentFile(content))
        try:
            row = ChildDocument.objects.create(
                file=file,
                kind=kind,
                document=name,
                sha256=digest,
                issued_on=issued_on,
                valid_until=valid_until,
                replaces=replaces,
                uploaded_at=clock.now(),
                uploaded_by=by_staff,
            )
            _ledger(
                "record.document_added",
                file,
                document=row.pk,
                kind=kind,
                sha256=digest,
                issued_on=issued_on,
                valid_until=valid_until,
                replaces=replaces.pk if replaces is not None else None,
                by=by_staff.pk,
            )
        except Exception:
            default_storage.delete(name)
            raise
    return row


def health_note_set(
    *, file: ChildFile, by_staff: User, allergies: str, diet: str, restrictions: str
) -> HealthNote:
    """E4, E6: the nurse or the head writes the health notes (allergies, diet, restrictions); the ledger
    event carries a keyed digest of them, never the text."""
    _allowed(by_staff, SENSITIVE_ROLES)
    values = {"allergies": allergies.strip(), "diet": diet.strip(), "restrictions": restrictions.strip()}
    if any(len(value) > NOTE_MAX for value in values.values()):
        raise ValidationFailed(
            _("Each note can be at most %(max)d characters.") % {"max": NOTE_MAX}, code="note_too_long"
        )
    with transaction.atomic():
        file = locks.child_file_lock(file.pk)
        _open_checked(file)
        note, _created = HealthNote.objects.update_or_create(
            file=file, defaults={**values, "updated_at": clock.now(), "updated_by": by_staff}
        )
        _ledger("record.health_changed", file, digest=health_digest(**values), by=by_staff.pk)
    return note


def sensitive_read_log(
    *, file: ChildFile, user_id: int, role: str, what: str, document: ChildDocument | None = None
) -> SensitiveRead:
    """E4: one read of the file's health data by the head or the nurse — who and when."""
    if role not in SENSITIVE_ROLES:
        raise NotFound(_("Not found."))
    return SensitiveRead.objects.create(
        file=file, user_id=user_id, role=role, what=what, document=document, read_at=clock.now()
    )
