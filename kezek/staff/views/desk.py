"""The department's desk (issue #6): benefit confirmation, applications (find, read, manual stop-list,
withdrawal on the parent's written request), cabinet access requests, complaints and suggestions.

Department operators and heads work in their locality, administrators everywhere; auditors read every page
but every POST refuses them (403); kindergarten roles get 403. Every read is narrowed by `request.scope`
(another locality's row is a 404, like a missing one). Writes go through the owning app's services, each
with its ledger event. Documents (certificates, proofs, written requests) are served only here, scope-checked,
as attachments — never by a public /media/ URL.
"""

import datetime as dt
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kezek.cabinet import services as cabinet_services
from kezek.cabinet.models import AccessRequest
from kezek.core import clock
from kezek.core.errors import DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.core.masking import mask_iin, mask_name, mask_phone
from kezek.core.workdays import add_working_days
from kezek.discretion.basis import Basis
from kezek.feedback import selectors as feedback_selectors
from kezek.feedback import services as feedback_services
from kezek.feedback.models import Feedback, Kind
from kezek.ledger.selectors import ledger_events
from kezek.placement.models import Direction
from kezek.waitlist import selectors as waitlist_selectors
from kezek.waitlist import services as waitlist_services
from kezek.waitlist.models import Application, BenefitClaim, StopListEntry

from ..auth import staff_required
from ..forms_desk import (
    ApplicationNumberForm,
    DecisionForm,
    FeedbackAnswerForm,
    FeedbackFilterForm,
    IinSearchForm,
    RestoreForm,
    StopListForm,
    WithdrawForm,
)
from ..navigation import DEPARTMENT, DEPARTMENT_READ, HEADS
from ..selectors import Scope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

M = TypeVar("M", bound=Model)

BENEFIT_WORKING_DAYS = 5  # the department decides an extraordinary claim within 5 working days (P4, P5)
PAGE_SIZE = 50
CLAIM_LOCALITY = "application__locality"
ACCESS_LOCALITY = "child__applications__locality"  # the child's applications' localities are the scope


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]  # set by staff_required


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)  # a signed-in staff user (staff_required)


def _one(request: HttpRequest, queryset: QuerySet[M], *, locality: str, pk: int, **lookups: str) -> M:
    """The row `pk` of `queryset` within the scope (`locality`, e.g. `organisation=` lookups), else 404."""
    try:
        return _scope(request).get(queryset, locality=locality, pk=pk, **lookups)
    except NotFound as exc:
        raise Http404 from exc


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/forbidden.html", status=403)


def _may_write(request: HttpRequest) -> bool:
    return _scope(request).role in DEPARTMENT


def _document(name: str, *, download_name: str) -> HttpResponse:
    """A stored document as an attachment, never rendered by the browser (never cached: NoStoreMiddleware)."""
    if not name or not default_storage.exists(name):
        raise Http404
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = mimetypes.types_map.get(f".{extension}", "application/octet-stream")
    with default_storage.open(name, "rb") as stored:  # at most 5 MB (document_checked)
        response = HttpResponse(stored.read(), content_type=content_type)
    filename = f"{download_name}.{extension}" if extension else download_name
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _refused(form: forms.Form, exc: DomainError, *, field: str | None = None) -> int:
    form.add_error(field if field in form.fields else None, str(exc.message))
    return exc.status


def _on_basis(exc: DomainError) -> str | None:
    """A decision's refusal: a basis refused (D1) on its field, anything else above the form."""
    return exc.code if exc.code.startswith("basis_") else None


def _decision_posted(
    request: HttpRequest,
    form: DecisionForm,
    decide: Callable[[Basis], object],
    *,
    confirmed: "StrOrPromise",
    rejected: "StrOrPromise",
    then: str,
    awaiting: "StrOrPromise | None" = None,
) -> tuple[HttpResponse | None, int]:
    """A posted confirm/reject decision (`form.confirm`): `decide(basis)` calls the service; then back to
    the list `then` with the message `confirmed` or `rejected` — or `awaiting` when the decision waits
    for a second staff member (D2: the service returned a row still `pending`)."""

    def on_valid(data: dict[str, Any]) -> HttpResponse:
        decided = decide(form.basis)
        if awaiting is not None and getattr(decided, "status", None) == "pending":
            messages.success(request, awaiting)
        else:
            messages.success(request, confirmed if form.confirm else rejected)
        return HttpResponseRedirect(reverse(then))

    return form_posted(form, on_valid, field=_on_basis)


# --- benefit confirmation desk -------------------------------------------------------------------------


def _deadline(claim: BenefitClaim) -> dt.date:
    return add_working_days(timezone.localdate(claim.created_at), BENEFIT_WORKING_DAYS)


def _waiting_directions(request: HttpRequest, application_ids: list[int]) -> dict[int, Direction]:
    """The directions held for a benefit decision (P4: `benefit_confirmation`), by application."""
    directions = _scope(request).filter(
        Direction.objects.filter(
            application_id__in=application_ids, state=Direction.State.BENEFIT_CONFIRMATION
        ).select_related("group__organisation"),
        locality="application__locality",
    )
    return {direction.application_id: direction for direction in directions}


@dataclass(frozen=True)
class ClaimRow:
    claim: BenefitClaim
    deadline: dt.date
    overdue: bool
    direction: Direction | None


@require_GET
@staff_required(*DEPARTMENT_READ)
def benefits(request: HttpRequest) -> HttpResponse:
    """Pending extraordinary claims of the scope, oldest first, with their 5-working-day deadline."""
    claims = list(
        _scope(request).filter(waitlist_selectors.benefit_claims_pending(), locality=CLAIM_LOCALITY)
    )
    directions = _waiting_directions(request, [claim.application_id for claim in claims])
    today = clock.today()
    rows = [
        ClaimRow(claim, deadline, today > deadline, directions.get(claim.application_id))
        for claim in claims
        for deadline in [_deadline(claim)]
    ]
    return render(request, "staff/desk/benefits.html", {"rows": rows, "today": today})


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT_READ)
def benefit(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One claim: its certificate, deadline, the direction waiting for it; confirm or reject (a reason)."""
    claims = BenefitClaim.objects.select_related("application__locality", "category", "decided_by")
    claim = _one(request, claims, locality=CLAIM_LOCALITY, pk=claim_id)
    if request.method == "POST" and not _may_write(request):
        return _forbidden(request)
    pending = claim.status == BenefitClaim.Status.PENDING
    form = DecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        done, status = _decision_posted(
            request,
            form,
            lambda basis: waitlist_services.benefit_claim_decide(
                claim=claim, confirm=form.confirm, by_staff=_user(request), basis=basis
            ),
            confirmed=_("The benefit is confirmed."),
            rejected=_("The benefit is rejected."),
            then="staff:benefits",
        )
        if done is not None:
            return done
    direction = _waiting_directions(request, [claim.application_id]).get(claim.application_id)
    context = {
        "claim": claim,
        "deadline": _deadline(claim),
        "overdue": pending and clock.today() > _deadline(claim),
        "direction": direction,
        "form": form if (pending or form.errors) and _may_write(request) else None,
    }
    return render(request, "staff/desk/benefit.html", context, status=status)


@require_GET
@staff_required(*DEPARTMENT_READ)
def benefit_document(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _one(request, BenefitClaim.objects.all(), locality=CLAIM_LOCALITY, pk=claim_id)
    return _document(claim.document.name, download_name=f"benefit-{claim.pk}")


# --- applications --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT_READ)
def applications(request: HttpRequest) -> HttpResponse:
    """Find an application by its number (GET) or by a child's or applicant's IIN (POST, never in a URL)."""
    number_form = ApplicationNumberForm(request.GET if "number" in request.GET else None)
    iin_form = IinSearchForm(request.POST if request.method == "POST" else None)
    found: list[Application] | None = None
    status = 200
    if number_form.is_bound:
        if number_form.is_valid():
            number = number_form.cleaned_data["number"]
            scoped = _scope(request).filter(Application.objects.filter(pk=number), locality="locality")
            if scoped.exists():
                return HttpResponseRedirect(reverse("staff:application", args=[number]))
            number_form.add_error("number", _("No application with this number in your scope."))
            status = 404
        else:
            status = 422
    if iin_form.is_bound:
        status = 422
        if iin_form.is_valid():
            try:
                matches = waitlist_selectors.applications_by_iin(iin=iin_form.cleaned_data["iin"])
            except DomainError as exc:
                status = _refused(iin_form, exc, field="iin")
            else:
                found = list(_scope(request).filter(matches, locality="locality"))
                status = 200
    context = {"number_form": number_form, "iin_form": iin_form, "found": found}
    return render(request, "staff/desk/applications.html", context, status=status)


def _application(request: HttpRequest, number: int) -> Application:
    queryset = Application.objects.select_related("locality", "child", "applicant")
    return _one(request, queryset, locality="locality", pk=number)


def _open_stop_listing(application: Application) -> StopListEntry | None:
    return StopListEntry.objects.filter(application=application, restored_at__isnull=True).first()


def _application_page(
    request: HttpRequest,
    application: Application,
    *,
    stop_form: StopListForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    restore_form: RestoreForm | None = None,
    status: int = 200,
) -> HttpResponse:
    summary = waitlist_selectors.application_summary(application=application)
    entry = _open_stop_listing(application)
    writable = _may_write(request)
    withdrawable = application.status in (Application.Status.QUEUED, Application.Status.STOP_LISTED)
    events = ledger_events(subject_type="application", subject_id=str(application.pk))
    context = {
        "application": application,
        "summary": summary,
        "child_name": mask_name(application.child.last_name, application.child.first_name),
        "child_iin": mask_iin(application.child.iin),
        "applicant_name": mask_name(application.applicant.last_name, application.applicant.first_name),
        "applicant_iin": mask_iin(application.applicant.iin),
        "stop_listing": entry,
        "claims": application.benefit_claims.select_related("category").order_by("pk"),
        "directions": application.directions.select_related("group__organisation").order_by("-pk")[:10],
        "events": events,
        "withdrawal_request": waitlist_selectors.withdrawal_request_document(application=application),
        "stop_form": (stop_form or StopListForm())
        if writable and application.status == Application.Status.QUEUED
        else None,
        "restore_form": (restore_form or RestoreForm())
        if writable and entry is not None and entry.reason == StopListEntry.Reason.MANUAL
        else None,
        "withdraw_form": (withdraw_form or WithdrawForm()) if writable and withdrawable else None,
    }
    return render(request, "staff/desk/application.html", context, status=status)


def _application_done(request: HttpRequest, number: int, message: "StrOrPromise") -> HttpResponse:
    """A staff action on the application succeeded: its message, back to the application's page."""
    messages.success(request, message)
    return HttpResponseRedirect(reverse("staff:application", args=[number]))


@require_GET
@staff_required(*DEPARTMENT_READ)
def application(request: HttpRequest, number: int) -> HttpResponse:
    """An application within scope, read only (status, tier, dates, position, its ledger events)."""
    return _application_page(request, _application(request, number))


@require_POST
@staff_required(*DEPARTMENT)
def application_stop_list(request: HttpRequest, number: int) -> HttpResponse:
    """Manual stop-listing with its basis (S2 `manual`: public reason category; D1)."""
    found = _application(request, number)
    form = StopListForm(request.POST)

    def stop_list(data: dict[str, Any]) -> HttpResponse:
        waitlist_services.application_stop_list(
            application=found, reason=StopListEntry.Reason.MANUAL, basis=form.basis, by_staff=_user(request)
        )
        return _application_done(request, number, _("The application is on the stop-list."))

    done, status = form_posted(form, stop_list, field=_on_basis)
    return done or _application_page(request, _application(request, number), stop_form=form, status=status)


@require_POST
@staff_required(*DEPARTMENT)
def application_restore(request: HttpRequest, number: int) -> HttpResponse:
    """Lift a manual stop-listing with its basis (D1; the automatic ones end by themselves on their date,
    S2)."""
    found = _application(request, number)
    entry = _open_stop_listing(found)
    if entry is None or entry.reason != StopListEntry.Reason.MANUAL:
        messages.error(request, _("Only a manual stop-listing can be lifted here."))
        return _application_page(request, found, status=409)
    form = RestoreForm(request.POST)

    def restore(data: dict[str, Any]) -> HttpResponse:
        waitlist_services.application_restore(application=found, by_staff=_user(request), basis=form.basis)
        return _application_done(request, number, _("The application is back in the queue."))

    done, status = form_posted(form, restore, field=_on_basis)
    return done or _application_page(request, _application(request, number), restore_form=form, status=status)


@require_POST
@staff_required(*DEPARTMENT)
def application_withdraw(request: HttpRequest, number: int) -> HttpResponse:
    """Withdrawal on the parent's written request: a written reason and the scanned request."""
    found = _application(request, number)
    form = WithdrawForm(request.POST, request.FILES)

    def withdraw(data: dict[str, Any]) -> HttpResponse:
        waitlist_services.application_withdraw(
            application=found, by_staff=_user(request), basis=form.basis, document=data["document"]
        )
        return _application_done(request, number, _("The application is withdrawn."))

    done, status = form_posted(
        form, withdraw, field=lambda exc: "document" if exc.code.startswith("document") else _on_basis(exc)
    )
    return done or _application_page(
        request, _application(request, number), withdraw_form=form, status=status
    )


@require_GET
@staff_required(*DEPARTMENT_READ)
def application_withdrawal_request(request: HttpRequest, number: int) -> HttpResponse:
    found = _application(request, number)
    name = waitlist_selectors.withdrawal_request_document(application=found)
    if name is None:
        raise Http404
    return _document(name, download_name=f"withdrawal-request-{found.pk}")


# --- cabinet access requests ---------------------------------------------------------------------------


def _access_requests(request: HttpRequest) -> QuerySet[AccessRequest]:
    queryset = AccessRequest.objects.select_related("child")
    return _scope(request).filter(queryset, locality=ACCESS_LOCALITY).distinct()


@require_GET
@staff_required(*DEPARTMENT_READ)
def access_requests(request: HttpRequest) -> HttpResponse:
    """Pending requests to restore access to a cabinet, oldest first."""
    pending = (
        _access_requests(request).filter(status=AccessRequest.Status.PENDING).order_by("created_at", "pk")
    )
    rows = [
        {"request": row, "child": mask_name(row.child.last_name, row.child.first_name)} for row in pending
    ]
    return render(request, "staff/desk/access_requests.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT_READ)
def access_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """One request with its proof; approve (moves the child's applications) or reject with a reason."""
    found = _one(request, _access_requests(request), locality=ACCESS_LOCALITY, pk=request_id)
    if request.method == "POST" and not _may_write(request):
        return _forbidden(request)
    pending = found.status == AccessRequest.Status.PENDING
    form = DecisionForm(request.POST if request.method == "POST" else None, approve_label=_("Approve"))
    status = 200
    if request.method == "POST":
        done, status = _decision_posted(
            request,
            form,
            lambda basis: cabinet_services.access_request_decide(
                request=found,
                approve=form.confirm,
                by_staff=_user(request),
                basis=basis,
                localities=_scope(request).locality_ids,
            ),
            confirmed=_("The request is approved."),
            rejected=_("The request is rejected."),
            awaiting=_(
                "Your approval is recorded. The register does not list the requester as the child's "
                "parent: another staff member must approve too."
            ),
            then="staff:access_requests",
        )
        if done is not None:
            return done
    child_applications = _scope(request).filter(
        Application.objects.filter(child_id=found.child_id).select_related("locality", "applicant"),
        locality="locality",
    )
    context = {
        "found": found,
        "child": mask_name(found.child.last_name, found.child.first_name),
        "child_iin": mask_iin(found.child.iin),
        "requester_iin": mask_iin(found.requester_iin),
        "phones": [mask_phone(found.phone), mask_phone(found.phone_alt)],
        "applications": [
            {
                "application": row,
                "applicant": mask_name(row.applicant.last_name, row.applicant.first_name),
                "requester": row.applicant.iin == found.requester_iin,
            }
            for row in child_applications.order_by("pk")
        ],
        "form": form if (pending or form.errors) and _may_write(request) else None,
    }
    return render(request, "staff/desk/access_request.html", context, status=status)


@require_GET
@staff_required(*DEPARTMENT_READ)
def access_request_document(request: HttpRequest, request_id: int) -> HttpResponse:
    found = _one(request, _access_requests(request), locality=ACCESS_LOCALITY, pk=request_id)
    return _document(found.document.name, download_name=f"access-request-{found.pk}")


# --- complaints and suggestions ------------------------------------------------------------------------


def _sees_corruption(request: HttpRequest) -> bool:
    """Corruption reports may concern the operators themselves: the department head and administrators."""
    return _scope(request).role in HEADS


def _feedback(request: HttpRequest) -> QuerySet[Feedback]:
    queryset = _scope(request).filter(
        feedback_selectors.feedback_inbox(), locality="locality", organisation="organisation"
    )
    if not _sees_corruption(request):
        queryset = queryset.exclude(kind=Kind.CORRUPTION)
    return queryset


@require_GET
@staff_required(*DEPARTMENT_READ)
def feedback_list(request: HttpRequest) -> HttpResponse:
    """The scope's messages, newest first, filtered by status and kind."""
    form = FeedbackFilterForm(request.GET, corruption=_sees_corruption(request))
    rows = _feedback(request)
    if form.is_valid():
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["kind"]:
            rows = rows.filter(kind=form.cleaned_data["kind"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "staff/desk/feedback_list.html", context, status=200 if form.is_valid() else 422)


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT_READ)
def feedback_detail(request: HttpRequest, feedback_id: int) -> HttpResponse:
    """One message; set its status and write the public answer."""
    found = _one(
        request, _feedback(request), locality="locality", organisation="organisation", pk=feedback_id
    )
    if request.method == "POST" and not _may_write(request):
        return _forbidden(request)
    initial: dict[str, Any] = {"status": found.status, "answer": found.answer}
    form = FeedbackAnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":

        def answer(data: dict[str, Any]) -> HttpResponse:
            feedback_services.feedback_answer(
                feedback=found, by=_user(request), status=data["status"], answer=data["answer"]
            )
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("staff:feedback_detail", args=[found.pk]))

        done, status = form_posted(form, answer, field=lambda exc: "answer")
        if done is not None:
            return done
    context = {"found": found, "form": form if _may_write(request) else None}
    return render(request, "staff/desk/feedback_detail.html", context, status=status)


urlpatterns = [
    path("benefits/", benefits, name="benefits"),
    path("benefits/<int:claim_id>/", benefit, name="benefit"),
    path("benefits/<int:claim_id>/document/", benefit_document, name="benefit_document"),
    path("applications/", applications, name="applications"),
    path("applications/<int:number>/", application, name="application"),
    path("applications/<int:number>/stop-list/", application_stop_list, name="application_stop_list"),
    path("applications/<int:number>/restore/", application_restore, name="application_restore"),
    path("applications/<int:number>/withdraw/", application_withdraw, name="application_withdraw"),
    path(
        "applications/<int:number>/withdrawal-request/",
        application_withdrawal_request,
        name="application_withdrawal_request",
    ),
    path("access-requests/", access_requests, name="access_requests"),
    path("access-requests/<int:request_id>/", access_request, name="access_request"),
    path(
        "access-requests/<int:request_id>/document/", access_request_document, name="access_request_document"
    ),
    path("feedback/", feedback_list, name="feedback"),
    path("feedback/<int:feedback_id>/", feedback_detail, name="feedback_detail"),
]
