"""Infection control in the back-office (E51–E57), mounted in the staff namespace (`kezek.staff.urls`).

Cases, contacts and the sanitary report are health data: only the kindergarten's nurse and head open
these pages (403 for any other role), narrowed to their kindergarten, and every read is logged (E56). The
department sees counts only (E57)."""

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core import clock
from kezek.core.errors import NotFound
from kezek.core.forms_views import form_posted
from kezek.placement.models import Enrollment
from kezek.staff.auth import staff_required
from kezek.staff.models import ORGANISATION_ROLES, StaffProfile
from kezek.staff.navigation import DEPARTMENT_READ
from kezek.staff.selectors import Scope

from . import selectors, services
from .forms import CaseForm
from .models import Case, CaseRead

RECENT_DAYS = 60  # E51: a child who left in the last 60 days may still be recorded
FIELDS = {
    "infection_unknown": "infection",
    "isolation_before_onset": "isolated_on",
    "isolation_future": "isolated_on",
    "not_enrolled": "enrollment",
    "subject_required": "enrollment",
}


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]  # set by staff_required


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)


def _choices(scope: Scope) -> dict[str, list[tuple[Any, str]]]:
    since = clock.today() - dt.timedelta(days=RECENT_DAYS)
    children = (
        scope.filter(
            Enrollment.objects.all(),
            locality="group__organisation__locality",
            organisation="group__organisation",
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=since))
        .select_related("child", "group")
        .order_by("child__last_name", "child__first_name", "pk")
    )
    staff = (
        scope.filter(
            StaffProfile.objects.all(), locality="organisation__locality", organisation="organisation"
        )
        .filter(role__in=ORGANISATION_ROLES, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    return {
        "infections": [(i.code, i.name) for i in selectors.infections()],
        "children": [(e.pk, f"{e.child.last_name} {e.child.first_name} — {e.group.name}") for e in children],
        "staff": [(p.pk, p.user.get_full_name() or p.user.username) for p in staff],
    }


@require_GET
@staff_required(*services.HEALTH_ROLES)
def cases(request: HttpRequest) -> HttpResponse:
    """E56: the kindergarten's cases and quarantines (a logged read)."""
    scope = _scope(request)
    services.case_read_log(user=_user(request), what=CaseRead.What.LIST)
    today = clock.today()
    context = {
        "cases": list(selectors.cases_of(scope)[:200]),
        "quarantines": list(selectors.quarantines_of(scope)[:50]),
        "today": today,
    }
    return render(request, "infection/cases.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(*services.HEALTH_ROLES)
def case_new(request: HttpRequest) -> HttpResponse:
    """E51: the nurse records a case; the contacts, the quarantine and the parents' messages follow."""
    form = CaseForm(request.POST or None, **_choices(_scope(request)))
    status = 200
    if request.method == "POST":

        def save(data: dict[str, Any]) -> HttpResponse:
            case = services.case_record(
                by_staff=_user(request),
                infection_code=data["infection"],
                onset_on=data["onset_on"],
                isolated_on=data["isolated_on"],
                enrollment=Enrollment.objects.get(pk=data["enrollment"]) if data.get("enrollment") else None,
                staff=StaffProfile.objects.get(pk=data["staff"]) if data.get("staff") else None,
            )
            messages.success(request, _("The case is recorded."))
            return HttpResponseRedirect(reverse("staff:infection_case", args=[case.pk]))

        done, status = form_posted(form, save, field=lambda exc: FIELDS.get(exc.code))
        if done is not None:
            return done
    return render(request, "infection/case_form.html", {"form": form}, status=status)


def _case(request: HttpRequest, case_id: int) -> Case:
    try:
        return selectors.case_of(_scope(request), case_id)
    except NotFound as exc:
        raise Http404 from exc


@require_GET
@staff_required(*services.HEALTH_ROLES)
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    """E56: one case with its contacts and quarantines (a logged read)."""
    case = _case(request, case_id)
    services.case_read_log(user=_user(request), what=CaseRead.What.CASE, case=case)
    context = {"case": case, "contacts": selectors.contacts_of(case), "quarantines": case.quarantines.all()}
    return render(request, "infection/case.html", context)


@require_GET
@staff_required(*services.HEALTH_ROLES)
def report(request: HttpRequest) -> HttpResponse:
    """E57: the report for the sanitary service — cases, contacts, quarantines — as CSV (a logged read)."""
    scope = _scope(request)
    services.case_read_log(user=_user(request), what=CaseRead.What.REPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="infection-report.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(selectors.REPORT_HEADER)
    writer.writerows(selectors.report_rows(scope))
    return response


@require_GET
@staff_required(*DEPARTMENT_READ)
def department(request: HttpRequest) -> HttpResponse:
    """E57: the department's counts per kindergarten — never a case, a child or an infection."""
    rows = selectors.department_counts(_scope(request), today=clock.today())
    return render(request, "infection/department.html", {"rows": rows})


urlpatterns = [
    path("kindergarten/infection/", cases, name="infection"),
    path("kindergarten/infection/new/", case_new, name="infection_case_new"),
    path("kindergarten/infection/<int:case_id>/", case_page, name="infection_case"),
    path("kindergarten/infection/report.csv", report, name="infection_report"),
    path("department/infection/", department, name="infection_department"),
]
