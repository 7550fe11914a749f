"""The cabinet's web pages: sign-in (IIN + captcha → SMS code → password), forgotten password, change of
phone, restoring access, my applications and withdrawal by SMS code.

Views are thin: the same services as the JSON API (api.py). Multi-step journeys keep their state in the
server-side session (code ids and masked phones; IINs only where a later step needs them) — never in URLs.
"Check my record" downloads the application's entries in the transparency log with their proofs.
A refusal of a service (DomainError) is shown on the form with its status (422, 404, 409, 429). The
sign-in and the forgotten password go on to the code page whether or not the IIN has an application,
and that page names no phone (it would tell which IINs have one).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kezek.confirmation import selectors as confirmation_selectors
from kezek.confirmation import views as confirmation_views
from kezek.core.errors import DomainError, NotFound, TooManyRequests
from kezek.core.http import client_ip
from kezek.core.phones import mask_phone
from kezek.placement import selectors as placement
from kezek.verification.models import PhoneCode
from kezek.waitlist import selectors as waitlist
from kezek.waitlist import services as waitlist_services
from kezek.waitlist.models import Applicant, Application, StopListEntry

from . import forms as cabinet_forms
from . import selectors, services
from .schemas import RecordProofOut
from .sessions import PENDING_KEY, applicant_from_session, applicant_required, sign_in, sign_out

LOGIN_FLOW = "cabinet_login_flow"
NEXT_KEY = "cabinet_next"
RESET_FLOW = "cabinet_reset_flow"
PHONE_FLOW = "cabinet_phone_flow"
ACCESS_FLOW = "cabinet_access_flow"
WITHDRAW_FLOW = "cabinet_withdraw_flow"

# Which form field a service's error code belongs to (others are shown above the form).
FIELD_OF_ERROR = {
    "iin_invalid": "iin",
    "applicant_iin_invalid": "applicant_iin",
    "applicant_iin_not_found": "applicant_iin",
    "child_iin_invalid": "child_iin",
    "child_mismatch": "child_iin",
    "child_not_found": "child_iin",
    "same_phone": "new_phone",
    "code_invalid": "code",
    "code_expired": "code",
    "code_locked": "code",
    "code_not_found": "code",
    "password_wrong": "password",
    "password_weak": "password1",
    "document_too_large": "document",
    "document_type": "document",
    "document_unreadable": "document",
    "document_encrypted": "document",
    "explanation_required": "explanation",
}


def _language() -> str:
    return translation.get_language() or "ru"


def _refused(
    request: HttpRequest, template: str, form: forms.Form, exc: DomainError, context: Mapping[str, Any] = {}
) -> HttpResponse:
    """Show a service's refusal on the form, with the refusal's status (and Retry-After for a 429)."""
    field = FIELD_OF_ERROR.get(exc.code)
    form.add_error(field if field in form.fields else None, str(exc.message))
    response = render(request, template, {"form": form, **context}, status=exc.status)
    if isinstance(exc, TooManyRequests) and exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _invalid(
    request: HttpRequest, template: str, form: forms.Form, context: Mapping[str, Any] = {}
) -> HttpResponse:
    return render(request, template, {"form": form, **context}, status=422)


def _form_page(
    request: HttpRequest,
    template: str,
    form_class: type[forms.Form],
    on_valid: Callable[[dict[str, Any]], HttpResponse],
    *,
    context: Mapping[str, Any] = {},
    form_kwargs: Mapping[str, Any] = {},
) -> HttpResponse:
    """The skeleton of every form page: GET shows the empty form; POST binds it (422 when invalid) and hands
    the cleaned data to `on_valid`, which calls the service and answers (stores the journey's next step in
    the session, redirects or renders the done page); a refusal of the service (DomainError) is shown on
    the form with its status."""
    if request.method == "GET":
        return render(request, template, {"form": form_class(**form_kwargs), **context})
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if not form.is_valid():
        return _invalid(request, template, form, context)
    try:
        return on_valid(form.cleaned_data)
    except DomainError as exc:
        return _refused(request, template, form, exc, context)


def _sent(phone_code: PhoneCode) -> dict[str, str]:
    return {"code_id": str(phone_code.id), "phone": mask_phone(phone_code.phone)}


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _restart(request: HttpRequest, url_name: str) -> HttpResponse:
    return HttpResponseRedirect(reverse(url_name))


# --- Sign-in ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Step 1: the applicant's IIN and the captcha → an SMS code to the phone on record."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and applicant_from_session(request) is not None:
        return HttpResponseRedirect(next_url or reverse("cabinet:home"))

    def send_code(data: dict[str, Any]) -> HttpResponse:
        phone_code = services.cabinet_login_start(
            iin=data["iin"], ip=client_ip(request), language=_language()
        )
        request.session[LOGIN_FLOW] = {"code_id": str(phone_code.id)}
        if next_url:
            request.session[NEXT_KEY] = next_url
        else:
            request.session.pop(NEXT_KEY, None)
        return HttpResponseRedirect(reverse("cabinet:login_code"))

    return _form_page(
        request,
        "cabinet/login.html",
        cabinet_forms.IinCaptchaForm,
        send_code,
        context={"next": next_url or ""},
    )


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS."""
    flow = request.session.get(LOGIN_FLOW)
    if not isinstance(flow, dict):
        return _restart(request, "cabinet:login")

    def confirm(data: dict[str, Any]) -> HttpResponse:
        applicant = services.cabinet_login_confirm(code_id=flow["code_id"], code=data["code"])
        next_url = request.session.get(NEXT_KEY)
        request.session.cycle_key()
        request.session.pop(LOGIN_FLOW, None)
        request.session[PENDING_KEY] = applicant.pk
        if next_url:
            request.session[NEXT_KEY] = next_url
        return HttpResponseRedirect(reverse("cabinet:login_password"))

    return _form_page(request, "cabinet/login_code.html", cabinet_forms.CodeForm, confirm)


def _pending_applicant(request: HttpRequest) -> Applicant | None:
    pending = request.session.get(PENDING_KEY)
    return Applicant.objects.filter(pk=pending).first() if isinstance(pending, int) else None


@require_http_methods(["GET", "POST"])
def login_password(request: HttpRequest) -> HttpResponse:
    """Step 3: the password; on the first sign-in the parent sets it (twice)."""
    applicant = _pending_applicant(request)
    if applicant is None:
        return _restart(request, "cabinet:login")
    first_time = not applicant.password

    def check_and_sign_in(data: dict[str, Any]) -> HttpResponse:
        if first_time:
            services.cabinet_password_set(applicant=applicant, password=data["password1"])
        else:
            services.cabinet_password_check(applicant=applicant, password=data["password"])
        next_url = _safe_next(request, request.session.get(NEXT_KEY))
        sign_in(request, applicant)  # cycles the session key again
        request.session.pop(NEXT_KEY, None)
        if next_url in (None, reverse("cabinet:home")):  # a running yearly confirmation asks first (C3)
            next_url = confirmation_views.questionnaire_due(applicant=applicant) or next_url
        return HttpResponseRedirect(next_url or reverse("cabinet:home"))

    return _form_page(
        request,
        "cabinet/login_password.html",
        cabinet_forms.NewPasswordForm if first_time else cabinet_forms.PasswordForm,
        check_and_sign_in,
        context={"first_time": first_time},
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return HttpResponseRedirect(reverse("cabinet:login"))


# --- Forgotten password -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    """Forgotten password, step 1: IIN + captcha → a code to the phone on record."""

    def send_code(data: dict[str, Any]) -> HttpResponse:
        phone_code = services.cabinet_password_reset_start(
            iin=data["iin"], ip=client_ip(request), language=_language()
        )
        request.session[RESET_FLOW] = {"code_id": str(phone_code.id)}
        return HttpResponseRedirect(reverse("cabinet:password_reset"))

    return _form_page(request, "cabinet/password_forgot.html", cabinet_forms.IinCaptchaForm, send_code)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgotten password, step 2: the code and the new password twice."""
    flow = request.session.get(RESET_FLOW)
    if not isinstance(flow, dict):
        return _restart(request, "cabinet:password_forgot")

    def reset(data: dict[str, Any]) -> HttpResponse:
        services.cabinet_password_reset(
            code_id=flow["code_id"], code=data["code"], password=data["password1"]
        )
        request.session.pop(RESET_FLOW, None)
        return render(request, "cabinet/done.html", {"done": "password"})

    return _form_page(request, "cabinet/password_reset.html", cabinet_forms.PasswordResetForm, reset)


# --- Change of the main phone -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def phone_change(request: HttpRequest) -> HttpResponse:
    """Applicant's IIN, child's IIN, the new number (+ captcha) → codes to the new and the second phone."""

    def send_codes(data: dict[str, Any]) -> HttpResponse:
        to_new, to_alt = services.cabinet_phone_change_start(
            applicant_iin=data["applicant_iin"],
            child_iin=data["child_iin"],
            new_phone=data["new_phone"],
            ip=client_ip(request),
            language=_language(),
        )
        request.session[PHONE_FLOW] = {"new": _sent(to_new), "alt": _sent(to_alt)}
        return HttpResponseRedirect(reverse("cabinet:phone_change_confirm"))

    return _form_page(request, "cabinet/phone_change.html", cabinet_forms.PhoneChangeForm, send_codes)


@require_http_methods(["GET", "POST"])
def phone_change_confirm(request: HttpRequest) -> HttpResponse:
    flow = request.session.get(PHONE_FLOW)
    if not isinstance(flow, dict):
        return _restart(request, "cabinet:phone_change")

    def confirm(data: dict[str, Any]) -> HttpResponse:
        services.cabinet_phone_change_confirm(
            code_id=flow["new"]["code_id"],
            code=data["code"],
            alt_code_id=flow["alt"]["code_id"],
            alt_code=data["alt_code"],
        )
        request.session.pop(PHONE_FLOW, None)
        return render(request, "cabinet/done.html", {"done": "phone"})

    return _form_page(
        request,
        "cabinet/phone_change_confirm.html",
        cabinet_forms.TwoCodesForm,
        confirm,
        form_kwargs={"phone": flow["new"]["phone"], "alt_phone": flow["alt"]["phone"]},
    )


# --- Restoring access to a cabinet someone else created -----------------------------------------------


@require_http_methods(["GET", "POST"])
def access_request(request: HttpRequest) -> HttpResponse:
    """Step 1: your IIN, the child's IIN and your two phones (+ captcha) → a code to each phone."""

    def send_codes(data: dict[str, Any]) -> HttpResponse:
        main, alt = services.access_request_start(
            requester_iin=data["applicant_iin"],
            child_iin=data["child_iin"],
            phone=data["phone"],
            phone_alt=data["phone_alt"],
            ip=client_ip(request),
            language=_language(),
        )
        # The IINs stay in the server-side session until step 2 (never in a URL or a hidden field).
        request.session[ACCESS_FLOW] = {
            "requester_iin": data["applicant_iin"],
            "child_iin": data["child_iin"],
            "main": _sent(main),
            "alt": _sent(alt),
        }
        return HttpResponseRedirect(reverse("cabinet:access_request_confirm"))

    return _form_page(request, "cabinet/access_request.html", cabinet_forms.AccessRequestForm, send_codes)


@require_http_methods(["GET", "POST"])
def access_request_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: both codes, the proof document and the explanation → a request for staff to review."""
    flow = request.session.get(ACCESS_FLOW)
    if not isinstance(flow, dict):
        return _restart(request, "cabinet:access_request")

    def submit(data: dict[str, Any]) -> HttpResponse:
        created = services.access_request_submit(
            requester_iin=flow["requester_iin"],
            child_iin=flow["child_iin"],
            code_id=flow["main"]["code_id"],
            code=data["code"],
            alt_code_id=flow["alt"]["code_id"],
            alt_code=data["alt_code"],
            document=data["document"],
            explanation=data["explanation"],
            language=_language(),
        )
        request.session.pop(ACCESS_FLOW, None)
        return render(request, "cabinet/done.html", {"done": "access", "number": created.pk})

    return _form_page(
        request,
        "cabinet/access_request_confirm.html",
        cabinet_forms.AccessRequestConfirmForm,
        submit,
        form_kwargs={"phone": flow["main"]["phone"], "alt_phone": flow["alt"]["phone"]},
    )


# --- My applications ----------------------------------------------------------------------------------


@applicant_required
def home(request: HttpRequest) -> HttpResponse:
    """My applications: the live offers of places first (P2), then each application's number, status,
    position "N of M", validity, and what can be done."""
    applicant: Applicant = request.applicant  # type: ignore[attr-defined]
    labels = dict(Application.Status.choices)
    reasons = dict(StopListEntry.Reason.choices)
    rows = []
    for application in waitlist.applications_of(applicant=applicant):
        summary = waitlist.application_summary(application=application)  # the status as reads show it
        status = labels.get(summary.status, summary.status)
        if application.status == Application.Status.STOP_LISTED and application.status_reason in reasons:
            status = f"{status}: {reasons[application.status_reason]}"
        rows.append((application, summary, status, confirmation_selectors.validity(result=summary)))
    context = {
        "offers": placement.offers_of(applicant=applicant),
        "rows": rows,
        "phone": mask_phone(applicant.phone),
        "campaigns": confirmation_selectors.applicant_notices(applicant=applicant),
    }
    return render(request, "cabinet/home.html", context)


@applicant_required
@require_GET
def proof(request: HttpRequest, number: int) -> HttpResponse:
    """Check my record: the `kezek-proof/1` file of the application (as `GET /api/v1/cabinet/applications/
    {number}/proof`), downloaded as kezek-proof-<number>.json for `kezek-verify proof`."""
    try:
        _applicant, application = _own(request, number)
    except NotFound:
        return render(request, "cabinet/not_found.html", status=404)
    try:
        record = selectors.record_proof_or_refusal(application=application)
    except DomainError as exc:
        return render(request, "cabinet/refused.html", {"message": exc.message}, status=exc.status)
    body = RecordProofOut.model_validate(record).model_dump_json(indent=2)
    response = HttpResponse(body.encode(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{selectors.proof_filename(application.pk)}"'
    return response


def _own(request: HttpRequest, number: int) -> tuple[Applicant, Application]:
    applicant: Applicant = request.applicant  # type: ignore[attr-defined]
    return applicant, waitlist.application_of(applicant=applicant, number=number)


@applicant_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, number: int) -> HttpResponse:
    """Withdraw, step 1: explain what it means; the button sends a code to the applicant's phone."""
    try:
        applicant, application = _own(request, number)
    except NotFound:
        return render(request, "cabinet/not_found.html", status=404)
    if application.status not in (Application.Status.QUEUED, Application.Status.STOP_LISTED):
        message = _("This application can no longer be withdrawn.")
        return render(request, "cabinet/refused.html", {"message": message}, status=409)

    def send_code(data: dict[str, Any]) -> HttpResponse:
        phone_code = services.cabinet_withdraw_start(
            applicant=applicant, application=application, ip=client_ip(request), language=_language()
        )
        request.session[WITHDRAW_FLOW] = {"number": application.pk, **_sent(phone_code)}
        return HttpResponseRedirect(reverse("cabinet:withdraw_confirm", args=[application.pk]))

    context = {"application": application, "phone": mask_phone(applicant.phone)}
    # A form without fields: only the CSRF token is posted.
    return _form_page(request, "cabinet/withdraw.html", forms.Form, send_code, context=context)


@applicant_required
@require_http_methods(["GET", "POST"])
def withdraw_confirm(request: HttpRequest, number: int) -> HttpResponse:
    """Withdraw, step 2: the code from the SMS; then the application leaves the queue."""
    try:
        applicant, application = _own(request, number)
    except NotFound:
        return render(request, "cabinet/not_found.html", status=404)
    flow = request.session.get(WITHDRAW_FLOW)
    if not isinstance(flow, dict) or flow.get("number") != application.pk:
        return HttpResponseRedirect(reverse("cabinet:withdraw", args=[application.pk]))

    def confirm(data: dict[str, Any]) -> HttpResponse:
        services.cabinet_withdraw_confirm(
            applicant=applicant, application=application, code_id=flow["code_id"], code=data["code"]
        )
        request.session.pop(WITHDRAW_FLOW, None)
        messages.success(request, _("Application No. %(number)s is withdrawn.") % {"number": application.pk})
        return HttpResponseRedirect(reverse("cabinet:home"))

    return _form_page(
        request,
        "cabinet/withdraw_confirm.html",
        cabinet_forms.CodeForm,
        confirm,
        context={"application": application, "phone": flow["phone"]},
    )


@applicant_required
@require_POST
def restore(request: HttpRequest, number: int) -> HttpResponse:
    """Back to the queue from the stop-list after a missed yearly confirmation (S2: `cleanup`, any time)."""
    try:
        applicant, application = _own(request, number)
        waitlist_services.application_restore(application=application, by_applicant=applicant)
    except NotFound:
        return render(request, "cabinet/not_found.html", status=404)
    except DomainError as exc:
        return render(request, "cabinet/refused.html", {"message": exc.message}, status=exc.status)
    messages.success(
        request, _("Application No. %(number)s is back in the queue.") % {"number": application.pk}
    )
    return HttpResponseRedirect(reverse("cabinet:home"))
