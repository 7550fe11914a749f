"""Reports of the department (and auditors, administrators): four aggregate reports with their charts, and
each one's CSV/XLSX download — all narrowed to the user's scope, optionally to one of its localities."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from ..auth import staff_required
from ..navigation import DEPARTMENT_READ
from ..reports import REPORTS, ReportFilterForm, all_reports, csv_response, xlsx_response
from ..selectors import Scope

EXPORTS = {"csv": csv_response, "xlsx": xlsx_response}


def _locality_id(request: HttpRequest, scope: Scope) -> tuple[ReportFilterForm, int | None]:
    """The chosen locality; one outside the scope (or nonsense) answers 404, like a missing one."""
    form = ReportFilterForm(request.GET or None, scope=scope)
    if not request.GET.get("locality"):
        return form, None
    if not form.is_valid():
        raise Http404
    locality = form.cleaned_data["locality"]
    return form, locality.pk if locality else None


@require_GET
@staff_required(*DEPARTMENT_READ)
def reports(request: HttpRequest) -> HttpResponse:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    form, locality_id = _locality_id(request, scope)
    context = {
        "form": form,
        "show_filter": scope.localities().count() > 1,
        "query": f"locality={locality_id}" if locality_id else "",
        "reports": all_reports(scope=scope, locality_id=locality_id),
    }
    return render(request, "staff/reports/index.html", context)


@require_GET
@staff_required(*DEPARTMENT_READ)
def report_export(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    build = REPORTS.get(report)
    respond = EXPORTS.get(fmt)
    if build is None or respond is None:
        raise Http404
    scope: Scope = request.scope  # type: ignore[attr-defined]
    _form, locality_id = _locality_id(request, scope)
    return respond(build(scope=scope, locality_id=locality_id))


urlpatterns = [
    path("reports/", reports, name="reports"),
    path("reports/<slug:report>.<slug:fmt>", report_export, name="report_export"),
]
