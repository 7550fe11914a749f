"""The parent's timesheets in the cabinet (E14): their own children's months only; agree, or dispute
days with a comment, from day 1 to day 7 of the next month."""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.cabinet.sessions import applicant_required
from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import Correction


def _applicant(request: HttpRequest) -> Applicant:
    return request.applicant  # type: ignore[attr-defined]


@applicant_required
@require_GET
def months(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    rows = [
        (cm, selectors.child_month_effective_state(cm, today=today), selectors.may_answer(cm, today=today))
        for cm in selectors.child_months_of(applicant=_applicant(request))[:60]
    ]
    return render(request, "attendance/cabinet_months.html", {"rows": rows})


@applicant_required
@require_http_methods(["GET", "POST"])
def month(request: HttpRequest, pk: int) -> HttpResponse:
    child_month = selectors.child_month_of(applicant=_applicant(request), pk=pk)
    if child_month is None:
        return render(request, "cabinet/not_found.html", status=404)
    status, error = 200, None
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "approve":
                services.child_month_approve(child_month=child_month, applicant=_applicant(request))
                messages.success(request, _("Thank you: you approved the month."))
            else:
                days = {}
                for key in request.POST.getlist("day"):
                    day = dt.date.fromisoformat(key)
                    days[day] = request.POST.get(f"comment-{key}", "")
                services.child_month_dispute(
                    child_month=child_month, applicant=_applicant(request), days=days
                )
                messages.success(request, _("Your dispute is sent to the education department."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            status, error = exc.status, exc.message
        except ValueError:
            status, error = 422, _("A chosen day is not in your child's sheet.")
    today = clock.today()
    marks = selectors.child_month_marks(child_month)
    disputes = {d.day: d for d in child_month.disputes.all()}
    corrections = {
        c.mark_id: c
        for c in Correction.objects.filter(mark__in=[m.pk for m in marks]).order_by("made_at", "pk")
    }
    context = {
        "cm": child_month,
        "state": selectors.child_month_effective_state(child_month, today=today),
        "may_answer": selectors.may_answer(child_month, today=today),
        "window": selectors.approval_window(child_month.timesheet.month),
        "rows": [(m, disputes.get(m.day), corrections.get(m.pk)) for m in marks],
        "present": sum(1 for m in marks if m.present),
        "error": error,
        "back": reverse("cabinet:attendance"),
    }
    return render(request, "attendance/cabinet_month.html", context, status=status)


urlpatterns = [
    path("attendance/", months, name="attendance"),
    path("attendance/<int:pk>/", month, name="attendance_month"),
]
