"""The parent's queue pages: "Check the queue" and the "Join the queue" wizard (seed: registration).

Thin views over the same services and selectors the API calls. The wizard keeps what was typed in the
server-side session only (never in URLs); each step is a GET page and a POST that redirects (PRG).
"Back" is a submit button: it keeps the step's input as typed (a draft, not validated, nothing sent or
looked up) and the step shows it again when the parent returns. An uploaded certificate is stored under a
random name with `default_storage` until the submit (or the `waitlist.wizard_uploads_purge` sweep).
"""

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from kezek.confirmation import selectors as confirmation
from kezek.core import clock
from kezek.core.errors import DomainError, NotFound, TooManyRequests, ValidationFailed
from kezek.core.http import ClientRateThrottle, client_ip
from kezek.core.masking import mask_phone
from kezek.core.phones import normalize_phone
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Language, Locality
from kezek.verification import selectors as verification_selectors
from kezek.verification import services as verification
from kezek.verification.models import PhoneCodePurpose

from . import selectors, services
from .forms import (
    NOTIFY_LANGUAGES,
    AddressForm,
    BenefitForm,
    CheckForm,
    CodesForm,
    NotificationsForm,
    PersonsForm,
    PhonesForm,
)
from .models import Application, NotifyChannel, Tier

SESSION_KEY = "waitlist_join"
JOINED_KEY = "waitlist_joined"
UPLOAD_DIR = services.WIZARD_UPLOAD_DIR
DRAFT_MAX_CHARS = 300  # a draft is raw input kept in the session: longer than any field allows is cut
# The fields a Back press keeps as typed, per step (a file input cannot be kept: it is chosen again).
DRAFT_FIELDS: dict[str, tuple[str, ...]] = {
    "persons": ("applicant_iin", "child_iin"),
    "address": ("address", "locality", "language"),
    "benefit": ("category", "issued_on"),
    "notifications": ("notify_channel", "email", "notify_language"),
    "review": (),
}
STEPS: tuple[tuple[str, Any], ...] = (
    ("phones", _("Phone numbers")),
    ("persons", _("Applicant and child")),
    ("address", _("Address")),
    ("benefit", _("Benefit")),
    ("notifications", _("Notifications")),
    ("review", _("Review and submit")),
)
STEP_NAMES = [name for name, _label in STEPS]
NOT_IN_QUEUE: dict[str, Any] = {
    Application.Status.REFERRED: _("Holds a direction to a kindergarten: no longer waiting in the queue."),
    Application.Status.ENROLLED: _("Enrolled in a kindergarten."),
    Application.Status.STOP_LISTED: _("On the stop-list: no place in the queue until it is restored."),
}
# Where a domain error of the submit sends the parent back to: its code's prefix → (step, field).
ERROR_STEPS: tuple[tuple[str, str, str | None], ...] = (
    ("phone_not_on_record", "phones", "phone"),
    ("phone_alt", "phones", "phone_alt"),
    ("phone", "phones", None),
    ("same_phone", "phones", "phone_alt"),
    ("code", "phones", None),
    ("applicant", "persons", "applicant_iin"),
    ("child", "persons", "child_iin"),
    ("same_person", "persons", None),
    ("not_parent", "persons", None),
    ("address", "address", "address"),
    ("language", "address", "language"),
    ("not_found", "address", "locality"),
    ("document_outdated", "benefit", "issued_on"),
    ("document", "benefit", "document"),
    ("benefit", "benefit", "category"),
    ("email", "notifications", "email"),
    ("notify_language", "notifications", "notify_language"),
)


# --- Check the queue ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Check the queue by the child's or the applicant's IIN (Q6): the IIN is posted, never in the URL."""
    if request.method != "POST":
        return render(request, "waitlist/check.html", {"form": CheckForm()})
    form = CheckForm(request.POST)
    if not ClientRateThrottle(settings.QUEUE_CHECK_RATE).allow_request(request):
        form = CheckForm()
        message = _("Too many checks from your network. Please wait a minute and try again.")
        return render(request, "waitlist/check.html", {"form": form, "throttled": message}, status=429)
    if not form.is_valid():
        return render(request, "waitlist/check.html", {"form": form}, status=422)
    try:
        results = selectors.check_queue(iin=form.cleaned_data["iin"])
    except DomainError as exc:
        form.add_error("iin", str(exc.message))
        return render(request, "waitlist/check.html", {"form": form}, status=exc.status)
    names = {loc.code: loc.name for loc in Locality.objects.filter(code__in={r.locality for r in results})}
    rows = [
        {
            "result": result,
            "locality": names.get(result.locality, result.locality),
            "tier": Tier(result.tier).label,
            "status": Application.Status(result.status).label,
            "why_no_position": NOT_IN_QUEUE.get(result.status, _("Not in the queue.")),
            "validity": confirmation.validity(result=result),
        }
        for result in results
    ]
    return render(request, "waitlist/check.html", {"form": form, "rows": rows, "checked": True})


# --- Join the queue: wizard state ------------------------------------------------------------------


def _state(request: HttpRequest) -> dict[str, Any]:
    state = request.session.get(SESSION_KEY)
    return dict(state) if isinstance(state, dict) else {"done": []}


def _save(request: HttpRequest, state: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = state


def _done(state: dict[str, Any], step: str, value: bool = True) -> None:
    done = [name for name in state.get("done", []) if name != step]
    state["done"] = [*done, step] if value else done


def _url(step: str) -> str:
    return reverse(f"waitlist:join_{step}")


def _first_missing(state: dict[str, Any], before: str) -> str | None:
    """The first step before `before` that is not done yet (the parent is sent there)."""
    for name in STEP_NAMES[: STEP_NAMES.index(before)]:
        if name not in state.get("done", []):
            return name
    return None


def _guarded(step: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Steps open in order: a step whose previous steps are not done redirects to the first missing one."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapped(request: HttpRequest) -> HttpResponse:
            state = _state(request)
            missing = _first_missing(state, step)
            if missing is not None:
                return redirect(_url(missing))
            return view(request, state)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return require_http_methods(["GET", "POST"])(wrapped)

    return decorate


def _page(
    request: HttpRequest,
    step: str,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    done = set(_state(request).get("done", []))
    steps = [
        {"name": name, "label": label, "url": _url(name), "current": name == step, "done": name in done}
        for name, label in STEPS
    ]
    number = STEP_NAMES.index(step) + 1
    return render(
        request,
        template,
        {
            "steps": steps,
            "step": step,
            "step_label": dict(STEPS)[step],
            "step_number": number,
            "step_count": len(STEPS),
            "previous_url": _url(STEP_NAMES[number - 2]) if number > 1 else None,
            "action": _url(step),
            **context,
        },
        status=status,
    )


def _is_back(request: HttpRequest) -> bool:
    return request.method == "POST" and "back" in request.POST


def _back(request: HttpRequest, state: dict[str, Any], step: str, saved: dict[str, Any]) -> HttpResponse:
    """The Back button: keep the step's input as typed (not validated: no code is sent, nothing is
    looked up or stored but the draft) and go to the previous step. A draft that differs from what the
    step saved un-does the step, so the review never shows other values than the step's page."""
    fields = DRAFT_FIELDS[step]
    draft = {name: str(request.POST.get(name, ""))[:DRAFT_MAX_CHARS] for name in fields}
    if fields:
        state["drafts"] = {**(state.get("drafts") or {}), step: draft}
    if any(value.strip() != str(saved.get(name) or "").strip() for name, value in draft.items()):
        _done(state, step, False)
    _save(request, state)
    return redirect(_url(STEP_NAMES[STEP_NAMES.index(step) - 1]))


def _draft(state: dict[str, Any], step: str) -> dict[str, str]:
    """What was typed on the step before a Back press ({} when nothing was)."""
    draft = (state.get("drafts") or {}).get(step)
    return dict(draft) if isinstance(draft, dict) else {}


def _drop_draft(request: HttpRequest, state: dict[str, Any], step: str) -> None:
    """A POST of the step itself replaces its draft: shown again on an error, saved on success."""
    drafts = dict(state.get("drafts") or {})
    if drafts.pop(step, None) is not None:
        state["drafts"] = drafts
        _save(request, state)


def _error_status(*errors: DomainError) -> int:
    return max((error.status for error in errors), default=422)


def _delete_document(state: dict[str, Any]) -> None:
    name = (state.get("benefit") or {}).get("document")
    if name:
        default_storage.delete(name)


def _stored_name(benefit: dict[str, Any]) -> str:
    """The storage name of the kept certificate, "" when there is none or its file is gone."""
    name = str(benefit.get("document") or "")
    return name if name and default_storage.exists(name) else ""


def _stored_upload(name: str, label: str) -> UploadedFile | None:
    """The certificate kept for the wizard, or None when there is none (or its file is gone)."""
    if not name or not default_storage.exists(name):
        return None
    file = default_storage.open(name, "rb")
    return UploadedFile(file=file, name=label or name, size=default_storage.size(name))


@require_http_methods(["GET"])
def join(request: HttpRequest) -> HttpResponse:
    """Start or resume the wizard at the first step not done yet."""
    state = _state(request)
    return redirect(_url(_first_missing(state, "review") or "review"))


@require_POST
def join_cancel(request: HttpRequest) -> HttpResponse:
    """Abandon the wizard: forget everything typed and delete an uploaded certificate."""
    _delete_document(_state(request))
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:home")


# --- Step 1: two phones and their SMS codes ---------------------------------------------------------


def _send_code(request: HttpRequest, phone: str) -> str:
    code = verification.phone_code_send(
        phone=phone,
        purpose=PhoneCodePurpose.PHONE_VERIFICATION,
        ip=client_ip(request),
        language=translation.get_language() or "ru",
    )
    return str(code.pk)


def _code_usable(code_id: str) -> bool:
    """A code already sent can still be typed in (not expired, not used up, or already confirmed)."""
    try:
        code = verification_selectors.phone_code_get(code_id=code_id)
    except NotFound:
        return False
    if code.consumed_at is not None:
        return False
    if code.confirmed_at is not None:
        return True
    return code.expires_at > clock.now() and code.attempts < settings.OTP_MAX_ATTEMPTS


def _phones_page(request: HttpRequest, form: forms.Form, *, status: int = 200) -> HttpResponse:
    return _page(request, "phones", "waitlist/join_phones.html", {"form": form}, status=status)


@_guarded("phones")
def join_phones(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """Two mobile numbers; an SMS code is sent to each (I4)."""
    phones = state.get("phones") or {}
    if request.method != "POST":
        initial = {"phone": phones.get("phone", ""), "phone_alt": phones.get("phone_alt", "")}
        return _phones_page(request, PhonesForm(initial=initial))
    form = PhonesForm(request.POST)
    if not form.is_valid():
        return _phones_page(request, form, status=422)
    numbers: dict[str, str] = {}
    for field in ("phone", "phone_alt"):
        try:
            numbers[field] = normalize_phone(form.cleaned_data[field])
        except ValidationFailed as exc:
            form.add_error(field, str(exc.message))
    if len(numbers) == 2 and numbers["phone"] == numbers["phone_alt"]:
        form.add_error("phone_alt", _("Enter two different phone numbers."))
    if form.errors:
        return _phones_page(request, form, status=422)
    entries = []
    for index, field in enumerate(("phone", "phone_alt")):
        old = phones.get("entries", [None, None])[index] if phones.get("entries") else None
        if old and old.get("phone") == numbers[field] and _code_usable(old["code_id"]):
            entries.append(old)
            continue
        try:
            entries.append({"phone": numbers[field], "code_id": _send_code(request, numbers[field])})
        except TooManyRequests as exc:
            form.add_error(field, str(exc.message))
            entries.append(None)
        except DomainError as exc:
            form.add_error(field, str(exc.message))
            entries.append(None)
    state["phones"] = {"phone": numbers["phone"], "phone_alt": numbers["phone_alt"], "entries": entries}
    _done(state, "phones", all(entry and entry.get("confirmed") for entry in entries))
    _save(request, state)
    if form.errors:
        status = 429 if any(entry is None for entry in entries) else 422
        return _phones_page(request, form, status=status)
    if "phones" in state["done"]:
        return redirect(_url("persons"))
    return redirect("waitlist:join_codes")


def _codes_context(request: HttpRequest, entries: list[dict[str, Any]]) -> dict[str, Any]:
    ip = client_ip(request)
    labels = (_("Main phone"), _("Second phone"))
    return {
        "phones": [
            {
                "which": which,
                "label": labels[index],
                "masked": mask_phone(entry["phone"]),
                "confirmed": bool(entry.get("confirmed")),
                "wait": verification_selectors.phone_code_send_wait(
                    phone=entry["phone"], purpose=PhoneCodePurpose.PHONE_VERIFICATION, ip=ip
                ).seconds,
            }
            for index, (which, entry) in enumerate(zip(("phone", "phone_alt"), entries, strict=True))
        ]
    }


def _codes_page(
    request: HttpRequest, form: forms.Form, entries: list[dict[str, Any]], *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "action": reverse("waitlist:join_codes"),
        **_codes_context(request, entries),
        **extra,
    }
    return _page(request, "phones", "waitlist/join_codes.html", context, status=status)


@_guarded("phones")
def join_codes(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """The two SMS codes (masked numbers shown); a code can be sent again once the resend wait is over."""
    entries = (state.get("phones") or {}).get("entries") or []
    if len(entries) != 2 or not all(entries):
        return redirect("waitlist:join_phones")
    ask = (not entries[0].get("confirmed"), not entries[1].get("confirmed"))
    if request.method != "POST":
        return _codes_page(request, CodesForm(ask=ask), entries)
    resend = request.POST.get("resend")
    if resend in ("phone", "phone_alt"):
        index = 0 if resend == "phone" else 1
        form = CodesForm(ask=ask)
        try:
            entries[index] = {
                "phone": entries[index]["phone"],
                "code_id": _send_code(request, entries[index]["phone"]),
            }
        except DomainError as exc:
            return _codes_page(request, form, entries, status=exc.status, resend_error=exc.message)
        _done(state, "phones", False)
        _save(request, state)
        return redirect("waitlist:join_codes")
    form = CodesForm(request.POST, ask=ask)
    if not form.is_valid():
        return _codes_page(request, form, entries, status=422)
    failures: list[DomainError] = []
    for index, field in enumerate(("code", "code_alt")):
        if not ask[index]:
            continue
        try:
            verification.phone_code_confirm(code_id=entries[index]["code_id"], code=form.cleaned_data[field])
        except DomainError as exc:
            form.add_error(field, str(exc.message))
            failures.append(exc)
        else:
            entries[index] = {**entries[index], "confirmed": True}
    _done(state, "phones", not failures)
    _save(request, state)
    if failures:
        return _codes_page(request, form, entries, status=_error_status(*failures))
    return redirect(_url("persons"))


# --- Step 2: applicant and child from the registry ---------------------------------------------------


def _persons_error(form: forms.Form, exc: DomainError) -> None:
    code = exc.code
    if code.startswith("applicant"):
        form.add_error("applicant_iin", str(exc.message))
    elif code.startswith("child"):
        form.add_error("child_iin", str(exc.message))
    else:
        form.add_error(None, str(exc.message))


def _persons_page(
    request: HttpRequest, form: forms.Form, state: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return _page(
        request,
        "persons",
        "waitlist/join_persons.html",
        {"form": form, "found": state.get("persons") if status == 200 else None},
        status=status,
    )


def _full_name(person: Any) -> str:
    return " ".join(part for part in (person.last_name, person.first_name, person.middle_name) if part)


@_guarded("persons")
def join_persons(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """The applicant's and the child's IIN; the names come from the state register (I3), shown to confirm."""
    persons = state.get("persons") or {}
    saved = {"applicant_iin": persons.get("applicant_iin", ""), "child_iin": persons.get("child_iin", "")}
    if _is_back(request):
        return _back(request, state, "persons", saved)
    if request.method != "POST":
        draft = _draft(state, "persons")
        changed = any(draft.get(name, value).strip() != value for name, value in saved.items())
        form = PersonsForm(initial={**saved, **draft})
        # The names found are shown only for the IINs they were found for.
        return _persons_page(request, form, {} if changed else state)
    _drop_draft(request, state, "persons")
    form = PersonsForm(request.POST)
    if not form.is_valid():
        return _persons_page(request, form, state, status=422)
    applicant_iin = form.cleaned_data["applicant_iin"].strip()
    child_iin = form.cleaned_data["child_iin"].strip()
    try:
        found = services.registration_persons_checked(applicant_iin=applicant_iin, child_iin=child_iin)
    except DomainError as exc:
        _persons_error(form, exc)
        return _persons_page(request, form, state, status=exc.status)
    same = persons.get("applicant_iin") == applicant_iin and persons.get("child_iin") == child_iin
    state["persons"] = {
        "applicant_iin": applicant_iin,
        "child_iin": child_iin,
        "applicant_name": _full_name(found.applicant),
        "child_name": _full_name(found.child),
        "child_birth_date": found.child.birth_date.isoformat(),
    }
    advance = same and request.POST.get("action") == "next"
    _done(state, "persons", advance)
    _save(request, state)
    return redirect(_url("address") if advance else _url("persons"))


# --- Step 3: address, locality, language of the group --------------------------------------------------


def _address_page(request: HttpRequest, form: forms.Form, *, status: int = 200) -> HttpResponse:
    return _page(request, "address", "waitlist/join_step.html", {"form": form}, status=status)


@_guarded("address")
def join_address(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """The actual address, the locality whose queue to join (the chosen location by default), the
    desired language of the group."""
    address = state.get("address") or {}
    saved = {name: address.get(name, "") for name in DRAFT_FIELDS["address"]}
    if _is_back(request):
        return _back(request, state, "address", saved)
    if request.method != "POST":
        chosen = facilities.locality_for_request(request)
        initial = {**saved, "locality": address.get("locality") or (chosen.code if chosen else None)}
        return _address_page(request, AddressForm(initial={**initial, **_draft(state, "address")}))
    _drop_draft(request, state, "address")
    form = AddressForm(request.POST)
    if not form.is_valid():
        return _address_page(request, form, status=422)
    locality = form.cleaned_data["locality"].code
    if address.get("locality") and address["locality"] != locality:
        _done(state, "benefit", False)  # the categories are the locality's: choose again
    state["address"] = {
        "address": form.cleaned_data["address"].strip(),
        "locality": locality,
        "language": form.cleaned_data["language"],
    }
    _done(state, "address")
    _save(request, state)
    return redirect(_url("benefit"))


# --- Step 4: benefits -------------------------------------------------------------------------------------


def _locality(state: dict[str, Any]) -> Locality | None:
    code = (state.get("address") or {}).get("locality", "")
    return Locality.objects.filter(code=code).first() if code else None


def _benefit_page(
    request: HttpRequest, form: forms.Form, state: dict[str, Any], locality: Locality, *, status: int = 200
) -> HttpResponse:
    persons = state.get("persons") or {}
    first_priority = services.registration_first_priority(
        locality=locality,
        applicant_iin=persons.get("applicant_iin", ""),
        child_iin=persons.get("child_iin", ""),
    )
    benefit = state.get("benefit") or {}
    return _page(
        request,
        "benefit",
        "waitlist/join_benefit.html",
        {
            "form": form,
            "first_priority": first_priority,
            "document_label": benefit.get("document_label") if _stored_name(benefit) else None,
        },
        status=status,
    )


def _benefit_error(form: forms.Form, exc: DomainError) -> None:
    for prefix, step, field in ERROR_STEPS:
        if step == "benefit" and exc.code.startswith(prefix):
            form.add_error(field, str(exc.message))
            return
    form.add_error(None, str(exc.message))


@_guarded("benefit")
def join_benefit(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """First-priority benefits found in the registry (shown); an extraordinary one claimed (certificate)."""
    locality = _locality(state)
    if locality is None:
        _done(state, "address", False)
        _save(request, state)
        return redirect(_url("address"))
    categories = selectors.extraordinary_categories(locality=locality)
    benefit = state.get("benefit") or {}
    saved = {"category": benefit.get("category", ""), "issued_on": benefit.get("issued_on", "")}
    if _is_back(request):  # a file chosen before pressing Back is not kept (the page says so)
        return _back(request, state, "benefit", saved)
    stored = _stored_name(benefit)
    if request.method != "POST":
        initial = {**saved, **_draft(state, "benefit")}
        form = BenefitForm(initial=initial, categories=categories, has_document=bool(stored))
        return _benefit_page(request, form, state, locality)
    _drop_draft(request, state, "benefit")
    form = BenefitForm(request.POST, request.FILES, categories=categories, has_document=bool(stored))
    if not form.is_valid():
        return _benefit_page(request, form, state, locality, status=422)
    category = form.cleaned_data["category"]
    if not category:
        _delete_document(state)
        state["benefit"] = {"category": ""}
        _done(state, "benefit")
        _save(request, state)
        return redirect(_url("notifications"))
    upload: UploadedFile | None = form.cleaned_data.get("document")
    issued_on: dt.date = form.cleaned_data["issued_on"]
    document = upload or _stored_upload(stored, benefit.get("document_label", ""))
    if document is None:  # the form made sure there is one; the stored file vanished in between
        form.add_error("document", _("Attach the certificate."))
        return _benefit_page(request, form, state, locality, status=422)
    try:
        services.benefit_document_checked(
            document=services.BenefitDocument(category_code=category, document=document, issued_on=issued_on),
            locality=locality,
        )
        extension = services.document_checked(document)
    except DomainError as exc:
        _benefit_error(form, exc)
        return _benefit_page(request, form, state, locality, status=exc.status)
    finally:
        if upload is None:
            document.close()
    if upload is not None:
        _delete_document(state)
        stored = default_storage.save(f"{UPLOAD_DIR}/{secrets.token_hex(16)}.{extension}", upload)
        label = get_valid_filename(upload.name or f"certificate.{extension}")[-80:]
    else:
        label = benefit.get("document_label", "")
    state["benefit"] = {
        "category": category,
        "document": stored,
        "document_label": label,
        "issued_on": issued_on.isoformat(),
    }
    _done(state, "benefit")
    _save(request, state)
    return redirect(_url("notifications"))


# --- Step 5: notifications ----------------------------------------------------------------------------------


def _notifications_page(request: HttpRequest, form: forms.Form, *, status: int = 200) -> HttpResponse:
    return _page(request, "notifications", "waitlist/join_step.html", {"form": form}, status=status)


@_guarded("notifications")
def join_notifications(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """Channel (SMS or email) and language of the notifications."""
    notify = state.get("notifications") or {}
    saved = {name: notify.get(name, "") for name in DRAFT_FIELDS["notifications"]}
    if _is_back(request):
        return _back(request, state, "notifications", saved)
    if request.method != "POST":
        current = (translation.get_language() or "ru")[:2]
        initial = {
            "notify_channel": notify.get("notify_channel", NotifyChannel.SMS),
            "email": notify.get("email", ""),
            "notify_language": notify.get("notify_language")
            or (current if current in dict(NOTIFY_LANGUAGES) else "ru"),
            **_draft(state, "notifications"),
        }
        return _notifications_page(request, NotificationsForm(initial=initial))
    _drop_draft(request, state, "notifications")
    form = NotificationsForm(request.POST)
    if not form.is_valid():
        return _notifications_page(request, form, status=422)
    state["notifications"] = {
        "notify_channel": form.cleaned_data["notify_channel"],
        "email": form.cleaned_data["email"],
        "notify_language": form.cleaned_data["notify_language"],
    }
    _done(state, "notifications")
    _save(request, state)
    return redirect(_url("review"))


# --- Step 6: review and submit -----------------------------------------------------------------------------


def _review_context(state: dict[str, Any]) -> dict[str, Any]:
    phones, persons = state.get("phones") or {}, state.get("persons") or {}
    address, benefit = state.get("address") or {}, state.get("benefit") or {}
    notify = state.get("notifications") or {}
    locality = _locality(state)
    category = None
    if benefit.get("category") and locality is not None:
        category = next(
            (
                c
                for c in selectors.extraordinary_categories(locality=locality)
                if c.code == benefit["category"]
            ),
            None,
        )
    first_priority = (
        services.registration_first_priority(
            locality=locality,
            applicant_iin=persons.get("applicant_iin", ""),
            child_iin=persons.get("child_iin", ""),
        )
        if locality is not None
        else []
    )
    return {
        "phones": phones,
        "persons": persons,
        "address": address,
        "locality": locality,
        "language": Language(address["language"]).label if address.get("language") in Language.values else "",
        "first_priority": first_priority,
        "category": category,
        "benefit": benefit,
        "issued_on": dt.date.fromisoformat(benefit["issued_on"]) if benefit.get("issued_on") else None,
        "notify": notify,
        "notify_channel": NotifyChannel(notify["notify_channel"]).label
        if notify.get("notify_channel")
        else "",
        "notify_language": dict(NOTIFY_LANGUAGES).get(notify.get("notify_language", ""), ""),
    }


def _back_to_step(request: HttpRequest, state: dict[str, Any], exc: DomainError) -> HttpResponse:
    """Show a domain error of the submit on the step it concerns (with the step's form as typed)."""
    for prefix, step, field in ERROR_STEPS:
        if not exc.code.startswith(prefix):
            continue
        _done(state, step, False)  # the parent passes the step again before the next submit
        _save(request, state)
        if step == "phones":
            phones = state.get("phones") or {}
            state["phones"] = {**phones, "entries": []}
            _save(request, state)
            form: forms.Form = PhonesForm(
                {"phone": phones.get("phone", ""), "phone_alt": phones.get("phone_alt", "")}
            )
            form.is_valid()
            form.add_error(field, str(exc.message))
            return _phones_page(request, form, status=exc.status)
        if step == "persons":
            form = PersonsForm(
                {k: (state.get("persons") or {}).get(k, "") for k in ("applicant_iin", "child_iin")}
            )
            form.is_valid()
            _persons_error(form, exc)
            return _persons_page(request, form, state, status=exc.status)
        if step == "address":
            form = AddressForm(state.get("address") or {})
            form.is_valid()
            form.add_error(field, str(exc.message))
            return _address_page(request, form, status=exc.status)
        if step == "benefit":
            locality = _locality(state)
            if locality is None:
                break
            benefit = state.get("benefit") or {}
            form = BenefitForm(
                {"category": benefit.get("category", ""), "issued_on": benefit.get("issued_on", "")},
                categories=selectors.extraordinary_categories(locality=locality),
                has_document=bool(_stored_name(benefit)),
            )
            form.is_valid()
            form.add_error(field, str(exc.message))
            return _benefit_page(request, form, state, locality, status=exc.status)
        if step == "notifications":
            form = NotificationsForm(state.get("notifications") or {})
            form.is_valid()
            form.add_error(field, str(exc.message))
            return _notifications_page(request, form, status=exc.status)
    return _page(
        request,
        "review",
        "waitlist/join_review.html",
        {**_review_context(state), "error": exc.message},
        status=exc.status,
    )


def _submit(state: dict[str, Any]) -> Application:
    """The same `application_register` call the API makes, from what the wizard kept."""
    phones, persons = state["phones"], state["persons"]
    address, benefit, notify = state["address"], state.get("benefit") or {}, state["notifications"]
    entries = phones.get("entries") or [{}, {}]
    locality = facilities.locality_get(code=address.get("locality", ""))
    document = None
    if benefit.get("category"):
        stored = benefit.get("document") or ""
        document = services.BenefitDocument(
            category_code=benefit["category"],
            document=_stored_upload(stored, benefit.get("document_label", "")),
            issued_on=dt.date.fromisoformat(benefit["issued_on"]) if benefit.get("issued_on") else None,
        )
    try:
        return services.application_register(
            locality=locality,
            applicant_iin=persons["applicant_iin"],
            child_iin=persons["child_iin"],
            phone=phones["phone"],
            phone_code_id=str(entries[0].get("code_id", "")),
            phone_alt=phones["phone_alt"],
            phone_alt_code_id=str(entries[1].get("code_id", "")),
            details=services.ApplicantInput(
                address=address["address"],
                language=address["language"],
                email=notify.get("email", ""),
                notify_channel=notify["notify_channel"],
                notify_language=notify["notify_language"],
            ),
            extraordinary=document,
        )
    finally:
        if document is not None and document.document is not None:
            document.document.close()


@_guarded("review")
def join_review(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """Everything typed, each part with a link back to its step; the submit registers the application."""
    if _is_back(request):  # nothing is submitted
        return _back(request, state, "review", {})
    if request.method != "POST":
        return _page(request, "review", "waitlist/join_review.html", _review_context(state))
    try:
        application = _submit(state)
    except DomainError as exc:
        return _back_to_step(request, state, exc)
    _delete_document(state)
    request.session.pop(SESSION_KEY, None)
    request.session[JOINED_KEY] = {"number": application.pk}
    return redirect("waitlist:join_done")


@require_http_methods(["GET"])
def join_done(request: HttpRequest) -> HttpResponse:
    """The application number (also sent by SMS or email); a GET page, so reloading it submits nothing."""
    joined = request.session.get(JOINED_KEY)
    if not isinstance(joined, dict) or "number" not in joined:
        return HttpResponseRedirect(reverse("waitlist:join"))
    return render(request, "waitlist/join_done.html", {"number": joined["number"]})
