"""The children's files in the back-office (E1–E9): the kindergarten's list, a file, its contract, documents
and health notes. Mounted in the staff namespace (`kezek.staff.urls`).

Every read is narrowed by `request.scope` (another kindergarten's file is a 404). Health notes and medical
documents are shown only to the head and the nurse, and each such read is logged (E4); the head sees the
log on the file's page. A closed file is read-only (E8)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core.errors import DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.core.masking import mask_iin
from kezek.staff.auth import staff_required
from kezek.staff.models import Role
from kezek.staff.selectors import Scope

from . import selectors, services
from .forms import ContractForm, DocumentForm, HealthForm
from .models import ChildFile, SensitiveRead

READERS = (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.TEACHER, Role.NURSE, Role.ADMINISTRATOR)
PAGE_SIZE = 50


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]  # set by staff_required


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)


def _file(request: HttpRequest, file_id: int) -> ChildFile:
    try:
        return selectors.file_in_scope(_scope(request), file_id)
    except NotFound as exc:
        raise Http404 from exc


def _to_file(request: HttpRequest, file: ChildFile, message: Any) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("staff:record", args=[file.pk]))


@require_GET
@staff_required(*READERS)
def files(request: HttpRequest) -> HttpResponse:
    """The kindergarten's children's files: open ones, or the archive (`?status=closed`)."""
    status = "closed" if request.GET.get("status") == "closed" else "open"
    rows = selectors.files_in_scope(_scope(request)).filter(status=status).order_by("child__last_name", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [(f, mask_iin(f.child.iin)) for f in page.object_list],
        "status": status,
    }
    return render(request, "records/staff/files.html", context)


@require_GET
@staff_required(*READERS)
def file_page(request: HttpRequest, file_id: int) -> HttpResponse:
    """One file; its health part for the head and the nurse only, each such read logged (E4)."""
    scope = _scope(request)
    file = _file(request, file_id)
    sensitive = selectors.may_read_health(scope.role)
    if sensitive:
        services.sensitive_read_log(
            file=file, user_id=scope.user_id, role=scope.role, what=SensitiveRead.What.HEALTH
        )
    view = selectors.file_view(file, sensitive=sensitive, with_reads=scope.role == Role.KINDERGARTEN_HEAD)
    context = {
        "view": view,
        "iin": mask_iin(file.child.iin),
        "may_write": scope.role in services.FILE_WRITERS and file.is_open,
        "may_contract": scope.role in services.CONTRACT_WRITERS and file.is_open,
        "may_health": sensitive and file.is_open,
        "may_depart": scope.role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF) and file.is_open,
    }
    return render(request, "records/staff/file.html", context)


@require_GET
@staff_required(*READERS)
def document_download(request: HttpRequest, file_id: int, document_id: int) -> HttpResponse:
    """A document's file; a medical one only for the head and the nurse (404 for others), logged (E4)."""
    scope = _scope(request)
    file = _file(request, file_id)
    try:
        document = selectors.document_of(file, document_id)
    except NotFound as exc:
        raise Http404 from exc
    if document.is_medical:
        if not selectors.may_read_health(scope.role):
            raise Http404
        services.sensitive_read_log(
            file=file,
            user_id=scope.user_id,
            role=scope.role,
            what=SensitiveRead.What.DOCUMENT,
            document=document,
        )
    return selectors.document_response(document)


@require_http_methods(["GET", "POST"])
@staff_required(*services.CONTRACT_WRITERS)
def contract(request: HttpRequest, file_id: int) -> HttpResponse:
    """E3: set (or replace) the contract with the parents."""
    file = _file(request, file_id)
    initial = {
        "number": file.contract_number,
        "signed_on": file.contract_date,
        "monthly_fee": file.monthly_fee,
    }
    form = ContractForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":

        def save(data: dict[str, Any]) -> HttpResponse:
            services.child_file_contract_set(
                file=file,
                by_staff=_user(request),
                number=data["number"],
                signed_on=data["signed_on"],
                monthly_fee=data["monthly_fee"],
            )
            return _to_file(request, file, _("The contract is saved."))

        done, status = form_posted(
            form,
            save,
            field=_field(
                {
                    "contract_date_future": "signed_on",
                    "fee_invalid": "monthly_fee",
                    "fee_above_cap": "monthly_fee",
                }
            ),
        )
        if done is not None:
            return done
    return render(
        request,
        "records/staff/form.html",
        _form_context(file, form, _("Contract with the parents")),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required(*services.FILE_WRITERS)
def document_add(request: HttpRequest, file_id: int) -> HttpResponse:
    """E5: add a document (a medical one only by the head or the nurse), or replace one of the same type."""
    scope = _scope(request)
    file = _file(request, file_id)
    medical = selectors.may_read_health(scope.role)
    view = selectors.file_view(file, sensitive=medical)
    replaceable = [
        (d.pk, f"{d.get_kind_display()} · {d.issued_on:%d.%m.%Y}")
        for d in view.documents
        if not hasattr(d, "replaced_by")
    ]
    form = DocumentForm(request.POST or None, request.FILES or None, medical=medical, replaceable=replaceable)
    status = 200
    if request.method == "POST":

        def save(data: dict[str, Any]) -> HttpResponse:
            replaces = selectors.document_of(file, data["replaces"]) if data.get("replaces") else None
            services.child_document_add(
                file=file,
                by_staff=_user(request),
                kind=data["kind"],
                document=data["document"],
                issued_on=data["issued_on"],
                valid_until=data.get("valid_until"),
                replaces=replaces,
            )
            return _to_file(request, file, _("The document is added to the file."))

        codes = {
            "issued_on_future": "issued_on",
            "valid_until_invalid": "valid_until",
            "replaces_invalid": "replaces",
            "already_replaced": "replaces",
        }
        done, status = form_posted(form, save, field=_document_field(codes))
        if done is not None:
            return done
    context = _form_context(file, form, _("Add a document"))
    context["multipart"] = True
    return render(request, "records/staff/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(*services.SENSITIVE_ROLES)
def health(request: HttpRequest, file_id: int) -> HttpResponse:
    """E4, E6: the nurse or the head edits the health notes; opening the form is a read, logged."""
    scope = _scope(request)
    file = _file(request, file_id)
    note = selectors.file_view(file, sensitive=True).health
    if request.method == "GET":
        services.sensitive_read_log(
            file=file, user_id=scope.user_id, role=scope.role, what=SensitiveRead.What.HEALTH
        )
    initial = (
        {"allergies": note.allergies, "diet": note.diet, "restrictions": note.restrictions} if note else {}
    )
    form = HealthForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":

        def save(data: dict[str, Any]) -> HttpResponse:
            services.health_note_set(file=file, by_staff=_user(request), **data)
            return _to_file(request, file, _("The health notes are saved."))

        done, status = form_posted(form, save)
        if done is not None:
            return done
    return render(
        request, "records/staff/form.html", _form_context(file, form, _("Health notes")), status=status
    )


def _field(codes: dict[str, str]) -> Any:
    return lambda exc: codes.get(exc.code)


def _document_field(codes: dict[str, str]) -> Any:
    def field(exc: DomainError) -> str | None:
        if exc.code.startswith("document_"):
            return "kind" if exc.code == "document_kind_invalid" else "document"
        return codes.get(exc.code)

    return field


def _form_context(file: ChildFile, form: Any, title: Any) -> dict[str, Any]:
    return {"file": file, "form": form, "title": title, "iin": mask_iin(file.child.iin)}


urlpatterns = [
    path("kindergarten/records/", files, name="records"),
    path("kindergarten/records/<int:file_id>/", file_page, name="record"),
    path("kindergarten/records/<int:file_id>/contract/", contract, name="record_contract"),
    path("kindergarten/records/<int:file_id>/documents/new/", document_add, name="record_document_add"),
    path(
        "kindergarten/records/<int:file_id>/documents/<int:document_id>/",
        document_download,
        name="record_document",
    ),
    path("kindergarten/records/<int:file_id>/health/", health, name="record_health"),
]
