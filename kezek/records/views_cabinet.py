"""The parent's view of their children's files in the cabinet (E7): read-only, the whole file (health
notes and medical documents included), only their own children (another's file is a 404)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from kezek.cabinet.sessions import applicant_required
from kezek.core.errors import NotFound
from kezek.core.masking import mask_iin
from kezek.waitlist.models import Applicant

from . import selectors

app_name = "records_cabinet"


def _applicant(request: HttpRequest) -> Applicant:
    return request.applicant  # type: ignore[attr-defined]  # set by applicant_required


@applicant_required
@require_GET
def files(request: HttpRequest) -> HttpResponse:
    rows = [(f, mask_iin(f.child.iin)) for f in selectors.files_of_parent(_applicant(request))]
    return render(request, "records/cabinet/files.html", {"rows": rows})


@applicant_required
@require_GET
def file_page(request: HttpRequest, file_id: int) -> HttpResponse:
    try:
        file = selectors.file_of_parent(_applicant(request), file_id)
    except NotFound:
        return render(request, "records/cabinet/not_found.html", status=404)
    context = {
        "view": selectors.file_view(file, sensitive=True),
        "iin": mask_iin(file.child.iin),
        "cabinet": True,
    }
    return render(request, "records/cabinet/file.html", context)


@applicant_required
@require_GET
def document(request: HttpRequest, file_id: int, document_id: int) -> HttpResponse:
    try:
        file = selectors.file_of_parent(_applicant(request), file_id)
        found = selectors.document_of(file, document_id)
    except NotFound:
        return render(request, "records/cabinet/not_found.html", status=404)
    return selectors.document_response(found)


urlpatterns = [
    path("", files, name="files"),
    path("<int:file_id>/", file_page, name="file"),
    path("<int:file_id>/documents/<int:document_id>/", document, name="document"),
]
