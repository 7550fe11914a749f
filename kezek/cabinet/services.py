"""The parent's cabinet: sign-in by IIN → SMS code to the application's phone → password; forgotten
password; change of phone number. The session layer (api.py, portal) only stores the applicant's id.
"""

import logging
import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import NotFound, ValidationFailed
from kezek.core.iin import iin_checked
from kezek.core.phones import mask_phone, normalize_phone
from kezek.notifications.services import notification_enqueue
from kezek.verification.models import PhoneCode, PhoneCodePurpose
from kezek.verification.services import (
    attempt_limiter_check,
    attempt_limiter_fail,
    attempt_limiter_reset,
    phone_code_confirm,
    phone_code_consume,
    phone_code_send,
)
from kezek.waitlist.models import Applicant, Application

logger = logging.getLogger(__name__)


def _applicant(iin: str) -> Applicant:
    iin = iin_checked(iin.strip()).iin
    applicant = Applicant.objects.filter(iin=iin, applications__isnull=False).distinct().first()
    if applicant is None:
        raise NotFound(_("No application is registered for this IIN."), code="applicant_not_found")
    return applicant


def _password_key(applicant: Applicant) -> str:
    return f"cabinet-password:{applicant.pk}"


def _consume(phone_code: PhoneCode, *, purpose: str) -> Applicant:
    """Use a confirmed code for `purpose` (inside the caller's transaction); returns its applicant."""
    phone_code_consume(
        code_id=phone_code.id, phone=phone_code.phone, purpose=purpose, subject=phone_code.subject
    )
    return Applicant.objects.select_for_update().get(pk=int(phone_code.subject))


def _code_to_applicant(applicant: Applicant, *, purpose: str, ip: str | None, language: str) -> PhoneCode:
    return phone_code_send(
        phone=applicant.phone, purpose=purpose, ip=ip, language=language, subject=str(applicant.pk)
    )


def cabinet_login_start(*, iin: str, ip: str | None, language: str) -> PhoneCode:
    """Step 1: send a sign-in code to the phone of the applicant's applications."""
    applicant = _applicant(iin)
    attempt_limiter_check(key=_password_key(applicant))
    return _code_to_applicant(applicant, purpose=PhoneCodePurpose.CABINET_LOGIN, ip=ip, language=language)


def cabinet_login_confirm(*, code_id: uuid.UUID, code: str) -> Applicant:
    """Step 2: the SMS code. Returns the applicant, who then gives (the first time: sets) a password."""
    phone_code = phone_code_confirm(code_id=code_id, code=code)
    with transaction.atomic():
        return _consume(phone_code, purpose=PhoneCodePurpose.CABINET_LOGIN)


def cabinet_password_check(*, applicant: Applicant, password: str) -> Applicant:
    """Step 3: the password; repeated failures lock the cabinet for a while (429)."""
    key = _password_key(applicant)
    attempt_limiter_check(key=key)
    if not applicant.password or not check_password(password, applicant.password):
        attempt_limiter_fail(key=key)
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
    """Forgot password: send a reset code to the applicant's phone."""
    return _code_to_applicant(
        _applicant(iin), purpose=PhoneCodePurpose.PASSWORD_RESET, ip=ip, language=language
    )


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
    a code to the second phone on record — IINs are not secrets. Returns (new phone's code, second's)."""
    applicant = _applicant(applicant_iin)
    if not Application.objects.filter(applicant=applicant, child__iin=child_iin.strip()).exists():
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
