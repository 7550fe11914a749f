"""Development monitoring in the back-office (E42–E49): the groups' points, the teacher's card screen (one
child at a time, a level by one tap, phone first), the head's lock, the department's report (CSV, XLSX)
and dates. Thin: the services decide; a refusal is shown with its status and writes nothing."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core import clock
from kezek.core.errors import DomainError, NotFound, PermissionDenied
from kezek.facilities.models import Group
from kezek.staff.auth import staff_required
from kezek.staff.models import Role
from kezek.staff.navigation import DEPARTMENT_READ
from kezek.staff.reports import Report, csv_response, xlsx_response
from kezek.staff.selectors import Scope

from . import charts, selectors, services
from .models import PERIODS, Period, Point

app_name = "monitoring"
READERS = (Role.TEACHER, Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.ADMINISTRATOR)
EXPORTS = {"csv": csv_response, "xlsx": xlsx_response}


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]  # set by staff_required


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)


def _group(request: HttpRequest, group_id: int, period: str) -> Group:
    if period not in PERIODS:
        raise Http404
    try:
        return selectors.group_of(_scope(request), group_id)
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied from exc


def _levels(sheet: selectors.Sheet) -> list[tuple[str, str]]:
    return [(level.code, selectors.localized(level, "name")) for level in sheet.levels]


@require_GET
@staff_required(*READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The groups (a teacher's assigned ones) with their three points."""
    groups = list(selectors.groups_of(_scope(request)).filter(is_active=True)[:200])
    points = {
        (p.group_id, p.period): p
        for p in Point.objects.filter(group__in=groups).only("group_id", "period", "state")
    }
    rows = [(g, [(p, points.get((g.pk, p.value))) for p in Period]) for g in groups]
    return render(request, "monitoring/home.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@staff_required(*READERS)
def point(request: HttpRequest, group_id: int, period: str) -> HttpResponse:
    """A group's point: its children and their cards, the group's chart; the head locks it (E44)."""
    group = _group(request, group_id, period)
    status, error = 200, None
    if request.method == "POST":
        try:
            services.point_lock(group=group, period=period, by_staff=_user(request))
            messages.success(request, _("The monitoring point is locked."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            status, error = exc.status, exc.message
    sheet = selectors.sheet(group, period)
    context = {
        "sheet": sheet,
        "error": error,
        "may_lock": _scope(request).role in services.LOCKERS and sheet.started and not sheet.locked,
        "chart": charts.group_chart(
            slug="group",
            blocks=sheet.blocks,
            levels=_levels(sheet),
            distribution=selectors.group_distribution(group),
        ),
    }
    return render(request, "monitoring/point.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(*READERS)
def card(request: HttpRequest, group_id: int, period: str, enrollment_id: int) -> HttpResponse:
    """E43: one child's card at the point — a level for every indicator by one tap; saving moves on to
    the next child without a card."""
    group = _group(request, group_id, period)
    sheet = selectors.sheet(group, period)
    ids = [e.pk for e, _c in sheet.rows]
    if enrollment_id not in ids:
        raise Http404
    enrollment, found = sheet.rows[ids.index(enrollment_id)]
    status, error, chosen = 200, None, {}
    if request.method == "POST":
        marks = {k[2:]: str(v) for k, v in request.POST.items() if k.startswith("m-")}
        try:
            services.card_save(
                group=group, period=period, enrollment_id=enrollment_id, marks=marks, by_staff=_user(request)
            )
            messages.success(request, _("The card is saved."))
            return HttpResponseRedirect(_next_card(sheet, enrollment_id))
        except DomainError as exc:
            status, error = exc.status, exc.message
            chosen = marks
    if found is not None and not chosen:
        levels = selectors.card_levels(found)
        chosen = {i.code: levels[i.pk].code for i in _indicators(sheet) if i.pk in levels}
    position = ids.index(enrollment_id)
    context = {
        "sheet": sheet,
        "enrollment": enrollment,
        "card": found,
        "chosen": chosen,
        "chosen_names": {code: dict(_levels(sheet)).get(level, level) for code, level in chosen.items()},
        "levels": _levels(sheet),
        "error": error,
        "previous": ids[position - 1] if position else None,
        "next": ids[position + 1] if position + 1 < len(ids) else None,
        "position": position + 1,
        "reads": selectors.card_reads(found) if found is not None else [],
        "chart": charts.child_chart(
            slug="child",
            blocks=sheet.blocks,
            progress=selectors.child_progress(enrollment_id, locked_only=False),
        ),
    }
    return render(request, "monitoring/card.html", context, status=status)


def _indicators(sheet: selectors.Sheet) -> list[Any]:
    return [indicator for block in sheet.blocks for indicator in block.indicators]


def _next_card(sheet: selectors.Sheet, saved: int) -> str:
    """The next child of the list without a card (after the one just saved), else the point's page."""
    order = [e.pk for e, _c in sheet.rows]
    empty = [e.pk for e, c in sheet.rows if c is None and e.pk != saved]
    later = [pk for pk in empty if order.index(pk) > order.index(saved)] or empty
    if later:
        return reverse("monitoring:card", args=[sheet.group.pk, sheet.period, later[0]])
    return reverse("monitoring:point", args=[sheet.group.pk, sheet.period])


# --- the department (E42, E49) ------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    today = clock.today()
    default = today.year if today.month >= 9 else today.year - 1
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


def _report(request: HttpRequest) -> tuple[Report, int, str]:
    year = _year(request)
    period = request.GET.get("period", Period.START)
    if period not in PERIODS:
        period = Period.START
    rows = selectors.distribution_rows(_scope(request), school_year=year, period=period)
    kk = request.LANGUAGE_CODE == "kk"
    prefix = "card__point__group__organisation__"
    table: list[list[Any]] = []
    totals: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        locality = row[f"{prefix}locality__name_kk" if kk else f"{prefix}locality__name_ru"]
        area = row["indicator__area__name_kk" if kk else "indicator__area__name_ru"]
        counts = [row["children"], row["high"], row["medium"], row["low"]]
        name = row[f"{prefix}name_kk" if kk else f"{prefix}name_ru"]
        table.append([locality, name, area, *counts])
        total = totals.setdefault((locality, area), [0, 0, 0, 0])
        for index, value in enumerate(counts):
            total[index] += value
    table += [[locality, str(_("All kindergartens")), area, *v] for (locality, area), v in totals.items()]
    report = Report(
        slug=f"monitoring-{year}-{period}",
        title=_("Development monitoring: levels by area"),
        description="",
        columns=[
            _("Locality"),
            _("Preschool organisation"),
            _("Educational area"),
            _("Children"),
            _("High"),
            _("Medium"),
            _("Low"),
        ],
        rows=table,
        chart=SafeString(""),
    )
    return report, year, period


@require_GET
@staff_required(*DEPARTMENT_READ)
def report(request: HttpRequest) -> HttpResponse:
    """E49: the level distribution per area, per kindergarten and locality, of a point's locked cards."""
    built, year, period = _report(request)
    query = f"?year={year}&period={period}"
    context = {
        "report": built,
        "year": year,
        "period": period,
        "periods": Period.choices,
        "csv_url": reverse("monitoring:report_export", args=["csv"]) + query,
        "xlsx_url": reverse("monitoring:report_export", args=["xlsx"]) + query,
    }
    return render(request, "monitoring/report.html", context)


@require_GET
@staff_required(*DEPARTMENT_READ)
def report_export(request: HttpRequest, fmt: str) -> HttpResponse:
    respond = EXPORTS.get(fmt)
    if respond is None:
        raise Http404
    return respond(_report(request)[0])


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT_READ)
def dates(request: HttpRequest) -> HttpResponse:
    """E42: the department's dates of the three points in its locality (the defaults until set)."""
    scope = _scope(request)
    year = _year(request)
    localities = list(scope.localities())
    status = 200
    if request.method == "POST":
        if scope.read_only:
            return render(request, "staff/forbidden.html", status=403)
        locality = next((x for x in localities if str(x.pk) == request.POST.get("locality")), None)
        first, last = _date(request.POST.get("first_day", "")), _date(request.POST.get("last_day", ""))
        if locality is None or first is None or last is None:
            status = 422
            messages.error(request, _("Enter both dates."))
        else:
            try:
                services.point_dates_set(
                    locality=locality,
                    school_year=year,
                    period=request.POST.get("period", ""),
                    first_day=first,
                    last_day=last,
                    by_staff=_user(request),
                )
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(f"{request.path}?year={year}")
            except DomainError as exc:
                status = exc.status
                messages.error(request, str(exc.message))
    rows = [
        (
            locality,
            [
                (p, selectors.point_window(locality_id=locality.pk, school_year=year, period=p.value))
                for p in Period
            ],
        )
        for locality in localities[:50]
    ]
    context = {"rows": rows, "year": year, "read_only": scope.read_only}
    return render(request, "monitoring/dates.html", context, status=status)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


urlpatterns = [
    path("", home, name="home"),
    path("groups/<int:group_id>/<str:period>/", point, name="point"),
    path("groups/<int:group_id>/<str:period>/children/<int:enrollment_id>/", card, name="card"),
    path("report/", report, name="report"),
    path("report.<slug:fmt>", report_export, name="report_export"),
    path("dates/", dates, name="dates"),
]
