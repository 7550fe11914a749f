"""Back-office reports: the figures (one aggregate query per report, narrowed to the staff user's scope),
their charts as inline SVG (no script, no style attribute: CSP) and their CSV/XLSX downloads.

Reports: the queue by birth year and tier; free places by organisation; directions by state and by the
child's age; enrolments and departures per ISO week (the last 12 weeks).
"""

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django import forms
from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, TruncWeek
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.core import clock
from kezek.facilities.models import Group, Locality, Organisation
from kezek.opendata.exports import cell, filename
from kezek.placement.models import Direction, Enrollment, Place
from kezek.waitlist.models import Application, Tier

from .selectors import Scope

WEEKS = 12
SERIES_CLASSES = 6  # .reports-s0 … .reports-s5 in static/css/staff.css
Label = str | Promise


@dataclass(frozen=True)
class Series:
    name: Label
    values: list[int]


@dataclass(frozen=True)
class Report:
    """One report: a table (the accessible alternative of the chart and what is exported) and a chart."""

    slug: str
    title: Label
    description: Label
    columns: list[Label]
    rows: list[list[Any]]  # the first cell labels the row; the others are counts
    chart: SafeString


class ReportFilterForm(forms.Form):
    """Narrow the reports to one locality of the user's scope (empty: the whole scope)."""

    locality = forms.ModelChoiceField(
        label=_("Locality"), queryset=Locality.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = scope.localities()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------- figures


def _narrow(
    queryset: QuerySet[Any],
    *,
    scope: Scope,
    locality_id: int | None,
    locality: str,
    organisation: str | None,
) -> QuerySet[Any]:
    queryset = scope.filter(queryset, locality=locality, organisation=organisation)
    if locality_id is not None:
        queryset = queryset.filter(**{locality: locality_id})
    return queryset


def _stacked_report(
    counts: Iterable[dict[str, Any]],
    *,
    by: str,
    split: str,
    choices: type[models.TextChoices],
    slug: str,
    title: Label,
    description: Label,
    first_column: Label,
) -> Report:
    """A count per (`by`, `split`) as a table (one row per `by` value, a column per choice, a total) and
    a stacked bar chart of the same figures."""
    table: dict[int, dict[str, int]] = defaultdict(dict)
    for row in counts:
        table[row[by]][row[split]] = row["n"]
    keys = sorted(table)
    series = list(choices)
    rows = [[key, *(table[key].get(choice.value, 0) for choice in series)] for key in keys]
    rows = [[*row, sum(row[1:])] for row in rows]
    return Report(
        slug=slug,
        title=title,
        description=description,
        columns=[first_column, *(choice.label for choice in series), _("Total")],
        rows=rows,
        chart=bar_chart(
            slug=slug,
            title=title,
            categories=[str(key) for key in keys],
            series=[
                Series(choice.label, [table[key].get(choice.value, 0) for key in keys]) for choice in series
            ],
            stacked=True,
        ),
    )


def queue_report(*, scope: Scope, locality_id: int | None = None) -> Report:
    """Applications in the queue (status queued) by birth year and tier."""
    counts = (
        _narrow(
            Application.objects.filter(status=Application.Status.QUEUED),
            scope=scope,
            locality_id=locality_id,
            locality="locality",
            organisation=None,
        )
        .order_by()
        .values("cohort", "tier")
        .annotate(n=Count("pk"))
    )
    return _stacked_report(
        counts,
        by="cohort",
        split="tier",
        choices=Tier,
        slug="queue",
        title=_("Queue by birth year and tier"),
        description=_("Applications waiting in the queue, by the child's birth year and the benefit tier."),
        first_column=_("Birth year"),
    )


def free_places_report(*, scope: Scope, locality_id: int | None = None) -> Report:
    """Per active organisation: the capacity of its active groups, the children enrolled now and the
    published places still free (open)."""
    capacity = (
        Group.objects.filter(organisation=OuterRef("pk"), is_active=True)
        .order_by()
        .values("organisation")
        .annotate(total=Sum("capacity"))
        .values("total")
    )
    enrolled = (
        Enrollment.objects.filter(group__organisation=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("group__organisation")
        .annotate(total=Count("pk"))
        .values("total")
    )
    organisations = (
        _narrow(
            Organisation.objects.filter(is_active=True),
            scope=scope,
            locality_id=locality_id,
            locality="locality",
            organisation="pk",
        )
        .annotate(
            free=Count("groups__places", filter=Q(groups__places__status=Place.Status.OPEN)),
            capacity=Coalesce(Subquery(capacity, output_field=IntegerField()), 0),
            enrolled=Coalesce(Subquery(enrolled, output_field=IntegerField()), 0),
        )
        .order_by("name_ru", "pk")
    )
    found = list(organisations)
    title = _("Free places by organisation")
    return Report(
        slug="free-places",
        title=title,
        description=_(
            "Active organisations: the capacity of their active groups, the children enrolled now and the "
            "published places that are still free."
        ),
        columns=[_("Organisation"), _("Capacity"), _("Enrolled"), _("Free places")],
        rows=[[o.name, o.capacity, o.enrolled, o.free] for o in found],
        chart=bar_chart(
            slug="free-places",
            title=title,
            categories=[o.name for o in found],
            series=[Series(_("Free places"), [o.free for o in found])],
        ),
    )


def _age_at_issue() -> Any:
    """The child's age in full years on the day the direction was issued (local time), in SQL."""
    before_birthday = Q(issued_month__lt=F("birth_month")) | Q(
        issued_month=F("birth_month"), issued_day__lt=F("birth_day")
    )
    return (
        F("issued_year")
        - F("birth_year")
        - Case(When(before_birthday, then=Value(1)), default=Value(0), output_field=IntegerField())
    )


def directions_report(*, scope: Scope, locality_id: int | None = None) -> Report:
    """Every direction issued, by its state now and the child's age (full years) when it was issued."""
    birth = "application__child__birth_date"
    counts = (
        _narrow(
            Direction.objects.all(),
            scope=scope,
            locality_id=locality_id,
            locality="group__organisation__locality",
            organisation="group__organisation",
        )
        .order_by()
        .annotate(
            issued_year=ExtractYear("issued_at"),
            issued_month=ExtractMonth("issued_at"),
            issued_day=ExtractDay("issued_at"),
            birth_year=ExtractYear(birth),
            birth_month=ExtractMonth(birth),
            birth_day=ExtractDay(birth),
        )
        .annotate(age=_age_at_issue())
        .values("age", "state")
        .annotate(n=Count("pk"))
    )
    return _stacked_report(
        counts,
        by="age",
        split="state",
        choices=Direction.State,
        slug="directions",
        title=_("Directions by state and age"),
        description=_(
            "Directions issued, by their state now and the child's age in full years on the day of issue."
        ),
        first_column=_("Age, years"),
    )


def weekly_report(*, scope: Scope, locality_id: int | None = None, today: dt.date | None = None) -> Report:
    """Enrolments (by the enrolment date) and departures (by the leaving date) per ISO week: this week
    and the 11 before it. One query: the two groupings joined by UNION ALL."""
    today = today or clock.today()
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(weeks=WEEKS - 1)
    end = monday + dt.timedelta(weeks=1)
    enrolments = _narrow(
        Enrollment.objects.all(),
        scope=scope,
        locality_id=locality_id,
        locality="group__organisation__locality",
        organisation="group__organisation",
    ).order_by()

    def per_week(field: str, kind: str) -> QuerySet[Any]:
        return (
            enrolments.filter(**{f"{field}__gte": first, f"{field}__lt": end})
            .annotate(week=TruncWeek(field), kind=Value(kind, output_field=CharField()))
            .values("week", "kind")
            .annotate(n=Count("pk"))
        )

    counts: dict[tuple[dt.date, str], int] = {}
    for row in per_week("enrolled_on", "enrolled").union(per_week("left_on", "left"), all=True):
        week = row["week"]
        week = week.date() if isinstance(week, dt.datetime) else week
        counts[(week, row["kind"])] = row["n"]
    weeks = [first + dt.timedelta(weeks=n) for n in range(WEEKS)]
    labels = [_week_label(week) for week in weeks]
    enrolled = [counts.get((week, "enrolled"), 0) for week in weeks]
    left = [counts.get((week, "left"), 0) for week in weeks]
    title = _("Enrolments and departures per week")
    return Report(
        slug="weekly",
        title=title,
        description=_("Children enrolled and children who left, per ISO week, over the last 12 weeks."),
        columns=[_("Week"), pgettext_lazy("week", "Starts on"), _("Enrolled"), _("Left")],
        rows=[[label, week, e, g] for label, week, e, g in zip(labels, weeks, enrolled, left, strict=True)],
        chart=bar_chart(
            slug="weekly",
            title=title,
            categories=labels,
            series=[Series(_("Enrolled"), enrolled), Series(_("Left"), left)],
        ),
    )


def _week_label(monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


REPORTS: dict[str, Callable[..., Report]] = {
    "queue": queue_report,
    "free-places": free_places_report,
    "directions": directions_report,
    "weekly": weekly_report,
}


def all_reports(*, scope: Scope, locality_id: int | None = None) -> list[Report]:
    return [build(scope=scope, locality_id=locality_id) for build in REPORTS.values()]


# ---------------------------------------------------------------------------------------------- charts

WIDTH = 720
LABEL_WIDTH = 230
VALUE_GAP = 48  # room right of the longest bar for its number
BAR = 18
GAP = 8
LEGEND = 24
MAX_LABEL = 28


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(
    *, slug: str, title: Label, categories: Sequence[str], series: Sequence[Series], stacked: bool = False
) -> SafeString:
    """A horizontal bar chart as inline SVG: one row per category; several series are stacked (parts of
    one whole) or grouped (bars side by side). Colours come from the classes .reports-s0…5 (staff.css)
    and the fill attribute; the chart names itself with <title> and <desc> and the page's table is its
    accessible alternative."""
    bars_per_row = 1 if stacked or len(series) == 1 else len(series)
    row_height = BAR * bars_per_row + GAP
    keys = _legend(series) if len(series) > 1 else []
    legend = (keys[-1][1] + LEGEND - 4) if keys else 0
    height = legend + max(len(categories), 1) * row_height + GAP
    totals = [
        sum(s.values[i] for s in series) if stacked else max((s.values[i] for s in series), default=0)
        for i in range(len(categories))
    ]
    peak = max(totals, default=0)
    span = WIDTH - LABEL_WIDTH - VALUE_GAP
    scale = span / peak if peak else 0.0
    parts: list[str] = [
        format_html(
            '<svg class="reports-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="100%" aria-labelledby="chart-{s}-title chart-{s}-desc">'
            '<title id="chart-{s}-title">{title}</title><desc id="chart-{s}-desc">{desc}</desc>',
            w=WIDTH,
            h=height,
            s=slug,
            title=title,
            desc=_describe(categories, series) if peak else _("No data."),
        )
    ]
    for index, (left, top, item) in enumerate(keys):
        parts.append(
            format_html(
                '<rect class="reports-s{c}" x="{x}" y="{y}" width="12" height="12"/>'
                '<text class="reports-legend" x="{tx}" y="{ty}" font-size="12">{name}</text>',
                c=index % SERIES_CLASSES,
                x=left,
                y=top,
                tx=left + 16,
                ty=top + 10,
                name=item.name,
            )
        )
    for row, category in enumerate(categories):
        top = legend + GAP + row * row_height
        parts.append(
            format_html(
                '<g><title>{full}</title><text class="reports-label" x="{x}" y="{y}" font-size="12" '
                'text-anchor="end">{label}</text>',
                full=category,
                x=LABEL_WIDTH - 8,
                y=top + (BAR * bars_per_row) / 2 + 4,
                label=_short(category),
            )
        )
        x = float(LABEL_WIDTH)
        for index, item in enumerate(series):
            value = item.values[row]
            y = float(top + (0 if bars_per_row == 1 else index * BAR))
            width = value * scale
            if value:
                parts.append(
                    format_html(
                        '<rect class="reports-s{c}" x="{x}" y="{y}" width="{w}" height="{h}">'
                        "<title>{name}: {value}</title></rect>",
                        c=index % SERIES_CLASSES,
                        x=f"{x:.1f}",
                        y=f"{y:.0f}",
                        w=f"{max(width, 1.0):.1f}",
                        h=BAR - 2,
                        name=item.name,
                        value=value,
                    )
                )
            if stacked:
                x += width
            elif bars_per_row > 1 or index == len(series) - 1:
                parts.append(_value_text(LABEL_WIDTH + width + 4, y + BAR - 5, value))
        if stacked:
            parts.append(_value_text(x + 4, top + BAR - 5, totals[row]))
        parts.append(SafeString("</g>"))
    parts.append(SafeString("</svg>"))
    return format_html_join("", "{}", ((part,) for part in parts))  # each part is already safe


def _legend(series: Sequence[Series]) -> list[tuple[int, int, Series]]:
    """(x, y, series) of each legend key, wrapped onto more lines when a line is full."""
    keys = []
    left, top = 8, 4
    for item in series:
        needed = 28 + 8 * len(str(item.name))
        if left > 8 and left + needed > WIDTH:
            left, top = 8, top + LEGEND - 4
        keys.append((left, top, item))
        left += needed
    return keys


def _value_text(x: float, y: float, value: int) -> SafeString:
    return format_html(
        '<text class="reports-value" x="{x}" y="{y}" font-size="12">{value}</text>',
        x=f"{x:.1f}",
        y=f"{y:.0f}",
        value=value,
    )


def _describe(categories: Sequence[str], series: Sequence[Series]) -> str:
    """A short text alternative: how many rows, and each series' total (the table has the rest)."""
    totals = "; ".join(f"{item.name}: {sum(item.values)}" for item in series)
    return str(_("%(rows)s rows. Totals — %(totals)s.") % {"rows": len(categories), "totals": totals})


# --------------------------------------------------------------------------------------------- exports


def _text_rows(report: Report) -> list[list[str]]:
    return [
        [str(title) for title in report.columns],
        *([cell(value) for value in row] for row in report.rows),
    ]


def _name(report: Report, extension: str) -> str:
    return filename("report", report.slug, extension=extension)


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response


def csv_response(report: Report) -> HttpResponse:
    """The report's table as CSV, UTF-8 with a BOM (Excel reads Cyrillic), values as in opendata."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(_text_rows(report))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, _name(report, "csv"))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(report: Report) -> HttpResponse:
    """The report's table as an XLSX workbook with one sheet named after the report's slug. Counts are
    numbers; every text is written as a string (never a formula). Small aggregates: built in memory."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(report.slug)
    bold = workbook.add_format({"bold": True})
    for col, title in enumerate(report.columns):
        sheet.write_string(0, col, str(title), bold)
    sheet.set_column(0, 0, 40 if report.slug == "free-places" else 14)
    sheet.set_column(1, len(report.columns) - 1, 14)
    for row_number, row in enumerate(report.rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(row_number, col, value)
            else:
                sheet.write_string(row_number, col, cell(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    response = HttpResponse(output.getvalue(), content_type=XLSX_TYPE)
    return _attachment(response, _name(report, "xlsx"))
