"""Cabinet API: sign-in (captcha and IIN → SMS code → password), forgotten password, phone change, my
applications (withdrawal by SMS code); staff decide requests to restore access to a cabinet.

The first step of the sign-in and of the forgotten password answers alike whether or not an application
is registered for the IIN (a code id that an SMS may or may not carry; no phone number), and both are
limited per client address and per IIN before the lookup (429 with Retry-After).

The session stores only the applicant's id; every read goes through the applicant's own applications.
Requests after sign-in authenticate by the session cookie and must carry the CSRF token.
"""

import datetime as dt
import uuid

from captcha.fields import CaptchaField  # type: ignore[import-untyped]
from captcha.helpers import captcha_image_url  # type: ignore[import-untyped]
from captcha.models import CaptchaStore  # type: ignore[import-untyped]
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.security import APIKeyCookie
from pydantic import Field

from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound, PermissionDenied, ValidationFailed
from kezek.core.http import client_ip
from kezek.core.phones import mask_phone
from kezek.core.schemas import ErrorOut
from kezek.discretion.schemas import BasisIn
from kezek.staff.auth import staff_auth
from kezek.staff.selectors import Scope
from kezek.verification.models import PhoneCode
from kezek.waitlist import selectors as waitlist
from kezek.waitlist import services as waitlist_services
from kezek.waitlist.models import Applicant
from kezek.waitlist.schemas import ApplicationOut

from . import selectors, services
from .models import AccessRequest
from .schemas import RecordProofOut
from .sessions import PENDING_KEY, applicant_from_session, sign_in, sign_out

router = Router(tags=["cabinet"])


class CabinetSession(APIKeyCookie):
    """The Django session cookie of a signed-in applicant (CSRF-checked)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Applicant | None:
        return applicant_from_session(request)


cabinet_auth = CabinetSession()


class CaptchaOut(Schema):
    captcha_key: str = Field(description="Send it back as `captcha_key` with the answer.")
    image_url: str = Field(description="The picture (PNG) whose characters are the answer.")


class IinCaptchaIn(Schema):
    iin: str = Field(max_length=20)
    captcha_key: str = Field(max_length=64, description="From `GET /cabinet/captcha`; usable once.")
    captcha_answer: str = Field(max_length=32, description="The characters of the captcha's picture.")


class SignInCodeOut(Schema):
    """A code was sent to the phone on record if an application is registered for the IIN; the answer
    is the same either way."""

    code_id: uuid.UUID
    expires_at: dt.datetime


class CodeSentOut(Schema):
    code_id: uuid.UUID
    expires_at: dt.datetime
    phone: str


class CodeIn(Schema):
    code_id: uuid.UUID
    code: str = Field(max_length=12)


class TwoCodesSentOut(Schema):
    new_phone: CodeSentOut
    second_phone: CodeSentOut


class TwoCodesIn(CodeIn):
    alt_code_id: uuid.UUID
    alt_code: str = Field(max_length=12)


class NextStepOut(Schema):
    next: str


class PasswordIn(Schema):
    password: str = Field(max_length=128)


class PasswordResetIn(CodeIn):
    password: str = Field(max_length=128)


class PhoneChangeIn(Schema):
    applicant_iin: str = Field(max_length=20)
    child_iin: str = Field(max_length=20)
    new_phone: str = Field(max_length=30)


class DoneOut(Schema):
    ok: bool = True


def _sent(phone_code: PhoneCode) -> CodeSentOut:
    return CodeSentOut(
        code_id=phone_code.id, expires_at=phone_code.expires_at, phone=mask_phone(phone_code.phone)
    )


def _sign_in_code(phone_code: PhoneCode) -> SignInCodeOut:
    return SignInCodeOut(code_id=phone_code.id, expires_at=phone_code.expires_at)


def _captcha_checked(data: IinCaptchaIn) -> None:
    """The captcha of the sign-in page (django-simple-captcha; each picture answers once): 422 when wrong,
    before anything else is done."""
    try:
        CaptchaField().clean([data.captcha_key, data.captcha_answer])
    except ValidationError:
        raise ValidationFailed(
            _("The characters do not match the picture. Get a new picture and try again."),
            code="captcha_invalid",
        ) from None


# The error answers of the journeys before sign-in (no such code, invalid input, too many codes),
# and of a signed-in change that sends an SMS code (which may also answer 429).
CODE_ERRORS = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
SIGNED_IN_CODE_ERRORS = {**SIGNED_IN_ERRORS, 429: ErrorOut}
# First steps with an applicant's IIN: never 404 (that would tell the IIN has no application).
START_ERRORS = {422: ErrorOut, 429: ErrorOut}


@router.get(
    "/cabinet/captcha",
    response={200: CaptchaOut},
    summary="A captcha picture for the sign-in and the forgotten password (expires in minutes, answers once)",
)
def captcha(request: HttpRequest) -> CaptchaOut:
    key = CaptchaStore.generate_key()
    return CaptchaOut(captcha_key=key, image_url=captcha_image_url(key))


@router.post(
    "/cabinet/login",
    response={200: SignInCodeOut, **START_ERRORS},
    summary="Sign-in, step 1: captcha and IIN (the same answer whether or not the IIN has an application)",
)
def login_start(request: HttpRequest, data: IinCaptchaIn) -> SignInCodeOut:
    _captcha_checked(data)
    return _sign_in_code(
        services.cabinet_login_start(
            iin=data.iin, ip=client_ip(request), language=translation.get_language() or "ru"
        )
    )


@router.post(
    "/cabinet/login/confirm", response={200: NextStepOut, **CODE_ERRORS}, summary="Sign-in, step 2: SMS code"
)
def login_confirm(request: HttpRequest, data: CodeIn) -> NextStepOut:
    applicant = services.cabinet_login_confirm(code_id=data.code_id, code=data.code)
    request.session.cycle_key()
    request.session[PENDING_KEY] = applicant.pk
    return NextStepOut(next="password" if applicant.password else "set_password")


@router.post(
    "/cabinet/login/password",
    response={200: DoneOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Sign-in, step 3: password (set on the first sign-in)",
)
def login_password(request: HttpRequest, data: PasswordIn) -> DoneOut:
    pending = request.session.get(PENDING_KEY)
    applicant = Applicant.objects.filter(pk=pending).first() if isinstance(pending, int) else None
    if applicant is None:
        raise PermissionDenied(_("Start the sign-in again: enter your IIN and the SMS code."))
    if applicant.password:
        services.cabinet_password_check(applicant=applicant, password=data.password)
    else:
        services.cabinet_password_set(applicant=applicant, password=data.password)
    sign_in(request, applicant)
    return DoneOut()


@router.post("/cabinet/logout", response={200: DoneOut}, summary="Sign out")
def logout(request: HttpRequest) -> DoneOut:
    sign_out(request)
    return DoneOut()


@router.post(
    "/cabinet/password/reset",
    response={200: SignInCodeOut, **START_ERRORS},
    summary="Forgot password: captcha and IIN (the same answer whether or not the IIN has an application)",
)
def password_reset_start(request: HttpRequest, data: IinCaptchaIn) -> SignInCodeOut:
    _captcha_checked(data)
    return _sign_in_code(
        services.cabinet_password_reset_start(
            iin=data.iin, ip=client_ip(request), language=translation.get_language() or "ru"
        )
    )


@router.post(
    "/cabinet/password/reset/confirm",
    response={200: DoneOut, **CODE_ERRORS},
    summary="Forgot password: SMS code and the new password",
)
def password_reset(request: HttpRequest, data: PasswordResetIn) -> DoneOut:
    services.cabinet_password_reset(code_id=data.code_id, code=data.code, password=data.password)
    return DoneOut()


@router.post(
    "/cabinet/phone",
    response={200: TwoCodesSentOut, **START_ERRORS},
    summary="Change the main phone: codes to the new number and to the second phone on record",
)
def phone_change_start(request: HttpRequest, data: PhoneChangeIn) -> TwoCodesSentOut:
    to_new, to_alt = services.cabinet_phone_change_start(
        applicant_iin=data.applicant_iin,
        child_iin=data.child_iin,
        new_phone=data.new_phone,
        ip=client_ip(request),
        language=translation.get_language() or "ru",
    )
    return TwoCodesSentOut(new_phone=_sent(to_new), second_phone=_sent(to_alt))


@router.post(
    "/cabinet/phone/confirm",
    response={200: DoneOut, **CODE_ERRORS},
    summary="Change the main phone: both codes",
)
def phone_change_confirm(request: HttpRequest, data: TwoCodesIn) -> DoneOut:
    services.cabinet_phone_change_confirm(
        code_id=data.code_id, code=data.code, alt_code_id=data.alt_code_id, alt_code=data.alt_code
    )
    return DoneOut()


@router.get(
    "/cabinet/applications",
    response={200: list[ApplicationOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My applications",
)
def my_applications(request: HttpRequest) -> list[waitlist.CheckResult]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return [
        waitlist.application_summary(application=a) for a in waitlist.applications_of(applicant=applicant)
    ]


@router.get(
    "/cabinet/applications/{number}/proof",
    response={200: RecordProofOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=cabinet_auth,
    summary="Check my record: my application's entries in the transparency log, with inclusion proofs",
)
def my_application_proof(request: HttpRequest, number: int) -> selectors.RecordProof:
    """The `kezek-proof/1` file that `kezek-verify proof` checks (another family's number: 404; 409 while
    the log has no signed checkpoint yet)."""
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    application = waitlist.application_of(applicant=applicant, number=number)
    return selectors.record_proof_or_refusal(application=application)


@router.post(
    "/cabinet/applications/{number}/withdraw",
    response={200: CodeSentOut, **SIGNED_IN_CODE_ERRORS},
    auth=cabinet_auth,
    summary="Withdraw my application, step 1: a code to my phone",
)
def withdraw(request: HttpRequest, number: int) -> CodeSentOut:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    application = waitlist.application_of(applicant=applicant, number=number)
    return _sent(
        services.cabinet_withdraw_start(
            applicant=applicant,
            application=application,
            ip=client_ip(request),
            language=translation.get_language() or "ru",
        )
    )


@router.post(
    "/cabinet/applications/{number}/withdraw/confirm",
    response={200: ApplicationOut, **SIGNED_IN_CODE_ERRORS},
    auth=cabinet_auth,
    summary="Withdraw my application, step 2: the SMS code",
)
def withdraw_confirm(request: HttpRequest, number: int, data: CodeIn) -> waitlist.CheckResult:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    application = waitlist.application_of(applicant=applicant, number=number)
    services.cabinet_withdraw_confirm(
        applicant=applicant, application=application, code_id=data.code_id, code=data.code
    )
    application.refresh_from_db()
    return waitlist.application_summary(application=application)


@router.post(
    "/cabinet/applications/{number}/restore",
    response={200: ApplicationOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Return my application to the queue after a missed yearly confirmation (stop-list: cleanup)",
)
def restore(request: HttpRequest, number: int) -> waitlist.CheckResult:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    application = waitlist.application_of(applicant=applicant, number=number)
    waitlist_services.application_restore(application=application, by_applicant=applicant)
    application.refresh_from_db()
    return waitlist.application_summary(application=application)


class AccessDecisionIn(Schema):
    approve: bool
    basis: BasisIn


class AccessRequestOut(Schema):
    id: int
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str


@router.post(
    "/staff/access-requests/{request_id}/decide",
    response={200: AccessRequestOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Approve or reject (with its written basis) a request to restore access to a cabinet",
)
def access_request_decide(request: HttpRequest, request_id: int, data: AccessDecisionIn) -> AccessRequest:
    """Department operators and heads of the child's applications' locality, and administrators (others
    403); a request outside the user's scope answers 404 like a missing one."""
    staff: User = request.auth  # type: ignore[attr-defined]  # StaffSession lets only staff in
    scope: Scope = request.scope  # type: ignore[attr-defined]  # set by StaffSession
    if not scope.is_department:
        raise PermissionDenied(_("Your role does not allow deciding access requests."))
    requests = AccessRequest.objects.filter(pk=request_id)
    access_request = scope.filter(requests, locality="child__applications__locality").first()
    if access_request is None:
        raise NotFound(_("Request not found."))
    return services.access_request_decide(
        request=access_request,
        approve=data.approve,
        by_staff=staff,
        basis=data.basis.to_basis(),
        localities=scope.locality_ids,
    )
