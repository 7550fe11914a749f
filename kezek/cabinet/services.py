"""The parent's cabinet: sign-in by IIN → SMS code to the application's phone → password; forgotten
password; change of phone number. The session layer (api.py, portal) only stores the applicant's id.
"""

import logging
import uuid

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from kezek.core.iin import iin_checked
from kezek.core.phones import mask_phone, normalize_phone
from kezek.discretion.basis import Basis
from kezek.discretion.services import basis_checked, basis_record
from kezek.ledger.services import ledger_append
from kezek.notifications.services import notification_enqueue
from kezek.registry.adapters import get_registry
from kezek.verification.models import PhoneCode, PhoneCodePurpose
from kezek.verification.services import (
    attempt_limiter_reserve,
    attempt_limiter_reset,
    phone_code_confirm,
    phone_code_consume,
    phone_code_decoy,
    phone_code_send,
)
from kezek.waitlist import locks as waitlist_locks
from kezek.waitlist.models import Applicant, Application, Child
from kezek.waitlist.services import application_notify, application_withdraw, document_checked

from .locks import access_request_lock
from .models import AccessRequest

logger = logging.getLogger(__name__)


def _password_key(applicant: Applicant) -> str:
    return f"cabinet-password:{applicant.pk}"


def _consume(phone_code: PhoneCode, *, purpose: str) -> Applicant:
    """Use a confirmed code for `purpose` (inside the caller's transaction); returns its applicant."""
    phone_code_consume(
        code_id=phone_code.id, phone=phone_code.phone, purpose=purpose, subject=phone_code.subject
    )
    return waitlist_locks.applicant_lock(int(phone_code.subject))


def _code_to_applicant(applicant: Applicant, *, purpose: str, ip: str | None, language: str) -> PhoneCode:
    return phone_code_send(
        phone=applicant.phone, purpose=purpose, ip=ip, language=language, subject=str(applicant.pk)
    )


def _code_to_iin(iin: str, *, purpose: str, ip: str | None, language: str) -> PhoneCode:
    """Step 1 of the sign-in and of the forgotten password: a code to the phone of the IIN's applications.

    Nothing in the answer tells whether an application is registered for the IIN: the request is counted
    per client address and per IIN before the lookup (429 for both alike), and an IIN without one gets
    a decoy code (no SMS; confirming it answers like a wrong code) through the same throttles and insert.
    """
    iin = iin_checked(iin.strip()).iin
    window = settings.CABINET_START_WINDOW_SECONDS
    if ip:
        attempt_limiter_reserve(
            key=f"cabinet-start-ip:{ip}",
            limit=settings.CABINET_START_IP_LIMIT,
            window_seconds=window,
            lockout_seconds=window,
        )
    attempt_limiter_reserve(
        key=f"cabinet-start-iin:{iin}",
        limit=settings.CABINET_START_IIN_LIMIT,
        window_seconds=window,
        lockout_seconds=window,
    )
    applicant = Applicant.objects.filter(iin=iin, applications__isnull=False).distinct().first()
    if applicant is None:
        return phone_code_decoy(key=f"cabinet:{iin}", purpose=purpose, ip=ip)
    return _code_to_applicant(applicant, purpose=purpose, ip=ip, language=language)


def cabinet_login_start(*, iin: str, ip: str | None, language: str) -> PhoneCode:
    """Step 1: send a sign-in code to the phone of the applicant's applications (see `_code_to_iin`).
    A locked cabinet password is told at the password step only: here it would tell the IIN is known."""
    return _code_to_iin(iin, purpose=PhoneCodePurpose.CABINET_LOGIN, ip=ip, language=language)


def cabinet_login_confirm(*, code_id: uuid.UUID, code: str) -> Applicant:
    """Step 2: the SMS code. Returns the applicant, who then gives (the first time: sets) a password."""
    phone_code = phone_code_confirm(code_id=code_id, code=code)
    with transaction.atomic():
        return _consume(phone_code, purpose=PhoneCodePurpose.CABINET_LOGIN)


def cabinet_password_check(*, applicant: Applicant, password: str) -> Applicant:
    """Step 3: the password; repeated failures lock the cabinet for a while (429). Each attempt is counted
    before the password is compared, so parallel guesses never exceed the limit."""
    key = _password_key(applicant)
    attempt_limiter_reserve(key=key)
    if not applicant.password or not check_password(password, applicant.password):
        raise ValidationFailed(_("The password is wrong."), code="password_wrong")
    attempt_limiter_reset(key=key)
    return applicant


def cabinet_password_set(*, applicant: Applicant, password: str) -> Applicant:
    """Set the cabinet password (first sign-in or after a confirmed reset), checked by Django's validators."""
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(str(m) for m in exc.messages), code="password_weak") from exc
    applicant.password = make_password(password)
    applicant.save(update_fields=["password"])
    attempt_limiter_reset(key=_password_key(applicant))
    return applicant


def cabinet_password_reset_start(*, iin: str, ip: str | None, language: str) -> PhoneCode:
    """Forgot password: send a reset code to the applicant's phone (see `_code_to_iin`)."""
    return _code_to_iin(iin, purpose=PhoneCodePurpose.PASSWORD_RESET, ip=ip, language=language)


def cabinet_password_reset(*, code_id: uuid.UUID, code: str, password: str) -> Applicant:
    """Forgot password: the code from the SMS and the new password."""
    phone_code = phone_code_confirm(code_id=code_id, code=code)
    with transaction.atomic():
        applicant = _consume(phone_code, purpose=PhoneCodePurpose.PASSWORD_RESET)
        return cabinet_password_set(applicant=applicant, password=password)


def cabinet_phone_change_start(
    *, applicant_iin: str, child_iin: str, new_phone: str, ip: str | None, language: str
) -> tuple[PhoneCode, PhoneCode]:
    """Change of the main phone (lost or replaced): proven by the child's IIN, a code to the new number and
    a code to the second phone on record — IINs are not secrets. Returns (new phone's code, second's).
    An applicant's IIN without applications is refused like a child's IIN that does not match them:
    the answer never tells which IINs have applications."""
    applicant_iin = iin_checked(applicant_iin.strip()).iin
    applicant = (
        Applicant.objects.filter(iin=applicant_iin, applications__child__iin=child_iin.strip())
        .distinct()
        .first()
    )
    if applicant is None:
        raise ValidationFailed(_("The child's IIN does not match the applications."), code="child_mismatch")
    new_phone = normalize_phone(new_phone)
    if new_phone in (applicant.phone, applicant.phone_alt):
        raise ValidationFailed(_("Enter a number different from both phones on record."), code="same_phone")
    purpose = PhoneCodePurpose.PHONE_CHANGE
    to_new = phone_code_send(
        phone=new_phone, purpose=purpose, ip=ip, language=language, subject=str(applicant.pk)
    )
    to_alt = phone_code_send(
        phone=applicant.phone_alt, purpose=purpose, ip=ip, language=language, subject=f"{applicant.pk}:alt"
    )
    return to_new, to_alt


def cabinet_phone_change_confirm(
    *, code_id: uuid.UUID, code: str, alt_code_id: uuid.UUID, alt_code: str
) -> Applicant:
    """Change of phone: both codes; the new number becomes the main phone, the old one is told, and every
    open cabinet session ends (the session fingerprint covers the phone)."""
    new = phone_code_confirm(code_id=code_id, code=code)
    alt = phone_code_confirm(code_id=alt_code_id, code=alt_code)
    with transaction.atomic():
        applicant = _consume(new, purpose=PhoneCodePurpose.PHONE_CHANGE)
        phone_code_consume(
            code_id=alt.id,
            phone=applicant.phone_alt,
            purpose=PhoneCodePurpose.PHONE_CHANGE,
            subject=f"{applicant.pk}:alt",
        )
        old_phone = applicant.phone
        applicant.phone = new.phone
        applicant.save(update_fields=["phone"])
        notification_enqueue(
            channel="sms",
            recipient=old_phone,
            language=applicant.notify_language,
            template="phone_changed",
            context={"phone": mask_phone(new.phone)},
            idempotency_key=f"phone_changed:{new.id}",
        )
    logger.info("applicant %s changed the main phone to %s", applicant.pk, mask_phone(applicant.phone))
    return applicant


def _withdrawal_subject(application: Application) -> str:
    return f"withdraw:{application.pk}"


def cabinet_withdraw_start(
    *, applicant: Applicant, application: Application, ip: str | None, language: str
) -> PhoneCode:
    """Withdrawal, step 1: a code to the applicant's main phone, bound to this application (404 when the
    application is another family's, 409 when it can no longer be withdrawn)."""
    if application.applicant_id != applicant.pk:
        raise NotFound(_("Application not found."))
    if application.status not in (Application.Status.QUEUED, Application.Status.STOP_LISTED):
        raise Conflict(_("This application can no longer be withdrawn."), code="status")
    return phone_code_send(
        phone=applicant.phone,
        purpose=PhoneCodePurpose.WITHDRAWAL,
        ip=ip,
        language=language,
        subject=_withdrawal_subject(application),
    )


def cabinet_withdraw_confirm(
    *, applicant: Applicant, application: Application, code_id: uuid.UUID | str, code: str
) -> Application:
    """Withdrawal, step 2: the SMS code; then the application is withdrawn by its applicant (Q2)."""
    if application.applicant_id != applicant.pk:
        raise NotFound(_("Application not found."))
    phone_code_confirm(code_id=code_id, code=code)
    with transaction.atomic():
        phone_code_consume(
            code_id=code_id,
            phone=applicant.phone,
            purpose=PhoneCodePurpose.WITHDRAWAL,
            subject=_withdrawal_subject(application),
        )
        return application_withdraw(application=application, by_applicant=applicant)


# --- Restoring access to a cabinet someone else created ---------------------------------------------

ACCESS_PENDING = _("A request for this child is already waiting for review.")


def _access_subject(child: Child, *, alt: bool = False) -> str:
    return f"access:{child.pk}{':alt' if alt else ''}"


def _access_child(*, requester_iin: str, child_iin: str) -> Child:
    """The child whose applications someone else registered; refusals say nothing about that someone
    (a request by the applicant on record themselves is accepted and, approved, moves nothing)."""
    requester_iin = iin_checked(requester_iin.strip(), field="applicant_iin").iin
    child_iin = iin_checked(child_iin.strip(), field="child_iin").iin
    if get_registry().find_person(iin=requester_iin) is None:
        raise ValidationFailed(
            _("No person with this IIN was found in the state register."), code="applicant_iin_not_found"
        )
    child = Child.objects.filter(iin=child_iin).first()
    if child is None or not Application.objects.filter(child=child).exists():
        raise NotFound(_("No application is registered for this child."), code="child_not_found")
    # No refusal tells whether the requester is the applicant on record: that would reveal who it is.
    if AccessRequest.objects.filter(child=child, status=AccessRequest.Status.PENDING).exists():
        raise Conflict(ACCESS_PENDING, code="access_pending")
    return child


def access_request_start(
    *, requester_iin: str, child_iin: str, phone: str, phone_alt: str, ip: str | None, language: str
) -> tuple[PhoneCode, PhoneCode]:
    """Restore access, step 1: check the IINs and send a code to each of the requester's two phones (I4).
    Returns (main phone's code, second phone's code)."""
    child = _access_child(requester_iin=requester_iin, child_iin=child_iin)
    phone, phone_alt = normalize_phone(phone), normalize_phone(phone_alt)
    if phone == phone_alt:
        raise ValidationFailed(_("Enter two different phone numbers."), code="phones_same")
    purpose = PhoneCodePurpose.PHONE_VERIFICATION
    main = phone_code_send(
        phone=phone, purpose=purpose, ip=ip, language=language, subject=_access_subject(child)
    )
    alt = phone_code_send(
        phone=phone_alt, purpose=purpose, ip=ip, language=language, subject=_access_subject(child, alt=True)
    )
    return main, alt


def access_request_submit(
    *,
    requester_iin: str,
    child_iin: str,
    code_id: uuid.UUID | str,
    code: str,
    alt_code_id: uuid.UUID | str,
    alt_code: str,
    document: UploadedFile,
    explanation: str,
    language: str,
) -> AccessRequest:
    """Restore access, step 2: both codes, the proof document (PDF/JPEG) and the explanation; the request
    waits for staff (one pending per child: 409)."""
    explanation = explanation.strip()
    if len(explanation) < 10:
        raise ValidationFailed(
            _("Explain in a few words why you ask for access."), code="explanation_required"
        )
    extension = document_checked(document)
    child = _access_child(requester_iin=requester_iin, child_iin=child_iin)
    main = phone_code_confirm(code_id=code_id, code=code)
    alt = phone_code_confirm(code_id=alt_code_id, code=alt_code)
    purpose = PhoneCodePurpose.PHONE_VERIFICATION
    request = AccessRequest(
        child=child,
        requester_iin=requester_iin.strip(),
        phone=main.phone,
        phone_alt=alt.phone,
        language=language if language in ("kk", "ru", "en") else "ru",
        explanation=explanation,
        registry_parent=get_registry().is_parent_of(parent_iin=requester_iin.strip(), child_iin=child.iin),
        created_at=clock.now(),
    )
    request.document.save(f"{uuid.uuid4().hex}.{extension}", document, save=False)
    try:
        with transaction.atomic():
            phone_code_consume(
                code_id=main.id, phone=main.phone, purpose=purpose, subject=_access_subject(child)
            )
            phone_code_consume(
                code_id=alt.id, phone=alt.phone, purpose=purpose, subject=_access_subject(child, alt=True)
            )
            if main.phone == alt.phone:
                raise ValidationFailed(_("Enter two different phone numbers."), code="phones_same")
            request.save()
            _access_ledger("access_request.submitted", request)
    except IntegrityError as exc:  # a second request for the child raced this one
        request.document.delete(save=False)
        raise Conflict(ACCESS_PENDING, code="access_pending") from exc
    except DomainError:
        request.document.delete(save=False)
        raise
    logger.info("access request %s submitted from %s", request.pk, mask_phone(request.phone))
    return request


def _access_ledger(kind: str, request: AccessRequest, **payload: object) -> None:
    """No IINs, names or phones on the ledger: the request's number, status and the applications' numbers."""
    ledger_append(
        kind=kind,
        subject_type="access_request",
        subject_id=str(request.pk),
        payload={"status": request.status, **payload},
    )


def access_request_decide(
    *,
    request: AccessRequest,
    approve: bool,
    by_staff: User,
    basis: Basis | None = None,
    localities: frozenset[int] | None = None,
) -> AccessRequest:
    """Staff approve or reject a pending request, with its basis (D1: kept, its hash and document number
    on the ledger; the reason is the request's and, for a rejection, told to the requester).

    Approval moves the child's applications that are not the requester's into the requester's cabinet:
    those in `localities`, the deciding staff's scope (None: every locality, for administrators), so a
    department never moves another department's application; elsewhere the requester asks again. The
    cabinet is the requester's applicant record (made from the state register with the two confirmed
    phones when they have none; an existing cabinet keeps its phones). The previous applicant is told by
    their channel, the requester by SMS; each moved application gets an `application.applicant_changed`
    event, and the request's event lists them.

    D2: when the state register does not list the requester as the child's parent or guardian, an
    approval needs two staff members: the first records a pending approval (`access_request.first_approved`,
    with its basis), and only another staff member's approval moves the applications.
    """
    basis = basis_checked(basis)
    reason = basis.reason
    with transaction.atomic():
        request = access_request_lock(request.pk)
        if request.status != AccessRequest.Status.PENDING:
            raise Conflict(_("This request has already been decided."), code="status")
        if approve and not _requester_is_parent(request):
            if request.first_approved_by_id is None:
                return _first_approval(request, basis=basis, by_staff=by_staff)
            if request.first_approved_by_id == by_staff.pk:
                raise Conflict(
                    _(
                        "The register does not list the requester as the child's parent: another staff "
                        "member must approve too."
                    ),
                    code="second_approval_required",
                )
        moved: list[int] = []
        if approve:
            requester = _requester_applicant(request)
            applications = Application.objects.filter(child_id=request.child_id).exclude(applicant=requester)
            if localities is not None:
                applications = applications.filter(locality_id__in=localities)
            for application in waitlist_locks.applications_lock(applications):
                application_notify(application, "application_reassigned", f"reassigned:{request.pk}")
                previous = application.applicant_id
                application.applicant = requester
                application.save(update_fields=["applicant"])
                ledger_append(
                    kind="application.applicant_changed",
                    subject_type="application",
                    subject_id=str(application.pk),
                    locality_code=application.locality.code,
                    payload={
                        "number": application.pk,
                        "access_request": request.pk,
                        "previous": previous,
                        "applicant": requester.pk,
                    },
                )
                moved.append(application.pk)
        request.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.REJECTED
        request.decided_at = clock.now()
        request.decided_by = by_staff
        request.reason = reason
        request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        kind = f"access_request.{request.status}"
        cited = basis_record(
            basis=basis,
            event_kind=kind,
            subject_type="access_request",
            subject_id=request.pk,
            by_staff=by_staff,
        )
        first = {"first_approved_by": request.first_approved_by_id} if request.first_approved_by_id else {}
        _access_ledger(kind, request, applications=moved, by=by_staff.pk, **cited, **first)
        notification_enqueue(
            channel="sms",
            recipient=request.phone,
            language=request.language,
            template="access_request_approved" if approve else "access_request_rejected",
            context={"request": request.pk} if approve else {"request": request.pk, "reason": reason},
            idempotency_key=f"access_request:{request.pk}:decided",
        )
    logger.info("access request %s %s by staff %s", request.pk, request.status, by_staff.pk)
    return request


def _requester_is_parent(request: AccessRequest) -> bool:
    """D2: whether the state register lists the requester as the child's parent or guardian now."""
    return get_registry().is_parent_of(parent_iin=request.requester_iin, child_iin=request.child.iin)


def _first_approval(request: AccessRequest, *, basis: Basis, by_staff: User) -> AccessRequest:
    """D2: the first of the two approvals: recorded (with its basis, D1), the request stays pending."""
    request.first_approved_by = by_staff
    request.first_approved_at = clock.now()
    request.save(update_fields=["first_approved_by", "first_approved_at"])
    kind = "access_request.first_approved"
    cited = basis_record(
        basis=basis, event_kind=kind, subject_type="access_request", subject_id=request.pk, by_staff=by_staff
    )
    _access_ledger(kind, request, by=by_staff.pk, **cited)
    logger.info("access request %s first approved by staff %s", request.pk, by_staff.pk)
    return request


def _requester_applicant(request: AccessRequest) -> Applicant:
    existing = waitlist_locks.applicant_by_iin_lock(request.requester_iin)
    if existing is not None:
        return existing
    person = get_registry().find_person(iin=request.requester_iin)
    if person is None:
        raise Conflict(
            _("The requester is no longer found in the state register."), code="requester_not_found"
        )
    return Applicant.objects.create(
        iin=person.iin,
        last_name=person.last_name,
        first_name=person.first_name,
        middle_name=person.middle_name,
        phone=request.phone,
        phone_alt=request.phone_alt,
        notify_language=request.language,
    )
