"""Back-office pages of funding (E20–E29), in the staff site: the department's rates, terms and month (run,
freeze, register export), a statement for the department or its kindergarten's head; and the open-data
page of each kindergarten's monthly funding."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Locality
from kezek.staff.auth import staff_required
from kezek.staff.models import DEPARTMENT_ROLES, Role
from kezek.staff.reports import Report, csv_response, xlsx_response
from kezek.staff.selectors import Scope

from . import selectors, services
from .calculation import month_start
from .forms import MonthForm, RateForm, TermsForm
from .models import Statement

WRITE = (*DEPARTMENT_ROLES, Role.ADMINISTRATOR)
READ = (*WRITE, Role.AUDITOR)
HEAD = (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)  # the kindergarten side: its own statements


def _locality(scope: Scope, code: str | None) -> Locality:
    localities = scope.localities()
    locality = localities.filter(code=code).first() if code else localities.first()
    if locality is None:
        raise Http404
    return locality


def _previous_month() -> dt.date:
    return month_start(month_start(clock.today()) - dt.timedelta(days=1))


def _month(request: HttpRequest) -> dt.date:
    form = MonthForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["month"]
    return _previous_month()


@require_http_methods(["GET", "POST"])
@staff_required(*READ)
def funding(request: HttpRequest) -> HttpResponse:
    """The department's page: rates and terms of a locality, the month's statements and their run."""
    scope: Scope = request.scope  # type: ignore[attr-defined]
    may_change = scope.role in WRITE
    source = request.POST if request.method == "POST" else request.GET
    locality = _locality(scope, source.get("locality"))
    month = _month(request)
    rate_form, terms_form = RateForm(prefix="rate"), TermsForm(prefix="terms")
    message, status = "", 200
    if request.method == "POST":
        if not may_change:
            return render(request, "staff/forbidden.html", status=403)
        action = request.POST.get("action", "")
        try:
            redirect = _act(request, action, locality, scope)
        except DomainError as exc:
            message, status = str(exc.message), exc.status
            redirect = None
        except _Invalid as invalid:
            rate_form, terms_form = (
                invalid.forms.get("rate", rate_form),
                invalid.forms.get("terms", terms_form),
            )
            status = 422
            redirect = None
        if redirect is not None:
            return HttpResponseRedirect(redirect)
        month_posted = MonthForm(request.POST)
        if month_posted.is_valid():
            month = month_posted.cleaned_data["month"]
    statements = selectors.statements_in_scope(scope=scope, month=month, locality=locality)
    context = {
        "locality": locality,
        "localities": scope.localities(),
        "month": month,
        "may_change": may_change,
        "rates": selectors.rates_of(locality=locality),
        "terms": selectors.terms_of(locality=locality),
        "rate_form": rate_form,
        "terms_form": terms_form,
        "statements": statements,
        "totals": selectors.month_totals(statements),
        "message": message,
    }
    return render(request, "staff/funding/index.html", context, status=status)


class _Invalid(Exception):
    def __init__(self, **forms: Any) -> None:
        self.forms = forms


def _act(request: HttpRequest, action: str, locality: Locality, scope: Scope) -> str | None:
    """Run a posted action; the page to go to after it (None: show the page again)."""
    staff: User = request.user  # type: ignore[assignment]  # staff_required lets only staff in
    here = f"{reverse('staff:funding')}?locality={locality.code}"
    if action == "rate":
        form = RateForm(request.POST, prefix="rate")
        if not form.is_valid():
            raise _Invalid(rate=form)
        services.rate_set(locality=locality, by_staff=staff, **form.cleaned_data)
        return here
    if action == "terms":
        terms = TermsForm(request.POST, prefix="terms")
        if not terms.is_valid():
            raise _Invalid(terms=terms)
        services.terms_set(locality=locality, by_staff=staff, **terms.cleaned_data)
        return here
    if action in ("calculate", "freeze"):
        chosen = MonthForm(request.POST)
        if not chosen.is_valid():
            raise DomainError(_("Choose a month."))
        month = chosen.cleaned_data["month"]
        if action == "calculate":
            services.statements_calculate(month=month, locality=locality, by_staff=staff)
        else:
            services.statements_freeze(month=month, locality=locality, by_staff=staff)
        return f"{here}&month={month:%Y-%m}"
    raise DomainError(_("Unknown action."))


@require_GET
@staff_required(*HEAD)
def statements(request: HttpRequest) -> HttpResponse:
    """The kindergarten's statements (the head's own), newest month first."""
    scope: Scope = request.scope  # type: ignore[attr-defined]
    rows = selectors.statements_in_scope(scope=scope)[:240]
    return render(request, "staff/funding/statements.html", {"statements": rows})


def _statement_page(request: HttpRequest, pk: int) -> HttpResponse:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    found = (
        scope.filter(
            Statement.objects.select_related("organisation__locality"),
            locality="organisation__locality",
            organisation="organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    rows = list(selectors.statement_rows(statement=found))
    return render(request, "staff/funding/statement.html", {"statement": found, "rows": rows})


@require_GET
@staff_required(*READ)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A statement of the department's scope."""
    return _statement_page(request, pk)


@require_GET
@staff_required(*HEAD)
def kindergarten_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A statement of the head's own kindergarten."""
    return _statement_page(request, pk)


@require_GET
@staff_required(*READ)
def register_export(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    """The payment register of a locality's month: one line per kindergarten (CSV or XLSX)."""
    scope: Scope = request.scope  # type: ignore[attr-defined]
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404 from None
    respond = {"csv": csv_response, "xlsx": xlsx_response}.get(fmt)
    if respond is None:
        raise Http404
    locality = _locality(scope, request.GET.get("locality"))
    rows = selectors.statements_in_scope(scope=scope, month=first, locality=locality)
    report = Report(
        slug=f"funding-{locality.code}-{month}",
        title=_("Payment register"),
        description="",
        columns=[
            _("BIN"), _("Preschool organisation"), _("Month"), _("State"), _("Children"),
            _("Paid child-days"), _("Amount of the month, ₸"), _("Corrections, ₸"), _("To pay, ₸"),
            _("SHA-256 of the statement"),
        ],
        rows=[
            [
                s.organisation.bin, s.organisation.name, f"{s.month:%Y-%m}", s.get_state_display(),
                s.children, s.paid_days, _money(s.amount), _money(s.corrections), _money(s.total), s.sha256,
            ]
            for s in rows
        ],
        chart=SafeString(""),
    )  # fmt: skip
    return respond(report)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


@require_GET
def open_funding(request: HttpRequest) -> HttpResponse:
    """E29 (open data): each kindergarten's frozen monthly funding and paid child-days, no child data."""
    locality = facilities.locality_for_request(request) or facilities.locality_list().first()
    month = None
    form = MonthForm(request.GET or None)
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"]
    rows = selectors.open_funding(locality=locality, month=month)[:500] if locality else []
    return render(
        request,
        "opendata/funding.html",
        {"shown_locality": locality, "rows": rows, "form": form, "month": month},
        status=200 if not form.is_bound or form.is_valid() else 422,
    )


urlpatterns = [
    path("funding/", funding, name="funding"),
    path("funding/statements/<int:pk>/", statement, name="funding_statement"),
    path("kindergarten/funding/", statements, name="funding_statements"),
    path("kindergarten/funding/<int:pk>/", kindergarten_statement, name="funding_kindergarten_statement"),
    path("funding/register/<str:month>.<slug:fmt>", register_export, name="funding_register"),
]
