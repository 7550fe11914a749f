"""The transfer to school on the web (E60–E69): the parent's cabinet page (consent, the package), the
kindergarten's back-office pages (list, issue, departure), the school's receipt page and the public
verification page of a package. Thin: the services decide."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kezek.cabinet.sessions import applicant_required
from kezek.core import clock
from kezek.core.errors import DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.core.http import ClientRateThrottle
from kezek.core.masking import mask_iin, mask_initials
from kezek.records.models import ChildFile
from kezek.records.selectors import files_of_parent
from kezek.staff.auth import staff_required
from kezek.staff.models import Role
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant

from . import package, selectors, services
from .forms import ConsentForm, DepartForm, ReceiveForm
from .models import SchoolTransfer

STAFF_READERS = (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.ADMINISTRATOR)
RECEIVED_KEY = "school_packages_received"  # the session's packages a school has received (E65)
RECEIVE_RATE = "10/m"


def _applicant(request: HttpRequest) -> Applicant:
    return request.applicant  # type: ignore[attr-defined]  # set by applicant_required


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]  # set by staff_required


def _verify_url(request: HttpRequest, transfer: SchoolTransfer) -> str:
    return request.build_absolute_uri(reverse("schooltransfer:verify", args=[transfer.verification_code]))


def _download(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def package_response(request: HttpRequest, transfer: SchoolTransfer, kind: str) -> HttpResponse:
    """The issued package as PDF (people) or signed JSON (systems); 404 before it is issued."""
    if not transfer.package or kind not in ("pdf", "json"):
        raise Http404
    if kind == "pdf":
        content = package.package_pdf(transfer=transfer, verify_url=_verify_url(request, transfer))
        return _download(content, content_type="application/pdf", name=f"school-package-{transfer.pk}.pdf")
    return _download(
        package.package_document(transfer),
        content_type="application/json",
        name=f"school-package-{transfer.pk}.json",
    )


# --- The parent (cabinet) ---


def _cabinet_rows(applicant: Applicant) -> list[dict[str, Any]]:
    today = clock.today()
    rows = []
    for file in selectors.parent_files(applicant):
        transfer = getattr(file, "school_transfer", None)
        rows.append(
            {
                "file": file,
                "transfer": transfer,
                "final_year": selectors.in_final_year(file.child, on=today),
                "guardian": selectors.is_guardian(applicant, file.child),
                "school_start": selectors.school_start(today),
            }
        )
    return rows


@require_GET
@applicant_required
def cabinet(request: HttpRequest) -> HttpResponse:
    """My children's transfers to school: consent in the final year, then the package."""
    applicant = _applicant(request)
    transfers = [t for t in selectors.transfers_of_parent(applicant) if not t.file.is_open]
    context = {"rows": _cabinet_rows(applicant), "closed": transfers}
    return render(request, "schooltransfer/cabinet.html", context)


@require_http_methods(["GET", "POST"])
@applicant_required
def consent(request: HttpRequest, file_id: int) -> HttpResponse:
    """E61: the guardian consents to the transfer of the file to a school."""
    applicant = _applicant(request)
    file = files_of_parent(applicant).filter(pk=file_id).first()
    if file is None:
        return render(request, "records/cabinet/not_found.html", status=404)
    form = ConsentForm(request.POST or None)
    status = 200
    if request.method == "POST":

        def save(data: dict[str, Any]) -> HttpResponse:
            services.transfer_consent(file=file, applicant=applicant, school_name=data["school_name"])
            messages.success(
                request, _("Thank you: your consent is recorded. The kindergarten prepares the package.")
            )
            return HttpResponseRedirect(reverse("schooltransfer_cabinet:home"))

        done, status = form_posted(
            form, save, field=lambda exc: "school_name" if exc.code == "school_invalid" else None
        )
        if done is not None:
            return done
    context = {"file": file, "form": form, "iin": mask_iin(file.child.iin)}
    return render(request, "schooltransfer/consent.html", context, status=status)


@require_GET
@applicant_required
def cabinet_package(request: HttpRequest, transfer_id: int, kind: str) -> HttpResponse:
    try:
        transfer = selectors.transfer_of_parent(_applicant(request), transfer_id)
    except NotFound as exc:
        raise Http404 from exc
    return package_response(request, transfer, kind)


# --- The kindergarten (back-office) ---


def _staff_transfer(request: HttpRequest, transfer_id: int) -> SchoolTransfer:
    try:
        return selectors.transfer_in_scope(_scope(request), transfer_id)
    except NotFound as exc:
        raise Http404 from exc


@require_GET
@staff_required(*STAFF_READERS)
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = [(t, mask_iin(t.child.iin)) for t in selectors.transfers_in_scope(_scope(request))[:500]]
    return render(request, "schooltransfer/staff_list.html", {"rows": rows})


def _staff_context(request: HttpRequest, transfer: SchoolTransfer, **extra: Any) -> dict[str, Any]:
    role = _scope(request).role
    return {
        "transfer": transfer,
        "iin": mask_iin(transfer.child.iin),
        "may_issue": role in services.ISSUERS and transfer.state == SchoolTransfer.State.CONSENTED,
        "may_depart": role in services.ISSUERS and transfer.state in services.OPEN_STATES,
        "final_year": selectors.in_final_year(transfer.child, on=clock.today()),
        "depart_form": extra.pop("depart_form", None) or DepartForm(),
        **extra,
    }


@require_GET
@staff_required(*STAFF_READERS)
def staff_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _staff_transfer(request, transfer_id)
    return render(request, "schooltransfer/staff_detail.html", _staff_context(request, transfer))


@require_POST
@staff_required(*services.ISSUERS)
def staff_issue(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """E62–E65: issue the package; the receipt code is shown on this answer only (never stored)."""
    transfer = _staff_transfer(request, transfer_id)
    user = User.objects.get(pk=_scope(request).user_id)
    try:
        transfer, code = services.package_issue(
            file=ChildFile.objects.get(pk=transfer.file_id), by_staff=user
        )
    except DomainError as exc:
        context = _staff_context(request, transfer, error=exc.message)
        return render(request, "schooltransfer/staff_detail.html", context, status=exc.status)
    transfer = _staff_transfer(request, transfer.pk)
    context = _staff_context(request, transfer, receipt_code=code)
    return render(request, "schooltransfer/staff_detail.html", context)


@require_POST
@staff_required(*services.ISSUERS)
def staff_depart(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """E66: the child leaves for school: the enrolment and the file close, the transfer ends."""
    transfer = _staff_transfer(request, transfer_id)
    form = DepartForm(request.POST)
    user = User.objects.get(pk=_scope(request).user_id)

    def depart(data: dict[str, Any]) -> HttpResponse:
        ended = services.transfer_depart(transfer=transfer, by_staff=user, on=data["left_on"])
        messages.success(request, SchoolTransfer.State(ended.state).label)
        return HttpResponseRedirect(reverse("staff:school_transfer", args=[transfer.pk]))

    done, status = form_posted(
        form, depart, field=lambda exc: "left_on" if exc.code == "date_invalid" else None
    )
    if done is not None:
        return done
    context = _staff_context(request, transfer, depart_form=form)
    return render(request, "schooltransfer/staff_detail.html", context, status=status)


@require_GET
@staff_required(*STAFF_READERS)
def staff_package(request: HttpRequest, transfer_id: int, kind: str) -> HttpResponse:
    return package_response(request, _staff_transfer(request, transfer_id), kind)


# --- The school and the public ---


@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    """E65: the school types the receipt code and gets the package (for this session)."""
    form = ReceiveForm(request.POST or None)
    if request.method != "POST":
        return render(request, "schooltransfer/receive.html", {"form": form})
    if not ClientRateThrottle(RECEIVE_RATE).allow_request(request):
        form = ReceiveForm()
        message = _("Too many attempts from your network. Please wait a minute and try again.")
        return render(
            request, "schooltransfer/receive.html", {"form": form, "throttled": message}, status=429
        )

    def take(data: dict[str, Any]) -> HttpResponse:
        transfer = services.package_receive(code=data["code"])
        request.session[RECEIVED_KEY] = [*request.session.get(RECEIVED_KEY, []), transfer.pk][-20:]
        return render(request, "schooltransfer/received.html", {"transfer": transfer})

    done, status = form_posted(form, take, field=lambda exc: "code")
    if done is not None:
        return done
    return render(request, "schooltransfer/receive.html", {"form": form}, status=status)


@require_GET
def received_package(request: HttpRequest, transfer_id: int, kind: str) -> HttpResponse:
    """The package this session received with its code (E65); anyone else: 404."""
    if transfer_id not in request.session.get(RECEIVED_KEY, []):
        raise Http404
    transfer = SchoolTransfer.objects.filter(pk=transfer_id).select_related("organisation").first()
    if transfer is None:
        raise Http404
    return package_response(request, transfer, kind)


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """E64: the public check of a printed package (its QR code): authentic or not, its state now, the child
    only as initials and birth year — what the direction's page shows (P4)."""
    try:
        transfer = selectors.transfer_by_verification_code(token)
    except NotFound:
        response = render(request, "schooltransfer/verify.html", {"transfer": None}, status=404)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    verdict = package.package_verify(package.package_document(transfer))
    child = transfer.child
    context = {
        "transfer": transfer,
        "authentic": verdict.ok,
        "initials": mask_initials(child.last_name, child.first_name),
        "birth_year": child.birth_date.year,
        "checked_at": clock.now(),
    }
    response = render(request, "schooltransfer/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
